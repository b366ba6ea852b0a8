"""pytest fixtures for the lab tier (loaded by chapters/conftest.py).

One lab per test session, booted if it is not up and torn down at the end if this session
booted it (EDUWORLD_LAB_KEEP=1 keeps it). `chapter_lab` is that lab with the playbook of
the chapter whose tests ask for it. Every fault a test makes is undone when the test ends,
pass or fail; a failed test's host logs are kept.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from book.browser import chromium

from . import config, control, hosts, media, names, provision, third_party
from .client import Api
from .polling import wait_for
from .shell import LabError


class Lab:
    def __init__(self):
        self.booted_here = False

    def ensure(self, chapter):
        """The lab with this chapter's playbook: a chapter change boots fresh hosts."""
        state = control.read_state()
        if state.get("status") == "up" and state.get("chapter") == chapter:
            return self
        if state.get("status") == "up":
            control.down()
        self.booted_here = True
        # The last chapter's playbook holds every role: a test session provisions it from
        # bare hosts, so the roles' install steps are proven in every run; earlier chapters
        # may start from a snapshot (and their playbook must then change nothing).
        control.up(chapter, fresh=chapter == provision.last_chapter())
        return self

    def api(self, host):
        return Api(host)

    def console(self, host, *command, check=True):
        return hosts.console(host, *command, check=check)

    def sql(self, host, statement):
        return hosts.sql(host, statement)

    def table_checksums(self, host):
        return control.table_checksums(host)

    def wait_until_identical(self, timeout):
        try:
            return control.wait_until_identical(timeout)
        except LabError as err:
            raise AssertionError(str(err)) from None

    def wait_until_replicating(self, timeout):
        """Poll until pglogical's subscription replicates on both hosts. After a split heals
        the watcher restarts a subscription (disabled for a moment), so one look can land
        in that moment; what is claimed is that replication runs again, soon."""
        status = "SELECT status FROM pglogical.show_subscription_status()"
        for host in config.HOSTS:
            wait_for(lambda h=host: self.sql(h, status) == "replicating", timeout,
                     f"{host}'s subscription to replicate")

    def wait_until_media_identical(self, timeout):
        try:
            return media.wait_until_media_identical(timeout)
        except LabError as err:
            raise AssertionError(str(err)) from None

    def wait_until_serving(self, host, timeout=60):
        return wait_for(lambda: Api(host).health(), timeout,
                        f"{host} to answer /api/health/ with its database up")


class Faults:
    """The fault verbs, remembering what to undo."""

    def __init__(self, lab):
        self.lab = lab
        self.powered_off, self.paused, self.cut_hosts = set(), set(), set()
        self.partitioned = False
        self.made = False  # any fault in this test, undone or not

    def poweroff(self, host):
        self.made = True
        self.powered_off.add(host)
        control.poweroff(host)

    def boot(self, host):
        control.boot(host)
        self.powered_off.discard(host)

    def cut(self, host):
        self.made = True
        self.cut_hosts.add(host)
        control.cut(host)

    def heal(self, host=None):
        control.heal(host)
        self.cut_hosts -= {host} if host else set(self.cut_hosts)
        if host is None:
            self.partitioned = False

    def partition(self):
        self.made = True
        self.partitioned = True
        control.partition()

    def pause(self, host, service):
        self.made = True
        self.paused.add((host, service))
        control.pause(host, service)

    def resume(self, host, service):
        control.resume(host, service)
        self.paused.discard((host, service))

    def undo(self):
        for host, service in list(self.paused):
            if hosts.pid1(host):
                self.resume(host, service)
        if self.partitioned or self.cut_hosts:
            self.heal()
        for host in list(self.powered_off):
            self.boot(host)
        for host in config.HOSTS:
            self.lab.wait_until_serving(host, timeout=90)
        if self.made and control.chapter_from("02"):
            # The next test starts from a pair that replicates (the watcher may be
            # restarting a subscription after the heal).
            self.lab.wait_until_replicating(60)


@pytest.fixture(scope="session")
def lab():
    try:
        control.check_machine()
    except LabError as err:
        pytest.fail(str(err), pytrace=False)
    lab = Lab()
    yield lab
    if lab.booted_here and os.environ.get("EDUWORLD_LAB_KEEP") != "1":
        control.down()


def chapter_of(path):
    """NN for a test file under chapters/NN-slug/; None for any other file."""
    path = Path(path).resolve()
    if path.is_relative_to(config.CHAPTERS):
        found = re.fullmatch(r"(\d\d)-.+", path.relative_to(config.CHAPTERS).parts[0])
        if found:
            return found.group(1)
    return None


@pytest.fixture(scope="module")
def chapter_lab(lab, request):
    """The lab with the playbook of the chapter whose folder holds the test file. A test
    that needs another chapter's lab asks for `lab` and calls lab.ensure("NN") itself."""
    chapter = chapter_of(request.path)
    if chapter is None:
        pytest.fail(f"chapter_lab: {request.path} is not under chapters/NN-slug/: ask for "
                    "`lab` and call lab.ensure(\"NN\") instead", pytrace=False)
    return lab.ensure(chapter)


@pytest.fixture(scope="module")
def lab_browser(chapter_lab):
    """Debian's Chromium for a test module's pages, resolving the lab's names as this
    machine does (lab/names.py); started once the chapter's lab is up."""
    with chromium(names.chromium_args()) as browser:
        yield browser


@pytest.fixture
def mail_providers(lab):
    """The fake mail providers' control (lab/third_party.py); both are `ok` again after the
    test, pass or fail."""
    providers = third_party.client()
    yield providers
    for name in ("smtp", "api"):
        providers.set_mode(name, "ok")


@pytest.fixture
def faults(lab):
    faults = Faults(lab)
    yield faults
    faults.undo()


def keep_host_logs(nodeid):
    folder = config.STATE / "logs" / "tests" / re.sub(r"[^\w.-]+", "_", nodeid)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for host in config.HOSTS:
        if hosts.pid1(host):
            journal = hosts.console(host, "journalctl", "-b", "--no-pager", "-o", "short-precise",
                                    check=False)
            (folder / f"{host}.journal.log").write_text(journal.stdout)
            postgres = hosts.console(host, "sh", "-c", "cat /var/log/postgresql/*.log",
                                     check=False)
            (folder / f"{host}.postgresql.log").write_text(postgres.stdout)
        shutil.copy(hosts.log_file(host), folder / f"{host}.console.log")
    return folder


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Every failed test that used the lab keeps both hosts' logs, before any fault it made
    is undone (the fixtures' teardown runs after this report)."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "lab" in item.fixturenames:
        try:
            folder = keep_host_logs(item.nodeid)
            report.sections.append(("lab", f"host logs kept in {folder}"))
        except Exception as err:  # keeping logs must not hide the test's own failure
            report.sections.append(("lab", f"host logs could not be kept: {err}"))
