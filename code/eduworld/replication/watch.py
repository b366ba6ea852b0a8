"""The replication watcher: one per host, run by systemd as the postgres user.

Every second it
- writes this host's heartbeat (a row that replicates: the peer sees whether it applies);
- looks at each subscription: pglogical's status, how far this host has applied, the peer's
  heartbeat as applied here and as read on the peer, and whether the peer still holds this
  host's replication slot;
- asks policy.decide what that means and whether to restart, and restarts (a disable and
  an enable: after a peer restarts, pglogical retries after 5 s and 10 s, then waits about
  3 minutes; chapter 2's bench measures it);
- writes its verdicts where /api/health/ reads them (verdict.py), and one line to the
  journal when a subscription's state changes;
- warns, once, about WAL kept for a peer that does not confirm (bounded by
  max_slot_wal_keep_size).

    python -m eduworld.replication.watch --host host1 --peer-address 10.86.16.12
"""

import argparse
import logging
import re
import subprocess
import time
from pathlib import Path

import psycopg

from . import verdict
from .policy import OK, Memory, Seen, decide

log = logging.getLogger("replication-watch")

DISABLED_FOR = 0.5     # long enough for pglogical's manager to notice the disable
WAL_WARNING = 256 * 1024 * 1024
LOG_TAIL = 256 * 1024  # how much of the end of PostgreSQL's log to search for an error

SUBSCRIPTIONS = """
SELECT s.subscription_name, s.status, s.provider_node, s.provider_dsn, s.slot_name,
       (SELECT remote_lsn::text FROM pg_replication_origin_status
        WHERE external_id = s.slot_name),
       (SELECT beat FROM replication_heartbeat WHERE host = s.provider_node),
       EXISTS (SELECT FROM pg_stat_activity
               WHERE application_name = w.worker AND state = 'active'),
       w.worker
FROM pglogical.show_subscription_status() s
JOIN pglogical.subscription sub ON sub.sub_name = s.subscription_name
CROSS JOIN LATERAL (SELECT 'pglogical apply ' || d.oid || ':' || sub.sub_id AS worker
                    FROM pg_database d WHERE d.datname = current_database()) w
ORDER BY 1
"""


def peer_answers(address, port=5432, timeout=1):
    """Is the peer's PostgreSQL accepting connections (not just listening while it starts)?"""
    try:
        return subprocess.run(["pg_isready", "-q", "-h", address, "-p", str(port),
                               "-t", str(timeout)], timeout=timeout + 2).returncode == 0
    except subprocess.TimeoutExpired:
        return False


ERROR_LINE = re.compile(r"\[(\d+)\] (?:\S*@\S* )?ERROR:\s+(.*)")
WORKER_EXIT = re.compile(r'background worker "(.+?)" \(PID (\d+)\) exited with exit code 1')


def last_error(log_text, worker):
    """The error that last ended `worker` (e.g. "pglogical apply 16384:3651"), from the text
    of PostgreSQL's log (log_line_prefix starts with '%m [%p] '), or None."""
    errors, found = {}, None
    for line in log_text.splitlines():
        error = ERROR_LINE.search(line)
        if error:
            errors[error.group(1)] = error.group(2).strip()
            continue
        exited = WORKER_EXIT.search(line)
        if exited and exited.group(1) == worker:
            found = errors.get(exited.group(2), found)
    return found


def tail(path, size=LOG_TAIL):
    try:
        with open(path, "rb") as log_file:
            log_file.seek(0, 2)
            log_file.seek(max(0, log_file.tell() - size))
            return log_file.read().decode(errors="replace")
    except OSError:
        return ""


