"""Snapshots of provisioned hosts: a warm `up` in seconds instead of minutes.

A snapshot is both hosts' disks, taken after a chapter's playbook has provisioned bare hosts,
with the hosts shut down cleanly. Its key is the content of everything that shapes the hosts:
the base image, the roles, the playbooks, the lab's inventory values, the release wheel, the
lab's secrets and SSH key, and the code that makes a disk. Change any of them and the key
changes: the next `up` provisions bare hosts through the roles again.

An `up` from a snapshot still runs the chapter's playbook, which must change nothing: that is
the proof that the snapshot is what the roles would build today.
"""

import hashlib
import shutil
from concurrent.futures import ThreadPoolExecutor

from . import config, image, provision
from .shell import run

FOLDER = config.CACHE / "snapshots"
# --8<-- [start:key]
# Files whose content shapes a provisioned host (besides the base image and the wheel).
SHAPING = ["ansible/roles", "ansible/inventories/lab/group_vars", "ansible/ansible.cfg",
           "chapters/*/playbook.yml", "code/lab/hosts.py", "code/lab/image.py"]


def digest_files(hasher):
    paths = []
    for pattern in SHAPING:
        for path in sorted(config.ROOT.glob(pattern)):
            paths += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for path in paths:
        hasher.update(str(path.relative_to(config.ROOT)).encode() + b"\0")
        hasher.update(path.read_bytes() + b"\0")


def key(chapter, wheel):
    hasher = hashlib.sha256()
    hasher.update(f"{chapter}\0{image.base_key()}\0{config.ADDRESSES}\0".encode())
    digest_files(hasher)
    for path in (wheel, provision.ensure_secrets(), provision.SSH_KEY.with_suffix(".pub")):
        hasher.update(path.read_bytes() + b"\0")
    return hasher.hexdigest()[:16]
# --8<-- [end:key]


def folder(chapter, wheel):
    return FOLDER / f"chapter-{chapter}-{key(chapter, wheel)}"


def find(chapter, wheel):
    found = folder(chapter, wheel)
    return found if (found / "complete").exists() else None


def take(chapter, wheel):
    """Pack both hosts' disks (the hosts must be shut down); keep one snapshot per chapter."""
    target = folder(chapter, wheel)
    for old in FOLDER.glob(f"chapter-{chapter}-*"):
        shutil.rmtree(old)
    # The disks hold the lab's secrets: only root may read the snapshots.
    FOLDER.mkdir(mode=0o700, parents=True, exist_ok=True)
    FOLDER.chmod(0o700)
    target.mkdir(mode=0o700)
    with ThreadPoolExecutor(len(config.HOSTS)) as pool:
        list(pool.map(lambda host: run(
            "tar", "-C", config.guest_disk(host), "--numeric-owner", "-I", "zstd -T0 -1",
            "-cf", target / f"{host}.tar.zst", ".", quiet=True), config.HOSTS))
    (target / "complete").touch()
    return target


def restore(found, host):
    """Unpack a host's disk from the snapshot; the disk is exactly as it was shut down."""
    disk = config.guest_disk(host)
    partial = disk.with_name(disk.name + ".partial")
    run("rm", "-rf", partial)
    partial.mkdir(parents=True)
    run("tar", "-C", partial, "--numeric-owner", "-I", "zstd", "-xf", found / f"{host}.tar.zst")
    partial.chmod(0o755)
    partial.rename(disk)
    return disk


def remove(chapter):
    for old in FOLDER.glob(f"chapter-{chapter}-*"):
        shutil.rmtree(old)
