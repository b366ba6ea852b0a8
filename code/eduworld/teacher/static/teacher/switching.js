// Which host the teacher's app talks to, and what it does when that host stops answering
// (chapter 6). One small module, so that its rules can be read, and tested, on their own:
//
// - Pick a random host at start; stay with it while it answers (no ping-pong).
// - A host that refuses the connection is left at once: the request never arrived.
// - A host that does not answer is given a generous time (school networks), but a read is
//   also sent to the other host after a short delay (hedged); the first answer wins.
// - A write is never hedged. One that got no answer is sent to the other host with the
//   same Idempotency-Key: if the first host did commit it, the second creates the same row.
// - Every host tried once, then the request fails with Unreachable; the app says so and
//   keeps the teacher's work, and `whenBack` resolves when a host answers again.
// - Retries and hedges come out of a budget, so that a sick pair is not flooded.

export const HEDGE_AFTER_MS = 800;      // a read unanswered this long is also sent elsewhere
export const TIMEOUT_MS = 10000;        // a host that has not answered in 10 s is given up
export const PROBE_EVERY_MS = 2000;     // how often an unreachable pair is asked again
export const PROBE_TIMEOUT_MS = 3000;   // a health probe needs no school-network patience
// The budget: each request earns a tenth of a retry, up to BUDGET_MAX saved retries; a
// retry or a hedge spends one. A pair that fails every request gets about one retry in ten.
export const BUDGET_PER_REQUEST = 0.1;
export const BUDGET_MAX = 5;

const LOG_KEEP = 5000;

// nginx answers for a host whose application is down: treat those as no answer.
const NOT_SERVED = new Set([502, 503, 504]);

export class Unreachable extends Error {
  constructor(tried) {
    super("EduWorld cannot be reached at the moment. Your work is kept; it is sent when a server answers again.");
    this.name = "Unreachable";
    this.tried = tried;
  }
}

export class Hosts {
  /**
   * hosts: base URLs ("http://10.86.16.11"). options: fetch (for a page that wraps it),
   * random (to pick the first host), and the timings above.
   */
  constructor(hosts, options = {}) {
    if (!hosts.length) throw new Error("no hosts");
    this.hosts = [...hosts];
    this.fetch = options.fetch || globalThis.fetch.bind(globalThis);
    this.hedgeAfterMs = options.hedgeAfterMs ?? HEDGE_AFTER_MS;
    this.timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
    this.probeEveryMs = options.probeEveryMs ?? PROBE_EVERY_MS;
    const random = options.random || Math.random;
    this.current = this.hosts[Math.floor(random() * this.hosts.length)];
    this.budget = BUDGET_MAX;
    this.probeTimeoutMs = options.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
    // What each attempt did: {t, host, method, path, kind, outcome}; kind is first, hedge,
    // retry or probe. The tests and the bench read it; the last LOG_KEEP entries are kept.
    this.log = [];
    this.sent = 0;       // requests the app made (each is one or more attempts)
    this.switches = 0;
  }

  /** A GET: hedged to another host when the current one is slow. */
  async read(path, init = {}) {
    return this.send(path, { ...init, method: "GET" }, true);
  }

  /** A write: never hedged; sent to another host, same key, when it got no answer. */
  async write(method, path, body, idempotencyKey, init = {}) {
    const headers = { ...(init.headers || {}), "Content-Type": "application/json" };
    return this.writeBody(method, path, JSON.stringify(body), idempotencyKey, { ...init, headers });
  }

  /** A write whose body is sent as it is (FormData for an upload: the browser sets its
   * Content-Type), by the same rules as write(). */
  async writeBody(method, path, body, idempotencyKey, init = {}) {
    const headers = { ...(init.headers || {}), "Idempotency-Key": idempotencyKey };
    return this.send(path, { ...init, method, headers, body }, false);
  }

