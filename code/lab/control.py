"""The lab's verbs, shared by the command line (cli.py) and the pytest fixtures (fixtures.py)."""

import contextlib
import json
import os
import platform
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from eduworld.core.demo_data import TEACHER_EMAIL, TEACHER_PASSWORD

from . import config, hosts, image, names, network, provision, snapshot, third_party
from .client import Api
from .polling import wait_for
from .shell import LabError, step

STATE_FILE = config.STATE / "lab.json"
SERVICES = {"postgresql": f"postgresql@{config.POSTGRESQL}-main", "app": "eduworld",
            "eduworld": "eduworld", "nginx": "nginx", "ssh": "ssh", "csync2": "csync2",
            "realtime": "eduworld-realtime", "mail": "eduworld-mail"}


# --- state: what exists, so that `down` can undo it even after a crash half-way ------------

def read_state():
    return json.loads(STATE_FILE.read_text()) if STATE_FILE.exists() else {}


def chapter_from(chapter):
    """Whether the running lab's chapter is `chapter` ("05") or a later one."""
    return (read_state().get("chapter") or "00") >= chapter


def write_state(**changes):
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    state = {**read_state(), **changes}
    STATE_FILE.write_text(json.dumps(state, indent=2))
    return state


def check_machine():
    if platform.system() != "Linux":
        raise LabError("the lab needs Linux (network namespaces and systemd-nspawn).")
    if os.geteuid() != 0:
        raise LabError("the lab needs root: run it with sudo (make demo / make test do).")
    missing = [tool for tool in ("systemd-nspawn", "debootstrap", "nsenter", "ip", "zstd",
                                 "dpkg-scanpackages", "ssh")
               if shutil.which(tool) is None]
    if missing:
        raise LabError(f"missing {', '.join(missing)}: run `make setup` "
                       "(installs systemd-container, debootstrap, zstd, dpkg-dev, openssh-client).")


def check_not_someone_elses():
    state = read_state()
    if state.get("checkout") and state["checkout"] != str(config.ROOT) and \
            network.exists("link", config.BRIDGE):
        raise LabError(f"another lab is running on this machine, from {state['checkout']}.\n"
                       "Stop it there with `./eduworld-lab down` (or here: `./eduworld-lab down`).")


# --- up and down ----------------------------------------------------------------------------

def fetch():
    """Everything from the network, once: the base image, the .debs, the wheels."""
    check_machine()
    image.ensure_base_image()
    image.ensure_wheelhouse()
    print(f"==> the lab's caches are ready in {config.CACHE}: `up` needs no network now")


