import uuid

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The stored answer to a POST that carried an Idempotency-Key.

    A client that did not hear the answer (a host died, the network dropped) sends the same
    request again with the same key, possibly to the other host; it gets this answer back
    instead of a second write.

    Its id is derived from (user, key) (eduworld.core.idempotency.record_id): the primary
    key is what makes a key answer once, on each host and across both. There is no unique
    rule on (user, key): on two hosts it would settle nothing (chapter 2).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and body")
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self):
        return f"{self.key} -> {self.status}"
