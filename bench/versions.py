"""What the hosts run (Debian, PostgreSQL, pglogical, nginx, Python, Django), read from them
and saved to bench/results/versions.json for the book to quote. Boots the last chapter's lab
if no lab is up; a lab test checks the file against the hosts.

    make bench-versions
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "code"))

from results import save  # noqa: E402

from lab import config, control, provision, versions  # noqa: E402


def main():
    state = control.read_state()
    if state.get("status") != "up" or int(state["chapter"]) < 2:
        control.down()
        control.up(provision.last_chapter())
    found = {host: versions.read(host) for host in config.HOSTS}
    if found["host1"] != found["host2"]:
        raise SystemExit(f"the hosts run different versions: {found}")
    for name, value in found["host1"].items():
        print(f"{name:<12} {value}")
    save("versions", "make bench-versions", found["host1"])


if __name__ == "__main__":
    main()