def up(chapter=None, fresh=False):
    """Boot both hosts with a chapter's playbook applied. From a snapshot of provisioned hosts
    when one matches (then the playbook must change nothing); `fresh` provisions bare hosts.
    On a lab that already runs this chapter, `up` applies the playbook again."""
    check_machine()
    check_not_someone_elses()
    chapter = f"{int(chapter or provision.last_chapter()):02d}"
    provision.chapter_folder(chapter)  # fails early on a chapter without a playbook
    running = read_state()
    again = running.get("status") == "up" and running.get("chapter") == chapter
    if running.get("status") == "up" and not again:
        # A chapter's hosts are built from nothing: chapter 2 cannot pair two hosts that
        # chapter 1 filled with separate data, and going back would leave later changes.
        print(f"==> the lab runs chapter {running['chapter']}: its hosts go (with what was "
              f"written on them), chapter {chapter}'s come up", file=sys.stderr, flush=True)
        down()
    if again and fresh:
        raise LabError(f"the lab runs chapter {chapter} already: `./eduworld-lab down`, then "
                       f"`./eduworld-lab up --chapter {chapter} --fresh`.")
    started = time.monotonic()
    config.make_state_folder()
    if not again:
        remove_hosts()  # whatever a crashed `up` left: every `up` starts from known disks
    write_state(checkout=str(config.ROOT), status="starting")
    fetch()
    key = provision.ensure_ssh_key()
    target = snapshot.folder(chapter)  # hashes what shapes the hosts: once per `up`
    found = target if not (fresh or again) and snapshot.complete(target) else None
    with step("network: bridge, namespaces and cables; the lab's names in /etc/hosts"):
        network.create_bridge()
        for host in config.HOSTS:
            network.plug_host(host)
        names.write()
    if chapter >= "07":  # the chapter that sends mail brings the providers it needs
        with step("the third party: fake mail providers at " + config.MAIL_ADDRESS):
            third_party.start()
    if not again:
        with step(f"boot host1 and host2 from the snapshot of chapter {chapter}" if found
                  else "boot host1 and host2 from the bare base image"):
            if found:
                snapshot.restore(found)
            for host in config.HOSTS:
                if not found:
                    hosts.create_disk(host, key)
                hosts.boot(host)
    wheel = image.build_app_wheel(config.STATE / "release")  # while the hosts boot
    wait_until_booted()
    provision.write_inventory()
    with step(f"apply chapter {chapter}'s playbook with Ansible"
              + (" (from the snapshot: it must change nothing)" if found else "")):
        log = config.STATE / "logs" / "ansible.log"
        changed = provision.apply(chapter, wheel, log)
    if found and any(changed.values()):
        snapshot.remove(chapter)
        raise LabError(f"the hosts restored from the snapshot of chapter {chapter} are not what "
                       f"the roles build today (changed: {changed}; see {log}). The snapshot "
                       "is removed: `./eduworld-lab down`, then `up` again provisions bare hosts.")
    if not found and not again and not snapshot.complete(target):
        with step("snapshot the provisioned hosts for the next up (shut down, pack, boot)"):
            with ThreadPoolExecutor(len(config.HOSTS)) as pool:
                list(pool.map(lambda h: hosts.power_off(h, hard=False, kill_if_stuck=False),
                              config.HOSTS))
            snapshot.take(chapter, target)
            for host in config.HOSTS:
                hosts.boot(host)
            wait_until_booted()
    with step("wait until both hosts serve EduWorld"):
        for host in config.HOSTS:
            wait_for(lambda h=host: ready(h), 60, f"{host} to serve, replicating if paired")
    write_state(status="up", chapter=chapter, wheel=str(wheel))
    how = ("again" if again else "from the snapshot" if found else "from bare hosts")
    print(f"==> lab up with chapter {chapter} {how} in {time.monotonic() - started:.0f} s "
          f"(changed: {changed})", flush=True)
    return changed


def ensure_chapter(least, boot=None):
    """A lab running chapter `least` or a later one: if none runs, `up` chapter `boot`
    (default: `least`). Returns True when it booted (the benches then let the load settle)."""
    state = read_state()
    if state.get("status") == "up" and int(state.get("chapter") or 0) >= int(least):
        return False
    up(boot or least)
    return True


def wait_until_booted():
    with step("wait for systemd and sshd on both hosts"):
        for host in config.HOSTS:
            hosts.wait_until_running(host)
            hosts.wait_for_port(host, 22)


def ready(host):
    """The host answers /api/health/ with its database up and, once paired, replicating."""
    answer = health(host)
    if not answer.get("database", {}).get("ok"):
        return False
    return answer["replication"] is None or answer["replication"].get("state") == "replicating"


def reapply():
    """Run the current chapter's playbook again with the same release: what idempotency means."""
    state = read_state()
    return provision.apply(state["chapter"], state["wheel"],
                           config.STATE / "logs" / "ansible-again.log")


def down():
    check_machine()
    with step("power off both hosts and remove the lab's namespaces, links and cgroups"):
        remove_hosts()
        third_party.stop()
        network.remove_all()
        names.remove()
        (provision.INVENTORY / "hosts.yml").unlink(missing_ok=True)
        STATE_FILE.unlink(missing_ok=True)
    print("==> lab down (caches kept in /var/cache/eduworld-lab)", flush=True)


def remove_hosts():
    """Power off both hosts (cleanly, if they run), end what is left, remove their disks."""
    for host in config.HOSTS:
        if hosts.pid1(host):
            hosts.power_off(host, hard=False)
        kill_leftovers(host)
        hosts.remove_cgroups(host)
        hosts.remove_disk(host)


