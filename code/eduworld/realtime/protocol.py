"""The messages of /ws/, checked before anything acts on them.

Every message is one JSON object with a "type". A board says hello with its id and, per
remote, the last command it applied; a remote says hello with the board's id, its own id
and a token from the API (`POST /api/boards/<id>/remote/`). Anything else is refused: the
socket is closed with a code that says why, and nothing is written.
"""

import json
import uuid

from eduworld.boards.commands import BAD_MESSAGE, NO_SESSION, Refused

GOING_AWAY = 1001          # this service is stopping: connect to the other host
SERVER_ERROR = 1011        # this host cannot serve now (its database): the other host can
NO_HELLO = 4408            # the first message must be a hello, and in time
MAX_REMOTES = 200          # entries in a board's "applied": far more than a classroom has
TYPES = {"hello", "command", "ping"}


def parse(raw):
    if isinstance(raw, bytes):
        raise Refused(BAD_MESSAGE, "Messages are JSON text, not binary.")
    try:
        message = json.loads(raw)
    except ValueError:
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
    """(role, board id, details): a board's applied vector, or a remote's id and token."""
    if message["type"] != "hello":
        raise Refused(NO_HELLO, "Say hello first.")
    role = message.get("role")
    board = a_uuid(message.get("board"), "board")
    if role == "board":
        applied = message.get("applied", {})
        if not isinstance(applied, dict) or len(applied) > MAX_REMOTES:
            raise Refused(BAD_MESSAGE, f"applied maps at most {MAX_REMOTES} remotes to numbers.")
        return role, board, {a_uuid(k, "a remote"): a_seq(v, "applied") for k, v in applied.items()}
    if role == "remote":
        token = message.get("token")
        if not isinstance(token, str) or not token:
            raise Refused(NO_SESSION, "No sign-in: pair the remote first.")
        return role, board, {"remote": a_uuid(message.get("remote"), "remote"), "token": token}
    raise Refused(BAD_MESSAGE, "role is board or remote.")
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
