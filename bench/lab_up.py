"""How long the lab takes: `eduworld-lab up` warm (caches filled) and, with --cold, from
nothing; then the chapter-1 lab tier on the running lab. Prints the figures the book quotes.

    make bench                      # warm up, twice, and the lab tier
    make bench BENCH_ARGS=--cold    # also a cold up (removes /var/cache/eduworld-lab first)
"""

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from results import save

ROOT = Path(__file__).resolve().parents[1]
LAB = [str(Path(sys.executable).parent / "eduworld-lab")]
UP = [*LAB, "up", "--chapter", "01"]


def timed(command, **kwargs):
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, **kwargs)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cold", action="store_true", help="also measure up from nothing")
    parser.add_argument("--runs", type=int, default=2, help="warm ups to measure")
    args = parser.parse_args()
    figures = {}
    timed([*LAB, "down"])
    if args.cold:
        shutil.rmtree("/var/cache/eduworld-lab", ignore_errors=True)
        figures["cold up"] = [timed(UP)]
        timed([*LAB, "down"])
    warm = []
    for _ in range(args.runs):
        warm.append(timed(UP))
        timed([*LAB, "down"])
    figures["warm up"] = warm
    figures["warm up"].append(timed(UP))
    figures["second up (playbook again)"] = [timed(UP)]
    figures["chapter-1 lab tier"] = [timed([sys.executable, "-m", "pytest", "-q", "-m", "lab",
                                            "chapters/01-crud/tests"])]
    figures["down"] = [timed([*LAB, "down"])]
    print(f"{'measure':<28} {'runs':>4} {'min s':>7} {'max s':>7}")
    for name, values in figures.items():
        print(f"{name:<28} {len(values):>4} {min(values):>7.1f} {max(values):>7.1f}")
    saved = {
        "warm_up_min_s": round(min(figures["warm up"]), 1),
        "warm_up_max_s": round(max(figures["warm up"]), 1),
        "second_up_s": round(figures["second up (playbook again)"][0], 1),
        "lab_tier_chapter_1_s": round(figures["chapter-1 lab tier"][0], 1),
        "down_s": round(figures["down"][0], 1),
    }
    if "cold up" in figures:
        ratio = figures["cold up"][0] / min(figures["warm up"])
        print(f"cold / warm: {ratio:.1f}x")
        saved.update(cold_up_s=round(figures["cold up"][0], 1), cold_warm_ratio=round(ratio, 1))
    save("lab", "make bench" + (" BENCH_ARGS=--cold" if args.cold else ""), saved)


if __name__ == "__main__":
    main()
