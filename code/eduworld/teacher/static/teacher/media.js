// A lesson's media (eduworld/assets): upload a file, list the lesson's files with links.
import { $, el, showProblem } from "./dom.js";

function size(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export class Media {
  constructor(app) {
    this.app = app;
    this.lesson = null;
    $("upload-form").addEventListener("submit", (event) => this.upload(event));
  }

  async show(lesson) {
    this.lesson = lesson;
    showProblem($("upload-form"), null);
    $("upload-form").hidden = lesson.owner !== this.app.me.email;
    // The API lists every file the teacher may see; the lesson's are picked out here.
    const answer = await this.app.api.all("/api/assets/?page_size=200");
    if (this.lesson !== lesson) return;  // another lesson was opened meanwhile
    if (!answer.ok) return this.app.report($("upload-form"), answer);
    this.render(answer.data.filter((asset) => asset.node === lesson.id), answer.host);
  }

  render(assets, host) {
    // The file's address is on the host that listed it (each host serves its media).
    $("media-list").replaceChildren(...assets.map((asset) => el("li", { id: `asset-${asset.id}` },
      el("a", { href: new URL(asset.url, host).href, target: "_blank", rel: "noopener" }, asset.name),
      " ", el("span", { className: "muted" }, `${asset.content_type}, ${size(asset.size)}`))));
    $("media-empty").hidden = assets.length > 0;
  }

  async upload(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const file = $("upload-file").files[0];
    if (!file) return showProblem(form, { fields: { file: "Choose a file first." }, message: "" });
    const lesson = this.lesson;
    const data = new FormData();
    data.append("node", lesson.id);
    data.append("file", file, file.name);
    // The same file to the same lesson, tried again: the same key, one asset.
    const action = `upload:${lesson.id}`;
    const key = this.app.keys.for(action, [file.name, file.size, file.lastModified]);
    $("upload-button").disabled = true;
    this.app.say(`Uploading “${file.name}”…`);
    const answer = await this.app.api.upload("/api/assets/", data, key);
    $("upload-button").disabled = false;
    if (!answer.ok) return this.app.report(form, answer);
    this.app.keys.done(action);
    showProblem(form, null);
    $("upload-file").value = "";
    if (this.lesson === lesson) await this.show(lesson);  // not if another lesson is open now
    this.app.say(`“${answer.data.name}” added to the lesson.`);
  }
}
