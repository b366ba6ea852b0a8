"""Shared by the book's own tests: rendered diagrams, the built site, a place for artifacts."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from book import diagrams

ROOT = Path(__file__).resolve().parents[2]
# Screenshots and PDFs the browser tests make, kept for a person to look at.
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def rendered_diagrams():
    """The diagrams in chapters/diagrams/, where the book and the slides take them from."""
    return diagrams.render()


@pytest.fixture(scope="session")
def built_site(rendered_diagrams, tmp_path_factory):
    site = tmp_path_factory.mktemp("book") / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                             "--site-dir", str(site)], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-4000:]
    return site


@pytest.fixture(scope="session")
def artifacts():
    def folder(name):
        path = ARTIFACTS / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path
    return folder
