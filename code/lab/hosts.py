"""The lab's hosts: Debian booted with systemd-nspawn, systemd as PID 1, each in its own
network namespace. Powering off kills PID 1 (the whole PID namespace dies with it).
"""

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from . import config, image
from .polling import wait_for
from .shell import LabError, run

CGROUP_HIERARCHIES = ("systemd", "unified")


def cgroups(host):
    root = Path("/sys/fs/cgroup")
    if (root / "cgroup.controllers").exists():  # cgroup v2 alone (untried here: see README)
        return [root / f"ewlab-{host}"]
    return [root / h / f"ewlab-{host}" for h in CGROUP_HIERARCHIES if (root / h).is_dir()]


def log_file(host):
    return config.STATE / "logs" / f"{host}.console.log"


def create_disk(host, authorized_key):
    """Unpack the base image and make it this host: name, machine id, SSH keys."""
    disk = config.guest_disk(host)
    if disk.exists():
        return disk
    partial = unpack(image.base_image(), disk.with_name(disk.name + ".partial"))
    # No package lists yet: make them look old, so the first `apt update` really runs.
    os.utime(partial / "var/lib/apt/lists", (0, 0))
    fqdn = config.fqdn(host)
    (partial / "etc/hostname").write_text(f"{host}\n")
    hosts = ["127.0.0.1 localhost", f"127.0.1.1 {fqdn} {host}"]
    hosts += [f"{config.ADDRESSES[h]} {config.fqdn(h)} {h}" for h in config.HOSTS if h != host]
    (partial / "etc/hosts").write_text("\n".join(hosts) + "\n")
    (partial / "etc/machine-id").unlink(missing_ok=True)
    run("systemd-machine-id-setup", f"--root={partial}", quiet=True)
    run("chroot", partial, "ssh-keygen", "-A", quiet=True)
    ssh = partial / "root/.ssh"
    ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
    (ssh / "authorized_keys").write_text(authorized_key)
    partial.rename(disk)
    return disk


def unpack(tarball, folder):
    """A disk from a tarball (the base image or a snapshot), uids and gids as they were."""
    run("rm", "-rf", folder)
    folder.mkdir(parents=True)
    run("tar", "-C", folder, "--numeric-owner", "-I", "zstd", "-xf", tarball)
    folder.chmod(0o755)  # the guest's / : its non-root daemons must reach /usr
    return folder


def host_key(host):
    return (config.guest_disk(host) / "etc/ssh/ssh_host_ed25519_key.pub").read_text().split()[:2]


def pid1(host):
    """PID 1 of the host as this machine sees it (a child of systemd-nspawn), or None."""
    launcher = nspawn_pid(host)
    if launcher is None:
        return None
    try:
        children = Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()
    except FileNotFoundError:
        return None
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        nspid = next(line.split()[1:] for line in status.splitlines()
                     if line.startswith("NSpid:"))
        if len(nspid) > 1 and nspid[-1] == "1":
            return int(pid)
    return None


def nspawn_pid_file(host):
    return config.RUN / f"{host}.nspawn.pid"


def proc_stat(pid):
    """/proc/PID/stat's fields after the command name (which may hold spaces), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None


def start_time(pid):
    """The process's start time (clock ticks since boot): with the pid, it names one process."""
    fields = proc_stat(pid)
    return fields[19] if fields else None


def write_pid_file(path, pid):
    """The pid with its start time: together they name one process (see pid_from_file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{pid} {start_time(pid)}\n")


def pid_from_file(path, *marks):
    """The process a pid file names, or None: a file that names any other process (left from
    before a reboot, say: another start time, or a command line without every mark) is
    ignored, so nothing unrelated is ever killed."""
    try:
        pid, started = path.read_text().split()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except (FileNotFoundError, ValueError):  # gone, or a file empty or garbled
        return None
    if start_time(pid) != started or not all(mark.encode() in command for mark in marks):
        return None
    return int(pid)


def nspawn_pid(host):
    """The host's systemd-nspawn, or None."""
    # Before its exec the launcher is `sh -c "...; exec systemd-nspawn ... --machine HOST"`.
    return pid_from_file(nspawn_pid_file(host), "systemd-nspawn", f"--machine {host} ")