def kill_leftovers(host):
    """Whatever still runs in the host's own cgroups (after a crash, say) is the lab's: end it."""
    for cgroup in hosts.cgroups(host):
        for procs in cgroup.rglob("cgroup.procs"):
            for pid in procs.read_text().split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), 9)
    launcher = hosts.nspawn_pid(host)
    if launcher and hosts.process_alive(launcher):
        os.kill(launcher, 9)
    hosts.nspawn_pid_file(host).unlink(missing_ok=True)
    if any(hosts.cgroups(host)):
        wait_for(lambda: all(not (c / "cgroup.procs").exists() or
                             not any(p.read_text().split() for p in c.rglob("cgroup.procs"))
                             for c in hosts.cgroups(host)), 10, f"{host}'s processes to end")


# --- faults ---------------------------------------------------------------------------------

def check_host(host):
    if host not in config.HOSTS:
        raise LabError(f"no host {host!r}; the lab has {', '.join(config.HOSTS)}")


def poweroff(host):
    """A dead machine: PID 1 killed (no shutdown) and the cable out."""
    check_host(host)
    network.cable(host, plugged=False)
    hosts.power_off(host, hard=True)


def boot(host):
    """Power on with the same disk; back when systemd has started every service."""
    check_host(host)
    network.cable(host, plugged=True)
    hosts.boot(host)
    hosts.wait_until_running(host)


def cut(host):
    check_host(host)
    network.cable(host, plugged=False)


def heal(host=None):
    for name in ([host] if host else config.HOSTS):
        check_host(name)
        network.cable(name, plugged=True)
    if host is None:
        network.partition(on=False)


def partition():
    network.partition(on=True)


def service_unit(service):
    return SERVICES.get(service, service)


def pause(host, service):
    check_host(host)
    hosts.console(host, "systemctl", "kill", "--signal=SIGSTOP", service_unit(service))


def resume(host, service):
    check_host(host)
    hosts.console(host, "systemctl", "kill", "--signal=SIGCONT", service_unit(service))


# --- comparing the hosts' data -------------------------------------------------------------

CHECKSUM_SCRIPT = "/usr/local/share/eduworld/replicated-tables-checksum.sql"


def table_checksums(host):
    """Count and md5 of every replicated table on a host, one line each (the script the
    replication role installs): the same text on both hosts means the same rows."""
    check_host(host)
    result = hosts.psql(host, "-f", CHECKSUM_SCRIPT, check=False)
    if result.returncode == 0:
        return result.stdout
    # Only when it failed: is it the chapter (no script), or the database?
    if hosts.console(host, "test", "-f", CHECKSUM_SCRIPT, check=False).returncode:
        raise LabError(f"{host} replicates nothing: comparing the hosts needs the replication "
                       "role (chapter 2 and later)")
    raise LabError(f"the table checksums failed on {host}: {result.stderr.strip()}")


def checksum_lines():
    """{host: the set of its checksum lines}, read once from each host."""
    return {host: {line for line in table_checksums(host).splitlines() if line}
            for host in config.HOSTS}


def wait_until_identical(timeout):
    """Poll until every replicated table has the same count and checksum on both hosts;
    return (tables, rows) as both hosts then hold them."""
    found = {}

    def identical():
        found.update(checksum_lines())
        first, second = (found[host] for host in config.HOSTS)
        return first == second

    try:
        wait_for(identical, timeout, "every replicated table to match on both hosts",
                 interval=0.5)
    except TimeoutError:
        found = checksum_lines()  # as it is now; says why when a host cannot be read
        first, second = (found[host] for host in config.HOSTS)
        lines = "\n".join(f"  {line}" for line in sorted(first ^ second))
        raise LabError(f"host1 and host2 still differ after {timeout:g} s; the tables whose "
                       f"lines differ (table|rows|md5):\n{lines}") from None
    tables = [line.split("|") for line in found[config.HOSTS[0]]]
    return len(tables), sum(int(rows) for _table, rows, _md5 in tables)


# --- status ---------------------------------------------------------------------------------

def health(host, timeout=2):
    """The host's /api/health/ answer, or {"error": why} when it does not give one."""
    try:
        return Api(host, timeout).get("/api/health/").json()
    except (requests.RequestException, ValueError) as err:  # down, refused, timed out
        return {"error": type(err).__name__}


