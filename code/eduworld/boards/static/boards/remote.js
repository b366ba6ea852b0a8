// The teacher's remote: sign in, pick or pair a board, and tell it what to show.
import { openLink, uuid4 } from "/static/boards/link.js";

// Commands a host acknowledged may not have reached its peer yet when it dies: we keep them
// this long (and at most this many) to send again after a reconnect.
const KEEP_ACKED_MS = 60000;
const KEEP_MAX = 500;
const NOT_SENT = "Reconnecting… your press was not sent.";

const $ = (id) => document.getElementById(id);

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

const hook = (window.eduworldRemote = {
  id: remoteId, status: "idle", host: null, acked: [], pending: 0, lessons: [],
  show, blank, next, previous,
});

// --- The API ---

function cookie(name) {
  const found = document.cookie.split("; ").find((pair) => pair.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

async function api(method, url, body, key) {
  const headers = { Accept: "application/json" };
  // Read anew each time: Django changes the CSRF token when someone signs in.
  if (method !== "GET") headers["X-CSRFToken"] = cookie("csrftoken");
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  try {
    const answer = await fetch(url, {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: answer.status, data: await answer.json().catch(() => null) };
  } catch {
    return { status: 0, data: { detail: "The server cannot be reached. Check the network and try again." } };
  }
}

// The API says what is wrong as {"detail": "..."} or per field, as {"code": ["..."]}.
function problem({ status, data }) {
  if (data && typeof data.detail === "string") return data.detail;
  const first = data && typeof data === "object" ? Object.values(data).flat()[0] : null;
  return typeof first === "string" ? first : `Something went wrong (the server answered ${status}).`;
}

// --- Views ---

function view(name) {
  for (const id of ["signin", "pick", "control"]) $(id).hidden = id !== name;
}

const say = (text) => { $("status").textContent = text; };
const note = (text) => { $("press-note").textContent = text; };

function button(text, onClick) {
  const node = document.createElement("button");
  node.type = "button";
  node.textContent = text;
  node.addEventListener("click", onClick);
  const item = document.createElement("li");
  item.append(node);
  return item;
}

function showSignIn(message = "") {
  closeLink();
  view("signin");
  say("Signed out.");
  $("signin-error").textContent = message;
  $("email").focus();
}

async function signIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  await api("GET", "/api/auth/login/");  // sets the csrftoken cookie the POST must echo
  const answer = await api("POST", "/api/auth/login/",
                           { email: $("email").value, password: $("password").value });
  if (answer.status !== 200) return void ($("signin-error").textContent = problem(answer));
  $("password").value = "";
  showPick();
}

async function showPick(message = "") {
  closeLink();
  view("pick");
  say(message ? `Not connected: ${message}` : "Not connected to a board.");
  $("pair-error").textContent = message;
  const answer = await api("GET", "/api/boards/");
  if (answer.status === 403) return showSignIn("Please sign in again.");
  const list = Array.isArray(answer.data) ? answer.data : (answer.data && answer.data.results) || [];
  $("boards").replaceChildren(...list.map((found) => button(found.name, () => useBoard(found))));
  $("no-boards").hidden = list.length > 0;
}

async function pair(event) {
  event.preventDefault();
  const code = $("code").value.replace(/\s/g, "");
  pairKeys[code] = pairKeys[code] || uuid4();
  const answer = await api("POST", "/api/boards/pair/", { code }, pairKeys[code]);
  if (answer.status === 403) return showSignIn(problem(answer));
  if (answer.status !== 200) return void ($("pair-error").textContent = problem(answer));
  $("code").value = "";
  useBoard(answer.data);
}

// --- The link ---

async function useBoard(chosen) {
  const answer = await api("POST", `/api/boards/${chosen.id}/remote/`);
  if (answer.status === 403) return showSignIn(problem(answer));
  if (answer.status !== 200 || !answer.data || !answer.data.token) {
    return void ($("pair-error").textContent = problem(answer));
  }
  if (!board || board.id !== chosen.id) newRemote();
  board = { id: chosen.id, name: chosen.name };
  token = answer.data.token;
  view("control");
  $("board-name").textContent = board.name;
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
  if (code === 4401) return showSignIn(words);
  if (code === 4400) newRemote();  // one of our commands was refused: do not send it again
  showPick(words);
}

function onMessage(message) {
  if (message.type === "welcome") welcome(message);
  if (message.type === "ack") acknowledged(message);
}

function welcome(message) {
  tokenRenewed = false;
  if (message.board && message.board.name) $("board-name").textContent = message.board.name;
  lessons = hook.lessons = Array.isArray(message.lessons) ? message.lessons : [];
  $("lessons").replaceChildren(...lessons.map((lesson) => button(lesson.title, () => show(lesson.id, 0))));
  for (const node of $("lessons").querySelectorAll("button")) node.dataset.command = "";
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
  for (const node of document.querySelectorAll("[data-command]")) {
    node.setAttribute("aria-disabled", String(!connected));
  }
  $("previous").disabled = !aim || aim.part <= 0;
  $("next").disabled = !aim || aim.part >= aim.parts - 1;
  $("showing").textContent = describe(current);
}

// Presenter clickers send PageUp/PageDown; arrows and B work from a keyboard.
function onKey(event) {
  if ($("control").hidden || event.target.closest("input, textarea, select")) return;
  const act = { ArrowRight: next, PageDown: next, ArrowLeft: previous, PageUp: previous, b: blank }[event.key];
  if (!act) return;
  event.preventDefault();
  act();
}

$("signin-form").addEventListener("submit", signIn);
$("pair-form").addEventListener("submit", pair);
for (const [id, act] of [["previous", previous], ["next", next], ["blank", blank], ["change-board", showPick]]) {
  $(id).addEventListener("click", () => act());
}
document.addEventListener("keydown", onKey);

if ((await api("GET", "/api/auth/me/")).status === 200) showPick();
else showSignIn();
