"""Two-way replication on the lab, measured: the figures chapter 2 quotes.

    make bench-replication            # boots the chapter-2 lab if it is not up
    .venv/bin/python bench/replication.py --stall   # adds the 3-minute stall without the watcher

1. Lag, commit on one host to row applied on the other, both directions at once, at rest
   (5 writes/s per host) and under 100 and 500 writes/s per host, through SQL (pgbench).
   Both hosts share the machine's clock, so the applying host can subtract the sending
   host's timestamp: a trigger (ENABLE ALWAYS: it fires for replicated rows) records it.
2. Lag through the API: a subject created on one host, polled on the other, during each of
   those loads.
3. Write throughput into a replicated table against a table that is not replicated, on the
   same host in the same run, as a ratio.
4. Catch-up: host2 powered off while host1 writes 100 rows/s for 10 s and for 60 s; time
   from booting host2 until it holds every row.
5. PostgreSQL on host2 down for 20 s, then started, with the replication watcher (and with
   --stall also without it, about 3 minutes): time until a write on host2 reaches host1.
"""

import argparse
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "code"))

from results import save  # noqa: E402

from lab import control, hosts  # noqa: E402
from lab.client import Api  # noqa: E402
from lab.polling import wait_for  # noqa: E402

HOSTS = ("host1", "host2")
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"


def setup():
    for host in HOSTS:
        hosts.sql(host, f"""
        CREATE TABLE bench_lag (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                                origin text NOT NULL,
                                sent_at timestamptz NOT NULL DEFAULT clock_timestamp());
        CREATE TABLE bench_local (LIKE bench_lag INCLUDING ALL);
        CREATE TABLE bench_seen (origin text, label text, lag_ms double precision);
        CREATE TABLE bench_label (label text);
        INSERT INTO bench_label VALUES ('');
        -- SECURITY DEFINER: replication applies rows as another role than this table's owner.
        CREATE FUNCTION bench_record() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
        BEGIN
          IF NEW.origin <> '{host}' THEN
            INSERT INTO bench_seen SELECT NEW.origin, label,
              extract(epoch FROM clock_timestamp() - NEW.sent_at) * 1000 FROM bench_label;
          END IF;
          RETURN NULL;
        END $$;
        CREATE TRIGGER bench_record AFTER INSERT ON bench_lag
          FOR EACH ROW EXECUTE FUNCTION bench_record();
        ALTER TABLE bench_lag ENABLE ALWAYS TRIGGER bench_record;
        SELECT pglogical.replication_set_add_table('default', 'bench_lag', false);
        """)


def teardown():
    for host in HOSTS:
        hosts.sql(host, """
        SELECT pglogical.replication_set_remove_table('default', c.oid::regclass)
          FROM pg_class c JOIN pglogical.replication_set_table t ON t.set_reloid = c.oid
          WHERE c.relname = 'bench_lag';
        DROP TABLE IF EXISTS bench_lag, bench_local, bench_seen, bench_label;
        DROP FUNCTION IF EXISTS bench_record();
        """)


def pgbench(host, table, rate, seconds, clients=2):
    """Run pgbench on a host; return the transactions per second it reports."""
    script = f"/tmp/bench-{table}.sql"
    hosts.console(host, "sh", "-c", f"echo \"INSERT INTO {table} (origin) VALUES ('{host}');\""
                                    f" > {script}")
    args = ["runuser", "-u", "postgres", "--", PGBENCH, "-n", "-f", script, "-c", str(clients),
            "-j", str(clients), "-T", str(seconds), "eduworld"]
    if rate:
        args[-1:-1] = ["-R", str(rate)]
    out = hosts.console(host, *args, timeout=seconds + 60).stdout
    return float(next(line.split("=")[1].split()[0] for line in out.splitlines()
                      if line.startswith("tps")))


def lag_under_load(rate, seconds=10):
    label = f"{rate}/s"
    for host in HOSTS:
        hosts.sql(host, f"UPDATE bench_label SET label = '{label}'")
    # Both hosts write at once: each one's lag is measured while it also applies the other's.

    threads = [threading.Thread(target=pgbench, args=(h, "bench_lag", rate, seconds))
               for h in HOSTS]
    for thread in threads:
        thread.start()
    time.sleep(1)
    api = lag_through_api(samples=15)  # while the load runs
    for thread in threads:
        thread.join()
    time.sleep(1)  # let the last rows land before reading the figures
    rows = []
    for host in HOSTS:
        rows.append(hosts.sql(host, f"""
            SELECT origin || ' -> {host}', count(*),
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms)::numeric, 2),
                   round(percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms)::numeric, 2),
                   round(max(lag_ms)::numeric, 2)
            FROM bench_seen WHERE label = '{label}' GROUP BY origin"""))
    return [row.split("|") for row in rows], api


def lag_through_api(samples=30):
    results = {}
    for writer, reader in (("host1", "host2"), ("host2", "host1")):
        write, read = Api(writer).sign_in(), Api(reader).sign_in()
        lags = []
        for _ in range(samples):
            node = write.create_subject(f"bench-api-{uuid.uuid4()}")
            started = time.monotonic()
            wait_for(lambda n=node, r=read: r.get(f"/api/nodes/{n['id']}/").status_code == 200,
                     5, "the subject on the other host", interval=0.001)
            lags.append((time.monotonic() - started) * 1000)
        lags.sort()
        results[f"{writer} -> {reader}"] = (statistics.median(lags),
                                            lags[int(len(lags) * 0.99) - 1], lags[-1])
    return results