  async send(path, init, hedged) {
    this.budget = Math.min(BUDGET_MAX, this.budget + BUDGET_PER_REQUEST);
    this.sent += 1;
    const tried = [];
    let host = this.current;
    while (host) {
      tried.push(host);
      const other = this.next(tried);
      const answer = hedged && other
        ? await this.hedge(host, other, path, init, tried)
        : await this.attempt(host, path, init, null, tried.length > 1 ? "retry" : "first");
      if (answer.response) {
        this.use(answer.host);
        return answer.response;
      }
      // A refused request never arrived: the next host is free to try. One that got no
      // answer may have arrived: trying again costs a retry from the budget.
      const next = this.next(tried);
      host = next && (answer.refused || this.spend()) ? next : null;
    }
    throw new Unreachable(tried);
  }

  // One request to one host: {response} when it answered, {refused} when the connection
  // was refused or reset (the request never arrived), {} when it did not answer in time.
  async attempt(host, path, init, signal, kind = "first", timeoutMs = this.timeoutMs) {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), timeoutMs);
    const note = (outcome, result) => this.note(host, init.method, path, kind, outcome, result);
    const onAbort = () => stop.abort();
    if (signal) signal.addEventListener("abort", onAbort);
    const started = performance.now();
    try {
      const response = await this.fetch(host + path, { ...init, signal: stop.signal,
                                                       credentials: "include" });
      if (NOT_SERVED.has(response.status)) return note("not served", {});
      // The body too, within the same deadline: a cable cut halfway through an answer
      // must not leave the app waiting on TCP's own timeout (minutes). The copy is read
      // here; the caller reads the response from what it buffered.
      await response.clone().arrayBuffer();
      return note("answered", { response, host });
    } catch {
      if (signal && signal.aborted) return note("abandoned", {});
      // A refusal comes back at once; a timeout after timeoutMs.
      const quick = performance.now() - started < timeoutMs / 2;
      return note(quick ? "refused" : "no answer", { refused: quick });
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", onAbort);
    }
  }

  // A read to `host`; if it has not answered after hedgeAfterMs (and the budget allows),
  // the same read to `other` too. The first answer wins; the other request is abandoned.
  async hedge(host, other, path, init, tried) {
    const cancel = { [host]: new AbortController(), [other]: new AbortController() };
    const first = this.attempt(host, path, init, cancel[host].signal,
                               tried.length > 1 ? "retry" : "first");
    let timer;
    const late = new Promise((resolve) => { timer = setTimeout(resolve, this.hedgeAfterMs); });
    const early = await Promise.race([first, late]);
    clearTimeout(timer);
    if (early || !this.spend()) return early || first;
    tried.push(other);
    const second = this.attempt(other, path, init, cancel[other].signal, "hedge");
    const winner = await firstAnswer([first, second]);
    if (winner.response) cancel[winner.host === host ? other : host].abort();
    return winner;
  }

  note(host, method, path, kind, outcome, result) {
    this.log.push({ t: Math.round(performance.now()), host, method, path, kind, outcome });
    if (this.log.length > LOG_KEEP) this.log.splice(0, this.log.length - LOG_KEEP);
    return result;
  }

  spend() {
    if (this.budget < 1) return false;
    this.budget -= 1;
    return true;
  }

  next(tried) {
    return this.hosts.find((host) => !tried.includes(host)) || null;
  }

  use(host) {
    if (host !== this.current) {
      this.current = host;
      this.switches += 1;
    }
  }

  /** Resolves when any host answers `path` (the health check) again; the app then goes on. */
  async whenBack(path = "/api/health/") {
    for (;;) {
      for (const host of [this.current, ...this.hosts.filter((h) => h !== this.current)]) {
        const answer = await this.attempt(host, path, { method: "GET" }, null, "probe",
                                          this.probeTimeoutMs);
        if (answer.response && answer.response.ok) {
          this.use(host);
          return host;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, this.probeEveryMs));
    }
  }
}

// The first of the attempts that answered; if none did, the last outcome.
async function firstAnswer(attempts) {
  return new Promise((resolve) => {
    let left = attempts.length;
    for (const attempt of attempts) {
      attempt.then((result) => {
        left -= 1;
        if (result.response || left === 0) resolve(result);
      });
    }
  });
}
