// Full-text search over the teacher's curriculum and everything published (/api/search/).
import { $, el, showProblem } from "./dom.js";

export class Search {
  constructor(app) {
    this.app = app;
    $("search-form").addEventListener("submit", (event) => this.search(event));
  }

  show() {
    this.app.view("search", false);
    $("search-q").focus();
  }

  async search(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const words = $("search-q").value.trim();
    if (!words) return showProblem(form, { fields: { q: "Type one or more words to look for." }, message: "" });
    const answer = await this.app.api.get(`/api/search/?q=${encodeURIComponent(words)}&page_size=50`);
    if (!answer.ok) return this.app.report(form, answer);
    showProblem(form, null);
    const found = answer.data.results || [];
    this.app.tree.remember(found);
    $("search-results").replaceChildren(...found.map((node) => el("li", { id: `result-${node.id}` },
      el("a", { href: `#/node/${node.id}`, className: "node-link" },
        el("span", { className: "kind" }, node.kind), " ", el("span", { className: "title" }, node.title)),
      node.tags && node.tags.length ? el("span", { className: "muted" }, node.tags.join(", ")) : null)));
    const count = answer.data.count ?? found.length;
    $("search-count").textContent = count === 0 ? `Nothing found for “${words}”.`
      : `${count} found for “${words}”${count > found.length ? `, the best ${found.length} shown` : ""}.`;
  }
}
