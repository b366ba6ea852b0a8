"""The messages of /ws/, checked before anything acts on them.

Every message is one JSON object with a "type". A board says hello with its id, the token
it was given when it registered (`POST /api/boards/`) and, per remote, the last command it
applied; a remote says hello with the board's id, its own id and a token from the API
(`POST /api/boards/<id>/remote/`). Anything else is refused: the socket is closed with a
code that says why (codes.py), and nothing is written.
"""

import json
import uuid

from .codes import BAD_MESSAGE, NO_HELLO, NO_SESSION, TOO_BIG, Refused

# Entries in a board's "applied": remotes heard from in the last day or so (the board
# forgets older ones, the backlog covers a day: boards.commands.BACKLOG).
MAX_REMOTES = 200
TYPES = {"hello", "command", "ping"}


def parse(raw, max_bytes):
    # Checked here, not only by Tornado's frame limit: Tornado aborts the connection right
    # after its 1009, and the close frame often never reaches the client.
    if len(raw) > max_bytes:
        raise Refused(TOO_BIG, f"A message is at most {max_bytes} bytes.")
    if isinstance(raw, bytes):
        raise Refused(BAD_MESSAGE, "Messages are JSON text, not binary.")
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):  # nested too deep is not JSON we read either
        raise Refused(BAD_MESSAGE, "Not JSON.") from None
    if not isinstance(message, dict) or message.get("type") not in TYPES:
        raise Refused(BAD_MESSAGE, f"A message is an object with a type: {sorted(TYPES)}.")
    return message


def a_uuid(value, what):
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        raise Refused(BAD_MESSAGE, f"{what} is not a UUID.") from None


def a_seq(value, what):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise Refused(BAD_MESSAGE, f"{what} is not a command number.")
    return value


# --8<-- [start:hello]
def hello(message):
    """(role, board id, details): the token, and a board's applied vector or a remote's id."""
    if message["type"] != "hello":
        raise Refused(NO_HELLO, "Say hello first.")
    role = message.get("role")
    if role not in ("board", "remote"):
        raise Refused(BAD_MESSAGE, "role is board or remote.")
    board = a_uuid(message.get("board"), "board")
    token = message.get("token")
    if not isinstance(token, str) or not token:
        raise Refused(NO_SESSION, "No token: a board registers, a remote pairs, first.")
    if role == "board":
        applied = message.get("applied", {})
        if not isinstance(applied, dict) or len(applied) > MAX_REMOTES:
            raise Refused(BAD_MESSAGE, f"applied maps at most {MAX_REMOTES} remotes to numbers.")
        return role, board, {"token": token, "applied": {
            a_uuid(k, "a remote"): a_seq(v, "applied") for k, v in applied.items()}}
    return role, board, {"token": token, "remote": a_uuid(message.get("remote"), "remote")}
# --8<-- [end:hello]


def command(message):
    """(seq, show or None for blank) of a remote's command."""
    if message["type"] != "command":
        raise Refused(BAD_MESSAGE, "A remote sends commands after its hello.")
    seq = a_seq(message.get("seq"), "seq")
    if seq < 1:
        raise Refused(BAD_MESSAGE, "A remote numbers its commands from 1.")
    if message.get("blank") is True:
        return seq, None
    show = message.get("show")
    if not isinstance(show, dict):
        raise Refused(BAD_MESSAGE, "A command has show {lesson, part} or blank: true.")
    return seq, show
