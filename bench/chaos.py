"""The chaos run, at length: K API clients write on random hosts while a seeded nemesis
powers hosts off, cuts cables, partitions the pair and pauses services; then every
acknowledged write is looked for on both hosts (code/chaos says how).

    make chaos                                   # 10 minutes, 4 clients, a new seed
    make chaos CHAOS_ARGS="--seed 7 --seconds 120"   # the same faults again, shorter

Writes bench/results/chaos.json (figures and every anomaly with its operation) and the
picture chapters/02-multi-master/chaos-timeline.svg. Boots chapter 2 or later if no such
lab is up; takes it down at the end if it booted it. Exits 1 when the run is not valid.
"""

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "code"))

from results import save  # noqa: E402

from chaos import checker, run, timeline  # noqa: E402
from lab import control, provision  # noqa: E402

PICTURE = ROOT / "chapters" / "02-multi-master" / "chaos-timeline.svg"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=random.randrange(10_000))
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    booted = control.ensure_chapter("02", boot=provision.last_chapter())
    print(f"chaos: seed {args.seed}, {args.seconds} s, {args.clients} clients", flush=True)
    run_id, operations, faults = run.run(args.seed, args.seconds, args.clients)
    result, verdicts = checker.check(run_id, operations)
    figures = {
        "seed": args.seed, "seconds": args.seconds, "clients": args.clients,
        "operations": result["operations"], "acknowledged": result["acknowledged"],
        "unknown": result["unknown"], "faults": len(faults),
        "faults_by_kind": dict(Counter(f["kind"] for f in faults)),
        **{name: result["verdicts"].get(name, 0)
           for name in ("lost", "duplicated", "stale", "overtaken", "recovered")},
        "identical": result["identical"], "tree_valid": all(result["tree_valid"].values()),
        "replicating": all(s == "replicating" for s in result["subscriptions"].values()),
        "valid": result["valid"],
    }
    summary = (f"seed {args.seed}: {figures['operations']} operations "
               f"({figures['acknowledged']} acknowledged), {figures['faults']} faults; "
               f"lost {figures['lost']}, duplicated {figures['duplicated']}, "
               f"stale {figures['stale']}, older text back {figures['overtaken']}; hosts "
               + ("identical" if figures["identical"] else "DIFFERENT"))
    PICTURE.write_text(timeline.svg(operations, verdicts, faults, args.seconds, args.clients,
                                    summary))
    print(json.dumps(figures, indent=2))
    save("chaos", f"make chaos CHAOS_ARGS='--seed {args.seed} --seconds {args.seconds} "
                  f"--clients {args.clients}'", {**figures, "anomalies": result["anomalies"],
                                                 "fault_log": faults})
    if booted:
        control.down()
    sys.exit(0 if result["valid"] else 1)


if __name__ == "__main__":
    main()
