"""Chapter 2: why pglogical, and not PostgreSQL's own two-way replication.

Scenario: the same conflict, twice, on the pair. With the hosts cut off from each other, each
inserts a row with the same key and its own value; the cut heals; then each host writes a
later, unrelated row. Once with PostgreSQL's own logical replication made two-way (on each
host a publication, and a subscription to the peer's with origin = none), once with
pglogical. Both run on scratch tables in the eduworld database, next to the application's
tables (a scratch database would be cleaner, but with pglogical loaded DROP DATABASE waits
forever on pglogical's workers: see the chapter). Both are gone afterwards, pass or fail.
"""

import re
import uuid

import pytest

from lab import config
from lab.polling import holds_for, wait_for

pytestmark = pytest.mark.lab

HOSTS = config.HOSTS
PEER = {"host1": "host2", "host2": "host1"}
DATABASE = "eduworld"
PASSFILE = "/var/lib/postgresql/pglrepl.pgpass"  # the replication role's, as pglogical uses


def psql(lab, host, statement, timeout=30):
    """One statement as postgres on a host, through its console; psql is killed after
    `timeout` seconds (a subscription that cannot reach its peer must not hang the test)."""
    return lab.console(host, "timeout", str(timeout), "runuser", "-u", "postgres", "--", "psql",
                       "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", DATABASE,
                       "-c", statement).stdout.strip()


def server_log(lab, host, text):
    """The lines of a host's PostgreSQL log that contain `text`."""
    return lab.console(host, "grep", "-F", "--", text, config.POSTGRESQL_LOG,
                       check=False).stdout.splitlines()


def rows(lab, host, table):
    found = psql(lab, host, f"SELECT id, written_on FROM {table} ORDER BY id")
    return dict(line.split("|") for line in found.splitlines())


def native_conninfo(peer):
    # No password here: libpq reads it from the replication role's pgpass file, as
    # pglogical's DSNs do (the role admits pglrepl from the peer to this database only).
    return (f"host={config.ADDRESSES[peer]} port=5432 dbname={DATABASE} user=pglrepl "
            f"passfile={PASSFILE}")


def drop_native(lab, table):
    """Subscriptions first, on both hosts, then slots, publication and table. Nothing here
    reaches the peer (it may still be cut off): each subscription is detached from its slot
    before it is dropped, and each host drops the slot that the peer's subscription used."""
    for host in HOSTS:
        for name in psql(lab, host, "SELECT subname FROM pg_subscription "
                         f"WHERE subname LIKE 'native_{table}_%'").split():
            psql(lab, host, f"ALTER SUBSCRIPTION {name} DISABLE")
            psql(lab, host, f"ALTER SUBSCRIPTION {name} SET (slot_name = NONE)")
            psql(lab, host, f"DROP SUBSCRIPTION {name}")

    def slots_gone(host):
        slots = f"FROM pg_replication_slots WHERE slot_name LIKE 'native_{table}_%'"
        psql(lab, host, f"SELECT pg_terminate_backend(active_pid) {slots} AND active")
        psql(lab, host, f"SELECT pg_drop_replication_slot(slot_name) {slots} AND NOT active")
        return psql(lab, host, f"SELECT count(*) {slots}") == "0"

    for host in HOSTS:  # a terminated walsender lets go of its slot a moment later: retry
        wait_for(lambda h=host: slots_gone(h), 30, f"the native slots to go on {host}")
        psql(lab, host, f"DROP PUBLICATION IF EXISTS native_{table}; DROP TABLE IF EXISTS {table}")