def boot(host):
    if pid1(host):
        return
    disk = config.guest_disk(host)
    if not cgroups(host):
        raise LabError("no cgroup hierarchy found under /sys/fs/cgroup: the lab needs one "
                       "to give each host its own cgroup")
    for cgroup in cgroups(host):
        cgroup.mkdir(exist_ok=True)
    log_file(host).parent.mkdir(parents=True, exist_ok=True)
    enter_cgroups = "; ".join(f"echo $$ > {c}/cgroup.procs" for c in cgroups(host))
    nspawn = ["systemd-nspawn", "--boot", "--directory", str(disk), "--machine", host,
              f"--network-namespace-path=/run/netns/{config.netns(host)}", "--register=no",
              "--keep-unit", "--console=read-only",
              # A host manages its own firewall; the namespace is its own, so is the power.
              "--capability=CAP_NET_ADMIN",
              f"--bind-ro={image.deb_repository()}:/srv/lab/debs",
              f"--bind-ro={image.wheelhouse()}:/srv/lab/wheels"]
    env = {**os.environ, "SYSTEMD_NSPAWN_API_VFS_WRITABLE": "network"}
    with open(log_file(host), "ab") as log:
        process = subprocess.Popen(
            ["sh", "-c", f"{enter_cgroups}; exec {' '.join(nspawn)}"], env=env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    write_pid_file(nspawn_pid_file(host), process.pid)
    wait_for(lambda: pid1(host) or process.poll() is not None, 30, f"{host} to start systemd")
    if process.poll() is not None:
        raise LabError(f"{host} did not boot; its console log: {log_file(host)}\n"
                       + log_file(host).read_text()[-2000:])


def wait_until_running(host, timeout=60):
    def running():
        state = console(host, "systemctl", "is-system-running", check=False).stdout.strip()
        return state in ("running", "degraded") and state
    return wait_for(running, timeout, f"{host}'s systemd to finish booting")


def console(host, *command, check=True, timeout=120):
    """Run a command on a host through its console (nsenter): works even with the cable out."""
    pid = pid1(host)
    if pid is None:
        raise LabError(f"{host} is powered off")
    return run("nsenter", "-t", pid, "-a", "env", "-i",
               "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               *command, check=check, capture=True, timeout=timeout)


def psql(host, *args, check=True):
    """psql as postgres on a host's EduWorld database, through the console."""
    return console(host, "runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t",
                   "-d", "eduworld", "-v", "ON_ERROR_STOP=1", *args, check=check)


def sql(host, statement):
    """One statement's result on a host's database, as text: works with the cable out."""
    return psql(host, "-q", "-c", statement).stdout.strip()


def tree_problems(host):
    """treebeard's own check of the curriculum's materialised paths on a host (find_problems,
    as text): "([], [], [], [], [])" when the tree is valid."""
    return console(host, "eduworld-manage", "shell", "--no-imports", "-c",
                   "from eduworld.curriculum.models import Node; "
                   "print(Node.objects.find_problems())").stdout.strip()


def power_off(host, hard, kill_if_stuck=True):
    """Hard: kill PID 1, like pulling the plug. Soft: ask systemd to shut down, and kill it
    after 20 s unless `kill_if_stuck` is False (a snapshot must never pack a crashed host)."""
    pid = pid1(host)
    if pid is not None:
        os.kill(pid, signal.SIGKILL if hard else signal.SIGRTMIN + 4)
        try:
            wait_for(lambda: pid1(host) is None, 3 if hard else 20, f"{host} to power off")
        except TimeoutError:
            if not kill_if_stuck:
                raise LabError(f"{host} did not shut down within 20 s; its console log: "
                               f"{log_file(host)}") from None
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda: pid1(host) is None, 5, f"{host} to power off")
    launcher = nspawn_pid(host)
    if launcher:
        wait_for(lambda: not process_alive(launcher), 10, f"{host}'s systemd-nspawn to exit")
        nspawn_pid_file(host).unlink(missing_ok=True)


def process_alive(pid):
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    fields = proc_stat(pid)
    return fields is not None and fields[0] != "Z"


def remove_cgroups(host):
    for cgroup in cgroups(host):
        if cgroup.exists():
            for sub in sorted(cgroup.rglob("*"), key=lambda p: -len(p.parts)):
                if sub.is_dir():
                    sub.rmdir()
            cgroup.rmdir()


def remove_disk(host):
    run("rm", "-rf", config.guest_disk(host))


def wait_for_port(host, port, timeout=30):
    address = config.ADDRESSES[host]
    wait_for(lambda: run("timeout", "2", "bash", "-c", f"</dev/tcp/{address}/{port}",
                         check=False, quiet=True).returncode == 0,
             timeout, f"{host}:{port} to accept connections")
