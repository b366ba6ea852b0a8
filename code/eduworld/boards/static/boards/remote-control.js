// The remote's control of a board: pick or pair a board, and tell it what to show (chapter 5).
// Two pages mount it: the remote page (remote.js, same-origin fetch) and the teacher's app
// (chapter 6, its requests through either host). Each page brings its own way to call the
// API, its own element ids and its own sign-in; the rules below are the same for both.
import { openLink, uuid4 } from "/static/boards/link.js";

// Commands a host acknowledged may not have reached its peer yet when it dies: we keep them
// this long (and at most this many) to send again after a reconnect.
const KEEP_ACKED_MS = 60000;
const KEEP_MAX = 500;
const NOT_SENT = "Reconnecting… your press was not sent.";

// The API says what is wrong as {"detail": "..."} or per field, as {"code": ["..."]}.
export function problem({ status, data }) {
  if (data && typeof data.detail === "string") return data.detail;
  const first = data && typeof data === "object" ? Object.values(data).flat()[0] : null;
  return typeof first === "string" ? first : `Something went wrong (the server answered ${status}).`;
}

/**
 * Mount the control on a page.
 * - api(method, path, body, key) resolves to {status, data}; status 0 when no host answered.
 * - find(name) gives the page's element for a part ("status", "pick", "pair-form", "code",
 *   "pair-error", "boards", "no-boards", "control", "board-name", "showing", "previous",
 *   "blank", "next", "press-note", "lessons", "change-board"; "signin" if the page has one),
 *   or null.
 * - signedOut(message): the API no longer knows the teacher; the page asks them to sign in.
 * Returns {hook, showPick, stop}: hook is what tests read (window.eduworldRemote on the remote
 * page), showPick() opens the choice of boards, stop() closes the link.
 */
