"""`manage.py migrate` for a live pair: one host migrates at a time, and both get the change.

Django's own migrate, plus:
- a lock held on BOTH hosts' databases (taken in name order, so two runs cannot deadlock):
  a migrate started on the other host meanwhile waits, then finds nothing left to do;
- schema changes replicate through pglogical's queue (eduworld.db's schema editor), and so
  does the record of which migrations ran (django_migrations is each host's own table: its
  integer ids would collide, so the INSERT statement travels, not the row);
- before it lets go, it waits until the peer has applied everything it sent.
Without replication (one host, the fast tests) it is Django's migrate with a local lock.
"""

import psycopg
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from eduworld.db.schema import replicate, replication_active

LOCK_KEY = 2016  # the advisory lock that means "a migration runs on the pair"


class Command(migrate.Command):
    help = "Update the schema on both hosts of the pair, one migration run at a time."

    def handle(self, *args, **options):
        replicated = replication_active(connection)
        peer = connect_to_peer() if replicated else None
        try:
            lock_pair(peer)
            if not replicated:
                return super().handle(*args, **options)
            original = (MigrationRecorder.record_applied, MigrationRecorder.record_unapplied)
            MigrationRecorder.record_applied = record_applied
            MigrationRecorder.record_unapplied = record_unapplied
            try:
                super().handle(*args, **options)
            finally:
                MigrationRecorder.record_applied, MigrationRecorder.record_unapplied = original
            wait_for_peer()
        finally:
            unlock_pair(peer)


def wait_for_peer(seconds=120):
    """Hold the lock until the peer has applied all we sent: the next run sees it done."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = '{seconds}s'")
        try:
            cursor.execute("SELECT pglogical.wait_slot_confirm_lsn(NULL, NULL)")
        except Exception as err:
            raise CommandError(
                f"The peer has not applied the schema change after {seconds} s. A statement "
                "that fails there stops replication from this host: look for ERROR in the "
                "peer's PostgreSQL log, make its schema match, and replication resumes.") from err
        finally:
            cursor.execute("RESET statement_timeout")


def connect_to_peer():
    db = settings.DATABASES["default"]
    try:
        return psycopg.connect(host=settings.PEER_DB_HOST, port=db["PORT"], dbname=db["NAME"],
                               user=db["USER"], password=db["PASSWORD"], connect_timeout=5,
                               autocommit=True)
    except psycopg.Error as err:
        raise CommandError(
            f"The peer's database ({settings.PEER_DB_HOST}) does not answer, so it cannot be "
            f"migrated with this host: {str(err).strip().splitlines()[0]}. Migrate when both "
            "hosts are up.") from err


def pair_connections(peer):
    ours = (settings.HOST_NAME, "local")
    if peer is None:
        return [ours]
    return sorted([ours, (settings.PEER_HOST_NAME, "peer")])


def lock_pair(peer):
    for _name, which in pair_connections(peer):
        if which == "local":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        else:
            peer.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])


def unlock_pair(peer):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    if peer is not None:
        peer.close()  # ends its session and with it the lock


def record_applied(recorder, app, name):
    recorder.ensure_schema()
    replicate(recorder.connection, connection.ops.compose_sql(
        "INSERT INTO public.django_migrations (app, name, applied) VALUES (%s, %s, now())",
        [app, name]))


def record_unapplied(recorder, app, name):
    recorder.ensure_schema()
    replicate(recorder.connection, connection.ops.compose_sql(
        "DELETE FROM public.django_migrations WHERE app = %s AND name = %s", [app, name]))