@pytest.fixture
def native_pair(chapter_lab):
    """A scratch table on both hosts, replicated both ways by PostgreSQL alone (and not in
    pglogical's replication set); its name. Dropped afterwards, pass or fail."""
    table = f"scratch_native_{uuid.uuid4().hex[:8]}"
    try:
        # --8<-- [start:native-setup]
        for host in HOSTS:
            psql(chapter_lab, host,
                 f"CREATE TABLE {table} (id text PRIMARY KEY, written_on text NOT NULL);"
                 f"GRANT SELECT ON {table} TO pglrepl;"
                 f"CREATE PUBLICATION native_{table} FOR TABLE {table}")
        for host in HOSTS:
            # origin = none: send the peer only this host's own writes, not the ones it got
            # from the peer (no loop); copy_data = false: both sides start empty.
            psql(chapter_lab, host,
                 f"CREATE SUBSCRIPTION native_{table}_from_{PEER[host]} "
                 f"CONNECTION '{native_conninfo(PEER[host])}' PUBLICATION native_{table} "
                 "WITH (origin = none, copy_data = false)")
        # --8<-- [end:native-setup]
        yield table
    finally:
        drop_native(chapter_lab, table)


def native_sql(lab, host, statement):
    return psql(lab, host, statement)


def apply_errors(lab, host, table):
    # pg_stat_subscription_stats.apply_error_count: "number of times an error occurred while
    # applying changes" (PostgreSQL 15 and later).
    return int(psql(lab, host, "SELECT apply_error_count FROM pg_stat_subscription_stats "
                    f"WHERE subname = 'native_{table}_from_{PEER[host]}'"))


def finish_lsn(lab, host, table):
    """The finish LSN of the transaction the apply worker failed on, from the CONTEXT line
    PostgreSQL logs with the error: what ALTER SUBSCRIPTION ... SKIP takes."""
    lines = server_log(lab, host, f'replication target relation "public.{table}"')
    found = [m.group(1) for line in lines
             if (m := re.search(r"finished at ([0-9A-F]+/[0-9A-F]+)", line))]
    assert found, f"{host}'s log names no failed transaction on {table}"
    return found[-1]


# --8<-- [start:native]
def test_native_replication_stops_at_a_conflict_until_fixed_by_hand(
        chapter_lab, native_pair, faults):
    """Native two-way replication stops at a conflicting insert until resolved by hand."""
    table = native_pair
    for host in HOSTS:  # without a conflict, writes flow both ways (and do not loop back)
        native_sql(chapter_lab, host, f"INSERT INTO {table} VALUES ('before-{host}', '{host}')")
    for host in HOSTS:
        wait_for(lambda h=host: f"before-{PEER[h]}" in rows(chapter_lab, h, table), 30,
                 f"{PEER[host]}'s first row to reach {host}")

    faults.partition()
    for host in HOSTS:  # one key, two values: each insert is acknowledged on its own side
        native_sql(chapter_lab, host, f"INSERT INTO {table} VALUES ('same-key', '{host}')")
    faults.heal()
    for host in HOSTS:  # later and unrelated
        native_sql(chapter_lab, host, f"INSERT INTO {table} VALUES ('later-{host}', '{host}')")

    # PostgreSQL 17's documentation (29.6, Conflicts): an incoming change that violates a
    # constraint stops replication until it is resolved by hand. The peer's insert is applied
    # as a plain INSERT, the primary key refuses it, and the apply worker fails with that
    # error in the log (PostgreSQL 18 words it "conflict=insert_exists") and in
    # pg_stat_subscription_stats.apply_error_count.
    refused = (f'duplicate key value violates unique constraint "{table}_pkey"',
               f'conflict detected on relation "public.{table}": conflict=insert_exists')

    def refusals(host):
        return sum(len(server_log(chapter_lab, host, text)) for text in refused)

    for host in HOSTS:
        wait_for(lambda h=host: refusals(h) > 0, 30, f"{host}'s log to refuse the peer's insert")
        wait_for(lambda h=host: apply_errors(chapter_lab, h, table) > 0, 5,
                 f"{host}'s subscription to count the error")
    logged = {host: refusals(host) for host in HOSTS}
    # Changes are applied in commit order, so every later change from the peer waits behind
    # the refused insert: the unrelated row does not arrive (checked for 10 s). Meanwhile the
    # launcher restarts the failed worker (at most every wal_retrieve_retry_interval, 5 s by
    # default), which meets the same insert and fails again: retried, never resolved.
    holds_for(lambda: all(f"later-{PEER[h]}" not in rows(chapter_lab, h, table)
                          for h in HOSTS), 10, "the later rows to stay away")
    for host in HOSTS:
        assert refusals(host) > logged[host], f"{host} stopped retrying the peer's insert"
        # Each host keeps its own value for the key: nothing decided between the two.
        assert rows(chapter_lab, host, table)["same-key"] == host

    # By hand, as the documentation describes: skip the peer's conflicting transaction,
    # named by the finish LSN that the log's CONTEXT line gives.
    for host in HOSTS:
        native_sql(chapter_lab, host, f"ALTER SUBSCRIPTION native_{table}_from_{PEER[host]} "
                   f"SKIP (lsn = '{finish_lsn(chapter_lab, host, table)}')")
    for host in HOSTS:
        wait_for(lambda h=host: f"later-{PEER[h]}" in rows(chapter_lab, h, table), 30,
                 f"{PEER[host]}'s later row to reach {host} once the conflict is skipped")
    # Replication flows again; SKIP threw the peer's insert away on each side, so the hosts
    # now disagree on the key, and choosing a value is left to a person.
    for host in HOSTS:
        assert rows(chapter_lab, host, table)["same-key"] == host
