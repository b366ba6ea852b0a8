"""A websocket client for tests and benches: a board or a remote without a browser.

Blocking calls over Tornado's client, which runs in a thread of its own: tests read like
a conversation (say hello, send, wait for the next message or for the close).
"""

import asyncio
import json
import threading
import time
import uuid

import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from . import config, names
from .client import Api
from .polling import wait_for


class Closed(Exception):
    def __init__(self, code, reason):
        super().__init__(f"closed with {code}: {reason}")
        self.code, self.reason = code, reason


class Socket:
    """One websocket to `url` (ws://HOST/ws/), sending `origin` as a browser would."""

    def __init__(self, url, origin, timeout=5):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        request = HTTPRequest(url, headers={"Origin": origin}, connect_timeout=timeout,
                              request_timeout=timeout)
        self.conn = self.call(lambda: websocket_connect(request, max_message_size=1 << 24),
                              timeout)

    def call(self, make, timeout):
        """Run make() in the socket's loop and wait for what it returns, at most timeout."""
        async def run():
            return await asyncio.wait_for(make(), timeout)
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout + 1)

    def send(self, message):
        text = message if isinstance(message, str | bytes) else json.dumps(message)
        self.call(lambda: self.conn.write_message(text, binary=isinstance(text, bytes)), 5)

    def receive(self, timeout=5, pongs=False):
        """The next message (pongs skipped unless asked for), or Closed with the server's
        code and reason."""
        deadline = time.monotonic() + timeout
        while True:
            raw = self.call(self.conn.read_message, max(0.01, deadline - time.monotonic()))
            if raw is None:
                raise Closed(self.conn.close_code, self.conn.close_reason)
            message = json.loads(raw)
            if pongs or message.get("type") != "pong":
                return message

    def ping(self, timeout=2):
        """Seconds until the service answers a ping: it is serving this socket."""
        started = time.monotonic()
        self.send({"type": "ping"})
        while self.receive(timeout, pongs=True)["type"] != "pong":
            pass
        return time.monotonic() - started

    def closed_with(self, timeout=10):
        """The close code and reason the server ended this socket with."""
        try:
            while True:
                self.receive(timeout)
        except Closed as closed:
            return closed.code, closed.reason

    def close(self):
        self.loop.call_soon_threadsafe(self.conn.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def origin(host):
    """A host's origin, as its pages send it."""
    return names.url(host)


def connect(host, from_origin=None):
    """A socket to a host's /ws/ through nginx, from a page of that host unless told."""
    return Socket(f"ws://{config.ADDRESSES[host]}/ws/", from_origin or origin(host))


def wait_until_board_on(host, board_id, timeout=30):
    """Until a board's row has reached `host` (replication: seconds at most after a host's
    boot); a code typed there before would be "no board shows this code"."""
    wait_for(lambda: requests.get(f"{origin(host)}/api/boards/{board_id}/",
                                  timeout=5).status_code == 200,
             timeout, f"the board to be known on {host}")


def paired_board(name, register_on="host2", pair_on="host1"):
    """A board registered on one host and paired there by the demo teacher through the
    other: the API's answer ({id, code, token, ...}) and `remote_token`, the remote's."""
    board = requests.post(f"{origin(register_on)}/api/boards/", json={"name": name},
                          timeout=5).json()
    wait_until_board_on(pair_on, board["id"])
    teacher = Api(pair_on).sign_in()
    paired = teacher.post("/api/boards/pair/", {"code": board["code"]})
    assert paired.status_code == 200, paired.text
    board["remote_token"] = teacher.post(f"/api/boards/{board['id']}/remote/",
                                         {}).json()["token"]
    return board


def board_hello(board_id, token, applied=None):
    return {"type": "hello", "role": "board", "board": str(board_id), "token": token,
            "applied": {str(k): v for k, v in (applied or {}).items()}}


def remote_hello(board_id, token, remote=None):
    return {"type": "hello", "role": "remote", "board": str(board_id),
            "remote": str(remote or uuid.uuid4()), "token": token}
