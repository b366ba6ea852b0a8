"""Chapter 5's claims about the realtime service itself, through nginx on the lab's hosts:
it refuses what it must, says why, keeps serving everyone else, and sends its boards away
when it stops.

Scenario: the chapter-5 playbook. Clients are Python websockets (lab/realtime.py) sending
what a browser would, with its Origin header.
"""

import uuid

import pytest
from tornado.httpclient import HTTPClientError

from lab import config, control
from lab.realtime import board_hello, connect, origin, paired_board, remote_hello

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def board(chapter_lab):
    """A board registered on host2 and paired by the demo teacher on host1; its tokens."""
    return paired_board("Lokaal 7")


def count_commands(chapter_lab, host):
    return int(chapter_lab.sql(host, "SELECT count(*) FROM boards_command").strip())


# --8<-- [start:refusals]
def refusals(board):
    """Each bad message, and the close code that must answer it."""
    return {
        "not JSON": ("{nope", 4400),
        "binary": (b"\x00\x01", 4400),
        "a command before hello": ({"type": "command", "seq": 1, "blank": True}, 4408),
        "a board without its token": ({"type": "hello", "role": "board",
                                       "board": board["id"]}, 4401),
        "another board's id with this token": (board_hello(uuid.uuid4(), board["token"]),
                                               4403),
        "JSON nested too deep": ("[" * 5000 + "]" * 5000, 4400),
        "a remote without a token": ({"type": "hello", "role": "remote",
                                      "board": board["id"]}, 4401),
        "a forged token": (remote_hello(board["id"], board["remote_token"] + "x"), 4401),
        "too big": ("x" * 20000, 1009),
    }
# --8<-- [end:refusals]


def test_every_bad_message_is_refused_with_its_code_and_others_are_served(chapter_lab,
                                                                          board):
    """Every bad message (not JSON or nested too deep, binary, no hello first, a board
    without its token or with another board's, no or a forged remote token, too big) is
    answered on either host by closing that socket with its own code; a board connected
    meanwhile is still served, and no command is written."""
    before = {host: count_commands(chapter_lab, host) for host in config.HOSTS}
    for host in config.HOSTS:
        bystander = connect(host)
        bystander.send(board_hello(board["id"], board["token"]))
        assert bystander.receive()["type"] == "welcome"
        for what, (message, code) in refusals(board).items():
            bad = connect(host)
            bad.send(message)
            assert bad.closed_with()[0] == code, f"{what} on {host}"
            assert bystander.ping() < 1, f"the bystander after {what} on {host}"
        remote = connect(host)
        remote.send(remote_hello(board["id"], board["remote_token"]))
        assert remote.receive()["type"] == "welcome"
        remote.close()
        bystander.close()
    assert {host: count_commands(chapter_lab, host) for host in config.HOSTS} == before


def test_a_page_of_another_origin_cannot_open_a_socket(chapter_lab):
    """A page from another site cannot open a socket (403 at the handshake), so it cannot
    steer a board through a teacher's browser; the pair's own origins can."""
    for host in config.HOSTS:
        with pytest.raises(HTTPClientError) as refused:
            connect(host, from_origin="http://evil.example")
        assert refused.value.code == 403
        connect(host, from_origin=origin("host1" if host == "host2" else "host2")).close()


# --8<-- [start:going-away]
def test_a_restarted_service_sends_its_boards_away_with_1001(chapter_lab, board):
    """Restarting the realtime service (a new release) closes its sockets with 1001, going
    away, at once: the boards move to the other host instead of waiting for silence."""
    socket = connect("host2")
    socket.send(board_hello(board["id"], board["token"]))
    socket.receive()
    chapter_lab.console("host2", "systemctl", "restart", "eduworld-realtime")
    assert socket.closed_with(timeout=5)[0] == 1001
# --8<-- [end:going-away]


def test_a_second_run_of_the_chapter_5_playbook_changes_nothing_on_either_host(chapter_lab):
    """The chapter's playbook is idempotent: a second run changes nothing on either host."""
    assert control.reapply() == {"host1": 0, "host2": 0}
