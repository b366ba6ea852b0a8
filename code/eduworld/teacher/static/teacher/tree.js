// The curriculum: subject > course > unit > lesson (eduworld/curriculum). Browse it one level
// at a time; add, rename, move and delete nodes. A lesson opens in the editor (lesson.js).
import { $, el, focusOn, showProblem } from "./dom.js";

export const CHILD = { subject: "course", course: "unit", unit: "lesson", lesson: null };
export const PARENT = { subject: null, course: "subject", unit: "course", lesson: "unit" };
const KIND_WORDS = { subject: "subject", course: "course", unit: "unit", lesson: "lesson" };
const LIST_SIZE = "page_size=200";

const capital = (text) => text[0].toUpperCase() + text.slice(1);

export class Tree {
  constructor(app) {
    this.app = app;
    this.seen = new Map();  // id -> node: titles for the path shown above a node
    this.parent = null;     // the node whose children are listed (null: the subjects)
    this.children = [];
    this.target = null;     // the node a dialog acts on
    this.opener = null;     // the button that opened the dialog: focus returns there

    $("create-form").addEventListener("submit", (event) => this.create(event));
    $("rename-form").addEventListener("submit", (event) => this.rename(event));
    $("move-form").addEventListener("submit", (event) => this.move(event));
    $("delete-form").addEventListener("submit", (event) => this.remove(event));
    for (const dialog of document.querySelectorAll("dialog")) {
      dialog.addEventListener("close", () => this.closed());
      for (const cancel of dialog.querySelectorAll("[data-close]")) {
        cancel.addEventListener("click", () => dialog.close());
      }
    }
  }

  remember(nodes) {
    for (const node of nodes) this.seen.set(node.id, node);
  }

  /** The node, from the API: {status, ok, data}. */
  async node(id) {
    const answer = await this.app.api.get(`/api/nodes/${id}/`);
    if (answer.ok) this.remember([answer.data]);
    return answer;
  }

  /** The nodes above `node`, the subject first: for the path shown above it. */
  async ancestors(node) {
    const path = [];
    for (let id = node.parent; id;) {
      let above = this.seen.get(id);
      if (!above) {
        const answer = await this.node(id);
        if (!answer.ok) break;
        above = answer.data;
      }
      path.unshift(above);
      id = above.parent;
    }
    return path;
  }

  crumbs(list, path, here) {
    const items = [el("li", {}, el("a", { href: "#/" }, "Curriculum"))];
    for (const node of path) items.push(el("li", {}, el("a", { href: `#/node/${node.id}` }, node.title)));
    if (here) items.push(el("li", { "aria-current": "page" }, here.title));
    list.replaceChildren(...items);
  }

  async showRoot() {
    await this.show(null, "/api/nodes/?kind=subject&" + LIST_SIZE);
  }

  /** A node: its children, or, for a lesson, the editor. */
  async showNode(id) {
    const answer = await this.node(id);
    if (!answer.ok) return this.app.problem(answer, "This part of the curriculum cannot be shown.");
    if (answer.data.kind === "lesson") {
      return this.app.lesson.open(answer.data, await this.ancestors(answer.data));
    }
    await this.show(answer.data, `/api/nodes/${id}/children/?${LIST_SIZE}`);
  }

  async show(parent, path) {
    const answer = await this.app.api.all(path);
    if (!answer.ok) return this.app.problem(answer, "The curriculum cannot be shown.");
    this.parent = parent;
    this.children = answer.data;
    this.remember(this.children);
    this.crumbs($("crumbs"), parent ? await this.ancestors(parent) : [], parent);
    $("tree-heading").textContent = parent
      ? `${capital(KIND_WORDS[parent.kind])}: ${parent.title}` : "Your curriculum";
    const kind = this.childKind();
    $("create-label").textContent = `Title of the new ${kind}`;
    $("create-button").textContent = `Add ${kind}`;
    $("create-form").hidden = Boolean(parent && parent.owner !== this.app.me.email);
    showProblem($("create-form"), null);
    this.render();
    this.app.view("tree");
  }

  childKind() {
    return this.parent ? CHILD[this.parent.kind] : "subject";
  }

  render() {
    const kind = this.childKind();
    $("nodes").replaceChildren(...this.children.map((node) => this.item(node)));
    $("tree-empty").hidden = this.children.length > 0;
    $("tree-empty").textContent = this.parent
      ? `No ${kind} here yet.` : "No subjects yet. Add your first one below.";
  }

  item(node) {
    const mine = node.owner === this.app.me.email;
    const name = node.title;
    const actions = mine ? el("span", { className: "actions" },
      this.action("Rename", name, () => this.openRename(node)),
      node.kind === "subject" ? null : this.action("Move", name, () => this.openMove(node)),
      this.action("Delete", name, () => this.openDelete(node), "danger"),
    ) : el("span", { className: "owner" }, `by ${node.owner}`);
    return el("li", { id: `node-${node.id}` },
      el("a", { href: `#/node/${node.id}`, className: "node-link" },
        el("span", { className: "kind" }, capital(KIND_WORDS[node.kind])), " ",
        el("span", { className: "title" }, name)),
      actions);
  }

  action(verb, name, onClick, className = "secondary") {
    const button = el("button", { type: "button", className, "aria-label": `${verb} ${name}` }, verb);
    button.addEventListener("click", (event) => {
      this.opener = event.currentTarget;
      onClick();
    });
    return button;
  }

  // --- Add ---

