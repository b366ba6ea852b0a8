"""Locks held in this host's database."""

from django.db import connection


def xact_lock(name):
    """Wait for the advisory lock called `name`, and hold it until the transaction ends.

    It takes turns on this host only: the other host's database has its own locks, and its
    writers never wait for this one. Names are hashed to PostgreSQL's 32-bit key (hashtext):
    two names that hash alike only make their holders take turns.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
