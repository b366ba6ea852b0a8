"""The realtime service on one host: its protocol, its refusals, and LISTEN/NOTIFY.

The real service (Tornado, the hub, the listener) runs in a thread of the test against the
test's PostgreSQL; clients are real websockets. The two-host claims are chapter 5's.
"""

import asyncio
import threading
import uuid

import pytest
from tornado.httpclient import HTTPClientError

from eduworld.boards import commands
from eduworld.boards.models import Board, Command
from eduworld.curriculum.models import Node
from eduworld.realtime import server
from eduworld.realtime.listener import listen
from lab.realtime import Socket, board_hello, remote_hello

ORIGIN = "http://host1.eduworld.test"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def service():
    """The realtime service on a free port; yields its ws:// address."""
    hub = server.Hub([ORIGIN], "host1", max_message_bytes=16384)
    app = server.application(hub, ping_interval=5, ping_timeout=10)
    started, ports, loops = threading.Event(), [], []

    async def serve():
        listening = app.listen(0, address="127.0.0.1")
        ports.append(next(iter(listening._sockets.values())).getsockname()[1])
        listener = asyncio.create_task(listen(hub))
        stop = asyncio.Event()
        loops.append((asyncio.get_running_loop(), stop))
        started.set()
        await stop.wait()
        listening.stop()
        hub.close_all(1001, "test over")
        listener.cancel()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    started.wait(5)
    yield f"ws://127.0.0.1:{ports[0]}/ws/"
    loop, stop = loops[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(5)
    hub.stop()


@pytest.fixture
def lesson(teacher):
    parent = None
    for kind, title in [("subject", "Science"), ("course", "Water"), ("unit", "Weather")]:
        parent = Node.objects.add_node(parent, {"kind": kind, "title": title, "owner": teacher})
    return Node.objects.add_node(parent, {"kind": "lesson", "title": "Clouds", "owner": teacher,
                                          "body": "Water rises.\n\nIt cools.\n\nIt rains."})


@pytest.fixture
def board(teacher):
    board = Board.create_with_code("Room 12")
    board.pair(teacher)
    return board


def connect(service, origin=ORIGIN):
    return Socket(service, origin)


def as_board(board, applied=None):
    return board_hello(board.pk, commands.board_token(board), applied)


def test_a_remotes_command_reaches_the_board_through_notify(service, board, lesson, teacher):
    screen = connect(service)
    screen.send(as_board(board))
    assert screen.receive()["type"] == "welcome"
    remote = connect(service)
    remote.send(remote_hello(board.pk, commands.remote_token(board, teacher)))
    welcome = remote.receive()
    assert welcome["lessons"] == [{"id": str(lesson.pk), "title": "Clouds", "parts": 3}]
    remote.send({"type": "command", "seq": 1, "show": {"lesson": str(lesson.pk), "part": 2}})
    ack = remote.receive()
    shown = screen.receive()
    assert ack["type"] == "ack" and shown["id"] == ack["id"]
    assert shown["state"]["content"] == {"text": "It rains."} and shown["seq"] == 1


def test_a_board_resuming_receives_only_what_followed_per_remote(service, board, teacher):
    first, second = uuid.uuid4(), uuid.uuid4()
    for remote in (first, second):
        for seq in (1, 2, 3):
            commands.record(board, remote, seq, {"screen": "blank"})
    screen = connect(service)
    screen.send(as_board(board, {first: 2}))
    screen.receive()
    got = sorted((m["remote"], m["seq"]) for m in (screen.receive() for _ in range(4)))
    assert got == sorted([(str(first), 3)] + [(str(second), s) for s in (1, 2, 3)])


def test_a_command_sent_again_is_one_row_with_one_id(service, board, lesson, teacher):
    remote_id = uuid.uuid4()
    ids = []
    for _ in range(2):
        remote = connect(service)
        remote.send(remote_hello(board.pk, commands.remote_token(board, teacher), remote_id))
        remote.receive()
        remote.send({"type": "command", "seq": 1, "blank": True})
        ids.append(remote.receive()["id"])
        remote.close()
    assert ids[0] == ids[1] and Command.objects.filter(remote=remote_id).count() == 1


BAD = {
    "not JSON": ("{nope", 4400),
    "no type": ({"board": "x"}, 4400),
    "a command before hello": ({"type": "command", "seq": 1, "blank": True}, 4408),
    "an unknown board": (as_board(Board(pk=uuid.uuid4())), 4404),
    "a board without its token": ({"type": "hello", "role": "board",
                                   "board": str(uuid.uuid4())}, 4401),
    "a board with another's token": ({**as_board(Board(pk=uuid.uuid4())),
                                      "board": str(uuid.uuid4())}, 4403),
    "JSON nested too deep": ("[" * 5000 + "]" * 5000, 4400),
    "a remote without a token": ({"type": "hello", "role": "remote",
                                  "board": str(uuid.uuid4())}, 4401),
    "a board id that is no UUID": ({"type": "hello", "role": "board", "board": 7}, 4400),
    "too big": ("x" * 20000, 1009),
}


@pytest.mark.parametrize("what", BAD)
def test_a_bad_message_is_refused_with_its_code_and_others_are_served(service, board, what):
    message, code = BAD[what]
    bystander = connect(service)
    bystander.send(as_board(board))
    bystander.receive()
    bad = connect(service)
    bad.send(message)
    assert bad.closed_with()[0] == code
    bystander.send({"type": "ping"})
    bystander.send(as_board(board))  # a board that says hello twice is refused too
    assert bystander.closed_with()[0] == 4400
    assert Command.objects.count() == 0


def test_a_remote_with_a_token_for_another_teachers_board_is_refused(service, board,
                                                                       other_teacher):
    remote = connect(service)
    remote.send(remote_hello(board.pk, commands.remote_token(board, other_teacher)))
    assert remote.closed_with()[0] == 4403


def test_a_remotes_bad_commands_close_it_and_write_nothing(service, board, lesson, teacher):
    for command in ({"type": "command", "seq": 0, "blank": True},
                    {"type": "command", "seq": 1, "show": {"lesson": "x", "part": 0}},
                    {"type": "command", "seq": 1, "show": {"lesson": str(lesson.pk),
                                                           "part": "2"}},
                    {"type": "command", "seq": True, "blank": True}):
        remote = connect(service)
        remote.send(remote_hello(board.pk, commands.remote_token(board, teacher)))
        remote.receive()
        remote.send(command)
        assert remote.closed_with()[0] == 4400, command
    assert Command.objects.count() == 0


def test_a_page_of_another_origin_cannot_open_a_socket(service):
    with pytest.raises(HTTPClientError) as refused:
        connect(service, origin="http://evil.example")
    assert refused.value.code == 403


def test_a_socket_that_never_says_hello_is_closed(service, monkeypatch):
    monkeypatch.setattr(server, "HELLO_TIMEOUT", 0.2)
    assert connect(service).closed_with()[0] == 4408


def test_a_one_paragraph_lesson_is_shown_sentence_by_sentence(teacher):
    lesson = Node(title="Rain", body="Water rises. It cools! Does it rain? Yes.")
    assert [p["text"] for p in commands.parts(lesson)] == [
        "Water rises.", "It cools!", "Does it rain?", "Yes."]


def test_a_part_that_is_gone_is_shown_as_missing_in_the_remotes_order(service, board, lesson,
                                                                     teacher):
    """A Next pressed on a lesson edited meanwhile is still the remote's next command: the
    board shows that the part is missing, and no gap is left in the remote's numbers."""
    remote = connect(service)
    remote.send(remote_hello(board.pk, commands.remote_token(board, teacher)))
    remote.receive()
    for seq, lesson_id in ((1, lesson.pk), (2, uuid.uuid4())):
        remote.send({"type": "command", "seq": seq, "show": {"lesson": str(lesson_id),
                                                             "part": 9}})
        assert remote.receive()["state"]["screen"] == "missing"
    assert Command.objects.filter(board=board).exclude(state__screen="paired").count() == 2


def test_one_teachers_remote_cannot_take_the_numbers_of_anothers(board, teacher,
                                                                 other_teacher):
    """Ids include the board: the same remote id and number on another board is another
    command, so nobody can use up another remote's numbers."""
    other = Board.create_with_code("Room 9")
    other.pair(other_teacher)
    remote = uuid.uuid4()
    mine = commands.record(board, remote, 1, {"screen": "blank"})
    theirs = commands.record(other, remote, 1, {"screen": "blank"})
    assert mine.pk != theirs.pk and theirs.board_id == other.pk
