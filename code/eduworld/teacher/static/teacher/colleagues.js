// Colleagues (chapter 7): invite one by email, and see what became of each invitation's
// mail. The API answers at once and a host's sender sends the mail afterwards, so the list
// asks again every few seconds while the view is open and a mail still waits.
import { $, el, showProblem } from "./dom.js";

export const REFRESH_MS = 3000;
const LANGUAGES = { nl: "Dutch", en: "English" };

/** What became of a mail ({state, reason, failed_attempts} from the API), in words. */
export function mailWords(mail) {
  if (mail.state === "sent") return "The mail was sent.";
  if (mail.state === "rejected") {
    const reason = mail.reason ? `: ${mail.reason.replace(/\.$/, "")}` : "";
    return `The mail could not be delivered${reason}. Check the address, and invite again.`;
  }
  return mail.failed_attempts > 0
    ? "The mail is waiting to be sent: the mail service is slow, EduWorld keeps trying."
    : "The mail is waiting to be sent.";
}

function when(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export class Colleagues {
  constructor(app) {
    this.app = app;
    this.timer = null;
    this.states = new Map();  // invitation id -> its mail's state when last shown
    $("invite-form").addEventListener("submit", (event) => this.invite(event));
  }

  get refreshing() {
    return this.timer !== null;
  }

  async show() {
    showProblem($("invite-form"), null);
    this.app.view("colleagues");
    await this.load();
  }

  /** Still on screen: signed in, the view shown. A refresh for a view that was left stops. */
  open() {
    return Boolean(this.app.me) && !$("colleagues-view").hidden;
  }

  async load() {
    clearTimeout(this.timer);
    this.timer = null;
    const answer = await this.app.api.get("/api/invitations/");
    if (!this.open()) return;
    // No host: the view is shown again (and refreshes again) when one answers.
    if (!answer.ok) return this.app.problem(answer);
    this.render(answer.data);
    if (answer.data.some((invitation) => invitation.mail.state === "queued")) {
      clearTimeout(this.timer);  // a load that overtook this one may have set one already
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.open()) this.load();
      }, REFRESH_MS);
    }
  }

  render(invitations) {
    // A mail that was waiting and is now sent or refused is also said in the status line,
    // which a screen reader reads out; the list itself changes quietly.
    for (const invitation of invitations) {
      const before = this.states.get(invitation.id);
      if (before === "queued" && invitation.mail.state !== "queued") {
        this.app.say(`Invitation to ${invitation.email}: ${mailWords(invitation.mail)}`);
      }
      this.states.set(invitation.id, invitation.mail.state);
    }
    $("invitations").replaceChildren(...invitations.map((invitation) => this.item(invitation)));
    $("invitations-empty").hidden = invitations.length > 0;
  }

  item(invitation) {
    const who = invitation.name ? `${invitation.name} (${invitation.email})` : invitation.email;
    const language = LANGUAGES[invitation.language] || invitation.language;
    return el("li", { id: `invitation-${invitation.id}` },
      el("span", { className: "who" }, who),
      el("span", { className: "mail-state", "data-state": invitation.mail.state },
        mailWords(invitation.mail)),
      el("span", { className: "muted" }, `Invited ${when(invitation.created)}, in ${language}.`));
  }

  async invite(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const email = $("invite-email").value.trim();
    if (!email) {
      return showProblem(form, { fields: { email: "Please type your colleague’s email address." },
                                 message: "" });
    }
    const body = { email, name: $("invite-name").value.trim(),
                   language: $("invite-language").value };
    // Pressed again after no answer: the same key, so one invitation and one mail.
    const key = this.app.keys.for("invite", body);
    $("invite-button").disabled = true;
    const answer = await this.app.api.write("POST", "/api/invitations/", body, key);
    $("invite-button").disabled = false;
    if (!answer.ok) return this.app.report(form, answer);
    this.app.keys.done("invite");
    form.reset();
    showProblem(form, null);
    this.app.say(`Invitation to ${answer.data.email} made: ${mailWords(answer.data.mail)}`);
    $("invite-email").focus();  // ready for the next colleague
    if (this.open()) await this.load();
  }
}
