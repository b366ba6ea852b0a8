// The app's calls to the API, all through Hosts (switching.js): whichever host answers.
// Every answer comes back as {status, ok, data, host}; when no host answered, as
// {status: 0, unreachable: true}, so that callers handle one shape and never an exception.
import { newKey } from "./keys.js";
import { Unreachable } from "./switching.js";

function cookie(name) {
  const found = document.cookie.split("; ").find((pair) => pair.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

/** The path and query of a URL the API gave (a page's `next`), for Hosts to send anywhere. */
export function pathOf(url) {
  const parsed = new URL(url, location.href);
  return parsed.pathname + parsed.search;
}

export class Api {
  constructor(hosts, { onAnswer = () => {} } = {}) {
    this.hosts = hosts;
    this.onAnswer = onAnswer;  // after every request: the app shows which host answered
    this.token = "";           // the CSRF token from the API's own answer, if no cookie has it
  }

  // The session and CSRF cookies live on the root domain, so this page sees csrftoken even
  // when the API is another host. Read anew each time: signing in changes it.
  csrf() {
    return cookie("csrftoken") || this.token;
  }

  async get(path) {
    return this.answer(() => this.hosts.read(path, {
      headers: { Accept: "application/json" }, cache: "no-store" }));
  }

  /** A JSON write (POST, PATCH, DELETE) with its Idempotency-Key. */
  async write(method, path, body, key) {
    return this.checked(() => this.answer(() => this.hosts.write(method, path, body, key, {
      headers: { Accept: "application/json", "X-CSRFToken": this.csrf() } })));
  }

  /**
   * A POST from someone who is not signed in (signing in, a forgotten password, an
   * invitation accepted). Django wants the CSRF cookie sent back, so it is asked for first.
   * The API ignores keys on anonymous requests: each gets a new one.
   */
  async anonymous(path, body) {
    const token = await this.refreshToken();
    if (!token.ok) return token;
    return this.write("POST", path, body, newKey());
  }

  /** A multipart POST (an upload): same rules, the browser writes the body and its type. */
  async upload(path, form, key) {
    return this.checked(() => this.answer(() => this.hosts.writeBody("POST", path, form, key, {
      headers: { Accept: "application/json", "X-CSRFToken": this.csrf() } })));
  }

  /** Every page of a list (DRF pagination), as one array. */
  async all(path) {
    const items = [];
    let next = path;
    while (next) {
      const answer = await this.get(next);
      if (!answer.ok) return { ...answer, data: null };
      const data = answer.data || {};
      items.push(...(Array.isArray(data) ? data : data.results || []));
      next = data.next ? pathOf(data.next) : null;
    }
    return { status: 200, ok: true, data: items, host: this.hosts.current };
  }

  async answer(request) {
    try {
      const response = await request();
      const data = response.status === 204 ? null : await response.json().catch(() => null);
      return { status: response.status, ok: response.ok, data, host: this.hosts.current };
    } catch (err) {
      if (err instanceof Unreachable) {
        return { status: 0, ok: false, unreachable: true, data: { detail: err.message } };
      }
      throw err;
    } finally {
      this.onAnswer();
    }
  }

  // Django refuses a write whose CSRF token is not the session's current one; the token
  // changes when the teacher signs in (on any host). Ask for the current one, and try once more.
  async checked(write) {
    const answer = await write();
    if (answer.status !== 403 || !/CSRF/.test((answer.data && answer.data.detail) || "")) {
      return answer;
    }
    await this.refreshToken();
    return write();
  }

  async refreshToken() {
    const answer = await this.get("/api/auth/login/");  // also sets the csrftoken cookie
    if (answer.ok && answer.data) this.token = answer.data.csrf_token || "";
    return answer;
  }
}
