// A lesson's unsaved text, kept until a server has accepted it: in memory, and in
// localStorage so that a reload, a closed tab or a crash does not lose it either. One draft
// per lesson and teacher, under both ids: on a shared classroom laptop, the next teacher
// does not see the last one's unsaved text. A draft is removed only after a save of that
// very text.

const PREFIX = "eduworld.draft.";

export class Drafts {
  constructor(storage = globalThis.localStorage) {
    this.storage = storage;
    this.memory = new Map();  // kept even if the storage refuses (private mode, quota)
    this.owner = "";          // the signed-in teacher's id (app.signedIn)
  }

  key(lessonId) {
    return `${PREFIX}${this.owner}.${lessonId}`;
  }

  /** Another teacher signed in: their drafts, not the last one's. */
  setOwner(owner) {
    if (owner !== this.owner) this.memory.clear();
    this.owner = owner;
  }

  get(lessonId) {
    if (this.memory.has(lessonId)) return this.memory.get(lessonId);
    try {
      const stored = this.storage.getItem(this.key(lessonId));
      return stored ? JSON.parse(stored) : null;
    } catch {
      return null;
    }
  }

  put(lessonId, values) {
    this.memory.set(lessonId, values);
    try {
      this.storage.setItem(this.key(lessonId), JSON.stringify(values));
    } catch {
      // The copy in memory still holds it while the page is open.
    }
  }

  /** The server accepted `saved`: forget the draft, unless the teacher typed on meanwhile. */
  saved(lessonId, saved) {
    const draft = this.get(lessonId);
    if (draft && JSON.stringify(draft) !== JSON.stringify(saved)) return false;
    this.memory.delete(lessonId);
    try {
      this.storage.removeItem(this.key(lessonId));
    } catch {
      // Nothing stored, then.
    }
    return true;
  }

  /** The lessons that have unsaved text on this device. */
  lessons() {
    const ids = new Set(this.memory.keys());
    try {
      for (let i = 0; i < this.storage.length; i += 1) {
        const key = this.storage.key(i);
        const mine = `${PREFIX}${this.owner}.`;
        if (key.startsWith(mine)) ids.add(key.slice(mine.length));
      }
    } catch {
      // Only those in memory.
    }
    return [...ids];
  }
}
