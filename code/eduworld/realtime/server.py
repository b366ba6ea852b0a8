"""The sockets: boards that listen, remotes that command, and the hub between them."""

import asyncio
import contextlib
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import tornado.web
import tornado.websocket
from django.db import DatabaseError, close_old_connections, connections

from eduworld.boards import commands

from . import codes, protocol
from .codes import Refused

log = logging.getLogger("eduworld.realtime")
HELLO_TIMEOUT = 5  # seconds a new socket has to say hello
BACKSTOP = 64      # Tornado's own limit, in protocol limits


class Hub:
    """Which sockets watch which board, and the thread pool that Django runs in."""

    def __init__(self, origins, host_name, max_message_bytes=16384):
        self.origins = set(origins)
        self.max_message_bytes = max_message_bytes
        self.host_name = host_name
        self.boards = {}   # board id -> the BoardSockets showing it
        self.sockets = set()
        # Django's ORM blocks: it runs in threads, each with its own database connection.
        self.threads = 4
        self.pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="django")

    async def run(self, function, *args):
        def call():
            close_old_connections()  # a connection that died with PostgreSQL is replaced
            try:
                return function(*args)
            finally:
                close_old_connections()
        return await asyncio.get_running_loop().run_in_executor(self.pool, call)

    def stop(self):
        """Close every thread's database connection (each thread has its own), then the pool."""
        barrier = threading.Barrier(self.threads)

        def close():
            barrier.wait(5)  # one call in each thread: none returns before all have started
            connections.close_all()
        for _ in range(self.threads):
            self.pool.submit(close)
        self.pool.shutdown(wait=True)

    def watch(self, socket, board_id):
        self.boards.setdefault(board_id, set()).add(socket)

    def forget(self, socket):
        self.sockets.discard(socket)
        watchers = self.boards.get(getattr(socket, "board_id", None))
        if watchers is not None:
            watchers.discard(socket)
            if not watchers:
                del self.boards[socket.board_id]

    # --8<-- [start:notified]
    async def notified(self, board_id, command_id):
        """A command was inserted here (by a remote on this host, or by replication)."""
        watchers = self.boards.get(board_id)
        if not watchers:
            return
        command = await self.run(commands.by_id, command_id)
        if command is not None:
            for socket in list(watchers):
                await socket.deliver(command)

    async def catch_up(self):
        """After LISTEN was re-established: notifications sent meanwhile are gone, so every
        board reads what it has not had yet."""
        for watchers in list(self.boards.values()):
            for socket in list(watchers):
                await socket.send_backlog()
    # --8<-- [end:notified]

    def close_all(self, code, reason):
        for socket in list(self.sockets):
            socket.close(code, reason)


class Socket(tornado.websocket.WebSocketHandler):
    def initialize(self, hub):
        self.hub = hub
        self.role = None

    def check_origin(self, origin):
        # Only the pair's own pages: a page of another site, open in a teacher's or a
        # classroom's browser, cannot use it to reach the service. (A program that is not
        # a browser sends any Origin it likes: the tokens are what keep boards apart.)
        return origin in self.hub.origins

    def open(self):
        self.hub.sockets.add(self)
        self.timer = asyncio.get_running_loop().call_later(
            HELLO_TIMEOUT, self.refuse, Refused(codes.NO_HELLO, "No hello in time."))

    def on_close(self):
        self.timer.cancel()
        self.hub.forget(self)

    def refuse(self, refused):
        log.info("refused %s: %s %s", self.request.remote_ip, refused.code, refused.reason)
        self.close(refused.code, refused.reason)

    async def send(self, message):
        # A peer that left meanwhile is cleaned up by its on_close.
        with contextlib.suppress(tornado.websocket.WebSocketClosedError):
            await self.write_message(json.dumps(message))

    # --8<-- [start:on-message]
    async def on_message(self, raw):
        # Tornado handles one message of a socket at a time when this is a coroutine, so a
        # remote's commands are stored in the order it sent them.
        try:
            message = protocol.parse(raw, self.hub.max_message_bytes)
            if message["type"] == "ping":
                await self.send({"type": "pong"})
            elif self.role is None:
                await self.hello(*protocol.hello(message))
            elif self.role == "remote":
                await self.command(*protocol.command(message))
            else:
                raise Refused(codes.BAD_MESSAGE, "A board only listens.")
        except Refused as refused:
            self.refuse(refused)
        except DatabaseError as err:
            # This host's database is not answering: the other host's is, probably.
            log.warning("database error: %s", err)
            self.close(codes.SERVER_ERROR, "This host's database is unavailable.")
    # --8<-- [end:on-message]

    async def hello(self, role, board_id, details):
        self.timer.cancel()
        if role == "board":
            board = await self.hub.run(commands.board_for_screen, board_id, details["token"])
            await self.become_board(board, details["applied"])
        else:
            board = await self.hub.run(commands.board_for_remote, board_id, details["token"])
            self.board, self.remote = board, details["remote"]
            last = await self.hub.run(commands.latest, board.pk)
            lessons = await self.hub.run(commands.lessons, board.teacher_id)
            self.role = "remote"
            await self.send({"type": "welcome", "host": self.hub.host_name,
                             "board": {"id": str(board.pk), "name": board.name, "paired": True},
                             "lessons": lessons, "last": last.state if last else None})

    # --8<-- [start:board-hello]
    async def become_board(self, board, applied):
        self.role, self.board_id, self.applied = "board", board.pk, applied
        self.delivered = set()
        # Listen first (the hub is already LISTENing: from now on this socket hears every
        # new command), then read what was missed; `deliver` sends each id once.
        self.hub.watch(self, board.pk)
        await self.send({"type": "welcome", "host": self.hub.host_name,
                         "board": {"id": str(board.pk), "name": board.name,
                                   "paired": board.teacher_id is not None}})
        await self.send_backlog()

    async def send_backlog(self):
        for command in await self.hub.run(commands.backlog, self.board_id, self.applied):
            await self.deliver(command)

    async def deliver(self, command):
        if command.pk not in self.delivered:
            self.delivered.add(command.pk)
            self.send_soon(commands.message(command))

    def send_soon(self, message):
        """Queue a message without waiting for it to leave: one board whose network is gone
        (its buffer full until the ping timeout) must not hold up every other board."""
        try:
            sending = self.write_message(json.dumps(message))
        except tornado.websocket.WebSocketClosedError:
            return  # its on_close cleans up
        sending.add_done_callback(lambda done: done.cancelled() or done.exception())
    # --8<-- [end:board-hello]

    async def command(self, seq, show):
        if show is None:
            state = {"screen": "blank"}
        else:
            state = await self.hub.run(commands.lesson_state, self.board.teacher_id, show)
        stored = await self.hub.run(commands.record, self.board, self.remote, seq, state)
        await self.send({"type": "ack", "seq": seq, "id": str(stored.pk),
                         "state": stored.state})


def application(hub, ping_interval, ping_timeout):
    return tornado.web.Application(
        [(r"/ws/", Socket, {"hub": hub})],
        # Pings find a client that vanished (power off, cable cut) without closing.
        websocket_ping_interval=ping_interval,
        websocket_ping_timeout=ping_timeout,
        # A backstop far above the protocol's limit: Tornado reads no more than this into
        # memory, and drops the connection (without a reliable 1009) past it.
        websocket_max_message_size=BACKSTOP * hub.max_message_bytes,
    )
