"""Idempotent POSTs: the same Idempotency-Key replays the stored answer instead of writing twice.

The key is stored in the same transaction as the write it guards, so either both exist or
neither does. Keys belong to the signed-in user; anonymous POSTs (sign-in, a board asking
for a pairing code) are safe to repeat and ignore the header. Only successful answers are
stored: a failed request wrote nothing, so repeating it is harmless.

Two hosts: a client that heard no answer from one host may send the retry to the other,
which has not seen the first request yet (a partition, or replication lag). Both hosts then
run it. So the object the request creates takes its id from (user, key), and so does the
stored answer: both hosts create the same rows, and when they meet, pglogical settles each
pair on the primary key (last update wins) and one object remains (chapter 2).
"""

import hashlib
import uuid

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse

from eduworld.db.locks import xact_lock

from .limits import too_large
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200

# Fixed for good: changing either would give a retry other ids than its first attempt.
OBJECTS = uuid.UUID("6f0c1d52-4a8e-5b7e-9d0c-1e2f3a4b5c6d")
RECORDS = uuid.UUID("2b9e7c41-0d3f-5a6b-8c7d-9e0f1a2b3c4d")


# --8<-- [start:new-id]
def new_id(request, part=""):
    """The id of the object that this request creates.

    A request with an Idempotency-Key creates the same id on either host: uuid5 of
    (user, key), so that the retry of a request that the other host answered creates the
    same row, not a second one. Without a key, a fresh uuid4. A request that creates more
    than one row names each with `part`.
    """
    scope = getattr(request, "idempotency_scope", None)
    if scope is None:
        return uuid.uuid4()
    return uuid.uuid5(OBJECTS, scope + (f":{part}" if part else ""))


def record_id(user, key):
    """The id of the stored answer to (user, key): derived, like the object's."""
    return uuid.uuid5(RECORDS, f"{user.pk}:{key}")
# --8<-- [end:new-id]


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if (
            key is None
            or request.method != "POST"
            or not request.path.startswith("/api/")
            or not request.user.is_authenticated
        ):
            return self.get_response(request)
        if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return JsonResponse(
                {"detail": f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters."},
                status=400,
            )
        try:
            body = request.body
        except RequestDataTooBig:
            return too_large()
        fingerprint = hashlib.sha256(
            b"\0".join([request.method.encode(), request.path.encode(), body])
        ).hexdigest()
        # The user who sent it, kept: signing out (a keyed POST too) replaces request.user.
        user = request.user
        try:
            return self.answer_once(request, user, key, fingerprint)
        except IntegrityError:
            # Another request with this key committed while ours ran: replay its answer.
            stored = self.replay(user, key, fingerprint)
            if stored is None:
                raise
            return stored

    # --8<-- [start:answer-once]
    def answer_once(self, request, user, key, fingerprint):
        with transaction.atomic():
            take_turns(user, key)
            stored = self.replay(user, key, fingerprint)
            if stored is not None:
                return stored
            request.idempotency_scope = f"{user.pk}:{key}"  # for new_id(request)
            response = self.get_response(request)
            if 200 <= response.status_code < 300 and not response.streaming:
                IdempotencyRecord.objects.create(
                    id=record_id(user, key),
                    user=user,
                    key=key,
                    fingerprint=fingerprint,
                    status=response.status_code,
                    content_type=response.get("Content-Type", "application/json"),
                    body=response.content,
                )
                return response
            transaction.set_rollback(True)
        # It failed. If the other host's answer to this key arrived meanwhile (its object
        # took the id that ours wanted), that answer is the one to give.
        return self.replay(user, key, fingerprint) or response
    # --8<-- [end:answer-once]

    @staticmethod
    def replay(user, key, fingerprint):
        """The stored answer to (user, key), or a 422 if the key came with another request."""
        # By (user, key), not by id: a record stored before ids were derived is found too.
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            return JsonResponse(
                {"detail": f"This {HEADER} was already used for a different request."},
                status=422,
            )
        response = HttpResponse(
            bytes(record.body), status=record.status, content_type=record.content_type
        )
        response[REPLAYED_HEADER] = "true"
        return response


def take_turns(user, key):
    """Requests with the same key on this host run one after the other, until the end of
    the transaction: the second finds the first one's answer and replays it. The other host
    does not see this lock; there, the derived ids meet instead."""
    xact_lock(f"idempotency key {record_id(user, key)}")
