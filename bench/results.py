"""Where the benches keep what they measured, for the slides and the book to quote.

Each bench writes bench/results/NAME.json: when and where it ran, the command that
reproduces it, the machine's load before and after, and its figures. A bench repeats each
measurement (RUNS times or more) and keeps a summary of it, {"median", "min", "max",
"runs"}, which the book quotes as "median (min-max)". The files are committed, so a talk
quotes the last real measurement instead of a number typed by hand.

A bench measures only on a quiet machine: quiet() says why not and stops it. With --force
it measures anyway, and the record says why it should not be trusted ("forced").
"""

import json
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "results"
RUNS = 3
# Quiet, on this 2-core machine: a 1-minute load average of at most half a runnable task
# per core (1.0 on two cores), and other processes keeping at most a quarter of all cores
# busy over a second (half a core). An npm install or a test suite breaks both.
LOAD_PER_CORE = 0.5
CPU_BUSY_PCT = 25


def summary(values, digits=None):
    """Median, min, max and number of runs of a measurement repeated `values` times.

    Rounded alike to `digits` decimals; by default to what the median needs: none from
    100 up, one from 10 up, two below 10.
    """
    values = sorted(values)
    if not values:
        raise ValueError("no runs to summarise")
    median = statistics.median(values)
    if digits is None:
        digits = 0 if abs(median) >= 100 else 1 if abs(median) >= 10 else 2

    def rounded(value):
        return round(value) if digits == 0 else round(value, digits)
    return {"median": rounded(median), "min": rounded(values[0]),
            "max": rounded(values[-1]), "runs": len(values)}


def percentile(values, fraction):
    """The value below which `fraction` of the values lie (nearest rank, no interpolation)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(fraction * len(values)))]


def print_figures(figures):
    """The summaries among a bench's figures as a table, by name: runs, median, min, max."""
    summaries = {name: f for name, f in sorted(figures.items()) if isinstance(f, dict)}
    width = max(28, *(len(name) for name in summaries))
    print(f"\n{'figure':<{width}} {'runs':>4} {'median':>9} {'min':>9} {'max':>9}")
    for name, figure in summaries.items():
        print(f"{name:<{width}} {figure['runs']:>4} {figure['median']:>9} {figure['min']:>9} "
              f"{figure['max']:>9}")


def cpu_busy(seconds=1.0):
    """Percent of all cores busy over `seconds` (/proc/stat; waiting for disk counts as idle).

    A bench calls it while it does nothing itself, so what it sees is other processes."""
    def ticks():
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return sum(fields), fields[3] + fields[4]  # all; idle + iowait
    total, idle = ticks()
    time.sleep(seconds)
    total2, idle2 = ticks()
    spent = total2 - total
    return round(100 * (spent - (idle2 - idle)) / spent, 1) if spent else 0.0


def load():
    """The machine's load now: /proc/loadavg's 1, 5 and 15-minute averages and cpu_busy()."""
    one, five, fifteen = (float(f) for f in Path("/proc/loadavg").read_text().split()[:3])
    return {"load_1m": one, "load_5m": five, "load_15m": fifteen, "cpu_busy_pct": cpu_busy()}


def busy(reading, averages=True):
    """Why the machine is too busy to measure on, from a load() reading; None when quiet.

    averages=False judges only the CPU sample: after a bench, the load averages are mostly
    the bench's own work."""
    cores = os.cpu_count() or 1
    limit = LOAD_PER_CORE * cores
    reasons = []
    if averages and reading["load_1m"] > limit:
        reasons.append(f"the 1-minute load average is {reading['load_1m']:.2f}, over {limit:.1f}"
                       f" ({LOAD_PER_CORE} per core on {cores} cores; /proc/loadavg)")
    if reading["cpu_busy_pct"] > CPU_BUSY_PCT:
        reasons.append(f"other processes kept {reading['cpu_busy_pct']:.0f}% of the {cores} "
                       f"cores busy over a second, over {CPU_BUSY_PCT}% (/proc/stat)")
    return "; ".join(reasons) or None


def quiet(force=False, settle=0):
    """Check that the machine is quiet before measuring; return its load() reading.

    Busy, the bench stops and says why, unless `force`. `settle` gives the load that many
    seconds to fall first (after the bench itself booted the lab, say)."""
    deadline = time.monotonic() + settle
    while True:
        reading = load()
        reason = busy(reading)
        if not reason:
            return reading
        if time.monotonic() >= deadline:
            break
        if settle:
            print(f"waiting (up to {settle} s in all) for the machine to settle: {reason}",
                  flush=True)
            settle = 0  # said once
        time.sleep(5)
    if not force:
        sys.exit(f"not measuring: the machine is busy: {reason}. Wait until it is quiet "
                 "(`uptime`, `top`), or pass --force to measure anyway (the results will "
                 "say so).")
    print(f"measuring anyway (--force), on a busy machine: {reason}", file=sys.stderr)
    return reading


def run_options(parser):
    """Parse a bench's arguments with the two every measuring bench takes: --runs (at
    least RUNS, for a median and a spread) and --force."""
    parser.add_argument("--runs", type=int, default=RUNS,
                        help=f"runs of each measurement (default and least: {RUNS})")
    parser.add_argument("--force", action="store_true",
                        help="measure even on a busy machine; the results are marked")
    args = parser.parse_args()
    if args.runs < RUNS:
        parser.error(f"--runs: at least {RUNS}, for a median and a spread")
    return args


def invoked(target):
    """The command that reproduces this run: `make TARGET`, with this run's arguments."""
    args = sys.argv[1:]
    return f"make {target}" + (f" BENCH_ARGS={shlex.quote(' '.join(args))}" if args else "")


def save(name, command, figures, before=None, force=False):
    """Write bench/results/NAME.json, unless other processes are busy now (say why).

    `before` is quiet()'s reading; the one after is taken here, waiting up to ten seconds
    for the bench's own aftermath to settle. Without `before` the figures are not timings
    (versions, say): no load is read and none is recorded."""
    if before is None:
        return write(name, {"measured": now(), "machine": machine(), "command": command,
                            "figures": figures})
    for _ in range(10):
        after = load()
        late = busy(after, averages=False)
        if not late:
            break
    record = {
        "measured": now(),
        "machine": machine(),
        "command": command,
        "figures": figures,
        "load": {"before": before, "after": after,
                 "limits": {"load_1m": LOAD_PER_CORE * (os.cpu_count() or 1),
                            "cpu_busy_pct": CPU_BUSY_PCT}},
    }
    if late and not force:
        print(json.dumps(figures, indent=2, sort_keys=True))
        sys.exit(f"not writing bench/results/{name}.json: at the end of the bench, {late}: "
                 "something else ran while it measured. The figures above are not kept; run "
                 "it again on a quiet machine (or with --force, marked).")
    early = busy(before)
    if early or late:
        record["forced"] = "; ".join(f"{when}: {reason}" for when, reason in
                                     (("before", early), ("after", late)) if reason)
    return write(name, record)


def now():
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def machine():
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"


def write(name, record):
    FOLDER.mkdir(exist_ok=True)
    path = FOLDER / f"{name}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"figures written to {path.relative_to(FOLDER.parents[1])}"
          + (" (marked forced: the machine was busy)" if "forced" in record else ""))
    return path