def status():
    state = read_state()
    report = {"status": state.get("status", "down"), "chapter": state.get("chapter"),
              "partitioned": network.exists("netns", config.netns("host1"))
              and network.partitioned(), "hosts": {}}
    for host in config.HOSTS:
        powered = hosts.pid1(host) is not None
        entry = {"address": config.ADDRESSES[host], "name": config.fqdn(host),
                 "power": "on" if powered else "off",
                 "cable": ("in" if network.exists("link", config.host_veth(host))
                           and network.cable_plugged(host) else "out"),
                 "services": {}, "health": None}
        if powered:
            # The realtime service from chapter 5 on, the mail sender from chapter 7 on.
            extra = (("realtime",) if chapter_from("05") else ()) + \
                (("mail",) if chapter_from("07") else ())
            for name in ("postgresql", "eduworld", "nginx", "ssh", *extra):
                result = hosts.console(host, "systemctl", "is-active", service_unit(name),
                                       check=False)
                entry["services"][name] = result.stdout.strip()
            entry["health"] = health(host)
        report["hosts"][host] = entry
    return report


def print_status(report):
    print(f"lab: {report['status']}" + (f", chapter {report['chapter']}"
                                        if report["chapter"] else ""))
    if report["partitioned"]:
        print("partition: host1 and host2 cannot reach each other")
    for host, entry in report["hosts"].items():
        services = " ".join(f"{k}={v}" for k, v in entry["services"].items())
        answer = entry["health"] or {}
        api = ("answers" if "host" in answer else answer.get("error", "-"))
        print(f"  {host}  {entry['address']:<12} power {entry['power']:<3} "
              f"cable {entry['cable']:<3} api {api}  {services}")
        replication = answer.get("replication")
        if replication:
            print("      " + replication_line(replication))
        if answer.get("mail"):
            print("      " + mail_line(answer["mail"]))
    if report["status"] != "down" and (report["chapter"] or "00") >= "07":
        print("  " + third_party.status())


def mail_line(mail):
    """One line on a host's outbox, from its /api/health/: queued, sent per provider,
    rejected, failed attempts, and the sender's breakers and takeovers."""
    if "error" in mail:
        return f"mail: {mail['error']}"
    sent = ", ".join(f"{n} via {p}" for p, n in mail["sent"].items()) or "none"
    failed = sum(mail["failed_attempts"].values())
    sender = mail.get("sender") or {}
    breakers = " ".join(f"{p['name']}={p['state']}" for p in sender.get("providers", []))
    line = (f"mail: {mail['queued']} queued, sent {sent}, {mail['rejected']} rejected, "
            f"{failed} failed attempts; sender " + (breakers or "not running"))
    if sender.get("taking_over"):
        line += f", sending for {', '.join(sender['taking_over'])}"
    return line


def replication_line(replication):
    """One line on a host's replication, from its /api/health/: pglogical's state and the
    watcher's verdict, with the reason when it is not ok."""
    watcher = replication.get("watcher") or {}
    line = (f"replication from {replication.get('peer', '-')}: "
            f"{replication.get('state', '-')}, lag {replication.get('lag_seconds', '-')} s; "
            f"watcher {watcher.get('state', '-')}")
    if watcher.get("restarts"):
        line += f" after {watcher['restarts']} restarts"
    if watcher.get("reason"):
        line += f" ({watcher['reason']})"
    return line


def reach_from_browser():
    """What `up` prints last: the teacher's app (chapter 6 on), where EduWorld answers, the
    sign-in, and what to try next. The names resolve on this machine (lab/names.py)."""
    urls = " and ".join(f"{names.url(h)}/" for h in config.HOSTS)
    app = ""
    if chapter_from("06"):
        app = f"The teacher's app: {names.FRONT_URL}/ (also at {urls})\n"
    boards = ""
    if chapter_from("05"):
        boards = (f"The classroom board: {names.url('host2')}/board/   "
                  f"the teacher's remote: {names.url('host1')}/remote/\n")
    return (f"{app}EduWorld answers on {urls} (try /api/health/)\n"
            f"Sign in: {TEACHER_EMAIL} / {TEACHER_PASSWORD} (demo data only)\n{boards}"
            "Next: ./eduworld-lab api host1 GET /api/auth/me/   "
            "Faults: ./eduworld-lab --help   Stop: ./eduworld-lab down\n"
            f"The names *.{config.DOMAIN} are in /etc/hosts until `down`: "
            "open them in a browser on this machine.")
