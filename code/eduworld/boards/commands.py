"""What a remote may tell a board, checked, stored and read back (chapter 5).

The realtime service (eduworld.realtime) calls these from its worker threads; the API calls
`paired` when a teacher pairs. Everything here is plain Django: the rules live once.
"""

import json
import re
import uuid
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.db.models import Q

from eduworld.curriculum.models import Kind, Node
from eduworld.realtime.codes import BAD_MESSAGE, NO_SESSION, NOT_YOURS, UNKNOWN_BOARD, Refused

from .models import Board, Command

# Fixed for good: a command's id is uuid5 of (board, remote, seq) in this namespace.
COMMANDS = uuid.UUID("0b7d7a43-6c1e-5f0a-9d42-8e3c1f2a5b60")
# The "remote" that announces a pairing to the board: one per board, derived from it.
PAIRING = uuid.UUID("5e2f8c19-3b7a-5d4e-a1c6-0f9e8d7c6b5a")
REMOTE_SALT = "eduworld.boards.remote"
REMOTE_MAX_AGE = 12 * 3600  # a school day: the remote signs in again tomorrow
BOARD_SALT = "eduworld.boards.board"
# A board resuming receives what followed from this long ago at most; it forgets remotes it
# has not heard from for longer (board.js), so its hello stays small.
BACKLOG = timedelta(hours=24)


def command_id(board_id, remote, seq):
    # The board is part of the id: one teacher's remote cannot take the numbers of a
    # remote that steers another board.
    return uuid.uuid5(COMMANDS, f"{board_id}:{remote}:{seq}")


# --8<-- [start:token]
def remote_token(board, teacher):
    """What a remote shows the realtime service instead of a session cookie.

    The page that sent the teacher's session cookie may be on host1 while the socket goes
    to host2: a browser sends no cookie across that gap. The token is signed with the
    pair's shared secret key, so either host checks it without asking the other.
    """
    return signing.dumps({"board": str(board.pk), "teacher": str(teacher.pk)}, salt=REMOTE_SALT)


def board_for_remote(board_id, token):
    try:
        claims = signing.loads(token, salt=REMOTE_SALT, max_age=REMOTE_MAX_AGE)
    except signing.SignatureExpired:
        raise Refused(NO_SESSION, "The remote's sign-in has expired: pair again.") from None
    except signing.BadSignature:
        raise Refused(NO_SESSION, "No valid sign-in: sign in and pair again.") from None
    board = board_by_id(board_id)
    if claims["board"] != str(board.pk) or str(board.teacher_id) != claims["teacher"]:
        raise Refused(NOT_YOURS, "This board is paired with someone else.")
    return board


def board_token(board):
    """What a board shows the service: given once, when it registers. Its UUID alone is not
    enough to listen: the UUID is on the classroom's computer for anyone to read."""
    return signing.dumps(str(board.pk), salt=BOARD_SALT)


def board_for_screen(board_id, token):
    try:
        claimed = signing.loads(token, salt=BOARD_SALT)
    except signing.BadSignature:
        raise Refused(NO_SESSION, "This board's token is not valid: register again.") from None
    if claimed != str(board_id):
        raise Refused(NOT_YOURS, "This token is for another board.")
    return board_by_id(board_id)
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
    """The state "lesson X, part N", with its content.

    A lesson or part that is not there (any more: edited, or deleted on the other host)
    is still a command in the remote's order, shown as "missing": refusing it would leave
    the board a gap in the remote's numbers, and throw the teacher out mid-lesson.
    """
    try:
        lesson_id, part = uuid.UUID(str(show["lesson"])), show["part"]
    except (KeyError, TypeError, ValueError):
        raise Refused(BAD_MESSAGE, "show needs a lesson id and a part number.") from None
    lesson = (Node.objects.filter(pk=lesson_id, kind=Kind.LESSON)
              .filter(visible_to(teacher_id)).first())
    if not isinstance(part, int) or isinstance(part, bool):
        raise Refused(BAD_MESSAGE, "part is a number.")
    content = parts(lesson) if lesson else []
    if not 0 <= part < len(content):
        return {"screen": "missing", "lesson": str(lesson_id), "part": part}
    return {"screen": "lesson", "lesson": str(lesson.pk), "title": lesson.title,
            "part": part, "parts": len(content), "content": content[part]}


# --8<-- [start:record]
@transaction.atomic
def record(board, remote, seq, state):
    """Store a command once: the same (remote, seq) again, on either host, is the same row.

    Returns the stored command: a command sent again keeps what it said the first time on
    this host.
    """
    cid = command_id(board.pk, remote, seq)
    Command.objects.bulk_create([Command(id=cid, board=board, remote=remote, seq=seq,
                                         state=state)], ignore_conflicts=True)
    return Command.objects.get(pk=cid)
# --8<-- [end:record]


def paired(board, teacher):
    """Tell the board it is paired: a command from the board's own pairing 'remote'."""
    remote = uuid.uuid5(PAIRING, str(board.pk))
    record(board, remote, 1, {"screen": "paired", "teacher": teacher.name})


# --8<-- [start:backlog]
def backlog(board_id, applied):
    """The board's commands that follow what it applied: per remote, seq above its last;
    of the last BACKLOG only."""
    return list(Command.objects.raw(
        "SELECT * FROM boards_command WHERE board_id = %s AND created > now() - %s "
        "AND seq > COALESCE((%s::jsonb ->> remote::text)::int, 0) ORDER BY created, seq",
        [board_id, BACKLOG, applied_json(applied)]))
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
