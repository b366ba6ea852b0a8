"""Uploaded files on the lab's hosts (chapter 4): upload through the API, read each host's
media folder, and compare the two. The media folders are read from the hosts' disks, which
are folders on this machine: the same files the hosts' nginx serves, read without SSH and
with the host powered off or cut off."""

import hashlib
import os
import uuid

from tests.samples import png, png_chunk

from . import config, hosts
from .client import Api
from .polling import wait_for
from .shell import LabError

# The common role's media folder, on a host's disk; and the eduworld user's uid and gid.
MEDIA_ROOT = config.role_default("common", "eduworld_media_root").lstrip("/")
EDUWORLD_UID = int(config.role_default("common", "eduworld_uid"))
# The media role's bound on a pass, in seconds, and csync2's port.
PASS_TIMEOUT = int(config.role_default("media", "media_pass_timeout"))
PORT = int(config.role_default("media", "media_port"))


def media_folder(host):
    return config.guest_disk(host) / MEDIA_ROOT


def media_tree(host):
    """{path under the media folder: sha256} for every file on the host's disk; csync2's
    half-received files (dotfiles) are not files yet."""
    root = media_folder(host)
    tree = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if not name.startswith("."):
                path = os.path.join(folder, name)
                try:
                    with open(path, "rb") as data:
                        tree[os.path.relpath(path, root)] = hashlib.sha256(data.read()).hexdigest()
                except FileNotFoundError:  # deleted while we walked
                    pass
    return tree


def misowned(host):
    """Files and folders under the media folder that are not the eduworld user's and group's
    with the mode EduWorld gives them (files 0644, folders 0755): csync2 left them
    half-done, and the web server may not read them."""
    root = media_folder(host)
    wrong = []
    for folder, dirs, files in os.walk(root):
        for name, mode in [(d, 0o755) for d in dirs] + [(f, 0o644) for f in files]:
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            try:
                found = os.lstat(path)
            except FileNotFoundError:
                continue
            if (found.st_uid, found.st_gid) != (EDUWORLD_UID, EDUWORLD_UID) \
                    or found.st_mode & 0o7777 != mode:
                wrong.append(f"{os.path.relpath(path, root)} ({found.st_uid}, "
                             f"{found.st_mode & 0o7777:o})")
    return wrong


def differences(first, second):
    """What one tree has that the other lacks or holds with other bytes, as a short text."""
    only = sorted(set(first) ^ set(second))
    changed = sorted(p for p in set(first) & set(second) if first[p] != second[p])
    return (f"{len(only)} on one host only (e.g. {only[:3]}), "
            f"{len(changed)} with other bytes (e.g. {changed[:3]})")


def wait_until_media_identical(timeout):
    """Both media trees hold the same paths with the same sha256, every file and folder the
    eduworld user's with EduWorld's modes, within timeout seconds; return the tree."""
    def identical():
        first, second = (media_tree(h) for h in config.HOSTS)
        return first if first == second and not any(map(misowned, config.HOSTS)) else None
    try:
        return wait_for(identical, timeout, "both hosts' media folders to hold the same files, "
                        "each the eduworld user's")
    except TimeoutError as err:
        wrong = {h: misowned(h)[:3] for h in config.HOSTS}
        raise LabError(f"{err}\n{differences(*(media_tree(h) for h in config.HOSTS))}; "
                       f"not the eduworld user's with mode 644/755: {wrong}") from None


def new_lesson(api):
    """A lesson of the demo teacher's own (subject > course > unit > lesson) to attach files to."""
    parent = None
    for kind in ("subject", "course", "unit", "lesson"):
        body = {"kind": kind, "title": f"media {kind} {uuid.uuid4().hex[:6]}"}
        if parent:
            body["parent"] = parent
        response = api.post("/api/nodes/", body, idempotency_key=str(uuid.uuid4()))
        response.raise_for_status()
        parent = response.json()["id"]
    return parent


def upload(api, lesson, name, content, idempotency_key=None):
    """POST a file to a lesson as a browser's form would; returns the response."""
    return api.upload("/api/assets/", {"node": lesson}, {"file": (name, content)},
                      idempotency_key or str(uuid.uuid4()))


def picture(tag):
    """A small PNG whose bytes no other upload has: `tag` goes in a text chunk."""
    return png(png_chunk(b"tEXt", b"Comment\x00" + tag.encode()))


def media_path(asset):
    """The asset's path under the media folder, from its URL (/media/assets/<id>/<name>)."""
    return asset["url"].split("/media/", 1)[1]


def requests_logged(host, text):
    """How many requests in a host's nginx access log contain `text`."""
    log = hosts.console(host, "cat", "/var/log/nginx/access.log").stdout
    return sum(text in line for line in log.splitlines())


def fetch(host, url, timeout=5):
    """GET a media URL from a host, signed out (media is served by nginx, to anyone)."""
    return Api(host, timeout=timeout).get(url)


def dirty(host):
    """What csync2 on a host still has to send (csync2 -M): files, and conflicts it could
    not settle, one per line."""
    return hosts.console(host, "csync2", "-N", config.ADDRESSES[host], "-M",
                         check=False).stdout


def sync_passes(host):
    """The csync2 passes running on a host now, as (seconds running, command line): csync2
    processes started by a pass, not the daemon (-ii)."""
    listing = hosts.console(host, "ps", "-C", "csync2", "-o", "etimes=,args=", check=False)
    passes = []
    for line in listing.stdout.splitlines():
        seconds, _, command = line.strip().partition(" ")
        if command and " -ii" not in command:
            passes.append((int(seconds), command))
    return passes


def on_disk(host, path):
    """The sha256 of one file on a host's disk, or None while it is not there."""
    try:
        return hashlib.sha256((media_folder(host) / path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
