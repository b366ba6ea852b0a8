// What went wrong, in words a teacher understands. The API answers {"detail": "..."} or, for
// invalid input, a list of messages per field ({"title": ["..."]}); a proxy in front may
// answer with no JSON at all.

export const UNREACHABLE = "EduWorld cannot be reached at the moment. Your work is kept on this " +
  "device, and it is sent by itself as soon as a server answers again.";

const SIGN_IN_AGAIN = "Your sign-in has ended. Please sign in again; your unsaved work is kept.";

// DRF's words for "not signed in", and a CSRF refusal that a fresh token did not mend
// (api.js tries once more first): the session the token belonged to has ended.
const NOT_SIGNED_IN = /credentials were not provided|not authenticated|CSRF/i;

function first(messages) {
  if (typeof messages === "string") return messages;
  if (Array.isArray(messages)) return messages.map(first).find(Boolean) || "";
  if (messages && typeof messages === "object") return first(Object.values(messages));
  return "";
}

function tooLarge(detail) {
  const bytes = /(\d+) bytes/.exec(detail || "");
  const mebibytes = /([\d.]+) MiB/.exec(detail || "");
  const limit = bytes ? Number(bytes[1]) / (1024 * 1024) : mebibytes ? Number(mebibytes[1]) : null;
  return limit
    ? `This file is too large to upload: the limit is ${+limit.toFixed(1)} MB.`
    : "This file is too large to upload.";
}

/**
 * answer: {status, data, unreachable} from Api. labels: the form's fields (name -> label);
 * their messages go under each field, the others into the message.
 * Returns {message, fields, signIn, unreachable}.
 */
export function explain(answer, labels = {}) {
  const { status, data } = answer;
  const detail = data && typeof data.detail === "string" ? data.detail : "";
  const result = { message: "", fields: {}, signIn: false, unreachable: false };
  if (answer.unreachable) {
    result.unreachable = true;
    result.message = UNREACHABLE;
  } else if (status === 401 || (status === 403 && NOT_SIGNED_IN.test(detail))) {
    result.signIn = true;
    result.message = SIGN_IN_AGAIN;
  } else if (status === 403) {
    result.message = detail || "You are not allowed to do this.";
  } else if (status === 404) {
    result.message = detail && detail !== "Not found."
      ? detail
      : "This is not there any more: it may have been deleted, perhaps on another device.";
  } else if (status === 413) {
    result.message = tooLarge(detail);
  } else if (status === 429) {
    const seconds = /(\d+) s\b/.exec(detail);
    result.message = seconds
      ? `Too many attempts. Please wait ${seconds[1]} seconds and try again.`
      : "Too many attempts just now. Please wait a minute and try again.";
  } else if (status === 400 && data && typeof data === "object") {
    const others = [];
    for (const [field, messages] of Object.entries(data)) {
      const text = first(messages);
      if (field in labels) result.fields[field] = text;
      else if (field === "detail" || field === "non_field_errors") others.push(text);
      else others.push(`${field[0].toUpperCase()}${field.slice(1)}: ${text}`);
    }
    result.message = others.join(" ") || "Please correct the marked fields.";
  } else if (status >= 500) {
    result.message = "Something went wrong on the server. Please try again in a moment.";
  } else {
    result.message = detail || first(data) || `Something went wrong (the server answered ${status}).`;
  }
  return result;
}
