// Idempotency keys (eduworld/core/idempotency.py): a write keeps its key while the same
// request is tried again, by Hosts on the other host or by the teacher pressing again, so
// that however often it arrives, it makes one object. A new key once it has succeeded.

import { uuid4 } from "/static/boards/uuid.js";

/** A new key: a random version 4 UUID. */
export const newKey = uuid4;

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
