"""What the lab takes on this machine: disk for its caches, snapshots, hosts and the
workbench, and the memory the two running hosts use. The book's "what you need" quotes it.

    make bench-disk

Boots the last chapter (from its snapshot when there is one), gives its services half a
minute to reach their working size, reads the memory of the hosts' processes and sizes with
`du`, then takes the lab down. Sizes, not timings: a busy machine does not change them, so
no load is checked. Sizes in GB (10^9 bytes).
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "code"))

from results import save  # noqa: E402

from lab import config, control, hosts, image, provision, snapshot  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def size_gb(*paths):
    """Bytes on disk under these paths (du), in GB with two decimals."""
    existing = [str(p) for p in paths if Path(p).exists()]
    if not existing:
        return 0.0
    out = subprocess.run(["du", "-s", "-B1", "-c", *existing], capture_output=True, text=True,
                         check=True).stdout
    return round(int(out.splitlines()[-1].split()[0]) / 1e9, 2)


def memory_gb(host):
    """The memory the host's processes use: the sum of their proportional set sizes (Pss,
    shared pages divided among the processes sharing them), read for every process in the
    host's cgroup. The lab's cgroups carry no memory controller, so this is the count."""
    pids = {pid for cgroup in hosts.cgroups(host)[:1] for procs in cgroup.rglob("cgroup.procs")
            for pid in procs.read_text().split()}
    total_kb = 0
    for pid in pids:
        rollup = Path(f"/proc/{pid}/smaps_rollup")
        try:
            lines = rollup.read_text().splitlines()
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
        total_kb += sum(int(line.split()[1]) for line in lines if line.startswith("Pss:"))
    return total_kb * 1024 / 1e9


def main():
    control.down()
    control.up(provision.last_chapter())
    time.sleep(30)  # let both hosts' services reach their working size
    used = sum(memory_gb(host) for host in config.HOSTS)
    snapshots = [size_gb(folder) for folder in sorted(snapshot.FOLDER.iterdir())
                 if folder.is_dir()] if snapshot.FOLDER.exists() else []
    figures = {
        "memory_two_hosts_gb": round(used, 2),
        "hosts_up_gb": size_gb(*(config.guest_disk(h) for h in config.HOSTS)),
        "caches_gb": size_gb(image.base_image(), image.deb_repository(), image.wheelhouse()),
        "snapshot_per_chapter_gb": round(statistics.median(snapshots), 2) if snapshots else 0.0,
        "snapshots": len(snapshots),
        "venv_gb": size_gb(ROOT / ".venv"),
        "node_modules_gb": size_gb(ROOT / "node_modules"),
    }
    control.down()
    for name, value in figures.items():
        print(f"{name:<26} {value}")
    save("disk", "make bench-disk", figures)


if __name__ == "__main__":
    main()