export function mountRemote({ api, find, signedOut }) {
  let remoteId = uuid4();  // in memory only: a reload is a new remote, counting from 1
  let nextSeq = 1;
  let sent = [];           // {seq, message, ackedAt}, in seq order
  let ackedSeqs = new Set();
  let highestAcked = 0;
  let link = null;
  let connected = false;
  let board = null;        // {id, name}, and the token that lets us control it
  let token = null;
  let tokenRenewed = false;
  let lessons = [];
  let current = null;      // what the board shows, as the server last said
  let aim = null;          // {lesson, part, parts}: where Previous and Next go from
  const pairKeys = {};     // code -> Idempotency-Key, so that retrying a pairing replays it

  const hook = {
    id: remoteId, status: "idle", host: null, acked: [], pending: 0, lessons: [],
    show, blank, next, previous,
  };

  // --- Views ---

  function view(name) {
    for (const part of ["signin", "pick", "control"]) {
      const node = find(part);
      if (node) node.hidden = part !== name;
    }
  }

  const say = (text) => { find("status").textContent = text; };
  const note = (text) => { find("press-note").textContent = text; };

  function button(text, onClick) {
    const node = document.createElement("button");
    node.type = "button";
    node.textContent = text;
    node.addEventListener("click", onClick);
    const item = document.createElement("li");
    item.append(node);
    return item;
  }

  function signIn(message) {
    closeLink();
    signedOut(message);
  }

  async function showPick(message = "") {
    closeLink();
    view("pick");
    say(message ? `Not connected: ${message}` : "Not connected to a board.");
    find("pair-error").textContent = message;
    const answer = await api("GET", "/api/boards/");
    if (answer.status === 403) return signIn("Please sign in again.");
    const list = Array.isArray(answer.data) ? answer.data : (answer.data && answer.data.results) || [];
    find("boards").replaceChildren(...list.map((found) => button(found.name, () => useBoard(found))));
    find("no-boards").hidden = list.length > 0;
  }

  async function pair(event) {
    event.preventDefault();
    const code = find("code").value.replace(/\s/g, "");
    pairKeys[code] = pairKeys[code] || uuid4();
    const answer = await api("POST", "/api/boards/pair/", { code }, pairKeys[code]);
    if (answer.status === 403) return signIn(problem(answer));
    if (answer.status !== 200) return void (find("pair-error").textContent = problem(answer));
    find("code").value = "";
    useBoard(answer.data);
  }

  // --- The link ---

  async function useBoard(chosen) {
    const answer = await api("POST", `/api/boards/${chosen.id}/remote/`);
    if (answer.status === 403) return signIn(problem(answer));
    if (answer.status !== 200 || !answer.data || !answer.data.token) {
      return void (find("pair-error").textContent = problem(answer));
    }
    if (!board || board.id !== chosen.id) newRemote();
    board = { id: chosen.id, name: chosen.name };
    token = answer.data.token;
    view("control");
    find("board-name").textContent = board.name;
    closeLink();
    link = openLink({ hello, onMessage, onStatus });
    update();
  }

  // The server ties a remote's numbers to one board, and a board expects them from 1.
  function newRemote() {
    remoteId = hook.id = uuid4();
    nextSeq = 1;
    sent = [];
    ackedSeqs = new Set();
    hook.acked = [];
    highestAcked = 0;
    current = aim = null;
    prune();
  }

  function closeLink() {
    if (link) link.close();
    link = null;
    connected = false;
  }

  const hello = () => ({ type: "hello", role: "remote", board: board.id, remote: remoteId, token });

  function onStatus(status, details) {
    hook.status = status;
    connected = status === "connected";
    if (status === "connected") {
      hook.host = details.host;
      say(`${details.host} · connected`);
      note("");
    } else if (status === "refused") {
      refused(details);
    } else {
      const verb = status === "connecting" ? "Connecting to" : "Reconnecting to";
      say(details.words ? `${verb} ${details.host}… (${details.words})` : `${verb} ${details.host}…`);
    }
    update();
  }

  async function refused({ code, words }) {
    if (code === 4401 && !tokenRenewed) {
      // The token lasts a school day; the session may well last longer: ask for a new one.
      tokenRenewed = true;
      say("Signing this remote in again…");
      const answer = await api("POST", `/api/boards/${board.id}/remote/`);
      if (answer.status === 200 && answer.data && answer.data.token && link) {
        token = answer.data.token;
        return link.restart();
      }
    }
    if (code === 4401) return signIn(words);
    if (code === 4400) newRemote();  // one of our commands was refused: do not send it again
    showPick(words);
  }

  function onMessage(message) {
    if (message.type === "welcome") welcome(message);
    if (message.type === "ack") acknowledged(message);
  }

  function welcome(message) {
    tokenRenewed = false;
    if (message.board && message.board.name) find("board-name").textContent = message.board.name;
    lessons = hook.lessons = Array.isArray(message.lessons) ? message.lessons : [];
    find("lessons").replaceChildren(...lessons.map((lesson) => button(lesson.title, () => show(lesson.id, 0))));
    for (const node of find("lessons").querySelectorAll("button")) node.dataset.command = "";
    current = message.last || null;
    aim = lessonOf(current) || aim;
    // What the host before may have taken without passing on: again, same seq, same words.
    prune();
    for (const entry of sent) link.send(entry.message);
    update();
  }

  function acknowledged({ seq, id, state }) {
    const entry = sent.find((item) => item.seq === seq);
    if (entry && entry.ackedAt === null) entry.ackedAt = performance.now();
    if (!ackedSeqs.has(seq)) {
      ackedSeqs.add(seq);
      hook.acked.push({ seq, id });
    }
    if (seq >= highestAcked) {
      highestAcked = seq;
      current = state;
      if (seq === nextSeq - 1) aim = lessonOf(state) || aim;  // nothing newer on its way
    }
    prune();
    update();
  }

  function prune() {
    const now = performance.now();
    sent = sent.filter((entry) => entry.ackedAt === null || now - entry.ackedAt < KEEP_ACKED_MS);
    if (sent.length > KEEP_MAX) sent = sent.slice(-KEEP_MAX);
    hook.pending = sent.filter((entry) => entry.ackedAt === null).length;
  }

  // --- Commands: sent now, or not at all ---

  function command(body) {
    const message = { type: "command", seq: nextSeq, ...body };
    if (!connected || !link || !link.send(message)) {
      note(NOT_SENT);
      return false;
    }
    nextSeq += 1;  // only once sent: a number never sent would leave the board a gap to wait for
    sent.push({ seq: message.seq, message, ackedAt: null });
    note("");
    prune();
    update();
    return true;
  }

  function lessonOf(state) {
    return state && state.screen === "lesson"
      ? { lesson: state.lesson, part: state.part, parts: state.parts } : null;
  }

  function show(lessonId, part) {
    const lesson = lessons.find((item) => item.id === lessonId);
    const parts = lesson ? lesson.parts : aim && aim.lesson === lessonId ? aim.parts : 0;
    // The server refuses a part that does not exist by closing the link: do not send one.
    if (!Number.isInteger(part) || part < 0 || part >= parts) return false;
    if (!command({ show: { lesson: lessonId, part } })) return false;
    aim = { lesson: lessonId, part, parts };
    update();
    return true;
  }

  function blank() { return command({ blank: true }); }
  function next() { return aim ? show(aim.lesson, aim.part + 1) : false; }
  function previous() { return aim ? show(aim.lesson, aim.part - 1) : false; }

  function describe(state) {
    if (!state) return "Showing: nothing yet";
    if (state.screen === "blank") return "Showing: Blank";
    if (state.screen === "paired") return "Showing: paired, waiting for a lesson";
    if (state.screen === "missing") return "Showing: a part that is not there any more";
    return `Showing: ${state.title}, part ${state.part + 1} of ${state.parts}`;
  }

  function update() {
    // aria-disabled, not disabled, while offline: a press still says why nothing happened.
    for (const node of find("control").querySelectorAll("[data-command]")) {
      node.setAttribute("aria-disabled", String(!connected));
    }
    find("previous").disabled = !aim || aim.part <= 0;
    find("next").disabled = !aim || aim.part >= aim.parts - 1;
    find("showing").textContent = describe(current);
  }

  // Presenter clickers send PageUp/PageDown; arrows and B work from a keyboard. Only while
  // the control is on screen: in the app, the same keys belong to other views.
  function onKey(event) {
    if (find("control").closest("[hidden]") || event.target.closest("input, textarea, select")) return;
    const act = { ArrowRight: next, PageDown: next, ArrowLeft: previous, PageUp: previous, b: blank }[event.key];
    if (!act) return;
    event.preventDefault();
    act();
  }

  find("pair-form").addEventListener("submit", pair);
  for (const [part, act] of [["previous", previous], ["next", next], ["blank", blank], ["change-board", showPick]]) {
    find(part).addEventListener("click", () => act());
  }
  document.addEventListener("keydown", onKey);

  return { hook, showPick, stop: closeLink };
}
