"""GET /api/health/: which host answered, and can it reach its database.

A front end or a monitor asks every host; a host whose database is gone answers 503, so
the client switches to the other host. `replication` is null while the host replicates
with nobody (chapter 1); from chapter 2 on it says how this host's database keeps in step.
`mail` is null until a host sends mail (chapter 7); then it shows this host's outbox.
"""

import time

from django.conf import settings
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from eduworld.mail.status import mail_status
from eduworld.replication.status import replication_status

HealthSerializer = inline_serializer("Health", {
    "host": serializers.CharField(),
    "time": serializers.DateTimeField(),
    "database": inline_serializer("DatabaseHealth", {
        "ok": serializers.BooleanField(),
        "latency_ms": serializers.FloatField(allow_null=True),
        "error": serializers.CharField(allow_null=True),
    }),
    "replication": serializers.JSONField(allow_null=True),
    "mail": serializers.JSONField(allow_null=True),
})


def replication():
    try:
        return replication_status()
    except Exception as err:  # the health answer must not fail because this part did
        connection.close()
        return {"state": "unknown", "error": str(err).strip().splitlines()[0]}


def mail():
    if not settings.MAIL["providers"]:  # no sender configured on this host (before chapter 7)
        return None
    try:
        return mail_status()
    except Exception as err:  # the health answer must not fail because this part did
        connection.close()
        return {"error": str(err).strip().splitlines()[0]}


def database_status():
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as err:  # any failure means "not healthy"; the message says which
        connection.close()
        return {"ok": False, "latency_ms": None, "error": str(err).strip().splitlines()[0]}
    return {"ok": True, "latency_ms": round((time.monotonic() - started) * 1000, 2),
            "error": None}


class HealthView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer})
    def get(self, request):
        database = database_status()
        body = {"host": settings.HOST_NAME, "time": timezone.now(), "database": database,
                "replication": replication() if database["ok"] else None,
                "mail": mail() if database["ok"] else None}
        return Response(body, status=200 if database["ok"] else 503)
