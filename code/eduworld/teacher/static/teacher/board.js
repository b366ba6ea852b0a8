// The classroom board's remote inside the app: the remote page's own control
// (boards/remote-control.js), given the app's way to call the API (through either host) and
// the app's element ids (remote-*). Loaded when first opened: the app works without it.
import { $ } from "./dom.js";
import { newKey } from "./keys.js";

export class Board {
  constructor(app) {
    this.app = app;
    this.remote = null;  // the mounted control, once opened
  }

  get hook() {
    return this.remote ? this.remote.hook : null;
  }

  async show() {
    this.app.view("board");
    if (this.remote) {
      // Stopped by a sign-out or an ended session: start again from the pick of a board.
      if (this.stopped) {
        this.stopped = false;
        await this.remote.showPick();
      }
      return;
    }
    try {
      const { mountRemote } = await import("/static/boards/remote-control.js");
      this.remote = mountRemote({
        api: (method, path, body, key) => this.call(method, path, body, key),
        find: (part) => $(`remote-${part}`),
        signedOut: (message) => this.app.signInAgain(message),
      });
    } catch (err) {
      $("board-error").textContent = `The board remote cannot be loaded here (${err.message}).`;
      return;
    }
    await this.remote.showPick();
  }

  // The control's API: {status, data}, status 0 when no host answered.
  async call(method, path, body, key) {
    const answer = method === "GET" ? await this.app.api.get(path)
      : await this.app.api.write(method, path, body, key || newKey());
    if (answer.unreachable) this.app.unreachable();
    return { status: answer.status, data: answer.data };
  }

  stop() {
    if (this.remote) {
      this.remote.stop();
      this.stopped = true;
    }
  }
}
