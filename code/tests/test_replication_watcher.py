"""The replication watcher's decisions (a pure function), its reading of PostgreSQL's log, its
verdict file, and what it asks the peer. No lab: pglogical's answers are made up here; the
lab tests in chapter 2 make the real faults."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from eduworld.replication import verdict
from eduworld.replication.models import Heartbeat
from eduworld.replication.policy import (
    BROKEN,
    DISABLED,
    DOWN_GRACE,
    FIRST_BACKOFF,
    INITIALIZING,
    MAX_BACKOFF,
    OK,
    RESTARTING,
    RESTARTS_BEFORE_BROKEN,
    STALL_AFTER,
    WINDOW,
    Memory,
    Seen,
    backoff,
    decide,
)
from eduworld.replication.watch import Watcher, last_error

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def seen(status="replicating", applied=0, peer_beat=None, lsn="0/100", **facts):
    """A look at host1's subscription to host2: `applied` is the peer's heartbeat as applied
    here (seconds after T0), `peer_beat` the same row as host2 holds it (default: equal)."""
    applied_beat = T0 + timedelta(seconds=applied)
    facts.setdefault("peer_answers", True)
    return Seen(status=status, peer="host2", slot="pgl_eduworld_host2_host1_from_host2",
                applied_beat=applied_beat, remote_lsn=lsn,
                peer_beat=applied_beat if peer_beat is None else T0 + timedelta(seconds=peer_beat),
                **facts)


def run(looks, start=0.0, memory=None, every=1.0):
    """Feed one look per second to decide; return the last memory and when it restarted."""
    memory, restarted = memory or Memory(), []
    for i, look in enumerate(looks):
        now = start + i * every
        memory, restart = decide(memory, look, now)
        if restart:
            restarted.append(now)
    return memory, restarted


def test_a_replicating_subscription_that_applies_is_ok_and_left_alone():
    memory, restarted = run(seen(applied=i, peer_beat=i + 1) for i in range(30))
    assert (memory.state, memory.reason, restarted) == (OK, "", [])


def test_an_operators_disable_is_left_alone_however_long_it_lasts():
    memory, restarted = run([seen()] + [seen("disabled")] * 600)
    assert memory.state == DISABLED and "operator" in memory.reason
    assert restarted == []


def test_disabling_forgets_earlier_restarts():
    memory, _ = run([seen()] + [seen("down")] * 10)
    assert memory.restarts
    memory, _ = decide(memory, seen("disabled"), 20.0)
    assert memory.restarts == () and memory.state == DISABLED


@pytest.mark.parametrize(("status", "reason"), [
    ("initializing", "copying host2's data: left alone"),
    ("unknown", "pglogical reports its status as unknown: left alone")])
def test_a_subscription_copying_its_data_is_left_alone(status, reason):
    memory, restarted = run([seen(status, peer_beat=50)] * 120)
    assert memory.state == INITIALIZING and restarted == []
    assert memory.reason == reason


def test_a_slot_missing_on_the_peer_is_broken_at_once_and_never_restarted():
    memory, restarted = run([seen()] + [seen("down", peer_slot="missing")] * 60)
    assert memory.state == BROKEN and restarted == []
    assert "pgl_eduworld_host2_host1_from_host2 does not exist on host2" in memory.reason


def test_a_slot_that_lost_its_wal_on_the_peer_is_broken():
    memory, restarted = run([seen()] + [seen("down", peer_slot="lost")] * 5)
    assert memory.state == BROKEN and "max_slot_wal_keep_size" in memory.reason
    assert restarted == []


def test_down_is_restarted_after_the_grace_with_a_back_off_then_broken_with_the_error():
    looks = [seen()] + [seen("down", last_error="unknown column name extra")] * 120
    memory, restarted = run(looks)
    # down from t=1; restarts at 1 + DOWN_GRACE, then after 2, 4 and 8 s.
    first = 1 + DOWN_GRACE
    assert restarted == [first, first + 2, first + 6, first + 14]
    assert len(restarted) == RESTARTS_BEFORE_BROKEN
    # The last restart gets its wait too (16 s) before the watcher gives up.
    last = restarted[-1] + backoff(RESTARTS_BEFORE_BROKEN)
    assert run(looks[:int(last)])[0].state == RESTARTING
    assert run(looks[:int(last) + 1])[0].state == BROKEN
    assert memory.state == BROKEN
    assert "4 restarts did not help" in memory.reason
    assert "last error: unknown column name extra" in memory.reason


def test_down_for_less_than_the_grace_changes_nothing():
    memory, restarted = run([seen(), seen("down")], every=DOWN_GRACE / 2)
    assert memory.state == OK and restarted == []


def test_the_back_off_doubles_up_to_its_cap():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [FIRST_BACKOFF * f for f in (1, 2, 4, 8)]
    assert backoff(30) == MAX_BACKOFF


def test_a_restart_that_works_is_forgotten_once_it_applies():
    memory, restarted = run([seen()] + [seen("down")] * 3 + [seen(applied=i) for i in (5, 6)])
    assert restarted and memory.state == OK and memory.restarts == ()


def test_broken_stays_broken_and_unrestarted_until_it_applies_again():
    looks = [seen()] + [seen("down")] * 60
    memory, _ = run(looks)
    assert memory.state == BROKEN
    memory, restarted = run([seen("replicating", peer_beat=99)] * 30 + [seen("down")] * 30,
                            start=100, memory=memory)
    assert memory.state == BROKEN and restarted == []
    # Someone repaired it (or pglogical's own retry got through): it applies again.
    memory, _ = run([seen(applied=200, peer_beat=201), seen(applied=201)], start=200,
                    memory=memory)
    assert memory.state == OK and memory.reason == ""


def test_a_peer_that_does_not_answer_is_waited_for_without_restarts():
    memory, restarted = run([seen()] + [seen("down", peer_answers=False)] * 300)
    assert memory.state == RESTARTING and "host2 does not answer" in memory.reason
    assert restarted == [] and memory.restarts == ()


def test_a_peer_that_answers_again_gets_a_restart_at_once():
    # pglogical may still say "replicating": a worker waiting on a dead connection.
    looks = [seen()] + [seen(peer_answers=False)] * 20 + [seen(peer_beat=30)]
    memory, restarted = run(looks)
    assert restarted == [21.0] and memory.state == RESTARTING
    memory, _ = decide(memory, seen(applied=31, peer_beat=31), 22.0)
    assert memory.state == OK


def test_a_flapping_peer_gets_restarts_with_the_back_off():
    """A peer that answers one second in two: each return may restart the subscription, but
    only once the last restart has had its wait, and the wait grows as for any restart."""
    looks = [seen()] + [seen(peer_beat=50, peer_answers=i % 2 == 1) for i in range(120)]
    memory, restarted = run(looks)
    gaps = [later - earlier for earlier, later in zip(restarted, restarted[1:], strict=False)]
    assert restarted[0] == 2.0 and len(restarted) >= 3
    assert all(gap >= backoff(n) for n, gap in enumerate(gaps, start=1)), restarted
    # A return while a restart still has time to work is remembered: restarted after the wait.
    waiting, restart = decide(Memory(peer_away=True, restarts=(10.0,), next_restart=12.0),
                              seen(peer_beat=50), 11.0)
    assert not restart and waiting.peer_away and "after the back-off" in waiting.reason
    _, restart = decide(waiting, seen(peer_beat=50), 12.0)
    assert restart


def test_a_peer_that_answers_again_forgets_restarts_outside_the_window():
    old = Memory(state=RESTARTING, restarts=(0.0, 1.0, 2.0), progress=(T0, "0/100"),
                 progress_at=0.0, peer_away=True, next_restart=60.0)
    memory, restart = decide(old, seen(peer_beat=50), WINDOW + 10)
    assert restart and memory.restarts == (WINDOW + 10,)


def test_applying_nothing_while_the_peer_has_newer_heartbeats_is_a_stall():
    looks = [seen(applied=0, peer_beat=i) for i in range(1, int(STALL_AFTER) + 2)]
    memory, restarted = run(looks)
    assert restarted == [STALL_AFTER] and memory.state == RESTARTING
    assert memory.reason == (f"applied nothing for {STALL_AFTER:.0f} s "
                             "while host2 has newer heartbeats")


def test_a_restart_gets_time_to_apply_before_it_counts_as_stalled_again():
    looks = [seen(applied=0, peer_beat=i) for i in range(1, 60)]
    _, restarted = run(looks)
    gaps = [later - earlier for earlier, later in zip(restarted, restarted[1:], strict=False)]
    assert all(gap >= STALL_AFTER for gap in gaps), restarted


def test_a_quiet_peer_is_not_a_stall():
    # Nothing new on the peer (its watcher stopped, say): nothing to apply, nothing wrong.
    memory, restarted = run([seen(applied=0, peer_beat=0)] * 120)
    assert memory.state == OK and restarted == []


def test_a_worker_inside_a_long_transaction_is_not_a_stall():
    memory, restarted = run([seen(applied=0, peer_beat=i, busy=True) for i in range(1, 60)])
    assert memory.state == OK and restarted == []


def test_without_the_peers_heartbeat_no_stall_is_judged():
    looks = [Seen("replicating", "host2", "slot", True, applied_beat=T0, peer_beat=None)] * 60
    memory, restarted = run(looks)
    assert memory.state == OK and restarted == []


def test_the_peers_clock_is_never_compared_with_ours():
    # host2's clock a day ahead: its heartbeat, applied here, says "tomorrow". Applied and
    # equal to what host2 holds means in step, whatever the time in it.
    tomorrow = 86400
    memory, restarted = run(seen(applied=tomorrow + i, peer_beat=tomorrow + i)
                            for i in range(30))
    assert memory.state == OK and restarted == []


def test_restarts_outside_the_window_do_not_count_towards_broken():
    old = Memory(state=RESTARTING, restarts=(0.0, 1.0, 2.0), progress=(T0, "0/100"),
                 progress_at=0.0, down_since=WINDOW)
    memory, restart = decide(old, seen("down"), WINDOW + 10)
    assert restart and memory.state == RESTARTING and len(memory.restarts) == 1


def test_a_restarted_subscription_that_has_not_applied_yet_is_still_restarting():
    memory, _ = run([seen()] + [seen("down")] * 3)
    memory, restart = decide(memory, seen("replicating", peer_beat=9), 4.5)
    assert memory.state == RESTARTING and not restart
    assert memory.reason == "restarted; waiting for it to apply"


# --- the I/O around the decisions --------------------------------------------------------

LOG = """\
2026-11-28 09:00:01.100 UTC [4100] LOG:  starting apply for subscription host1_from_host2
2026-11-28 09:00:01.200 UTC [4100] ERROR:  unknown column name extra
2026-11-28 09:00:01.300 UTC [880] LOG:  background worker "pglogical apply 16384:3651" \
(PID 4100) exited with exit code 1
2026-11-28 09:00:02.000 UTC [4200] eduworld@eduworld ERROR:  relation "x" does not exist
2026-11-28 09:00:03.000 UTC [880] LOG:  background worker "pglogical apply 16384:9999" \
(PID 4300) exited with exit code 1
"""


def test_the_error_that_ended_the_apply_worker_is_read_from_the_log():
    assert last_error(LOG, "pglogical apply 16384:3651") == "unknown column name extra"


def test_other_processes_errors_are_not_blamed_on_the_worker():
    assert last_error(LOG, "pglogical apply 16384:9999") is None
    assert last_error("", "pglogical apply 16384:3651") is None


def test_the_verdict_file_is_read_back(tmp_path):
    path = tmp_path / "verdict.json"
    verdict.write({"host1_from_host2": {"state": "broken", "reason": "why", "restarts": 4}},
                  path, now=1000.0)
    assert verdict.read("host1_from_host2", path, now=1001.0) == {
        "state": "broken", "reason": "why", "restarts": 4}
    assert not list(tmp_path.glob("*.partial"))


def test_no_watcher_a_stuck_watcher_or_another_subscription_reads_as_unknown(tmp_path):
    path = tmp_path / "verdict.json"
    assert "not running" in verdict.read("sub", path)["reason"]
    verdict.write({"sub": {"state": "ok", "reason": "", "restarts": 0}}, path, now=1000.0)
    stale = verdict.read("sub", path, now=1000.0 + verdict.STALE_AFTER + 1)
    assert stale["state"] == "unknown" and "has not reported" in stale["reason"]
    assert verdict.read("other", path, now=1000.0)["state"] == "unknown"


def peer_dsn():
    settings = connection.settings_dict
    return (f"host={settings['HOST']} port={settings['PORT']} dbname={settings['NAME']} "
            f"user={settings['USER']}")


@pytest.mark.django_db(transaction=True)
def test_the_peer_is_asked_for_this_hosts_slot_and_its_own_heartbeat():
    Heartbeat.objects.create(host="host2", beat=T0)
    watcher = Watcher("host1", "127.0.0.1", "unused")
    assert watcher.peer_facts(peer_dsn(), "pgl_no_such_slot", "host2") == ("missing", T0)
    watcher.forget_peer()


def test_a_peer_that_cannot_be_asked_gives_no_facts(db):
    watcher = Watcher("host1", "127.0.0.1", "unused")
    assert watcher.peer_facts(peer_dsn() + " password=x dbname=no_such_db", "slot",
                              "host2") == (None, None)


def test_the_lab_status_line_shows_the_watchers_verdict_and_reason():
    from lab.control import replication_line

    line = replication_line({"peer": "host2", "state": "down", "lag_seconds": 12.5,
                             "watcher": {"state": "broken", "restarts": 4,
                                         "reason": "down for 5 s; 4 restarts did not help"}})
    assert line == ("replication from host2: down, lag 12.5 s; watcher broken after 4 "
                    "restarts (down for 5 s; 4 restarts did not help)")
