"""The outbox: mails, what became of them, and which senders are alive.

All three tables replicate. Mails and deliveries are history: rows are added, never
changed, so last-update-wins never has two versions of one row to choose from. A sender's
lease row is written by that sender alone.
"""

import uuid

from django.conf import settings
from django.db import models


class Mail(models.Model):
    """One mail, complete as it will be sent: written in the transaction of its cause."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The host whose sender sends it (the host that wrote it); its peer takes over only
    # after that sender's lease ran out (sender.py).
    host = models.CharField(max_length=100)
    kind = models.CharField(max_length=30)           # "invitation", "password-reset"
    language = models.CharField(max_length=5)
    sender = models.CharField(max_length=254)        # the From: header
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["host", "created"], name="mail_by_host")]

    def __str__(self):
        return f"{self.kind} to {self.to}"

    @property
    def message_id(self):
        """The same for every attempt, by every sender: a duplicate is recognisable."""
        return f"<{self.id}@{settings.MAIL['domain']}>"


class Delivery(models.Model):
    """One attempt to hand a mail to a provider, and how it ended."""

    SENT, REJECTED, FAILED = "sent", "rejected", "failed"
    OUTCOMES = [(SENT, "sent"), (REJECTED, "rejected for good"), (FAILED, "failed, will retry")]
    FINAL = (SENT, REJECTED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mail = models.ForeignKey(Mail, on_delete=models.CASCADE, related_name="deliveries")
    host = models.CharField(max_length=100)          # whose sender tried
    provider = models.CharField(max_length=50)
    outcome = models.CharField(max_length=10, choices=OUTCOMES)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["mail", "outcome"], name="delivery_by_mail")]

    def __str__(self):
        return f"{self.mail_id} via {self.provider}: {self.outcome}"


class SenderLease(models.Model):
    """A sender's heartbeat. Its peer watches `beat` change, by its own clock: no two
    hosts' clocks are compared. `state` is what the sender shows: its providers' breakers."""

    host = models.CharField(max_length=100, primary_key=True)
    beat = models.BigIntegerField(default=0)
    state = models.JSONField(default=dict)

    def __str__(self):
        return f"{self.host}'s sender, beat {self.beat}"