  async create(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const kind = this.childKind();
    const title = $("create-title").value.trim();
    if (!title) return showProblem(form, { fields: { title: "Please give it a title." }, message: "" });
    const body = { kind, title, parent: this.parent ? this.parent.id : null };
    const action = `create:${body.parent}`;
    const answer = await this.app.api.write("POST", "/api/nodes/", body,
                                            this.app.keys.for(action, body));
    if (!answer.ok) return this.app.report(form, answer);
    this.app.keys.done(action);
    showProblem(form, null);
    $("create-title").value = "";
    this.remember([answer.data]);
    // Into the list on screen only if it is still the new node's parent's, and once (the
    // same key pressed twice is the same node).
    const here = (this.parent ? this.parent.id : null) === body.parent;
    if (here && !this.children.some((node) => node.id === answer.data.id)) {
      this.children.push(answer.data);
      this.render();
    }
    $("create-title").focus();  // ready for the next one
    this.app.say(`${capital(kind)} “${answer.data.title}” added.`);
  }

  // --- Dialogs: rename, move, delete ---

  openDialog(id, node) {
    this.target = node;
    const form = $(id).querySelector("form");
    showProblem(form, null);
    $(id).showModal();
  }

  // A dialog closes (and fires "close") after a task: the focus is moved then, to the
  // button that opened it (Cancel, Escape), or to what finish() named.
  closed() {
    const back = this.opener && this.opener.isConnected ? this.opener : $("tree-heading");
    focusOn(back);
  }

  /** The dialog's action is done: close it, the focus going to `next` (null: the list's heading). */
  finish(id, next) {
    this.opener = next;
    $(id).close();
  }

  openRename(node) {
    $("rename-heading").textContent = `Rename the ${KIND_WORDS[node.kind]} “${node.title}”`;
    $("rename-title").value = node.title;
    this.openDialog("rename-dialog", node);
    $("rename-title").select();
  }

  async rename(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const node = this.target;
    const title = $("rename-title").value.trim();
    if (!title) return showProblem(form, { fields: { title: "Please give it a title." }, message: "" });
    const body = { title };
    const action = `rename:${node.id}`;
    const answer = await this.app.api.write("PATCH", `/api/nodes/${node.id}/`, body,
                                            this.app.keys.for(action, body));
    if (!answer.ok) return this.app.report(form, answer);
    this.app.keys.done(action);
    this.replace(answer.data);
    this.finish("rename-dialog", document.querySelector(`#node-${CSS.escape(node.id)} .node-link`));
    this.app.say(`Renamed to “${answer.data.title}”.`);
  }

  replace(node) {
    this.remember([node]);
    this.children = this.children.map((child) => (child.id === node.id ? node : child));
    this.render();
  }

  async openMove(node) {
    const kind = PARENT[node.kind];
    const answer = await this.app.api.all(`/api/nodes/?kind=${kind}&${LIST_SIZE}`);
    if (!answer.ok) return this.app.report(null, answer);
    const places = answer.data.filter((place) => place.owner === this.app.me.email);
    this.remember(places);
    const label = (place) => {
      const above = this.seen.get(place.parent);
      return above ? `${place.title} (in ${above.title})` : place.title;
    };
    $("move-parent").replaceChildren(...places.map((place) => el("option", {
      value: place.id, selected: place.id === node.parent,
    }, label(place) + (place.id === node.parent ? " (where it is now)" : ""))));
    $("move-heading").textContent = `Move the ${KIND_WORDS[node.kind]} “${node.title}” to another ${kind}`;
    this.openDialog("move-dialog", node);
  }

  async move(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const node = this.target;
    const body = { parent: $("move-parent").value };
    if (body.parent === node.parent) return $("move-dialog").close();
    const action = `move:${node.id}`;
    const answer = await this.app.api.write("POST", `/api/nodes/${node.id}/move/`, body,
                                            this.app.keys.for(action, body));
    if (!answer.ok) return this.app.report(form, answer);
    this.app.keys.done(action);
    this.remember([answer.data]);
    this.children = this.children.filter((child) => child.id !== node.id);
    this.render();
    this.finish("move-dialog", null);
    const place = this.seen.get(body.parent);
    this.app.say(`“${node.title}” moved to “${place ? place.title : "its new place"}”.`);
  }

  openDelete(node) {
    $("delete-heading").textContent = `Delete the ${KIND_WORDS[node.kind]} “${node.title}”?`;
    $("delete-question").textContent = node.kind === "lesson"
      ? "The lesson and its media are deleted. This cannot be undone."
      : `Everything in this ${KIND_WORDS[node.kind]} is deleted too. This cannot be undone.`;
    this.openDialog("delete-dialog", node);
    $("delete-dialog").querySelector("[data-close]").focus();  // the safe choice first
  }

  async remove(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const node = this.target;
    const action = `delete:${node.id}`;
    const answer = await this.app.api.write("DELETE", `/api/nodes/${node.id}/`, undefined,
                                            this.app.keys.for(action, null));
    // 404: already gone (a retry on the other host after the first one did it).
    if (!answer.ok && answer.status !== 404) return this.app.report(form, answer);
    this.app.keys.done(action);
    this.seen.delete(node.id);
    this.children = this.children.filter((child) => child.id !== node.id);
    this.render();
    this.finish("delete-dialog", null);
    this.app.say(`${capital(KIND_WORDS[node.kind])} “${node.title}” deleted.`);
  }
}
