// The classroom board: shows its pairing code, then whatever the teacher's remote says,
// each command exactly once and, per remote, in the order the remote sent them.
import { openLink, uuid4 } from "/static/boards/link.js";

const STORE = "eduworld.board";
// A command that arrives before its predecessor waits this long for it (the other host may
// still be replaying its backlog), then is shown anyway: a lost command must not freeze
// the board for good.
const HOLD_MS = 15000;
// A code about to expire is not worth showing: nobody can type it in time.
const CODE_MARGIN_MS = 5000;
// A code that has just expired may have been typed on the other host in its last seconds:
// wait this long before asking whether it paired, so that the answer has crossed over.
const CODE_GRACE_MS = 5000;
// A remote not heard from for this long is forgotten; the server replays one day at most
// (boards.commands.BACKLOG), so its old commands cannot come back.
const FORGET_REMOTE_MS = 25 * 3600 * 1000;

const screen = document.getElementById("screen");
const banner = document.getElementById("banner");
const statusLine = document.getElementById("status");

let saved = load();
let paired = false;
let link = null;
let codeTimer = null;
const appliedIds = new Set();
const held = new Map();    // remote -> Map(seq -> {command, at})
const timers = new Map();  // remote -> timer that gives up waiting for the gap

// For the tests, and for anyone looking at a board from its console.
const hook = (window.eduworldBoard = {
  id: saved.id, log: [], duplicates: 0, skipped: [], status: "starting", host: null,
  shown: saved.shown || null,
});

function load() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORE));
    if (stored && stored.id) {
      return { id: stored.id, token: stored.token, applied: stored.applied || {},
               heard: stored.heard || {}, shown: stored.shown };
    }
  } catch { /* unreadable: start as a new board */ }
  return { id: null, applied: {}, heard: {} };
}

function save() {
  try {
    localStorage.setItem(STORE, JSON.stringify(saved));
  } catch { /* storage full or refused: the board works on, and forgets on reload */ }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The board has no account. It sends no cookies, so a teacher signed in on the same browser
// does not make its requests hers (and they need no CSRF token).
async function call(url, options = {}) {
  const answer = await fetch(url, { credentials: "omit", cache: "no-store", ...options });
  const data = await answer.json().catch(() => null);
  // The code's expiry is the server's time; this computer's clock may be minutes off.
  // Keep it as a moment on our own clock: now + what the server says is left.
  const serverNow = Date.parse(answer.headers.get("Date")) || Date.now();
  if (data && data.code_expires) data.expiresAt = Date.now() + Date.parse(data.code_expires) - serverNow;
  return { status: answer.status, data };
}

function codeShowable(board) {
  return Boolean(board.code && board.expiresAt > Date.now() + CODE_MARGIN_MS);
}

async function currentBoard(key) {
  if (saved.id) {
    const { status, data } = await call(`/api/boards/${saved.id}/`);
    if (status === 200 && saved.token && (data.paired || codeShowable(data))) return data;
    if (status !== 200 && status !== 404) throw new Error(`the server answered ${status}`);
  }
  const { status, data } = await call("/api/boards/", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": key },
    body: JSON.stringify({ name: "Board " + uuid4().slice(0, 4) }),
  });
  if (status !== 201) throw new Error((data && data.detail) || `the server answered ${status}`);
  saved = { id: data.id, token: data.token, applied: {}, heard: {} };
  hook.shown = null;
  save();
  return data;
}

// A board on the wall has nobody to press "try again": it keeps trying by itself.
async function settleBoard() {
  const key = uuid4();  // one registration, however many tries it takes
  for (let wait = 1000; ; wait = Math.min(wait * 2, 30000)) {
    try {
      const board = await currentBoard(key);
      hideBanner();
      return board;
    } catch (err) {
      showBanner(`Cannot reach the server (${err.message}). Trying again…`);
      await sleep(wait);
    }
  }
}

function useBoard(board) {
  hook.id = board.id;
  paired = board.paired;
  clearTimeout(codeTimer);
  if (!paired) {
    renderCode(board.code);
    codeTimer = setTimeout(renewCode, Math.max(1000, board.expiresAt + CODE_GRACE_MS - Date.now()));
  } else {
    render(hook.shown || { screen: "paired" });
  }
}

async function renewCode() {
  if (paired) return;
  const before = saved.id;
  useBoard(await settleBoard());
  if (saved.id !== before && link) link.restart();
}

const hello = () => {
  forgetOldRemotes();
  return { type: "hello", role: "board", board: saved.id, token: saved.token, applied: saved.applied };
};

function forgetOldRemotes() {
  const now = Date.now();
  for (const remote of Object.keys(saved.applied)) {
    if (!(now - (saved.heard[remote] || 0) < FORGET_REMOTE_MS)) {
      delete saved.applied[remote];
      delete saved.heard[remote];
    }
  }
}

function onMessage(message) {
  if (message.type === "welcome" && message.board && message.board.paired && !paired) {
    useBoard(message.board);
  } else if (message.type === "command") {
    receive(message);
  }
}

