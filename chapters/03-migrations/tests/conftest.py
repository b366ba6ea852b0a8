import pytest


@pytest.fixture(scope="module")
def lab3(lab):
    """The lab with chapter 3's playbook (chapter 2's hosts; the mechanism is in the app)."""
    return lab.ensure("03")