class Watcher:
    def __init__(self, host, peer_address, database, state_file=None, postgresql_log=None):
        self.host = host
        self.peer_address = peer_address
        self.database = database
        self.state_file = state_file
        self.postgresql_log = postgresql_log
        self.memory = {}
        self.connection = None
        self.peer = None
        self.database_error = None
        self.write_failed = False
        self.wal_warned = set()

    def connect(self):
        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(dbname=self.database, autocommit=True,
                                              connect_timeout=3)
        return self.connection

    def peer_facts(self, dsn, slot, peer):
        """(this host's slot on the peer: "ok", "missing" or "lost"; the peer's heartbeat as
        the peer holds it), asked over the subscription's own connection string, as the
        replication role; (None, None) when the peer cannot say."""
        try:
            if self.peer is None or self.peer.closed:
                # A peer that vanishes mid-query must not hang the watcher: give up after 3 s.
                self.peer = psycopg.connect(dsn, autocommit=True, connect_timeout=2,
                                            tcp_user_timeout=3000,
                                            application_name="replication-watch")
            found = self.peer.execute("SELECT wal_status FROM pg_replication_slots "
                                      "WHERE slot_name = %s", [slot]).fetchone()
            beat = self.peer.execute("SELECT beat FROM public.replication_heartbeat "
                                     "WHERE host = %s", [peer]).fetchone()
        except psycopg.Error:
            self.forget_peer()
            return None, None
        state = "missing" if found is None else "lost" if found[0] == "lost" else "ok"
        return state, beat[0] if beat else None

    def forget_peer(self):
        if self.peer is not None:
            self.peer.close()
        self.peer = None

    def look(self, row, answers):
        name, status, peer, dsn, slot, remote_lsn, applied_beat, busy, worker = row
        peer_slot, peer_beat = self.peer_facts(dsn, slot, peer) if answers else (None, None)
        was = self.memory.get(name, Memory())
        trouble = status != "replicating" or was.state != OK
        return Seen(status=status, peer=peer, slot=slot, peer_answers=answers,
                    applied_beat=applied_beat, remote_lsn=remote_lsn, peer_beat=peer_beat,
                    peer_slot=peer_slot, busy=busy,
                    last_error=last_error(tail(self.postgresql_log), worker)
                    if trouble and self.postgresql_log else None)

    def tick(self):
        db = self.connect()
        db.execute("INSERT INTO replication_heartbeat (host, beat) VALUES (%s, now()) "
                   "ON CONFLICT (host) DO UPDATE SET beat = excluded.beat", [self.host])
        answers = peer_answers(self.peer_address)
        if not answers:
            self.forget_peer()
        verdicts = {}
        for row in db.execute(SUBSCRIPTIONS).fetchall():
            name = row[0]
            was = self.memory.get(name, Memory())
            memory, restart = decide(was, self.look(row, answers), time.monotonic())
            if memory.state != was.state:
                report = log.info if memory.state == OK else log.warning
                report("subscription %s: %s -> %s%s", name, was.state, memory.state,
                       f": {memory.reason}" if memory.reason else "")
            if restart:
                log.warning("restarting subscription %s (restart %d): %s", name,
                            len(memory.restarts), memory.reason)
                self.restart(db, name)
            self.memory[name] = memory
            verdicts[name] = {"state": memory.state, "reason": memory.reason,
                              "restarts": len(memory.restarts)}
        try:
            verdict.write(verdicts, self.state_file)
        except OSError as err:  # health then says the watcher is not running, which is fair
            if not self.write_failed:
                log.warning("cannot write the verdicts: %s", err)
            self.write_failed = True
        else:
            self.write_failed = False
        self.warn_about_wal(db)

    def warn_about_wal(self, db):
        for slot, retained, wal_status in db.execute(
                "SELECT slot_name, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), "
                "wal_status FROM pg_replication_slots WHERE slot_type = 'logical'").fetchall():
            if retained and retained > WAL_WARNING and slot not in self.wal_warned:
                self.wal_warned.add(slot)
                log.warning("slot %s keeps %d MiB of WAL for a peer that does not confirm "
                            "(wal_status %s)", slot, retained // 2**20, wal_status)
            elif slot in self.wal_warned and not (retained and retained > WAL_WARNING):
                self.wal_warned.discard(slot)
                log.info("slot %s keeps less than %d MiB of WAL again", slot,
                         WAL_WARNING // 2**20)

    # --8<-- [start:restart]
    def restart(self, db, name):
        db.execute("SELECT pglogical.alter_subscription_disable(%s, true)", [name])
        # An apply worker that died with an error leaves its slot marked "crashed", and
        # the manager will not start another for that subscription until 5 s after the
        # crash. The manager clears the mark only on a pass that sees the subscription
        # disabled; enabling straight away can beat that pass (a flaky 5-10 s delay).
        time.sleep(DISABLED_FOR)
        db.execute("SELECT pglogical.alter_subscription_enable(%s, true)", [name])
    # --8<-- [end:restart]

    def run(self, interval=1.0):
        while True:
            started = time.monotonic()
            try:
                self.tick()
                if self.database_error:
                    log.info("this host's database answers again")
                    self.database_error = None
            except psycopg.Error as err:
                message = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
                if message != self.database_error:  # once, not every second
                    log.warning("this host's database: %s", message)
                    self.database_error = message
                self.connection = None
            time.sleep(max(0.0, interval - (time.monotonic() - started)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True, help="this host's pglogical node name")
    parser.add_argument("--peer-address", required=True)
    parser.add_argument("--database", default="eduworld")
    parser.add_argument("--state-file", type=Path, default=verdict.STATE_FILE,
                        help="where /api/health/ reads the verdicts")
    parser.add_argument("--postgresql-log", type=Path,
                        help="PostgreSQL's log, for the error that stopped a subscription")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    log.info("watching replication of %s on %s", args.host, args.database)
    Watcher(args.host, args.peer_address, args.database, args.state_file,
            args.postgresql_log).run()


if __name__ == "__main__":
    main()
