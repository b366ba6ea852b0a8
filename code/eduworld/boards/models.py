import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)


# --8<-- [start:board]
class Board(models.Model):
    """A classroom's digital board.

    A new board shows a short pairing code; a teacher types it on a laptop or phone and the
    two are paired. From then on the board is known by its UUID, and the code is gone.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    # NULL, not "", once paired: the unique constraint covers only the codes on show.
    code = models.CharField(max_length=CODE_DIGITS, null=True, blank=True)  # noqa: DJ001
    code_expires = models.DateTimeField(null=True, blank=True)
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="boards")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=models.Q(code__isnull=False),
                                    name="board_code_unique_while_shown"),
        ]

    def __str__(self):
        return self.name

    # --8<-- [start:pairing]
    @classmethod
    def create_with_code(cls, name, attempts=20):
        # Free the codes that expired, then draw until one is not shown by another board.
        cls.objects.filter(code__isnull=False, code_expires__lt=timezone.now()).update(code=None)
        for _ in range(attempts):
            board = cls(name=name, code=f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}",
                        code_expires=timezone.now() + CODE_LIFETIME)
            try:
                with transaction.atomic():
                    board.save()
                return board
            except IntegrityError:
                continue
        raise RuntimeError("No free pairing code: too many boards waiting to be paired.")

    def pair(self, teacher):
        self.teacher = teacher
        self.code = None
        self.code_expires = None
        self.save()
    # --8<-- [end:pairing]
# --8<-- [end:board]
