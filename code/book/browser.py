"""Debian's Chromium, driven by Playwright, and a local web server to point it at.

Playwright's own browser downloads are not used: the book is checked in the Chromium that
`make setup` installs from Debian. The flags keep it from reaching out to Google's services
(there is no route out, and every refused connection would be noise).
"""

import contextlib
import functools
import http.server
import shutil
import threading

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio"]


class BrowserMissing(RuntimeError):
    pass


@contextlib.contextmanager
def chromium(args=()):
    """A headless Chromium; yields Playwright's Browser. `args`: more command-line flags."""
    if not shutil.which(CHROMIUM):
        raise BrowserMissing(f"{CHROMIUM} not found: run `make setup` (Debian package chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=FLAGS + list(args))
        try:
            yield browser
        finally:
            browser.close()


def keep_offline(target, url):
    """Abort every request of a page or context that does not go to url (our local server).
    Returns the list that the refused addresses are added to: offline means offline."""
    refused = []

    def refuse(route):
        refused.append(route.request.url)
        route.abort()

    target.route(lambda address: not address.startswith(url), refuse)
    return refused


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder, port=0):
    """Serve a folder on 127.0.0.1 (a free port unless one is given); yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class PageWatch:
    """Everything on a page that went wrong: console errors, page errors, failed requests."""

    def __init__(self, page):
        self.problems = []
        page.on("console", self.console)
        page.on("pageerror", lambda err: self.problems.append(f"page error: {err}"))
        page.on("requestfailed", lambda req: self.problems.append(
            f"request failed: {req.url} ({req.failure})"))
        page.on("response", self.response)

    def console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")
