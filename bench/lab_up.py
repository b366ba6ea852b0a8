"""How long the lab takes: warm, fresh and cold `eduworld-lab up`, and `down`.

A warm `up --chapter NN` for every chapter with a playbook (caches and snapshots of
provisioned hosts filled), a fresh one (`--fresh`: bare hosts provisioned through the
roles) of the last chapter, `up` again on a running lab, chapter 1's lab tier, `down`;
with --cold, also an up from nothing. Prints the figures and writes bench/results/lab.json.

    make bench                                  # 15 to 20 minutes
    make bench BENCH_ARGS=--cold                # also a cold up (removes the lab's caches)

Each warm up runs --runs times (3, the least) per chapter, in rounds (01, 02, 03, 01, ...)
so that a disturbance spreads over the chapters; figures are medians with their range
(results.summary). The bench starts only on a quiet machine (results.quiet; --force
measures anyway and the results say so). The issue's target: a warm up median of 45 s.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "code"))

from results import RUNS, invoked, quiet, save, summary  # noqa: E402

from lab import config, provision  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LAB = [str(ROOT / "eduworld-lab")]
TARGET_S = 45  # the target for the median of every warm up, all chapters together


def timed(*command):
    """Run a command; return its wall time in seconds. A failure shows the end of its output."""
    with tempfile.TemporaryFile("w+") as log:
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        took = time.monotonic() - started
        if result.returncode:
            log.seek(0)
            sys.exit(f"{' '.join(command)} failed (exit {result.returncode}) after {took:.0f} s:"
                     f"\n{''.join(log.readlines()[-30:])}")
    print(f"  {took:6.1f} s  {' '.join([Path(command[0]).name, *command[1:]])}", flush=True)
    return took


def up(chapter, *flags):
    return timed(*LAB, "up", "--chapter", chapter, *flags)


def down():
    return timed(*LAB, "down")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=RUNS,
                        help=f"warm ups of each chapter (default and least: {RUNS})")
    parser.add_argument("--fresh-runs", type=int, default=RUNS,
                        help=f"fresh ups of the last chapter, and cold ups with --cold "
                             f"(default and least: {RUNS})")
    parser.add_argument("--cold", action="store_true",
                        help=f"also measure up from nothing (removes {config.CACHE} first)")
    parser.add_argument("--force", action="store_true",
                        help="measure even on a busy machine; the results are marked")
    args = parser.parse_args()
    if min(args.runs, args.fresh_runs) < RUNS:
        parser.error(f"--runs and --fresh-runs: at least {RUNS}, for a median and a spread")
    before = quiet(args.force)
    numbers = provision.chapters()
    last = numbers[-1]
    runs = {f"warm_up_chapter_{n}_s": [] for n in numbers}
    runs.update(second_up_s=[], lab_tier_chapter_01_s=[], down_s=[], fresh_up_s=[])

    down()
    if args.cold:
        # A reader's first up: no base image, packages, wheels or snapshots (they live in
        # the cache), so it also snapshots the hosts it provisioned.
        print(f"cold: `up --chapter 01` after removing {config.CACHE}")
        runs["cold_up_s"] = []
        for _ in range(args.fresh_runs):
            shutil.rmtree(config.CACHE, ignore_errors=True)
            runs["cold_up_s"].append(up("01"))
            runs["down_s"].append(down())
    print("first up of each chapter, not counted: fills the caches and the snapshots")
    for number in numbers:
        up(number)
        down()
    for run in range(1, args.runs + 1):
        print(f"round {run} of {args.runs}: warm up of each chapter, then down")
        for number in numbers:
            runs[f"warm_up_chapter_{number}_s"].append(up(number))
            if number == "01":
                # On the running lab: the playbook again (it changes nothing), the lab tier.
                runs["second_up_s"].append(up("01"))
                runs["lab_tier_chapter_01_s"].append(timed(
                    sys.executable, "-m", "pytest", "-q", "-m", "lab", "chapters/01-crud/tests"))
            runs["down_s"].append(down())
    # After the first ups a snapshot exists, so `--fresh` takes none: provisioning alone.
    print(f"fresh: `up --chapter {last} --fresh`, bare hosts provisioned through the roles")
    for _ in range(args.fresh_runs):
        runs["fresh_up_s"].append(up(last, "--fresh"))
        runs["down_s"].append(down())

    runs["warm_up_s"] = [s for n in numbers for s in runs[f"warm_up_chapter_{n}_s"]]
    order = [*(f"warm_up_chapter_{n}_s" for n in numbers), "warm_up_s", "fresh_up_s",
             "cold_up_s", "second_up_s", "lab_tier_chapter_01_s", "down_s"]
    figures = {name: summary(runs[name]) for name in order if name in runs}
    figures["fresh_up_chapter"] = last
    warm = figures[f"warm_up_chapter_{last}_s"]["median"]
    figures["fresh_warm_ratio"] = round(figures["fresh_up_s"]["median"] / warm, 1)
    if args.cold:
        figures["cold_warm_ratio"] = round(
            figures["cold_up_s"]["median"] / figures["warm_up_chapter_01_s"]["median"], 1)

    print(f"\n{'measure (s)':<28} {'runs':>4} {'median':>7} {'min':>7} {'max':>7}")
    for name, figure in figures.items():
        if isinstance(figure, dict):
            print(f"{name:<28} {figure['runs']:>4} {figure['median']:>7} {figure['min']:>7} "
                  f"{figure['max']:>7}")
    print(f"fresh / warm, chapter {last}: {figures['fresh_warm_ratio']}x")
    if args.cold:
        print(f"cold / warm, chapter 01: {figures['cold_warm_ratio']}x")
    median = figures["warm_up_s"]["median"]
    print(f"warm up, median of all chapters: {median} s: "
          + ("within" if median <= TARGET_S else "over") + f" the target of {TARGET_S} s")
    save("lab", invoked("bench"), figures, before, args.force)


if __name__ == "__main__":
    main()