def throughput_ratio(seconds=10):
    replicated = pgbench("host1", "bench_lag", None, seconds, clients=4)
    local = pgbench("host1", "bench_local", None, seconds, clients=4)
    return replicated, local


def catch_up(down_seconds):
    before = int(hosts.sql("host1", "SELECT count(*) FROM bench_lag"))
    control.poweroff("host2")
    pgbench("host1", "bench_lag", 100, down_seconds)
    expected = int(hosts.sql("host1", "SELECT count(*) FROM bench_lag"))
    started = time.monotonic()
    control.boot("host2")
    wait_for(lambda: hosts.sql("host2", "SELECT count(*) FROM bench_lag") == str(expected), 300,
             "host2 to catch up", interval=0.05)
    return expected - before, time.monotonic() - started


def stall(watcher, down_seconds=20):
    """host2's PostgreSQL down for 20 s: long enough for pglogical's retries (after 5 and
    10 s) to give up and sleep, which is what the watcher is for."""
    if not watcher:
        hosts.console("host1", "systemctl", "stop", "replication-watch")
    try:
        hosts.console("host2", "systemctl", "stop", "postgresql@15-main")
        time.sleep(down_seconds)  # a bench, not a test: the outage itself is the input
        hosts.console("host2", "systemctl", "start", "postgresql@15-main")
        wait_for(lambda: Api("host2").health(), 30, "host2 to serve again")
        marker = str(uuid.uuid4())
        hosts.sql("host2", f"INSERT INTO bench_lag (id, origin) VALUES ('{marker}', 'host2')")
        started = time.monotonic()
        wait_for(lambda: hosts.sql("host1", f"SELECT count(*) FROM bench_lag WHERE id = '{marker}'")
                 == "1", 400, "host2's write to reach host1", interval=0.2)
        return time.monotonic() - started
    finally:
        hosts.console("host1", "systemctl", "start", "replication-watch")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stall", action="store_true",
                        help="also measure the stall without the watcher (about 3 minutes)")
    args = parser.parse_args()
    state = control.read_state()
    if state.get("status") != "up" or state.get("chapter", "00") < "02":
        if state.get("status") == "up":
            control.down()
        control.up("02")
    teardown()
    setup()
    figures = {}
    try:
        print("lag, SQL, both hosts writing at once (ms)")
        print(f"  {'load per host':<14} {'direction':<16} {'rows':>6} {'p50':>7} {'p99':>7} "
              f"{'max':>7}")
        api_lags = {}
        for rate in (5, 100, 500):
            rows, api_lags[rate] = lag_under_load(rate)
            for direction, count, p50, p99, top in rows:
                print(f"  {rate:>5} writes/s  {direction:<16} {count:>6} {p50:>7} {p99:>7} "
                      f"{top:>7}")
            figures[f"lag_sql_{rate}_p50_ms"] = max(float(row[2]) for row in rows)
            figures[f"lag_sql_{rate}_p99_ms"] = max(float(row[3]) for row in rows)
            figures[f"lag_sql_{rate}_max_ms"] = max(float(row[4]) for row in rows)
        print("lag, API: subject created on one host, polled on the other every ms "
              "(15 samples, during the same load; includes the polling)")
        for rate, results in api_lags.items():
            for direction, (p50, p99, top) in results.items():
                print(f"  {rate:>5} writes/s  {direction:<16} p50 {p50:6.1f}  p99 {p99:6.1f}  "
                      f"max {top:6.1f}")
            figures[f"lag_api_{rate}_p50_ms"] = round(max(r[0] for r in results.values()), 1)
            figures[f"lag_api_{rate}_max_ms"] = round(max(r[2] for r in results.values()), 1)
        replicated, local = throughput_ratio()
        print(f"throughput on host1, 4 clients, 10 s: replicated table {replicated:.0f} tps, "
              f"unreplicated table {local:.0f} tps, ratio {replicated / local:.2f}")
        figures.update(throughput_replicated_tps=round(replicated),
                       throughput_local_tps=round(local),
                       throughput_ratio=round(replicated / local, 2))
        for seconds in (10, 60):
            rows, took = catch_up(seconds)
            print(f"catch-up after {seconds} s down at 100 writes/s: {rows} rows, host2 "
                  f"complete {took:.1f} s after boot")
            figures[f"catch_up_{seconds}s_down_rows"] = rows
            figures[f"catch_up_{seconds}s_down_s"] = round(took, 1)
        figures["stall_with_watcher_s"] = round(stall(True), 2)
        print(f"host2's PostgreSQL down 20 s, then a write on host2 reaches host1: "
              f"with the watcher {figures['stall_with_watcher_s']:.2f} s")
        if args.stall:
            figures["stall_without_watcher_s"] = round(stall(False), 1)
            print(f"host2's PostgreSQL down 20 s, then a write on host2 reaches host1: "
                  f"without the watcher {figures['stall_without_watcher_s']:.1f} s")
        save("replication", "make bench-replication BENCH_ARGS=--stall", figures)
    finally:
        teardown()


if __name__ == "__main__":
    main()
