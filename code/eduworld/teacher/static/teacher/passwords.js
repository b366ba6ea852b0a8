// The views for someone who is not signed in (chapter 7): a forgotten password, and the two
// links EduWorld mails, #reset/<user>/<token> (a new password) and #join/<token> (an
// invitation accepted). They go through the same Api as the rest, so they too are answered
// by whichever host answers.
import { $, showProblem } from "./dom.js";

/**
 * The two passwords of a form, checked in the page before anything is sent: typed, and the
 * same twice (a typing mistake in a field that shows dots is otherwise found at the next
 * sign-in). Returns the problem to show, or null.
 */
export function twice(password, repeat) {
  if (!password) return { fields: { password: "Please choose a password." }, message: "" };
  if (password !== repeat) {
    return { fields: { repeat: "The two passwords are not the same. Please type it again." },
             message: "" };
  }
  return null;
}

export class Passwords {
  constructor(app) {
    this.app = app;
    this.reset = null;  // {user, token} from the link
    this.token = "";    // the invitation's, from the link
    $("forgot-form").addEventListener("submit", (event) => this.forgot(event));
    $("reset-form").addEventListener("submit", (event) => this.newPassword(event));
    $("join-form").addEventListener("submit", (event) => this.join(event));
  }

  /** Shows one of these views and clears what the last visit left in it. */
  open(name) {
    const form = $(`${name}-form`);
    form.reset();
    showProblem(form, null);
    this.app.say("");
    this.app.view(name);
  }

  // --- Forgot your password? ---

  showForgot() {
    this.open("forgot");
    $("forgot-done").textContent = "";
    $("forgot-email").value = $("email").value.trim();  // what the sign-in had, if anything
  }

  async forgot(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const email = $("forgot-email").value.trim();
    $("forgot-done").textContent = "";
    if (!email) {
      return showProblem(form, { fields: { email: "Please type your email address." }, message: "" });
    }
    showProblem(form, null);
    $("forgot-button").disabled = true;
    const answer = await this.app.api.anonymous("/api/auth/password-reset/", { email });
    $("forgot-button").disabled = false;
    if (!answer.ok) return this.app.report(form, answer);
    // The same words whether or not the address has an account: the API tells nobody which do.
    $("forgot-done").textContent = answer.data.detail;
  }

  // --- #reset/<user>/<token>: a new password ---

  showReset(user, token) {
    this.reset = { user, token };
    this.open("reset");
  }

  async newPassword(event) {
    event.preventDefault();
    const answer = await this.send(event.currentTarget, "reset", "/api/auth/new-password/",
                                   this.reset);
    if (!answer) return;
    // The link is used up: off the address and out of the history, then to the sign-in.
    history.replaceState(null, "", "#/");
    this.app.showSignIn("");
    this.app.say("Your new password is set. Sign in with it.");
  }

  /**
   * A form with a new password (reset, join): the password checked twice in the page, then
   * sent with `body`. The answer when it was accepted; null when a problem is shown.
   */
  async send(form, name, path, body) {
    const password = $(`${name}-password`).value;
    const problem = twice(password, $(`${name}-repeat`).value);
    if (problem) {
      showProblem(form, problem);
      return null;
    }
    showProblem(form, null);
    $(`${name}-button`).disabled = true;
    const answer = await this.app.api.anonymous(path, { ...body, password });
    $(`${name}-button`).disabled = false;
    if (!answer.ok) {
      this.app.report(form, answer);
      return null;
    }
    form.reset();
    return answer;
  }

  // --- #join/<token>: an invitation accepted ---

  showJoin(token) {
    this.token = token;
    this.open("join");
  }

  async join(event) {
    event.preventDefault();
    const answer = await this.send(event.currentTarget, "join", "/api/invitations/accept/",
                                   { token: this.token, name: $("join-name").value.trim() });
    if (!answer) return;
    // Signed in by the answer: into the app, and the used link out of the history.
    history.replaceState(null, "", "#/");
    this.app.signedIn(answer.data);
  }
}
