import pytest


@pytest.fixture(scope="module")
def lab2(lab):
    """The lab with chapter 2's playbook: two hosts, one database, written on both."""
    return lab.ensure("02")
