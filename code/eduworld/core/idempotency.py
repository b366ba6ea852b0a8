"""Idempotent POSTs: the same Idempotency-Key replays the stored answer instead of writing twice.

The key is stored in the same transaction as the write it guards, so either both exist or
neither does. Keys belong to the signed-in user; anonymous POSTs (sign-in, a board asking
for a pairing code) are safe to repeat and ignore the header. Only successful answers are
stored: a failed request wrote nothing, so repeating it is harmless.
"""

import hashlib

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse

from .limits import too_large
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200


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
        try:
            return self.answer_once(request, key, fingerprint)
        except IntegrityError:
            # Another request with this key committed while ours ran: replay its answer.
            stored = self.replay(request.user, key, fingerprint)
            if stored is None:
                raise
            return stored

    # --8<-- [start:answer-once]
    def answer_once(self, request, key, fingerprint):
        with transaction.atomic():
            stored = self.replay(request.user, key, fingerprint)
            if stored is not None:
                return stored
            response = self.get_response(request)
            if 200 <= response.status_code < 300 and not response.streaming:
                IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    fingerprint=fingerprint,
                    status=response.status_code,
                    content_type=response.get("Content-Type", "application/json"),
                    body=response.content,
                )
            else:
                transaction.set_rollback(True)
            return response
    # --8<-- [end:answer-once]

    @staticmethod
    def replay(user, key, fingerprint):
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
