// A lesson's unsaved text, kept until a server has accepted it: in memory, and in
// localStorage so that a reload, a closed tab or a crash does not lose it either. One draft
// per lesson, under the lesson's id. A draft is removed only after a save of that very text.

const PREFIX = "eduworld.draft.";

export class Drafts {
  constructor(storage = globalThis.localStorage) {
    this.storage = storage;
    this.memory = new Map();  // kept even if the storage refuses (private mode, quota)
  }

  get(lessonId) {
    if (this.memory.has(lessonId)) return this.memory.get(lessonId);
    try {
      const stored = this.storage.getItem(PREFIX + lessonId);
      return stored ? JSON.parse(stored) : null;
    } catch {
      return null;
    }
  }

  put(lessonId, values) {
    this.memory.set(lessonId, values);
    try {
      this.storage.setItem(PREFIX + lessonId, JSON.stringify(values));
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
      this.storage.removeItem(PREFIX + lessonId);
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
        if (key.startsWith(PREFIX)) ids.add(key.slice(PREFIX.length));
      }
    } catch {
      // Only those in memory.
    }
    return [...ids];
  }
}
