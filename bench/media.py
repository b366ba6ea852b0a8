"""Uploaded files between the lab's hosts, measured: the figures chapter 4 quotes.

    make bench-media                 # boots the chapter-4 lab if it is not up

Every measurement runs --runs times (3, the least); each figure is kept as its median, min
and max over the runs (results.summary). About 12 minutes.

1. Arrival: the time from an upload's 201 to the file on the peer's own disk, p50 and p99
   of each run, uploads on a random host at random moments (0.3 s apart on average) for
   65 s and at least 200 files. The hosts' disks are folders on this machine, so the bench
   sees a file arrive (csync2 renames it into place whole) by polling the peer's folder
   every 5 ms.
   - with the chapter's design: the watcher's pass when an upload is complete;
   - with the 2016 schedule, measured the same way: the watcher and the timer stopped, a
     pass on both hosts at the start of every minute, as the talk's cron line did.
2. Convergence: host2 powered off for 60 s while host1 takes uploads at the same pace;
   the time from host2's boot (systemd has started its services) until both media
   folders hold the same files (paths and sha256), and how many uploads failed meanwhile.
"""

import argparse
import random
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "code"))

from results import (  # noqa: E402
    invoked,
    percentile,
    print_figures,
    quiet,
    run_options,
    save,
    summary,
)

from lab import control, hosts, media  # noqa: E402
from lab.client import Api  # noqa: E402

HOSTS = ("host1", "host2")
PEER = {"host1": "host2", "host2": "host1"}
SECONDS = 65
FILES = 200  # at least, per run and schedule
MEAN_GAP = 0.3
OUTAGE = 60


class Arrivals:
    """Watches the peers' disks for uploaded files; keeps the delay from 201 to arrival."""

    def __init__(self):
        self.pending, self.delays, self.lock = {}, [], threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def expect(self, peer, path, acknowledged):
        with self.lock:
            self.pending[(peer, path)] = acknowledged

    def watch(self):
        while not self.stop.wait(0.005):
            with self.lock:
                waiting = list(self.pending.items())
            for (peer, path), acknowledged in waiting:
                if (media.media_folder(peer) / path).exists():
                    seen = time.monotonic()
                    with self.lock:
                        del self.pending[(peer, path)]
                        self.delays.append(seen - acknowledged)

    def finish(self, timeout):
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            time.sleep(0.1)
        self.stop.set()
        self.thread.join()
        return self.delays, len(self.pending)


def upload_for(seconds, apis, lesson, chance, on_201, only=None, at_least=0):
    """Uploads at random moments for `seconds`, and on until `at_least` succeeded; returns
    (uploads, failures)."""
    done = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline or done < at_least:
        host = only or chance.choice(HOSTS)
        try:
            picture = media.picture(chance.randbytes(16).hex())
            response = media.upload(apis[host], lesson, "bench.png", picture)
        except OSError:
            response = None
        if response is not None and response.status_code == 201:
            on_201(host, media.media_path(response.json()), time.monotonic())
            done += 1
        else:
            failed += 1
        time.sleep(chance.expovariate(1 / MEAN_GAP))
    return done, failed


def minutely_passes(stop):
    """The 2016 schedule: a pass on both hosts at the start of every minute (cron)."""
    while not stop.wait(60 - time.time() % 60):
        for host in HOSTS:
            hosts.console(host, "/usr/local/sbin/eduworld-media-sync", check=False)


def arrival(schedule, apis, lesson, chance):
    arrivals = Arrivals()
    stop = threading.Event()
    if schedule == "2016_cron":
        for host in HOSTS:
            hosts.console(host, "systemctl", "stop", "eduworld-media-watch",
                          "eduworld-media-sync.timer")
        cron = threading.Thread(target=minutely_passes, args=(stop,), daemon=True)
        cron.start()
    try:
        uploads, failed = upload_for(SECONDS, apis, lesson, chance,
                                     lambda host, path, at: arrivals.expect(PEER[host], path, at),
                                     at_least=FILES)
        delays, missing = arrivals.finish(timeout=90)
    finally:
        stop.set()
        if schedule == "2016_cron":
            cron.join()
            for host in HOSTS:
                hosts.console(host, "systemctl", "start", "eduworld-media-watch",
                              "eduworld-media-sync.timer")
    if missing or failed:
        sys.exit(f"{schedule}: {missing} files never arrived, {failed} uploads failed")
    return uploads, delays


def convergence(apis, lesson, chance):
    control.poweroff("host2")
    uploads, failed = upload_for(OUTAGE, apis, lesson, chance, lambda *_: None, only="host1")
    control.boot("host2")
    booted = time.monotonic()
    media.wait_until_media_identical(180)
    return uploads, failed, time.monotonic() - booted


def measure(run, samples, chance):
    apis = {host: Api(host, timeout=10).sign_in() for host in HOSTS}
    lesson = media.new_lesson(apis["host1"])
    for schedule in ("watcher", "2016_cron"):
        uploads, delays = arrival(schedule, apis, lesson, chance)
        samples[f"{schedule}_arrival_p50_s"].append(percentile(delays, 0.5))
        samples[f"{schedule}_arrival_p99_s"].append(percentile(delays, 0.99))
        samples[f"{schedule}_uploads"].append(uploads)
        print(f"run {run}, {schedule}: {uploads} uploads, arrival p50 "
              f"{percentile(delays, 0.5):.2f} s, p99 {percentile(delays, 0.99):.2f} s",
              flush=True)
    uploads, failed, seconds = convergence(apis, lesson, chance)
    samples["outage_uploads"].append(uploads)
    samples["outage_failed_uploads"].append(failed)
    samples["converged_after_boot_s"].append(seconds)
    print(f"run {run}, host2 off {OUTAGE} s: {uploads} uploads on host1 ({failed} failed), "
          f"both folders identical {seconds:.1f} s after host2's boot", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", type=int, default=4)
    args = run_options(parser)
    before = quiet(args.force)
    if control.ensure_chapter("04"):
        before = quiet(args.force, settle=240)
    chance = random.Random(args.seed)
    samples = defaultdict(list)
    for run in range(1, args.runs + 1):
        measure(run, samples, chance)
    figures = {name: summary(values) for name, values in samples.items()}
    # The ratios the chapter quotes: against the goal (p99 under 2 s), and the 2016
    # schedule against the watcher.
    figures["watcher_p99_over_2s_goal"] = round(figures["watcher_arrival_p99_s"]["median"] / 2, 2)
    figures["cron_over_watcher_p50"] = round(figures["2016_cron_arrival_p50_s"]["median"]
                                             / figures["watcher_arrival_p50_s"]["median"])
    figures["seed"] = args.seed
    print_figures(figures)
    print(f"watcher p99 / 2 s goal: {figures['watcher_p99_over_2s_goal']}; "
          f"2016 cron p50 / watcher p50: {figures['cron_over_watcher_p50']}")
    save("media", invoked("bench-media"), figures, before, args.force)


if __name__ == "__main__":
    main()
