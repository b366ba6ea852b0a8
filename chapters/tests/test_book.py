"""The book builds strictly, and its listings are included from real files, never pasted."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
# Code in these languages is a listing: it must come from a file the tests run.
LISTING_LANGUAGES = {"python", "py", "sql", "yaml", "yml", "ini", "nginx", "jinja", "js",
                     "javascript", "toml", "cfg"}
FENCE = re.compile(r"^```(\w+)?[^\n]*\n(.*?)^```", re.S | re.M)
INCLUDE = re.compile(r'^--8<-- "([^":]+)(?::([\w-]+))?"$')


def pages():
    return sorted(p for p in CHAPTERS.rglob("*.md") if "tests" not in p.parts)


def test_the_book_builds_with_strict_checks(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                             "--site-dir", str(tmp_path / "site")], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "01-crud" / "index.html").exists()


def test_every_listing_is_included_from_a_real_file_and_section():
    listings = 0
    for page in pages():
        for language, body in FENCE.findall(page.read_text()):
            if language not in LISTING_LANGUAGES:
                continue
            lines = [line for line in body.splitlines() if line.strip()]
            assert lines, f"{page}: empty {language} listing"
            for line in lines:
                match = INCLUDE.match(line.strip())
                assert match, f"{page}: pasted code in a {language} listing: {line!r}"
                path, section = match.groups()
                source = (ROOT / path).read_text()
                if section:
                    assert f"--8<-- [start:{section}]" in source, f"{page}: {path}:{section}"
                    assert f"--8<-- [end:{section}]" in source, f"{page}: {path}:{section}"
                listings += 1
    assert listings >= 5, "the book lost its listings"


def test_every_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in pages():
        assert str(page.relative_to(CHAPTERS)) in nav, f"{page} is not in mkdocs.yml's nav"
