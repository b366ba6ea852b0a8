"""Chapter 2: the replication watcher knows when to act, when to wait and when to stop.

Scenario: the chapter-2 pair. Each test does to host1's subscription (host1_from_host2)
what an operator or an accident does, and reads host1's /api/health/ for the watcher's
verdict. Each puts the subscription back and compares both hosts when it ends.
"""

import uuid

import pytest

from lab import control
from lab.polling import holds_for, wait_for

pytestmark = pytest.mark.lab

SUBSCRIPTION = "host1_from_host2"


def watcher(lab, host="host1"):
    """The watcher's verdict in a host's /api/health/: {state, reason, restarts}."""
    health = lab.api(host).health() or {}
    return (health.get("replication") or {}).get("watcher") or {}


def in_state(lab, state, host="host1"):
    """The verdict when it is `state`, else None (for wait_for)."""
    found = watcher(lab, host)
    return found if found.get("state") == state else None


def pglogical_status(lab, host="host1"):
    return lab.sql(host, "SELECT status FROM pglogical.show_subscription_status()")


def restart_by_hand(lab):
    """What an operator does after repairing the cause: disable, and enable once the
    watcher has seen it disabled (which also makes it forget the restarts)."""
    lab.sql("host1", f"SELECT pglogical.alter_subscription_disable('{SUBSCRIPTION}', true)")
    wait_for(lambda: in_state(lab, "disabled"), 10, "host1's watcher to see the disable")
    lab.sql("host1", f"SELECT pglogical.alter_subscription_enable('{SUBSCRIPTION}', true)")
    wait_for(lambda: in_state(lab, "ok"), 30, "host1's watcher to say ok again")


# --8<-- [start:disabled]
def test_an_operators_disable_stays_disabled_and_health_says_so(chapter_lab):
    """A subscription an operator disabled stays disabled, and /api/health/ says so."""
    # A restart of the watcher's own (after an earlier fault) disables and enables the
    # subscription: a disable made in between is undone. The operator's comes after it.
    wait_for(lambda: in_state(chapter_lab, "ok"), 60, "host1's watcher to say ok first")
    chapter_lab.sql("host1", f"SELECT pglogical.alter_subscription_disable('{SUBSCRIPTION}', "
                    "true)")
    try:
        wait_for(lambda: in_state(chapter_lab, "disabled"), 5,
                 "host1's /api/health/ to report the watcher's verdict: disabled")
        holds_for(lambda: pglogical_status(chapter_lab) == "disabled"
                  and in_state(chapter_lab, "disabled"), 12,
                  "the subscription to stay disabled, left alone by the watcher", interval=0.5)
    finally:
        chapter_lab.sql("host1", f"SELECT pglogical.alter_subscription_enable('{SUBSCRIPTION}', "
                        "true)")
    wait_for(lambda: in_state(chapter_lab, "ok"), 15, "host1's watcher to say ok again")
    chapter_lab.wait_until_identical(30)
# --8<-- [end:disabled]


# --8<-- [start:broken]
def test_an_apply_that_fails_for_good_ends_broken_with_its_reason(chapter_lab):
    """An apply that fails for good ends broken, with its error, and is restarted no more.

    The fault: a column added on host2 only (a schema change made outside `migrate`), then a
    row written with it on host2. host1 cannot apply that row, nor anything after it. The
    watcher restarts the subscription a few times, waiting longer each time, then calls it
    broken with the error from host1's PostgreSQL log, and leaves it alone. The repair is
    the operator's: add the column on host1 too, and restart the subscription by hand."""
    for host in ("host1", "host2"):
        chapter_lab.sql(host, "CREATE TABLE scratch_watch (id uuid PRIMARY KEY, note text);"
                        "SELECT pglogical.replication_set_add_table('default', "
                        "'scratch_watch', false);")
    try:
        chapter_lab.sql("host2", "ALTER TABLE scratch_watch ADD COLUMN extra text;"
                        "INSERT INTO scratch_watch VALUES (gen_random_uuid(), 'a', 'b')")
        broken = wait_for(lambda: in_state(chapter_lab, "broken"), 90,
                          "host1's watcher to call the subscription broken")
        assert "restarts did not help" in broken["reason"], broken
        assert "unknown column name extra" in broken["reason"], broken
        holds_for(lambda: watcher(chapter_lab) == broken, 10,
                  "the watcher to leave a broken subscription alone", interval=0.5)
    finally:
        chapter_lab.sql("host1", "ALTER TABLE scratch_watch ADD COLUMN IF NOT EXISTS extra text")
        restart_by_hand(chapter_lab)
        for host in ("host1", "host2"):
            chapter_lab.sql(host, "SELECT pglogical.replication_set_remove_table('default', "
                            "'scratch_watch'); DROP TABLE scratch_watch;")
    chapter_lab.wait_until_identical(30)
