import pytest


@pytest.fixture(scope="module")
def lab1(lab):
    """The lab with chapter 1's playbook: two hosts, each with its own database."""
    return lab.ensure("01")
