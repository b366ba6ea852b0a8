import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from eduworld.core import lanes
from eduworld.db.locks import xact_lock

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)


# --8<-- [start:board]
class Board(models.Model):
    """A classroom's digital board.

    A new board shows a short pairing code; a teacher types it on a laptop or phone and the
    two are paired. From then on the board is known by its UUID, and the code is gone.

    No two boards show the same code at once, and no unique index says so: a code is shown
    until code_expires, and each host draws codes in its own lane (create_with_code).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    # NULL, not "", once paired. An expired code stays in its row: it just stops counting.
    code = models.CharField(max_length=CODE_DIGITS, null=True, blank=True)  # noqa: DJ001
    code_expires = models.DateTimeField(null=True, blank=True)
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="boards")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Pairing looks boards up by code; not unique (see create_with_code).
        indexes = [models.Index(fields=["code"], condition=models.Q(code__isnull=False),
                                name="board_code_shown")]

    def __str__(self):
        return self.name

    # --8<-- [start:pairing]
    @classmethod
    @transaction.atomic
    def create_with_code(cls, name, attempts=20, **fields):
        """A new board showing a code that no other board shows now, on either host.

        The other host draws only codes outside this host's lane, so two hosts never pick
        the same code, whatever the network does. On this host, draws take turns (a lock
        held until the transaction ends), so two boards registering at once see each other.
        """
        xact_lock("board pairing codes")
        for _ in range(attempts):
            code = draw_code()
            now = timezone.now()
            if not cls.objects.filter(code=code, code_expires__gte=now).exists():
                return cls.objects.create(name=name, code=code,
                                          code_expires=now + CODE_LIFETIME, **fields)
        raise RuntimeError("No free pairing code: too many boards waiting to be paired.")

    def pair(self, teacher):
        self.teacher = teacher
        self.code = None
        self.code_expires = None
        self.save()
    # --8<-- [end:pairing]
# --8<-- [end:board]


# --8<-- [start:lanes]
def draw_code():
    """A random code from this host's lane: with two hosts, host1 draws even codes and host2
    odd ones (core/lanes.py: the lanes of the curriculum's tree paths, from the inventory)."""
    return f"{secrets.choice(lanes.below(10**CODE_DIGITS)):0{CODE_DIGITS}d}"
# --8<-- [end:lanes]


# --8<-- [start:command]
class Command(models.Model):
    """One thing a remote told a board to show, as a row that both hosts replicate.

    A remote numbers its own commands 1, 2, 3, ... (seq), and the id is derived from
    (remote, seq): a command sent again, to either host, is the same row. There is no
    position shared by the whole board: two hosts that write alone cannot agree on "the
    next number" without asking each other. Each remote's numbers are its own order, and a
    board that resumes says, per remote, the last number it applied.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="commands")
    remote = models.UUIDField()
    seq = models.PositiveIntegerField()
    # What the board shows, whole ("lesson X, part N" with its content), never a delta:
    # a command applied twice or late shows the same thing.
    state = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["board", "remote", "seq"], name="board_command_order")]

    def __str__(self):
        return f"{self.board_id} {self.remote}#{self.seq}"
# --8<-- [end:command]
