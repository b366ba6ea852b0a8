"""What the hosts are made of, fetched once and cached: a workshop can prefetch it all.

- the base image: Debian (config.DEBIAN_SUITE) from debootstrap, with systemd and sshd,
  as a zstd tarball;
- a local apt repository of every .deb the Ansible roles install (hosts have no route out);
- a wheelhouse of the application's Python packages, for an offline `pip install`;
- the application itself as a wheel, rebuilt on every `up`.
"""

import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

from . import config
from .shell import LabError, output, run, step


def cache_key(*parts):
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:12]


def base_key():
    return cache_key(config.DEBIAN_SUITE, config.BASE_PACKAGES, config.GUEST_PACKAGES)


def base_image():
    return config.CACHE / f"base-{base_key()}.tar.zst"


def deb_repository():
    return config.CACHE / f"debs-{base_key()}"


def debian_mirror():
    """The mirror this machine's apt already uses: the only package source we may reach."""
    for path in sorted(Path("/etc/apt").rglob("*.sources")) + [Path("/etc/apt/sources.list")]:
        if path.exists():
            for line in path.read_text().splitlines():
                words = line.split()
                if words[:1] == ["URIs:"] and "security" not in words[1]:
                    return words[1]
                if words[:1] == ["deb"] and "security" not in line:
                    return next(w for w in words[1:] if w.startswith("http"))
    raise LabError("no Debian mirror found in /etc/apt: is this Debian?")


def ensure_base_image():
    if base_image().exists() and (deb_repository() / "Packages.gz").exists():
        return base_image()
    config.CACHE.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="base-", dir=config.CACHE))
    try:
        with step(f"debootstrap Debian {config.DEBIAN_SUITE} for the hosts (once; about a minute)"):
            run("debootstrap", "--variant=minbase", f"--include={','.join(config.BASE_PACKAGES)}",
                config.DEBIAN_SUITE, root, debian_mirror(), quiet=True)
        with step(f"fetch {len(config.GUEST_PACKAGES)} packages and their dependencies "
                  "into a local apt repository"):
            fetch_guest_packages(root)
        with step("pack the base image"):
            prepare_base(root)
            partial = base_image().with_suffix(".partial")
            run("tar", "-C", root, "--numeric-owner", "-I", "zstd -T0 -3", "-cf", partial, ".")
            partial.rename(base_image())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return base_image()


def fetch_guest_packages(root):
    # Resolve inside the base image itself, so the repository holds exactly what a host lacks.
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    run("chroot", root, "apt-get", "update", "-qq", quiet=True)
    run("chroot", root, "apt-get", "install", "--download-only", "-y", "-qq",
        "--no-install-recommends", *config.GUEST_PACKAGES, quiet=True)
    repository = deb_repository()
    shutil.rmtree(repository, ignore_errors=True)
    repository.mkdir(parents=True)
    for deb in (root / "var/cache/apt/archives").glob("*.deb"):
        shutil.move(deb, repository / deb.name)
    index = output("dpkg-scanpackages", "--multiversion", ".", "/dev/null", cwd=repository,
                   check=True)
    (repository / "Packages").write_text(index + "\n")
    run("gzip", "-kf", repository / "Packages")


def prepare_base(root):
    """The fixes every host needs, each for the reason beside it."""
    root.chmod(0o755)  # mkdtemp made it 0700: non-root daemons (dbus) could not reach /usr
    # Without a localhost line PostgreSQL cannot start: "could not translate host name".
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n::1 localhost\n")
    (root / "etc/resolv.conf").write_text("")  # the machine's DNS server is out of reach
    # Each host gets its own machine id and SSH host keys when its disk is made (hosts.py).
    machine_id = root / "var/lib/dbus/machine-id"
    machine_id.unlink(missing_ok=True)
    machine_id.symlink_to("/etc/machine-id")
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc/apt/sources.list").write_text(
        "# The lab's local repository (bind-mounted read-only): hosts have no route out.\n"
        "deb [trusted=yes] file:/srv/lab/debs ./\n")
    shutil.rmtree(root / "var/lib/apt/lists", ignore_errors=True)
    (root / "var/lib/apt/lists/partial").mkdir(parents=True)


def runtime_requirements():
    project = tomllib.loads((config.ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"]


def wheelhouse():
    return config.CACHE / f"wheels-{cache_key(config.HOST_PYTHON, runtime_requirements())}"


def host_wheel_tags():
    """pip's options for wheels that fit the hosts' Python, whatever Python runs here."""
    machine = platform.machine()
    # Any manylinux wheel for a glibc up to the hosts' fits them (pip needs each tag named).
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in range(5, config.HOST_GLIBC + 1)]
    platforms += [f"manylinux{legacy}_{machine}" for legacy in ("1", "2010", "2014")]
    return ["--python-version", config.HOST_PYTHON, "--implementation", "cp",
            *[word for tag in platforms for word in ("--platform", tag)]]


def ensure_wheelhouse():
    target = wheelhouse()
    if (target / ".complete").exists():
        return target
    with step("download the application's Python packages into a wheelhouse (once)"):
        target.mkdir(parents=True, exist_ok=True)
        # Wheels for the hosts' Python, which may differ from this machine's.
        run(sys.executable, "-m", "pip", "download", "-q", "-d", target, "--only-binary=:all:",
            *host_wheel_tags(), *runtime_requirements(), "pip", "setuptools", quiet=True)
        (target / ".complete").touch()
    return target


def build_app_wheel(folder):
    with step("build the EduWorld wheel"):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        # A fixed timestamp (1980-01-01, the earliest a zip file can hold) makes the wheel
        # reproducible: the same code, the same checksum, so the release that the playbook
        # installs by its checksum changes only when the code does.
        run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", folder, config.ROOT,
            quiet=True, env={**os.environ, "SOURCE_DATE_EPOCH": "315532800"})
        shutil.rmtree(config.ROOT / "build", ignore_errors=True)
    wheels = list(folder.glob("*.whl"))
    return wheels[0]