# --8<-- [end:native]


@pytest.fixture
def pglogical_table(chapter_lab, faults):
    """A scratch table in the eduworld database, in pglogical's replication set on both
    hosts; removed afterwards, pass or fail, leaving every replicated table as it was."""
    table = f"scratch_luw_{uuid.uuid4().hex[:8]}"
    created = []
    try:
        for host in HOSTS:
            chapter_lab.sql(host, f"CREATE TABLE {table} "
                                  "(id text PRIMARY KEY, written_on text NOT NULL);"
                                  "SELECT pglogical.replication_set_add_table('default', "
                                  f"'{table}', false)")
            created.append(host)
        yield table
    finally:
        faults.heal()  # a failed test may leave the hosts cut off
        # Everything written on either host has reached the other before the table goes:
        # pglogical would fail to apply a row to a table that no longer exists.
        for host in created:
            psql(chapter_lab, host, "SELECT pglogical.wait_slot_confirm_lsn(NULL, NULL)",
                 timeout=60)
        for host in created:
            chapter_lab.sql(host, f"SELECT pglogical.replication_set_remove_table('default', "
                                  f"'{table}'); DROP TABLE {table};")
        chapter_lab.wait_until_identical(30)


# --8<-- [start:pglogical]
def test_pglogical_resolves_the_same_conflict_by_last_update(
        chapter_lab, pglogical_table, faults):
    """pglogical resolves the same conflict by last update and keeps replicating."""
    table = pglogical_table
    faults.partition()
    for host in HOSTS:  # host1 first, then host2: host2's insert commits later
        chapter_lab.sql(host, f"INSERT INTO {table} VALUES ('same-key', '{host}')")
    faults.heal()
    for host in HOSTS:
        chapter_lab.sql(host, f"INSERT INTO {table} VALUES ('later-{host}', '{host}')")

    # Last update wins by commit timestamp (track_commit_timestamp is on): both hosts keep
    # host2's value, and the later rows arrive both ways.
    converged = {"same-key": "host2", "later-host1": "host1", "later-host2": "host2"}
    for host in HOSTS:
        wait_for(lambda h=host: rows(chapter_lab, h, table) == converged, 30,
                 f"{host} to hold the later insert and both later rows")
    # pglogical.conflict_log_level = LOG: each host logs the conflict and what it did.
    for host, resolution in (("host1", "apply_remote"), ("host2", "keep_local")):
        line = (f"CONFLICT: remote INSERT on relation public.{table} "
                f"(local index {table}_pkey). Resolution: {resolution}.")
        wait_for(lambda h=host, text=line: server_log(chapter_lab, h, text), 5,
                 f"{host}'s PostgreSQL log to record {resolution}")
# --8<-- [end:pglogical]
