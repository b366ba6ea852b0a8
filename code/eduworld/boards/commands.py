"""What a remote may tell a board, checked, stored and read back (chapter 5).

The realtime service (eduworld.realtime) calls these from its worker threads; the API calls
`paired` when a teacher pairs. Everything here is plain Django: the rules live once.
"""

import json
import re
import uuid

from django.core import signing
from django.db import transaction
from django.db.models import Q

from eduworld.curriculum.models import Kind, Node

from .models import Board, Command

# Fixed for good: a command's id is uuid5 of (remote, seq) in this namespace.
COMMANDS = uuid.UUID("0b7d7a43-6c1e-5f0a-9d42-8e3c1f2a5b60")
# The "remote" that announces a pairing to the board: one per board, derived from it.
PAIRING = uuid.UUID("5e2f8c19-3b7a-5d4e-a1c6-0f9e8d7c6b5a")
TOKEN_SALT = "eduworld.boards.remote"
TOKEN_MAX_AGE = 12 * 3600  # a school day: the remote signs in again tomorrow


class Refused(Exception):
    """A message the service will not act on; `code` is the websocket close code."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


BAD_MESSAGE, NO_SESSION, NOT_YOURS, UNKNOWN_BOARD = 4400, 4401, 4403, 4404


def command_id(remote, seq):
    return uuid.uuid5(COMMANDS, f"{remote}:{seq}")


# --8<-- [start:token]
def remote_token(board, teacher):
    """What a remote shows the realtime service instead of a session cookie.

    The page that sent the teacher's session cookie may be on host1 while the socket goes
    to host2: a browser sends no cookie across that gap. The token is signed with the
    pair's shared secret key, so either host checks it without asking the other.
    """
    return signing.dumps({"board": str(board.pk), "teacher": str(teacher.pk)}, salt=TOKEN_SALT)


def board_for_remote(board_id, token):
    try:
        claims = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise Refused(NO_SESSION, "The remote's sign-in has expired: pair again.") from None
    except signing.BadSignature:
        raise Refused(NO_SESSION, "No valid sign-in: sign in and pair again.") from None
    board = board_by_id(board_id)
    if claims["board"] != str(board.pk) or str(board.teacher_id) != claims["teacher"]:
        raise Refused(NOT_YOURS, "This board is paired with someone else.")
    return board
# --8<-- [end:token]


def board_by_id(board_id):
    board = Board.objects.filter(pk=board_id).first()
    if board is None:
        raise Refused(UNKNOWN_BOARD, "No such board.")
    return board


# --8<-- [start:parts]
def parts(lesson):
    """A lesson shown on the board, part by part: its paragraphs (or, when it has only one,
    its sentences: big enough to read from the back of the room), then its pictures."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", lesson.body) if p.strip()]
    if len(paragraphs) == 1:
        paragraphs = re.split(r"(?<=[.!?])\s+", paragraphs[0])
    pictures = [{"image": asset.file.url, "caption": asset.name}
                for asset in sorted(lesson.assets.all(), key=lambda asset: asset.created)
                if asset.content_type.startswith("image/")]
    return [{"text": p} for p in paragraphs] + pictures or [{"text": lesson.title}]
# --8<-- [end:parts]


def lessons(teacher_id):
    """The lessons a remote may show: the teacher's own and every published one."""
    found = (Node.objects.filter(kind=Kind.LESSON).filter(visible_to(teacher_id))
             .order_by("title").prefetch_related("assets"))
    return [{"id": str(n.pk), "title": n.title, "parts": len(parts(n))} for n in found]


def visible_to(teacher_id):
    return Q(owner_id=teacher_id) | Q(published=True)


def lesson_state(teacher_id, show):
    """The state "lesson X, part N", with its content, or a Refused saying what is wrong."""
    try:
        lesson_id, part = uuid.UUID(str(show["lesson"])), show["part"]
    except (KeyError, TypeError, ValueError):
        raise Refused(BAD_MESSAGE, "show needs a lesson id and a part number.") from None
    lesson = (Node.objects.filter(pk=lesson_id, kind=Kind.LESSON)
              .filter(visible_to(teacher_id)).first())
    if lesson is None:
        raise Refused(BAD_MESSAGE, "No such lesson.")
    content = parts(lesson)
    if not isinstance(part, int) or isinstance(part, bool) or not 0 <= part < len(content):
        raise Refused(BAD_MESSAGE, f"This lesson has parts 0 to {len(content) - 1}.")
    return {"screen": "lesson", "lesson": str(lesson.pk), "title": lesson.title,
            "part": part, "parts": len(content), "content": content[part]}


# --8<-- [start:record]
@transaction.atomic
def record(board, remote, seq, state):
    """Store a command once: the same (remote, seq) again, on either host, is the same row.

    Returns the stored command's (id, state): a command sent again keeps what it said the
    first time on this host.
    """
    cid = command_id(remote, seq)
    Command.objects.bulk_create([Command(id=cid, board=board, remote=remote, seq=seq,
                                         state=state)], ignore_conflicts=True)
    stored = Command.objects.get(pk=cid)
    if stored.board_id != board.pk:
        raise Refused(BAD_MESSAGE, "This remote's number was used for another board.")
    return stored
# --8<-- [end:record]


def paired(board, teacher):
    """Tell the board it is paired: a command from the board's own pairing 'remote'."""
    remote = uuid.uuid5(PAIRING, str(board.pk))
    record(board, remote, 1, {"screen": "paired", "teacher": teacher.name})


# --8<-- [start:backlog]
def backlog(board_id, applied):
    """The board's commands that follow what it applied: per remote, seq above its last."""
    return list(Command.objects.raw(
        "SELECT * FROM boards_command WHERE board_id = %s "
        "AND seq > COALESCE((%s::jsonb ->> remote::text)::int, 0) ORDER BY created, seq",
        [board_id, applied_json(applied)]))
# --8<-- [end:backlog]


def applied_json(applied):
    return json.dumps({str(k): int(v) for k, v in applied.items()})


def latest(board_id):
    return Command.objects.filter(board_id=board_id).order_by("-created").first()


def by_id(command_id_):
    return Command.objects.filter(pk=command_id_).first()


def message(command):
    """A command as the board receives it."""
    return {"type": "command", "id": str(command.pk), "remote": str(command.remote),
            "seq": command.seq, "state": command.state}
