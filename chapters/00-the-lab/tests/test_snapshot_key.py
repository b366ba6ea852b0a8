"""A snapshot's key covers everything that shapes the hosts: change a role, a playbook, the
lab's values or a line of code, and the next `up` provisions bare hosts instead."""

import shutil

import pytest

from lab import config, image, provision, snapshot


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A copy of what shapes the hosts, with its own base image, secrets and SSH key."""
    root = tmp_path / "checkout"
    for pattern in snapshot.SHAPING:
        for path in config.ROOT.glob(pattern):
            target = root / path.relative_to(config.ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(path, target)
    for name in ("base.tar.zst", "secrets.json", "id_ed25519.pub"):
        (tmp_path / name).write_text(name)
    monkeypatch.setattr(config, "ROOT", root)
    monkeypatch.setattr(image, "base_image", lambda: tmp_path / "base.tar.zst")
    monkeypatch.setattr(provision, "ensure_secrets", lambda: tmp_path / "secrets.json")
    monkeypatch.setattr(provision, "SSH_KEY", tmp_path / "id_ed25519")
    return root


@pytest.mark.parametrize("changed", [
    "ansible/roles/nginx/templates/eduworld.nginx.j2",
    "chapters/02-multi-master/playbook.yml",
    "ansible/inventories/lab/group_vars/all.yml",
    "code/eduworld/settings.py",
    "code/lab/provision.py",
    "pyproject.toml",
])
def test_a_change_to_anything_that_shapes_the_hosts_changes_the_snapshot_key(tree, changed):
    before = snapshot.key("02")
    with open(tree / changed, "a") as file:
        file.write("\n# changed\n")
    assert snapshot.key("02") != before
    assert snapshot.key("01") != snapshot.key("02")


@pytest.mark.parametrize("edited", ["code/tests/test_curriculum.py", "code/book/figures.py",
                                    "chapters/01-crud/index.md"])
def test_editing_a_test_or_the_book_keeps_the_snapshots(tree, edited):
    """Tests and the book's tooling shape no host: editing them keeps the snapshots warm."""
    before = snapshot.key("02")
    (tree / edited).parent.mkdir(parents=True, exist_ok=True)
    with open(tree / edited, "a") as file:
        file.write("\n# changed\n")
    assert snapshot.key("02") == before