# --8<-- [end:broken]


def test_a_slot_lost_on_the_peer_is_reported_broken_with_that_reason(chapter_lab):
    """host1's slot dropped on host2 makes host1's watcher report broken, naming the slot.

    Dropping the slot loses what host2 writes until a new one exists, so the test writes
    nothing on host2 meanwhile (its heartbeat row is rewritten every second anyway), and
    puts a slot of the same name back on host2 when it ends."""
    slot = chapter_lab.sql("host1", "SELECT slot_name FROM pglogical.show_subscription_status()")
    on_host2 = f"FROM pg_replication_slots WHERE slot_name = '{slot}'"
    plugin = chapter_lab.sql("host2", f"SELECT plugin {on_host2}")
    chapter_lab.sql("host1", f"SELECT pglogical.alter_subscription_disable('{SUBSCRIPTION}', "
                    "true)")
    try:
        wait_for(lambda: chapter_lab.sql("host2", f"SELECT active {on_host2}") == "f", 10,
                 "host2 to let go of host1's slot")
        chapter_lab.sql("host2", f"SELECT pg_drop_replication_slot('{slot}')")
        chapter_lab.sql("host1", f"SELECT pglogical.alter_subscription_enable('{SUBSCRIPTION}', "
                        "true)")
        broken = wait_for(lambda: in_state(chapter_lab, "broken"), 15,
                          "host1's watcher to report the lost slot")
        assert f"replication slot {slot} does not exist on host2" in broken["reason"], broken
        holds_for(lambda: watcher(chapter_lab) == broken, 5,
                  "the watcher not to restart a subscription whose slot is gone", interval=0.5)
    finally:
        chapter_lab.sql("host2", f"SELECT pg_create_logical_replication_slot('{slot}', "
                        f"'{plugin}') WHERE NOT EXISTS (SELECT {on_host2})")
        restart_by_hand(chapter_lab)
    chapter_lab.wait_until_identical(30)


# --8<-- [start:postgresql-down]
def test_host2s_database_down_20_s_is_waited_for_then_replicates_in_5_s(chapter_lab):
    """With host2's PostgreSQL down for 20 s, host1's watcher waits, then restores it in 5 s.

    While host2 does not answer, the watcher restarts nothing and counts nothing towards
    "broken"; the moment host2 answers again it restarts the subscription, so that host2's
    writes reach host1 at once instead of after pglogical's own retry (minutes)."""
    unit = control.service_unit("postgresql")
    chapter_lab.console("host2", "systemctl", "stop", unit)
    try:
        waiting = wait_for(lambda: in_state(chapter_lab, "restarting"), 5,
                           "host1's watcher to notice that host2 does not answer")
        assert "host2 does not answer" in waiting["reason"], waiting
        holds_for(lambda: in_state(chapter_lab, "restarting") == waiting, 20,
                  "host1's watcher to wait for host2 without restarts", interval=0.5)
    finally:
        chapter_lab.console("host2", "systemctl", "start", unit)
    chapter_lab.wait_until_serving("host2", timeout=60)
    written = chapter_lab.api("host2").sign_in().create_subject(f"after-db-{uuid.uuid4()}")
    host1 = chapter_lab.api("host1").sign_in()
    wait_for(lambda: host1.get(f"/api/nodes/{written['id']}/").status_code == 200, 5,
             "host2's write to reach host1")
    wait_for(lambda: in_state(chapter_lab, "ok"), 10, "host1's watcher to say ok again")
    chapter_lab.wait_until_identical(30)
# --8<-- [end:postgresql-down]
