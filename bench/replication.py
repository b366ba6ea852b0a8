"""Two-way replication on the lab, measured: the figures chapter 2 quotes.

    make bench-replication                      # boots the chapter-2 lab if it is not up
    make bench-replication BENCH_ARGS=--stall   # adds the 3-minute stall without the watcher

Every measurement below runs --runs times (3, the least), in rounds, so that a disturbance
spreads over all of them; each figure is kept as its median, min and max over the runs
(results.summary). The bench starts only on a quiet machine and, if it boots the lab
itself, waits for that load to fall first (results.quiet; --force measures anyway and the
results say so). About 9 minutes, 18 with --stall (each stall without the watcher takes 3).

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
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "code"))

from results import invoked, print_figures, quiet, run_options, save, summary  # noqa: E402

from lab import config, control, hosts  # noqa: E402
from lab.client import Api  # noqa: E402
from lab.polling import wait_for  # noqa: E402

HOSTS = ("host1", "host2")
PGBENCH = f"{config.POSTGRESQL_BIN}/pgbench"


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


def lag_under_load(rate, run, seconds=10):
    label = f"{rate}/s #{run}"
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
    settled()  # the last rows land before the figures are read
    rows = []
    for host in HOSTS:
        row = hosts.sql(host, f"""
            SELECT origin || ' -> {host}', count(*),
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms)::numeric, 2),
                   round(percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms)::numeric, 2),
                   round(max(lag_ms)::numeric, 2)
            FROM bench_seen WHERE label = '{label}' GROUP BY origin""")
        if not row:
            raise RuntimeError(f"no row reached {host} at {label}: is replication running?")
        rows.append(row.split("|"))
    return rows, api


def settled():
    """Both hosts hold as many rows of bench_lag from each origin: nothing is on its way."""
    def counts(host):
        return hosts.sql(host, "SELECT origin, count(*) FROM bench_lag GROUP BY 1 ORDER BY 1")
    wait_for(lambda: counts("host1") == counts("host2"), 60, "both hosts to hold the same rows",
             interval=0.1)


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
        hosts.console("host2", "systemctl", "stop", control.service_unit("postgresql"))
        time.sleep(down_seconds)  # a bench, not a test: the outage itself is the input
        hosts.console("host2", "systemctl", "start", control.service_unit("postgresql"))
        wait_for(lambda: Api("host2").health(), 30, "host2 to serve again")
        marker = str(uuid.uuid4())
        hosts.sql("host2", f"INSERT INTO bench_lag (id, origin) VALUES ('{marker}', 'host2')")
        started = time.monotonic()
        wait_for(lambda: hosts.sql("host1", f"SELECT count(*) FROM bench_lag WHERE id = '{marker}'")
                 == "1", 400, "host2's write to reach host1", interval=0.2)
        return time.monotonic() - started
    finally:
        hosts.console("host1", "systemctl", "start", "replication-watch")


def measure(run, stall_too, samples):
    """One round: every measurement once, its figures appended to `samples`."""
    print(f"round {run}: lag, SQL, both hosts writing at once (ms)")
    print(f"  {'load per host':<14} {'direction':<16} {'rows':>6} {'p50':>7} {'p99':>7} "
          f"{'max':>7}")
    api_lags = {}
    for rate in (5, 100, 500):
        rows, api_lags[rate] = lag_under_load(rate, run)
        for direction, count, p50, p99, top in rows:
            print(f"  {rate:>5} writes/s  {direction:<16} {count:>6} {p50:>7} {p99:>7} "
                  f"{top:>7}")
        # The worse of the two directions.
        samples[f"lag_sql_{rate}_p50_ms"].append(max(float(row[2]) for row in rows))
        samples[f"lag_sql_{rate}_p99_ms"].append(max(float(row[3]) for row in rows))
        samples[f"lag_sql_{rate}_max_ms"].append(max(float(row[4]) for row in rows))
    print(f"round {run}: lag, API: subject created on one host, polled on the other every ms "
          "(15 samples, during the same load; includes the polling)")
    for rate, results in api_lags.items():
        for direction, (p50, p99, top) in results.items():
            print(f"  {rate:>5} writes/s  {direction:<16} p50 {p50:6.1f}  p99 {p99:6.1f}  "
                  f"max {top:6.1f}")
        samples[f"lag_api_{rate}_p50_ms"].append(max(r[0] for r in results.values()))
        samples[f"lag_api_{rate}_max_ms"].append(max(r[2] for r in results.values()))
    replicated, local = throughput_ratio()
    print(f"round {run}: throughput on host1, 4 clients, 10 s: replicated table "
          f"{replicated:.0f} tps, unreplicated table {local:.0f} tps, "
          f"ratio {replicated / local:.2f}")
    samples["throughput_replicated_tps"].append(replicated)
    samples["throughput_local_tps"].append(local)
    samples["throughput_ratio"].append(replicated / local)
    for seconds in (10, 60):
        rows, took = catch_up(seconds)
        print(f"round {run}: catch-up after {seconds} s down at 100 writes/s: {rows} rows, "
              f"host2 complete {took:.1f} s after boot")
        samples[f"catch_up_{seconds}s_down_rows"].append(rows)
        samples[f"catch_up_{seconds}s_down_s"].append(took)
    for watcher in (True, False) if stall_too else (True,):
        took = stall(watcher)
        name = "with" if watcher else "without"
        print(f"round {run}: host2's PostgreSQL down 20 s, then a write on host2 reaches "
              f"host1: {name} the watcher {took:.2f} s")
        samples[f"stall_{name}_watcher_s"].append(took)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--stall", action="store_true",
                        help="also measure the stall without the watcher (3 minutes a run)")
    args = run_options(parser)
    before = quiet(args.force)
    if control.ensure_chapter("02"):
        # Booting is work: give its load average time to fall before measuring.
        before = quiet(args.force, settle=240)
    teardown()
    setup()
    samples = defaultdict(list)
    try:
        for run in range(1, args.runs + 1):
            measure(run, args.stall, samples)
    finally:
        teardown()
    figures = {name: summary(values) for name, values in samples.items()}
    print_figures(figures)
    save("replication", invoked("bench-replication"), figures, before, args.force)


if __name__ == "__main__":
    main()
