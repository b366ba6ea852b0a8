"""The chapter-1 playbook: lint-clean, and idempotent on the lab's hosts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab import control

ROOT = Path(__file__).resolve().parents[3]


def test_the_roles_and_playbooks_pass_ansible_lint():
    lint = Path(sys.executable).parent / "ansible-lint"
    result = subprocess.run(
        [str(lint), "ansible/site.yml", *map(str, sorted(ROOT.glob("chapters/*/playbook.yml"))),
         "ansible/roles"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible/ansible.cfg")})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


@pytest.mark.lab
def test_a_second_run_of_the_playbook_changes_nothing_on_either_host(chapter_lab):
    assert control.reapply() == {"host1": 0, "host2": 0}