function onStatus(status, details) {
  hook.status = status;
  if (status === "connected") {
    hook.host = details.host;
    hideBanner();
    statusLine.textContent = `${details.host} · connected`;
  } else if (status === "refused") {
    statusLine.textContent = "not connected";
    showBanner(`The server refused this board: ${details.words} (code ${details.code})`);
    // An unknown board (removed, or registered on a host that died before passing it on):
    // find out which, register anew if need be, and try the other host.
    // A board whose token is refused registers anew.
    if (details.code === 4404 || details.code === 4401) setTimeout(recoverUnknown, 5000);
  } else {
    const verb = status === "connecting" ? "connecting to" : "reconnecting to";
    statusLine.textContent = `${verb} ${details.host}…`;
  }
}

async function recoverUnknown() {
  useBoard(await settleBoard());
  link.restart(false);
}

// --- Exactly once, in order per remote ---

function receive(command) {
  const { id, remote, seq } = command;
  if (typeof remote !== "string" || !Number.isInteger(seq)) return;
  const last = saved.applied[remote] || 0;
  const waiting = held.get(remote);
  if (seq <= last || appliedIds.has(id) || (waiting && waiting.has(seq))) {
    hook.duplicates += 1;
  } else if (seq === last + 1) {
    apply(command);
    release(remote);
  } else {
    if (!waiting) held.set(remote, new Map());
    held.get(remote).set(seq, { command, at: performance.now() });
    schedule(remote);
  }
}

// The gap has come: apply whatever now follows it.
function release(remote) {
  const waiting = held.get(remote);
  if (!waiting) return;
  let next;
  while ((next = waiting.get(saved.applied[remote] + 1))) {
    waiting.delete(next.command.seq);
    apply(next.command);
  }
  schedule(remote);
}

function schedule(remote) {
  clearTimeout(timers.get(remote));
  const waiting = held.get(remote);
  if (!waiting || waiting.size === 0) {
    held.delete(remote);
    timers.delete(remote);
    return;
  }
  const oldest = Math.min(...Array.from(waiting.values(), (entry) => entry.at));
  const left = Math.max(0, oldest + HOLD_MS - performance.now());
  timers.set(remote, setTimeout(() => giveUp(remote), left));
}

// The gap never came: apply what is held, in order, and write down what was missed.
function giveUp(remote) {
  const waiting = held.get(remote);
  if (!waiting) return;
  const inOrder = Array.from(waiting.values(), (entry) => entry.command).sort((a, b) => a.seq - b.seq);
  waiting.clear();
  for (const command of inOrder) {
    const from = (saved.applied[remote] || 0) + 1;
    // One entry per gap, not per number: a remote's number may be far off.
    if (from < command.seq) hook.skipped.push({ remote, from, to: command.seq - 1 });
    apply(command);
  }
  schedule(remote);
}

function apply(command) {
  saved.applied[command.remote] = command.seq;
  saved.heard[command.remote] = Date.now();
  saved.shown = command.state;
  save();  // before showing it: a reload right now must not apply it again
  appliedIds.add(command.id);
  hook.log.push({ id: command.id, remote: command.remote, seq: command.seq, at: performance.now() });
  hook.shown = command.state;
  if (!paired) {
    paired = true;
    clearTimeout(codeTimer);
  }
  render(command.state);
}

// --- What the board shows ---

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render(state) {
  screen.className = state && state.screen === "blank" ? "screen blank" : "screen";
  screen.replaceChildren();
  if (!state || state.screen === "blank") return;
  if (state.screen === "paired") {
    screen.append(el("p", "board-message", state.teacher ? `Paired with ${state.teacher}.` : "Paired."),
                  el("p", "board-hint", "Waiting for a lesson."));
  } else if (state.screen === "lesson") {
    renderLesson(state);
  } else if (state.screen === "missing") {
    screen.append(el("p", "board-message", "This part of the lesson is not there any more."),
                  el("p", "board-hint", "It was changed or removed: pick it again on the remote."));
  }
}

function renderLesson(state) {
  const head = el("header", "lesson-head");
  head.append(el("h1", "lesson-title", state.title || ""),
              el("p", "lesson-part", `part ${state.part + 1} of ${state.parts}`));
  const body = el("div", "lesson-body");
  const content = state.content || {};
  if (content.image) {
    const figure = el("figure", "lesson-figure");
    const image = el("img", "lesson-image");
    image.src = content.image;
    image.alt = content.caption || "";
    figure.append(image, el("figcaption", "lesson-caption", content.caption || ""));
    body.append(figure);
  } else {
    body.append(el("p", "lesson-text", content.text || ""));
  }
  screen.append(head, body);
  fitText();
}

// Text as large as the screen allows: start big, shrink until it no longer overflows.
function fitText() {
  const box = screen.querySelector(".lesson-body");
  const text = box && box.querySelector(".lesson-text");
  if (!text) return;
  for (let size = 9; size >= 1.5; size *= 0.9) {
    text.style.fontSize = `${size}vmin`;
    if (box.scrollHeight <= box.clientHeight && box.scrollWidth <= box.clientWidth) return;
  }
}

function renderCode(code) {
  screen.className = "screen";
  screen.replaceChildren(
    el("p", "board-message", "Type this code on your phone:"),
    el("p", "pair-code", `${code.slice(0, 3)} ${code.slice(3)}`),
    el("p", "board-hint", `at ${location.origin}/remote/`),
  );
}

const showBanner = (text) => { banner.textContent = text; banner.hidden = false; };
const hideBanner = () => { banner.hidden = true; };

window.addEventListener("resize", fitText);

async function start() {
  useBoard(await settleBoard());
  link = openLink({ hello, onMessage, onStatus });
}

start();
