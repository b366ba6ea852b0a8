"""The lab's names, addresses and folders: one place, read by every other lab module."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
ANSIBLE = ROOT / "ansible"

# One lab per machine: its network and its state are machine-wide.
STATE = Path(os.environ.get("EDUWORLD_LAB_STATE", "/var/lib/eduworld-lab"))
CACHE = Path(os.environ.get("EDUWORLD_LAB_CACHE", "/var/cache/eduworld-lab"))

DOMAIN = "eduworld.test"
HOSTS = ("host1", "host2")
# One private /24 that only the lab's namespaces carry. ip_forward stays 0: nothing leaves.
SUBNET = "10.86.16"
BRIDGE = "ewlab0"
BRIDGE_ADDRESS = f"{SUBNET}.1"
ADDRESSES = {"host1": f"{SUBNET}.11", "host2": f"{SUBNET}.12"}
# The lab's third party (chapter 7): fake mail providers in a namespace of their own, on
# the bridge like a host, so the hosts reach them and nothing beyond the lab.
MAIL = "mail"
MAIL_ADDRESS = f"{SUBNET}.25"
MAIL_PORTS = {"smtp": 2525, "api": 8080, "control": 8025}


def private_folder(folder):
    """A folder only its owner may enter (made so even if it existed before)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def make_state_folder():
    """The state folder holds the hosts' disks, the secrets and the SSH key. Guest disks keep
    the guests' uids, which mean other users on this machine: only root may enter it."""
    private_folder(STATE)
    private_folder(STATE / "hosts")


# PID files live in /run, which a reboot empties; each is checked before any kill.
RUN = Path("/run/eduworld-lab")


def netns(host):
    return f"ewlab-{host}"


def host_veth(host):
    return f"ewlab-{host}"  # the host-side end; pulling "the cable" sets it down


def guest_disk(host):
    return STATE / "hosts" / host


def fqdn(host):
    return f"{host}.{DOMAIN}"


# What the hosts run: Debian 13 "trixie", with its PostgreSQL and its Python. The PostgreSQL
# major version is the postgresql role's (one place); the Python version is trixie's, so the
# wheelhouse holds wheels for it. The versions the hosts really run are read back from them
# (`make bench-versions` writes bench/results/versions.json, which the book quotes; a lab
# test checks that file and these constants against the hosts).
DEBIAN_SUITE = "trixie"
HOST_PYTHON = "3.13"
HOST_GLIBC = 41  # glibc 2.41: the newest manylinux wheels that fit the hosts


def role_default(role, name):
    """A plain value from a role's defaults, as text: the lab and its tests read what the
    roles set up instead of repeating it."""
    defaults = ANSIBLE / "roles" / role / "defaults" / "main.yml"
    for line in defaults.read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].split("#")[0].strip()
    raise RuntimeError(f"no {name} in {defaults}")


# The hosts' PostgreSQL major version (one place: the postgresql role).
POSTGRESQL = role_default("postgresql", "postgresql_version")
# Where Debian puts that version's programs and server log on the hosts.
POSTGRESQL_BIN = f"/usr/lib/postgresql/{POSTGRESQL}/bin"
POSTGRESQL_LOG = f"/var/log/postgresql/postgresql-{POSTGRESQL}-main.log"

# The base image: what every host boots from. Changing the list rebuilds the cached image.
BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "openssh-server", "python3", "python3-apt",
                 "iproute2", "ca-certificates", "procps", "less", "curl"]
# What the Ansible roles install, fetched once into a local repository the hosts use.
GUEST_PACKAGES = [f"postgresql-{POSTGRESQL}", "postgresql-contrib",
                  f"postgresql-{POSTGRESQL}-pglogical", "nginx", "python3-venv",
                  "nftables", "acl", "sudo", "csync2", "inotify-tools"]
