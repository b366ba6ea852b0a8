"""The lab's third party: the fake mail providers (lab/fakemail.py) on an address of their own.

`up` of chapter 7 or later starts them in a namespace plugged into the bridge like a host;
`down` ends them. They run on this machine, from the checkout's virtual environment, so
tests reach their control listener directly; the hosts reach the providers over the
bridge, and nothing else does.
"""

import contextlib
import os
import subprocess
import sys
import time

from . import config, hosts, network, provision
from .fakemail import FakeMail
from .polling import wait_for
from .shell import LabError

PID_FILE = config.RUN / "fakemail.pid"
LOG = config.STATE / "logs" / "fakemail.log"
CONTROL_URL = f"http://{config.MAIL_ADDRESS}:{config.MAIL_PORTS['control']}"


def pid():
    """The fake providers' process, or None."""
    return hosts.pid_from_file(PID_FILE, "lab.fakemail")


def start(timeout=15):
    if pid():
        return
    network.plug(config.MAIL, config.MAIL_ADDRESS)
    LOG.parent.mkdir(parents=True, exist_ok=True)
    ports = config.MAIL_PORTS
    command = ["ip", "netns", "exec", config.netns(config.MAIL), sys.executable, "-m",
               "lab.fakemail", "--address", config.MAIL_ADDRESS,
               "--smtp-port", str(ports["smtp"]), "--api-port", str(ports["api"]),
               "--control-port", str(ports["control"]),
               "--secrets", str(provision.ensure_secrets())]
    env = {**os.environ, "PYTHONPATH": str(config.ROOT / "code"), "PYTHONUNBUFFERED": "1"}
    with open(LOG, "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    hosts.write_pid_file(PID_FILE, process.pid)
    with contextlib.suppress(TimeoutError):  # said below, with the log
        wait_for(lambda: process.poll() is not None or "fake providers ready" in LOG.read_text(),
                 timeout, "the fake mail providers' ready line")
    if process.poll() is not None or "fake providers ready" not in LOG.read_text():
        stop()
        raise LabError(f"the fake mail providers did not start (log: {LOG}):\n"
                       + LOG.read_text()[-2000:])


def stop():
    number = pid()
    if number:
        os.kill(number, 15)
        try:
            wait_for(lambda: not pid(), 5, "the fake mail providers to stop")
        except TimeoutError:
            os.kill(number, 9)
    PID_FILE.unlink(missing_ok=True)


def client():
    if not pid():
        raise LabError("the fake mail providers are not running: `./eduworld-lab up` starts them")
    return FakeMail(CONTROL_URL)


def set_mode(provider, mode):
    try:
        client().set_mode(provider, mode)
    except OSError as err:
        raise LabError(f"the fake providers' control does not answer: {err}") from None


def mailbox(to=None):
    """One line per mail the fakes took, oldest first."""
    try:
        kept = client().messages(to)
    except OSError as err:
        raise LabError(f"the fake providers' control does not answer: {err}") from None
    return [f"{time.strftime('%H:%M:%S', time.localtime(m['received']))}  {m['provider']:<4}  "
            f"{m['message_id']}  {', '.join(m['to'])}  {m['subject']}" for m in kept] \
        or ["(no mail yet)"]


def status():
    """One line for `eduworld-lab status`."""
    if not pid():
        return "fake mail providers: not running"
    try:
        state = FakeMail(CONTROL_URL).providers()
    except OSError as err:
        return f"fake mail providers: running, control does not answer ({err})"
    return "fake mail providers at {}: {}".format(config.MAIL_ADDRESS, ", ".join(
        f"{name} {s['mode']} (kept {s['accepted']}, failed {s['failed']}, "
        f"rejected {s['rejected']})" for name, s in state.items()))
