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


def netns(host):
    return f"ewlab-{host}"


def host_veth(host):
    return f"ewlab-{host}"  # the host-side end; pulling "the cable" sets it down


def guest_disk(host):
    return STATE / "hosts" / host


def fqdn(host):
    return f"{host}.{DOMAIN}"


# The base image: what every host boots from. Changing the list rebuilds the cached image.
BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "openssh-server", "python3", "python3-apt",
                 "iproute2", "ca-certificates", "procps", "less", "curl"]
# What the Ansible roles install, fetched once into a local repository the hosts use.
GUEST_PACKAGES = ["postgresql-15", "postgresql-contrib", "postgresql-15-pglogical", "nginx",
                  "python3-venv",
                  "nftables", "acl", "sudo"]
DEBIAN_SUITE = "bookworm"
