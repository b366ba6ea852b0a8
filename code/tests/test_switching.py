"""The teacher's app's switching logic (teacher/static/teacher/switching.js), in Chromium,
against two real HTTP servers on this machine that can be told to answer, refuse the
connection, hang, or answer 503 as nginx does for a stopped application (chapter 6).

The module runs as the app runs it: an ES module in a page of another origin, its requests
cross-origin with credentials (CORS), timed by the browser's own clock.
"""

import http.server
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from book.browser import chromium, serve

pytestmark = pytest.mark.browser

MODULE = Path(__file__).resolve().parents[1] / "eduworld" / "teacher" / "static" / "teacher"


class Host:
    """A host of the pair, in one of the modes a fault leaves it in."""

    def __init__(self, name):
        self.name, self.mode, self.requests = name, "answer", []
        self.release = threading.Event()
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.server = None
        self.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def headers_for(self, status):
                self.send_response(status)
                self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin", "*"))
                self.send_header("Access-Control-Allow-Credentials", "true")
                self.send_header("Access-Control-Allow-Headers", "Content-Type, Idempotency-Key")
                self.send_header("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE")

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.command != "OPTIONS":
                    host.requests.append({"method": self.command, "path": self.path,
                                          "key": self.headers.get("Idempotency-Key"),
                                          "body": body.decode()})
                if host.mode == "hang" and self.command != "OPTIONS":
                    host.release.wait(30)  # the application froze after the preflight
                    return
                status = 503 if host.mode == "unavailable" and self.command != "OPTIONS" else 200
                self.headers_for(status)
                payload = json.dumps({"host": host.name}).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_OPTIONS = answer

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def refuse(self):
        """Nothing listens on the port: connections are refused, as by a stopped nginx."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def stop(self):
        self.release.set()
        self.refuse()


@pytest.fixture
def hosts():
    pair = [Host("host1"), Host("host2")]
    yield pair
    for host in pair:
        host.stop()


@pytest.fixture(scope="module")
def page():
    with chromium() as browser, serve(MODULE) as base:
        page = browser.new_page()
        page.goto(base)
        page.evaluate("async (url) => { window.switching = await import(url); }",
                      base + "switching.js")
        yield page


def make(page, hosts, first=0, **options):
    """window.pair: a Hosts over the two servers, starting with hosts[first]."""
    page.evaluate("""([urls, first, options]) => {
        window.pair = new window.switching.Hosts(urls, {...options, random: () => first / 2});
    }""", [[h.url for h in hosts], first, options])


def read(page, path="/api/nodes/"):
    """(which host answered or the error's name, seconds it took in the browser)."""
    return page.evaluate("""async (path) => {
        const started = performance.now();
        try {
            const answer = await window.pair.read(path);
            return [(await answer.json()).host, (performance.now() - started) / 1000];
        } catch (err) {
            return [err.name, (performance.now() - started) / 1000];
        }
    }""", path)


def write(page, key):
    return page.evaluate("""async (key) => {
        const started = performance.now();
        try {
            const answer = await window.pair.write("POST", "/api/nodes/", {title: "x"}, key);
            return [(await answer.json()).host, (performance.now() - started) / 1000];
        } catch (err) {
            return [err.name, (performance.now() - started) / 1000];
        }
    }""", key)


def test_the_first_host_is_random_and_kept_while_it_answers(page, hosts):
    for first in (0, 1):
        make(page, hosts, first)
        assert {read(page)[0] for _ in range(10)} == {hosts[first].name}
    assert page.evaluate("window.pair.switches") == 0


def test_a_host_that_refuses_is_left_at_once_and_not_asked_again(page, hosts):
    make(page, hosts, 0)
    hosts[0].refuse()
    answered, seconds = read(page)
    assert answered == "host2" and seconds < 0.5
    assert [read(page)[0] for _ in range(5)] == ["host2"] * 5
    assert page.evaluate("window.pair.switches") == 1
    assert [entry["outcome"] for entry in page.evaluate("window.pair.log")][:2] == [
        "refused", "answered"]


def test_a_read_to_a_silent_host_is_hedged_to_the_other(page, hosts):
    make(page, hosts, 0, hedgeAfterMs=300, timeoutMs=5000)
    hosts[0].mode = "hang"
    answered, seconds = read(page)
    assert answered == "host2" and 0.3 <= seconds < 0.8
    assert page.evaluate("window.pair.current") == hosts[1].url


def test_a_write_is_never_hedged_and_is_retried_with_the_same_key(page, hosts):
    make(page, hosts, 0, hedgeAfterMs=300, timeoutMs=1500)
    hosts[0].mode = "hang"
    answered, seconds = write(page, "key-1")
    assert answered == "host2" and 1.5 <= seconds < 2.2
    writes = [r for h in hosts for r in h.requests if r["method"] == "POST"]
    assert [(r["key"], r["body"]) for r in writes] == [("key-1", '{"title":"x"}')] * 2


def test_every_host_tried_once_then_unreachable_then_back_by_itself(page, hosts):
    make(page, hosts, 0, probeEveryMs=200)
    for host in hosts:
        host.refuse()
    answered, seconds = read(page)
    assert answered == "Unreachable" and seconds < 0.5
    assert len(page.evaluate("window.pair.log")) == 2
    page.evaluate("() => { window.back = window.pair.whenBack('/api/health/'); }")
    time.sleep(0.5)
    hosts[1].start()
    assert page.evaluate("window.back") == hosts[1].url
    assert read(page)[0] == "host2"


def test_the_retry_budget_spares_a_sick_pair(page, hosts):
    """Both hosts answer 503 to every request: of 30 writes, only the first few are tried
    on the other host too; the rest stop at the first host."""
    make(page, hosts, 0)
    for host in hosts:
        host.mode = "unavailable"
    outcomes = [write(page, f"key-{n}")[0] for n in range(30)]
    assert set(outcomes) == {"Unreachable"}
    attempts = len(page.evaluate("window.pair.log"))
    assert attempts <= 30 + 5 + 3, attempts
