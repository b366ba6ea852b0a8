// Idempotency keys (eduworld/core/idempotency.py): a write keeps its key while the same
// request is tried again, by Hosts on the other host or by the teacher pressing again, so
// that however often it arrives, it makes one object. A new key once it has succeeded.

/** A random version 4 UUID. */
export function newKey() {
  // crypto.randomUUID exists only in secure contexts, and the lab serves plain http.
  if (globalThis.isSecureContext && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class Keys {
  constructor() {
    this.kept = new Map();  // action -> {request, key}
  }

  /** The key for `action` sending `request`: the same as last time if the request is too. */
  for(action, request) {
    const text = JSON.stringify(request ?? null);
    const kept = this.kept.get(action);
    if (kept && kept.request === text) return kept.key;
    const key = newKey();
    this.kept.set(action, { request: text, key });
    return key;
  }

  /** The action succeeded: doing it again is a new action. */
  done(action) {
    this.kept.delete(action);
  }
}
