// Writing a lesson: title, tags, language and text; Save. What the teacher typed is a draft
// (drafts.js) from the first key press until a server has accepted that very text, so a
// failed save, a reload or a host going down never loses it. A save that found no host
// waits and goes by itself when one answers (app.unreachable).
import { $, showProblem } from "./dom.js";

const STATES = {
  saved: "All changes saved.",
  unsaved: "Unsaved changes (kept on this device).",
  saving: "Saving…",
  waiting: "Not saved yet: waiting for EduWorld to answer. Your text is kept on this device.",
};

function tagList(text) {
  return text.split(",").map((tag) => tag.trim()).filter(Boolean);
}

export class Lesson {
  constructor(app) {
    this.app = app;
    this.node = null;       // the lesson as the server last gave it
    this.state = "saved";
    this.saving = new Set();
    this.form = $("lesson-form");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save(this.node.id);
    });
    this.form.addEventListener("input", () => this.typed());
    this.form.addEventListener("change", () => this.typed());
    // Ctrl+S (Cmd+S) saves, as in every editor, instead of saving the page.
    this.form.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") {
        event.preventDefault();
        this.save(this.node.id);
      }
    });
  }

  /** The editor's values, as kept in a draft. */
  values() {
    return { title: $("lesson-title").value, tags: $("lesson-tags").value,
             language: $("lesson-language").value, body: $("lesson-body").value };
  }

  fill(values) {
    $("lesson-title").value = values.title;
    $("lesson-tags").value = values.tags;
    $("lesson-language").value = values.language;
    $("lesson-body").value = values.body;
  }

  fromServer(node) {
    return { title: node.title, tags: (node.tags || []).join(", "), language: node.language,
             body: node.body || "" };
  }

  async open(node, path) {
    this.node = node;
    const draft = this.app.drafts.get(node.id);
    this.fill(draft || this.fromServer(node));
    this.show(this.saving.has(node.id) ? "saving"
      : this.app.waiting.has(`save:${node.id}`) ? "waiting" : draft ? "unsaved" : "saved");
    showProblem(this.form, null);
    $("lesson-heading").textContent = `Lesson: ${node.title}`;
    this.app.tree.crumbs($("lesson-crumbs"), path, node);
    this.app.view("lesson");
    if (draft) this.app.say("This lesson has unsaved changes from before: they are shown. Save to keep them.");
    await this.app.media.show(node);
  }

  show(state) {
    this.state = state;
    $("lesson-state").textContent = STATES[state];
    $("lesson-state").dataset.state = state;
  }

  typed() {
    if (!this.node) return;
    this.app.drafts.put(this.node.id, this.values());
    if (this.state !== "waiting" && this.state !== "saving") this.show("unsaved");
  }

  /** Save the lesson's draft (the open lesson's, or one left open before). */
  async save(id) {
    const draft = this.app.drafts.get(id);
    const open = () => this.node && this.node.id === id;
    if (this.saving.has(id)) return;  // already on its way
    if (!draft) return open() && this.app.say("Nothing to save: no changes since the last save.");
    if (!draft.title.trim()) {
      return open() && showProblem(this.form, { fields: { title: "A lesson needs a title." }, message: "" });
    }
    const body = { title: draft.title.trim(), tags: tagList(draft.tags), language: draft.language,
                   body: draft.body };
    const action = `save:${id}`;
    this.saving.add(id);
    if (open()) this.show("saving");
    const answer = await this.app.api.write("PATCH", `/api/nodes/${id}/`, body,
                                            this.app.keys.for(action, body));
    this.saving.delete(id);
    if (answer.unreachable) {
      if (open()) this.show("waiting");
      return this.app.unreachable(action, () => this.save(id));
    }
    if (!answer.ok) {
      if (open()) {
        this.show("unsaved");
        this.app.report(this.form, answer);
      } else {
        this.app.report(null, answer);
      }
      return;
    }
    this.app.keys.done(action);
    const clean = this.app.drafts.saved(id, draft);  // false: typed on while it was saving
    this.app.tree.remember([answer.data]);
    if (open()) {
      this.node = answer.data;
      showProblem(this.form, null);
      $("lesson-heading").textContent = `Lesson: ${answer.data.title}`;
      this.show(clean ? "saved" : "unsaved");
    }
    this.app.say(`Lesson “${answer.data.title}” saved.`);
  }
}
