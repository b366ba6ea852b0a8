# The lab's fixtures (lab, faults) for every chapter's tests.
from lab.fixtures import faults, lab, pytest_runtest_makereport  # noqa: F401
