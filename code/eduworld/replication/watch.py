"""The replication watcher: one per host, run by systemd as the postgres user.

Every second it
- writes this host's heartbeat (a row that replicates, so the peer can measure lag);
- restarts a subscription that is down: after a peer restarts, pglogical retries after 5 s
  and 10 s, then waits about 3 minutes (chapter 2's bench measures it); a disable/enable makes it
  reconnect at once, provided the manager has seen the subscription disabled in between
  (only then does it forget the crashed worker and its 5 s back-off);
- restarts the subscriptions the moment the peer answers again after it did not: a peer
  that died without closing its connections leaves a worker here waiting on a dead socket,
  still "replicating" (a hard power-off does that);
- restarts a subscription that says "replicating" while the peer's heartbeat stopped
  arriving, as long as the peer answers (a silently stalled apply worker);
- reports WAL kept for a peer that does not confirm (bounded by max_slot_wal_keep_size).

    python -m eduworld.replication.watch --host host1 --peer-address 10.86.16.12
"""

import argparse
import logging
import subprocess
import time

import psycopg

log = logging.getLogger("replication-watch")

DOWN_GRACE = 1.0       # a subscription down this long is restarted
STALL_AFTER = 10.0     # no peer heartbeat this long while the peer answers: restart
RESTART_EVERY = 2.0    # at most one restart per subscription this often
DISABLED_FOR = 0.5     # long enough for pglogical's manager to notice the disable
WAL_WARNING = 256 * 1024 * 1024


def peer_answers(address, port=5432, timeout=1):
    """Is the peer's PostgreSQL accepting connections (not just listening while it starts)?"""
    try:
        return subprocess.run(["pg_isready", "-q", "-h", address, "-p", str(port),
                               "-t", str(timeout)], timeout=timeout + 2).returncode == 0
    except subprocess.TimeoutExpired:
        return False


class Watcher:
    def __init__(self, host, peer_address, database):
        self.host = host
        self.peer_address = peer_address
        self.database = database
        self.down_since = {}
        self.restarted_at = {}
        self.connection = None
        self.peer_was_away = False

    def connect(self):
        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(dbname=self.database, autocommit=True,
                                              connect_timeout=3)
        return self.connection

    def tick(self):
        db = self.connect()
        db.execute("INSERT INTO replication_heartbeat (host, beat) VALUES (%s, now()) "
                   "ON CONFLICT (host) DO UPDATE SET beat = excluded.beat", [self.host])
        now = time.monotonic()
        answers = peer_answers(self.peer_address)
        came_back = answers and self.peer_was_away
        self.peer_was_away = not answers
        for name, status, provider in db.execute(
                "SELECT subscription_name, status, provider_node "
                "FROM pglogical.show_subscription_status()").fetchall():
            if came_back:
                self.restarted_at.pop(name, None)
                self.restart(db, name, f"{provider} answers again")
                continue
            if status != "replicating":
                since = self.down_since.setdefault(name, now)
                if now - since >= DOWN_GRACE:
                    self.restart(db, name, f"status {status}")
                continue
            self.down_since.pop(name, None)
            age = db.execute("SELECT extract(epoch FROM now() - beat) FROM "
                             "replication_heartbeat WHERE host = %s", [provider]).fetchone()
            if age and age[0] > STALL_AFTER and answers:
                self.restart(db, name, f"no heartbeat from {provider} for {age[0]:.0f} s")
        for slot, retained, wal_status in db.execute(
                "SELECT slot_name, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), "
                "wal_status FROM pg_replication_slots WHERE slot_type = 'logical'").fetchall():
            if retained and retained > WAL_WARNING:
                log.warning("slot %s keeps %d MiB of WAL for a peer that does not confirm "
                            "(wal_status %s)", slot, retained // 2**20, wal_status)

    # --8<-- [start:restart]
    def restart(self, db, name, why):
        now = time.monotonic()
        if now - self.restarted_at.get(name, 0) < RESTART_EVERY:
            return
        self.restarted_at[name] = now
        log.warning("restarting subscription %s: %s", name, why)
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
            except psycopg.Error as err:
                log.warning("database: %s", str(err).strip().splitlines()[0])
                self.connection = None
            time.sleep(max(0.0, interval - (time.monotonic() - started)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True, help="this host's pglogical node name")
    parser.add_argument("--peer-address", required=True)
    parser.add_argument("--database", default="eduworld")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    log.info("watching replication of %s on %s", args.host, args.database)
    Watcher(args.host, args.peer_address, args.database).run()


if __name__ == "__main__":
    main()
