"""The lab's names on this machine: host1.eduworld.test, host2.eduworld.test and the front
name www.eduworld.test, as a production pair has them in DNS (chapter 6).

The session cookie lives on the root domain, so clients must use names, not addresses: a
cookie for eduworld.test is refused for 10.86.16.11. There is no DNS server in the lab;
`up` writes a marked block into this machine's /etc/hosts and `down` removes it. The front
name lists both hosts, like round-robin DNS (glibc returns both; a client tries the next
address when one refuses). Chromium is told the same with --host-resolver-rules, which maps
a name to one address: there the front name is host1's.
"""

from pathlib import Path

from . import config

HOSTS_FILE = Path("/etc/hosts")
BEGIN = "# eduworld-lab: begin (written by `eduworld-lab up`, removed by `down`)"
END = "# eduworld-lab: end"
# One place: the roles' front name.
FRONT = config.role_default("common", "eduworld_front_fqdn")


def url(host):
    """A host's base URL, by name."""
    return f"http://{config.fqdn(host)}"


FRONT_URL = f"http://{FRONT}"


def entries():
    lines = [f"{config.ADDRESSES[h]} {config.fqdn(h)}" for h in config.HOSTS]
    lines += [f"{config.ADDRESSES[h]} {FRONT}" for h in config.HOSTS]
    return lines


def without_block(text):
    kept, inside = [], False
    for line in text.splitlines():
        if line == BEGIN:
            inside = True
        elif line == END and inside:
            inside = False
        elif not inside:
            kept.append(line)
    return kept


def write():
    """Add (or renew) the block. Written in place: in a container /etc/hosts is often a
    mount of its own, which a rename would not replace."""
    kept = without_block(HOSTS_FILE.read_text())
    HOSTS_FILE.write_text("\n".join(kept + [BEGIN, *entries(), END]) + "\n")


def remove():
    text = HOSTS_FILE.read_text()
    if BEGIN in text:
        HOSTS_FILE.write_text("\n".join(without_block(text)) + "\n")


def chromium_args():
    """The same names for a Chromium that tests or benches start."""
    rules = [f"MAP {config.fqdn(h)} {config.ADDRESSES[h]}" for h in config.HOSTS]
    rules.append(f"MAP {FRONT} {config.ADDRESSES[config.HOSTS[0]]}")
    return ["--host-resolver-rules=" + ", ".join(rules)]
