"""Snapshots of provisioned hosts: a warm `up` in seconds instead of minutes.

A snapshot is both hosts' disks, taken after a chapter's playbook has provisioned bare hosts,
with the hosts shut down cleanly. Its key is the content of everything that shapes the hosts:
the base image, the roles, the playbooks, the lab's inventory values, the application's code
(code/eduworld, which the release wheel is built from, reproducibly), the lab's own code
(code/lab: the inventory it writes, the packages it caches), the lab's addresses, secrets
and SSH key. The tests and the book's tooling do not shape a host: editing them keeps the
snapshots. Change any of them and the key changes: the next `up` provisions bare
hosts through the roles again.

An `up` from a snapshot still runs the chapter's playbook, which must change nothing: that is
the proof that the snapshot is what the roles would build today.
"""

import hashlib
from concurrent.futures import ThreadPoolExecutor

from . import config, hosts, image, provision
from .shell import run

FOLDER = config.CACHE / "snapshots"
# --8<-- [start:key]
# What shapes a provisioned host, besides the base image: its configuration, the code that
# the release wheel is built from, and the lab code that writes the inventory.
SHAPING = ["ansible/roles", "ansible/inventories/lab/group_vars", "ansible/ansible.cfg",
           "chapters/*/playbook.yml", "pyproject.toml", "code/eduworld", "code/lab"]


def shaping_files():
    for pattern in SHAPING:
        for path in sorted(config.ROOT.glob(pattern)):
            if path.is_file():
                yield path
            for found in sorted(path.rglob("*") if path.is_dir() else []):
                if found.is_file() and "__pycache__" not in found.parts \
                        and ".egg-info" not in str(found):
                    yield found


def key(chapter):
    hasher = hashlib.sha256()
    base = image.base_image()
    hasher.update(f"{chapter}\0{base.stat().st_size}:{base.stat().st_mtime_ns}\0"
                  f"{config.ADDRESSES}\0".encode())
    for path in [*shaping_files(), provision.ensure_secrets(),
                 provision.SSH_KEY.with_suffix(".pub")]:
        hasher.update(str(path.relative_to(config.ROOT) if path.is_relative_to(config.ROOT)
                          else path).encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()[:16]
# --8<-- [end:key]


def folder(chapter):
    return FOLDER / f"chapter-{chapter}-{key(chapter)}"


def complete(target):
    return (target / "complete").exists()


def find(chapter):
    found = folder(chapter)
    return found if complete(found) else None


def take(chapter, target):
    """Pack both hosts' disks into `target`, folder(chapter) (the hosts must be shut down);
    keep one snapshot per chapter."""
    remove(chapter)
    # The disks hold the lab's secrets: only root may read the snapshots.
    config.private_folder(target)
    with ThreadPoolExecutor(len(config.HOSTS)) as pool:
        list(pool.map(lambda host: run(
            "tar", "-C", config.guest_disk(host), "--numeric-owner", "-I", "zstd -T0 -1",
            "-cf", target / f"{host}.tar.zst", ".", quiet=True), config.HOSTS))
    (target / "complete").touch()
    config.private_folder(FOLDER)
    return target


def restore(found):
    """Both hosts' disks from the snapshot, exactly as they were shut down."""
    def one(host):
        disk = config.guest_disk(host)
        hosts.unpack(found / f"{host}.tar.zst", disk.with_name(disk.name + ".partial"))
        disk.with_name(disk.name + ".partial").rename(disk)
    with ThreadPoolExecutor(len(config.HOSTS)) as pool:
        list(pool.map(one, config.HOSTS))


def remove(chapter):
    for old in FOLDER.glob(f"chapter-{chapter}-*"):
        run("rm", "-rf", old)
