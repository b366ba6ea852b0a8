import uuid

from django.db import models
from django.utils import timezone


class FailedAttempt(models.Model):
    """One refused sign-in (per email address) or pairing (per teacher), on either host.

    The table replicates, so both hosts count the same attempts. Each attempt is a row of its
    own with a random key, never an updated counter: two hosts that count at once would
    overwrite each other's counter (last update wins), while new rows all arrive.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20)
    subject = models.CharField(max_length=254)  # the normalised email, or the user's id
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "subject", "at"], name="failed_attempt_lookup")]

    def __str__(self):
        return f"{self.kind} {self.subject} @ {self.at}"
