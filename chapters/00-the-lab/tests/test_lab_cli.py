"""The lab's command line: clear messages, `down` cleans up after a crash half-way, and the lab
is safe on the reader's machine (secrets for root only, no stale pid file ever obeyed)."""

import json
import os
import shutil
import subprocess

import pytest

from lab import config, control, hosts, network, provision, snapshot
from lab.shell import LabError

LAB = str(config.ROOT / "eduworld-lab")


def lab_command(*args, user=None):
    command = [LAB, *args]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.root
def test_without_root_the_lab_says_so_and_how_to_fix_it():
    result = lab_command("up", user="nobody")
    assert result.returncode == 2
    assert "needs root" in result.stderr and "sudo" in result.stderr


@pytest.mark.root
def test_an_unknown_chapter_is_refused_with_the_chapters_that_exist():
    result = lab_command("up", "--chapter", "42")
    assert result.returncode == 2
    assert "no playbook for chapter 42" in result.stderr and "01" in result.stderr


def test_an_upload_of_a_missing_file_says_so_before_reaching_any_host():
    result = lab_command("upload", "host1", "no/such/picture.png")
    assert result.returncode == 2
    assert "no/such/picture.png: no such file" in result.stderr


@pytest.mark.root
def test_down_removes_everything_a_crashed_up_left_behind():
    if control.read_state().get("status") in ("up", "starting"):
        pytest.skip("a lab is running (EDUWORLD_LAB_KEEP?): this test needs the machine clean")
    # What an `up` killed half-way leaves: bridge, namespaces, cables, a cgroup with a process.
    network.create_bridge()
    for host in config.HOSTS:
        network.plug_host(host)
    cgroup = hosts.cgroups("host1")[0]
    cgroup.mkdir(exist_ok=True)
    leftover = subprocess.Popen(["sh", "-c", f"echo $$ > {cgroup}/cgroup.procs; exec sleep 600"])
    control.write_state(checkout=str(config.ROOT), status="starting")

    result = lab_command("down")

    assert result.returncode == 0, result.stderr
    assert leftover.wait(timeout=10) != 0  # ended by down
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert "ewlab" not in links
    assert not any(n.startswith("ewlab") for n in os.listdir("/run/netns")) \
        if os.path.isdir("/run/netns") else True
    assert not any(c.exists() for h in config.HOSTS for c in hosts.cgroups(h))
    assert not control.STATE_FILE.exists()


@pytest.mark.root
def test_a_pid_file_left_from_before_a_reboot_never_ends_another_process():
    if control.read_state().get("status"):
        pytest.skip("a lab is running or starting: this test needs the machine clean")
    bystander = subprocess.Popen(["sleep", "300"])
    pid_file = hosts.nspawn_pid_file("host1")
    try:
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        # The same pid and start time, but not the lab's systemd-nspawn; then a stale start.
        for started in (hosts.start_time(bystander.pid), "1"):
            pid_file.write_text(f"{bystander.pid} {started}\n")
            assert hosts.nspawn_pid("host1") is None
        control.down()
        assert bystander.poll() is None, "down ended a process the lab did not start"
    finally:
        pid_file.unlink(missing_ok=True)
        bystander.kill()
        bystander.wait()


@pytest.mark.lab
def test_a_second_lab_from_another_checkout_stops_with_a_clear_message(lab):
    lab.ensure("01")
    state = control.read_state()
    control.write_state(checkout="/somewhere/else/eduworld-ha")
    try:
        result = lab_command("up")
    finally:
        control.write_state(checkout=state["checkout"])
    assert result.returncode == 2
    assert "another lab is running on this machine, from /somewhere/else" in result.stderr


@pytest.mark.lab
def test_the_hosts_disks_secrets_and_snapshots_are_for_root_only(lab):
    lab.ensure("01")
    # Guest disks keep the guests' uids and gids, which mean other users on this machine.
    for folder in (config.STATE, config.STATE / "hosts", snapshot.FOLDER):
        assert folder.stat().st_mode & 0o777 == 0o700, f"{folder} is not 0700"
    secret = config.guest_disk("host1") / "etc/eduworld/secret_key"
    assert secret.exists()
    attempt = subprocess.run(["runuser", "-u", "nobody", "--", "cat", str(secret)],
                             capture_output=True, text=True)
    assert attempt.returncode != 0 and "Permission denied" in attempt.stderr


@pytest.mark.lab
def test_a_snapshot_the_roles_would_not_build_is_refused(lab, monkeypatch, tmp_path):
    """Hosts restored from a snapshot that the roles would not build are refused."""
    lab.ensure("01")  # provisions and snapshots chapter 1 if no snapshot matches yet
    control.down()
    kept = snapshot.find("01")
    assert kept is not None
    backup = tmp_path / "snapshot"
    shutil.copytree(kept, backup)
    # Drift that the key cannot see: the same snapshot, but the roles would now write
    # another Django secret key. The playbook's run after the restore must catch it.
    drifted = json.loads(provision.ensure_secrets().read_text())
    drifted["eduworld_secret_key"] = "not-the-one-in-the-snapshot"
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps(drifted))
    monkeypatch.setattr(provision, "ensure_secrets", lambda: secrets)
    monkeypatch.setattr(snapshot, "folder", lambda chapter: kept)
    try:
        with pytest.raises(LabError, match="not what the roles build today"):
            control.up("01")
        assert not kept.exists(), "the snapshot that failed the check was kept"
    finally:
        monkeypatch.undo()
        control.down()
        if not kept.exists():  # put the good snapshot back for the tests that follow
            shutil.copytree(backup, kept)
