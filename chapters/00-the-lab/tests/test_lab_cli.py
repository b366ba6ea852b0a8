"""The lab's command line: clear messages, and `down` cleans up after a crash half-way."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab import config, control, hosts, network

LAB = str(Path(sys.executable).parent / "eduworld-lab")


def lab_command(*args, user=None):
    command = [LAB, *args]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_without_root_the_lab_says_so_and_how_to_fix_it():
    result = lab_command("up", user="nobody")
    assert result.returncode == 2
    assert "needs root" in result.stderr and "sudo" in result.stderr


def test_an_unknown_chapter_is_refused_with_the_chapters_that_exist():
    result = lab_command("up", "--chapter", "42")
    assert result.returncode == 2
    assert "no playbook for chapter 42" in result.stderr and "01" in result.stderr


def test_down_removes_everything_a_crashed_up_left_behind():
    if control.read_state().get("status") == "up":
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
