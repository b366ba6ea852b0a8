// The teacher's app (chapter 6): one page, served by www and by both hosts, that sends each
// request to whichever host answers (switching.js). This module starts it, signs the teacher
// in and out, switches views by the address's #fragment, and says what happens: in the status
// line, in the banner when no host answers, and which host answered ("via host1").
import { Api } from "./api.js";
import { Board } from "./board.js";
import { Colleagues } from "./colleagues.js";
import { $, focusOn, labelsOf, showProblem } from "./dom.js";
import { Drafts } from "./drafts.js";
import { Keys } from "./keys.js";
import { Lesson } from "./lesson.js";
import { Media } from "./media.js";
import { Passwords } from "./passwords.js";
import { Search } from "./search.js";
import { Hosts } from "./switching.js";
import { Tree } from "./tree.js";
import { explain, UNREACHABLE } from "./words.js";

const VIEWS = ["signin", "forgot", "reset", "join", "tree", "lesson", "search", "board",
               "colleagues"];
const NAV = { tree: "nav-curriculum", lesson: "nav-curriculum", search: "nav-search",
              board: "nav-board", colleagues: "nav-colleagues" };

/** The API's hosts, from /app/hosts.json on the page's own origin; else that origin. */
async function hostList() {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 3000);
  try {
    const answer = await fetch("/app/hosts.json", { cache: "no-store", signal: stop.signal });
    const data = answer.ok ? await answer.json() : null;
    if (data && Array.isArray(data.api) && data.api.length) return data.api;
  } catch {
    // The page's own origin serves the API too.
  } finally {
    clearTimeout(timer);
  }
  return [location.origin];
}

/** "host1" for http://host1.eduworld.test; an address as it is. */
export function hostName(url) {
  const { hostname, port } = new URL(url);
  if (/^[\d.]+$|:/.test(hostname) || !hostname.includes(".")) return port ? `${hostname}:${port}` : hostname;
  return hostname.split(".")[0];
}

class App {
  constructor(hosts) {
    this.hosts = hosts;
    this.api = new Api(hosts, { onAnswer: () => this.showVia() });
    this.keys = new Keys();
    this.drafts = new Drafts();
    this.me = null;
    this.status = "starting";
    this.waiting = new Map();  // name -> what to do again when a host answers
    this.back = null;          // hosts.whenBack(), while no host answers
    this.tree = new Tree(this);
    this.lesson = new Lesson(this);
    this.media = new Media(this);
    this.search = new Search(this);
    this.board = new Board(this);
    this.colleagues = new Colleagues(this);
    this.passwords = new Passwords(this);

    $("signin-form").addEventListener("submit", (event) => this.signIn(event));
    $("sign-out").addEventListener("click", () => this.signOut());
    addEventListener("hashchange", () => this.route());
  }

  say(text) {
    $("status").textContent = text;
  }

  showVia() {
    $("via").textContent = `via ${hostName(this.hosts.current)}`;
    $("via").title = `Answers come from ${this.hosts.current}`;
  }

  /** Show one view; its heading takes the focus, so a screen reader starts there. */
  view(name, focus = true) {
    for (const other of VIEWS) $(`${other}-view`).hidden = other !== name;
    for (const link of document.querySelectorAll("#nav a")) link.removeAttribute("aria-current");
    if (NAV[name]) $(NAV[name]).setAttribute("aria-current", "page");
    if (focus) focusOn($(`${name}-view`).querySelector("h1"));
  }

  // --- When things go wrong ---

  /**
   * An answer that was not a success, told on `form` (or in the status line): per field, in
   * words; a session that ended asks to sign in again; no host at all shows the banner.
   */
  report(form, answer) {
    const problem = explain(answer, form ? labelsOf(form) : {});
    if (problem.signIn) {
      this.signInAgain(problem.message);
    } else if (problem.unreachable) {
      this.unreachable();
      if (form) showProblem(form, { fields: {}, message: "Not sent: EduWorld cannot be reached at the moment." });
    } else if (form) {
      showProblem(form, problem);
    } else {
      this.say(problem.message);
    }
    return problem;
  }

  /** A view could not be loaded: say why; with no host, load it again when one answers. */
  problem(answer) {
    if (answer.unreachable) {
      this.unreachable("show", () => this.route());
      return;
    }
    this.report(null, answer);
  }

  /**
   * No host answers. Show the banner, keep asking (hosts.whenBack), and when a host answers,
   * hide it and do again what waited (`name`, `retry`: a save, the view). The session is
   * kept: nobody is asked to sign in again for a network's fault.
   */
  unreachable(name, retry) {
    if (name) this.waiting.set(name, retry);
    this.status = "unreachable";
    $("offline-banner").textContent = UNREACHABLE;
    $("offline-banner").hidden = false;
    if (this.back) return;
    this.back = this.hosts.whenBack().then(async (host) => {
      this.back = null;
      $("offline-banner").hidden = true;
      this.status = this.me ? "ready" : "signed out";
      this.showVia();
      this.say(`EduWorld answers again (via ${hostName(host)}).`);
      const retries = [...this.waiting.values()];
      this.waiting.clear();
      for (const again of retries) await again();
    });
  }

