// The board's and the remote's link to the realtime service: one websocket that comes back
// by itself, to the other host when the one it used has failed (chapter 5).
import ReconnectingWebSocket from "/static/vendor/partysocket/ws.js";

// A dead TCP connection (a powered-off host, a frozen server) never closes by itself: only
// silence tells. We ping every PING_EVERY_MS and the server answers each ping, so a link
// that has heard nothing for DEAD_AFTER_MS is given up. Checked on each ping, a dead link is
// noticed at most DEAD_AFTER_MS + PING_EVERY_MS = 2 s after the last message it carried;
// the first attempt on the other host then starts at once.
export const PING_EVERY_MS = 500;
export const DEAD_AFTER_MS = 1500;

// Close codes 4400-4499: the server refused us. Trying again would be refused again.
const REFUSED = (code) => code >= 4400 && code <= 4499;

const CLOSE_WORDS = {
  1001: "The server is going away (it restarts or shuts down).",
  1009: "A message was too big for the server.",
  1011: "This host cannot serve now (its database); trying the other host.",
  4400: "The server did not accept a message from this page.",
  4401: "Not signed in, or the sign-in has expired.",
  4403: "This board belongs to someone else.",
  4404: "The server does not know this board.",
  4408: "The page did not say hello in time.",
};

/** A close code in plain words, with the server's own reason when it gave one. */
export function closeWords(code, reason) {
  const words = CLOSE_WORDS[code] || (REFUSED(code) ? "The server refused this page." : "");
  return [words, reason].filter(Boolean).join(" ");
}

/** A version 4 UUID. crypto.randomUUID exists only in secure contexts, and the lab is plain http. */
export { uuid4 } from "/static/boards/uuid.js";

// This page's own host, for when hosts.json cannot be read (its host is down, say).
function hereUrl() {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/";
}

// In a browser, partysocket passes on the close events it makes itself (on a timeout, or
// reconnect()) as new CloseEvent(type, event): the type lands in .code and the original
// event in .reason. Unwrap that, so a code is always a number.
function closeDetails(event) {
  const inner = typeof event.code === "number" ? event : event.reason;
  const code = Number(inner && inner.code) || 1006;
  const reason = inner && typeof inner.reason === "string" ? inner.reason : "";
  return { code, reason, words: closeWords(code, reason) };
}

async function fetchHosts() {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 2000);
  try {
    const answer = await fetch("/ws/hosts.json", { signal: stop.signal, cache: "no-store" });
    const data = answer.ok ? await answer.json() : null;
    if (data && Array.isArray(data.hosts) && data.hosts.length) {
      return { hosts: data.hosts, self: data.hosts.includes(data.self) ? data.self : data.hosts[0] };
    }
  } catch {
    // Fall through: the caller uses this page's host and asks again next time.
  } finally {
    clearTimeout(timer);
  }
  return null;
}

/**
 * Open the link. hello() returns the first message, asked anew on every open (a board's
 * applied vector changes between connections). onStatus(status, details) hears
 * "connecting" {host}, "connected" {host}, "reconnecting" {host, code, reason, words} and
 * "refused" {code, reason, words}; onMessage(message) hears every message but pongs.
 */
export function openLink({ hello, onMessage, onStatus = () => {} }) {
  let hosts = null;      // {hosts, self} from hosts.json, once read
  let current = null;    // the URL of the host we use or try
  let first = true;
  let stay = false;      // restart(): try the same host again, it did not fail
  let lastHeard = 0;
  let lastTick = performance.now();
  let done = false;      // close(): the page has moved on, tell it nothing more
  const names = {};      // URL -> host name, learned from the welcomes

  const nameOf = (url) => names[url] || (url ? new URL(url).host : "");

  function list() {
    return hosts ? hosts.hosts : [hereUrl()];
  }

  // Round robin from self, moving on only when the link failed: any call after the first
  // comes from a reconnect, and a reconnect happens only when a link closed or went silent.
  function following() {
    const all = list();
    if (first || !current) return hosts ? hosts.self : all[0];
    if (stay) return current;
    return all[(all.indexOf(current) + 1) % all.length];
  }

  async function nextUrl() {
    if (!hosts) hosts = await fetchHosts();
    const url = following();
    if (first && !done) onStatus("connecting", { host: nameOf(url) });
    first = false;
    stay = false;
    current = url;
    return url;
  }

  const socket = new ReconnectingWebSocket(nextUrl, undefined, {
    // 0: a command typed while the link is down is dropped, never sent later. Queued, it
    // would reach the board after newer ones, or long after the teacher gave up on it.
    maxEnqueuedMessages: 0,
    minReconnectionDelay: 250,
    maxReconnectionDelay: 2000,
    reconnectionDelayGrowFactor: 1.5,
    connectionTimeout: 2000,
    minUptime: 1000,
    shouldReconnectOnClose: (event) => !REFUSED(event.code),
  });

  function sendJson(message) {
    return socket.send(JSON.stringify(message));
  }

  socket.addEventListener("open", () => {
    if (done) return;
    lastHeard = performance.now();
    sendJson(hello());
  });

  socket.addEventListener("message", (event) => {
    if (done) return;
    lastHeard = performance.now();
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;  // not ours to act on
    }
    if (!message || message.type === "pong") return;
    if (message.type === "welcome") {
      if (message.host) names[current] = message.host;
      onStatus("connected", { host: nameOf(current) });
    }
    onMessage(message);
  });

  socket.addEventListener("close", (event) => {
    if (done) return;
    const details = closeDetails(event);
    if (REFUSED(details.code)) onStatus("refused", details);
    else onStatus("reconnecting", { host: nameOf(following()), ...details });
  });

  const heartbeat = setInterval(() => {
    const now = performance.now();
    // A tick that comes late means this page slept (a hidden tab, a locked phone): the
    // silence is ours, not the server's, so do not judge the link on it.
    const awake = now - lastTick < 2 * PING_EVERY_MS;
    lastTick = now;
    if (socket.readyState !== socket.OPEN) return;
    if (!awake) lastHeard = now;
    if (now - lastHeard > DEAD_AFTER_MS) socket.reconnect(4000, "no answer to pings");
    else sendJson({ type: "ping" });
  }, PING_EVERY_MS);

  return {
    /** Send now or not at all: true when handed to an open socket. */
    send: sendJson,
    get open() {
      return socket.readyState === socket.OPEN;
    },
    get host() {
      return nameOf(current);
    },
    /** Connect again, after a refusal the page has mended: to the same host, or the next. */
    restart(sameHost = true) {
      stay = sameHost;
      onStatus("reconnecting", { host: nameOf(following()), code: 0, reason: "", words: "" });
      socket.reconnect();
    },
    close() {
      done = true;
      clearInterval(heartbeat);
      socket.close(1000, "page done");
    },
  };
}
