"""The `replication` field of /api/health/: is this host's database in step with its peer?

Null when this host replicates with nobody (chapter 1). Reads only what the application's
database role may read; the watcher (watch.py) does the repairs, and `watcher` is its
verdict (verdict.py): ok, restarting, broken, disabled or initializing, with the reason.
"""

from django.conf import settings
from django.db import connection

from . import verdict


def replication_status():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pglogical'")
        if cursor.fetchone() is None:
            return None
        cursor.execute(
            "SELECT subscription_name, status, provider_node "
            "FROM pglogical.show_subscription_status()")
        subscriptions = cursor.fetchall()
        if not subscriptions:
            return None
        name, state, peer = subscriptions[0]
        cursor.execute(
            "SELECT beat, extract(epoch FROM now() - beat) FROM replication_heartbeat "
            "WHERE host = %s", [peer])
        beat = cursor.fetchone()
        cursor.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, "
            "pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, wal_status "
            "FROM pg_replication_slots WHERE slot_type = 'logical' AND database = %s "
            "ORDER BY slot_name LIMIT 1", [settings.DATABASES["default"]["NAME"]])
        slot = cursor.fetchone()
    return {
        "peer": peer,
        "subscription": name,
        "state": state,
        # Incoming: how old the newest heartbeat from the peer that we applied is.
        "last_applied": beat[0].isoformat() if beat else None,
        "lag_seconds": round(float(beat[1]), 3) if beat else None,
        # Outgoing: WAL the peer has not confirmed yet, and WAL kept for it.
        "lag_bytes": slot[0] if slot else None,
        "retained_wal_bytes": slot[1] if slot else None,
        "slot_wal_status": slot[2] if slot else None,
        "watcher": verdict.read(name),
    }
