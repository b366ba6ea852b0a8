# The lab's fixtures (lab, chapter_lab, faults) for every chapter's tests, and the guard that
# keeps the tiers apart: the Makefile selects tiers by marker (pyproject.toml lists them).
import os

import pytest

from lab.fixtures import (  # noqa: F401
    chapter_lab,
    faults,
    lab,
    lab_browser,
    mail_providers,
    pytest_runtest_makereport,
)

LAB_FIXTURES = {"lab", "chapter_lab", "faults", "lab_browser", "mail_providers"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: every collected test is checked
def pytest_collection_modifyitems(config, items):
    unmarked = [item.nodeid for item in items
                if LAB_FIXTURES & set(item.fixturenames) and not item.get_closest_marker("lab")]
    if unmarked:
        raise pytest.UsageError(
            "these tests use the lab (fixture lab, chapter_lab or faults) but are not marked "
            "`lab`, so the fast tier would boot it: add `pytestmark = pytest.mark.lab` to the "
            "module or `@pytest.mark.lab` to the test:\n  " + "\n  ".join(unmarked))
    # Tests marked `root` make network links and cgroups or switch users: without root they
    # cannot run at all, so they are skipped, saying why (`make test` runs them as root).
    if os.geteuid() != 0:
        for item in items:
            if item.get_closest_marker("root"):
                item.add_marker(pytest.mark.skip(reason="needs root (sudo)"))