  // --- Signing in and out ---

  async start() {
    this.showVia();
    const answer = await this.api.get("/api/auth/me/");
    if (answer.ok) return this.signedIn(answer.data);
    if (answer.unreachable) {
      this.say("Waiting for EduWorld to answer…");
      return this.unreachable("start", () => this.start());
    }
    // Not signed in: the sign-in, or the view a link in a mail leads to.
    this.status = "signed out";
    this.route();
  }

  showSignIn(message) {
    this.me = null;
    this.status = "signed out";
    $("nav").hidden = $("account").hidden = true;
    this.view("signin", false);
    showProblem($("signin-form"), null);
    $("signin-error").textContent = message;
    this.say(message || "Please sign in.");
    $("email").focus();
  }

  /** The API no longer knows this session: sign in again, then back to the same place. */
  signInAgain(message) {
    this.board.stop();
    this.showSignIn(message);
  }

  async signIn(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = {};
    if (!$("email").value.trim()) fields.email = "Please type your email address.";
    if (!$("password").value) fields.password = "Please type your password.";
    if (Object.keys(fields).length) return showProblem(form, { fields, message: "" });
    showProblem(form, null);
    $("signin-button").disabled = true;
    const answer = await this.api.anonymous(
      "/api/auth/login/", { email: $("email").value.trim(), password: $("password").value });
    $("signin-button").disabled = false;
    if (!answer.ok) return this.report(form, answer);
    $("password").value = "";
    this.signedIn(answer.data);
  }

  signedIn(me) {
    this.me = me;
    this.drafts.setOwner(me.id);
    this.status = "ready";
    $("who").textContent = `Signed in as ${me.name || me.email}`;
    $("nav").hidden = $("account").hidden = false;
    const unsaved = this.drafts.lessons().length;
    this.say(`Signed in as ${me.name || me.email}.` +
             (unsaved ? ` ${unsaved} lesson(s) have unsaved changes on this device.` : ""));
    this.route();
  }

  async signOut() {
    const answer = await this.api.write("POST", "/api/auth/logout/", {}, this.keys.for("sign-out", null));
    if (!answer.ok) return this.report(null, answer);
    this.keys.done("sign-out");
    this.board.stop();
    this.showSignIn("");
    this.say("Signed out.");
  }

  // --- Views by address: #/ (the subjects), #/node/<id>, #/search, #/board, #/colleagues;
  // and, with or without a sign-in, #forgot and the links in mails, #reset/… and #join/… ---

  // One view at a time, in the order the address changed: a view whose answer comes late
  // (from a host that was slow to answer) must not replace the one asked for after it.
  route() {
    this.routing = (this.routing || Promise.resolve()).catch(() => {}).then(() => this.showRoute());
    return this.routing;
  }

  async showRoute() {
    const hash = location.hash.replace(/^#/, "") || "/";
    if (hash === "forgot") return this.passwords.showForgot();
    const reset = /^reset\/([0-9a-fA-F-]{36})\/([^/]+)$/.exec(hash);
    if (reset) return this.passwords.showReset(reset[1], reset[2]);
    const join = /^join\/([^/]+)$/.exec(hash);
    if (join) return this.passwords.showJoin(join[1]);
    if (!this.me) {
      // Back from those to the app's own views: the sign-in, unless start() is still asking
      // whether someone is signed in.
      if (this.status !== "starting" && !this.waiting.has("start")) this.showSignIn("");
      return;
    }
    const node = /^\/node\/([0-9a-fA-F-]{36})$/.exec(hash);
    if (node) return this.tree.showNode(node[1]);
    if (hash === "/search") return this.search.show();
    if (hash === "/board") return this.board.show();
    if (hash === "/colleagues") return this.colleagues.show();
    return this.tree.showRoot();
  }
}

const hosts = new Hosts(await hostList());
const app = new App(hosts);

// What tests (and curious readers, in the console) read: which host answers, every attempt
// Hosts made, how often it switched, and where the teacher's work stands.
window.eduworldApp = {
  get status() { return app.status; },
  get host() { return hosts.current; },
  get via() { return hostName(hosts.current); },
  get hosts() { return hosts.hosts; },
  get log() { return hosts.log; },
  get switches() { return hosts.switches; },
  get sent() { return hosts.sent; },
  get me() { return app.me && app.me.email; },
  get lesson() { return app.lesson.node && { id: app.lesson.node.id, state: app.lesson.state }; },
  get waiting() { return [...app.waiting.keys()]; },
  get drafts() { return app.drafts.lessons(); },
  get remote() { return app.board.hook; },
  get refreshing() { return app.colleagues.refreshing; },
};

app.start();
