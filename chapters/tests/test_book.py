"""The book builds strictly, its listings (and the slides') are included from real files,
never pasted, and every test in a chapter is a claim that links to its proof."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
# Code in these languages is a listing: it must come from a file the tests run.
LISTING_LANGUAGES = {"python", "py", "sql", "yaml", "yml", "ini", "nginx", "jinja", "js",
                     "javascript", "toml", "cfg"}
FENCE = re.compile(r"^```(\w+)?[^\n]*\n(.*?)^```", re.S | re.M)
INCLUDE = re.compile(r'^--8<-- "([^":]+)(?::([\w-]+))?"$')


CLAIM = re.compile(r'^!!! claim "[^"]+"\n((?:    .*\n|\n)+)', re.M)
PROOF_LINK = re.compile(r"\(\.\./proofs\.md#(test_\w+)\)")
OWN_PROOF_LINK = re.compile(r"\(proofs\.md#(test_\w+)\)")


def pages():
    return sorted(p for p in CHAPTERS.rglob("*.md") if "tests" not in p.parts)


def listing_sources():
    """Every Markdown file whose code must come from the repository: pages and the talk."""
    return [*pages(), ROOT / "slides" / "talk.md"]


@pytest.mark.browser  # the diagrams in the book are rendered in Chromium
def test_the_book_builds_with_strict_checks(built_site):
    assert (built_site / "01-crud" / "index.html").exists()
    assert (built_site / "proofs.html").exists()


def test_every_listing_is_included_from_a_real_file_and_section():
    listings = 0
    for page in listing_sources():
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


def test_every_chapter_test_is_a_claim_linking_to_its_proof():
    """Every test in a chapter is a claim in that chapter that links to its proof."""
    from book.proofs import chapter_tests

    checked = 0
    for folder, tests in chapter_tests().items():
        # The book's own tests (chapters/tests/) are claimed on the page about the book.
        page = folder / "index.md" if folder != CHAPTERS else CHAPTERS / "making-of.md"
        links = PROOF_LINK if folder != CHAPTERS else OWN_PROOF_LINK
        claimed = {name for block in CLAIM.findall(page.read_text())
                   for name in links.findall(block)}
        for _path, name, *_ in tests:
            assert name in claimed, f"{page.relative_to(ROOT)}: no claim links to {name}"
            checked += 1
        known = {name for _path, name, *_ in tests}
        assert claimed <= known, f"{page.name}: claims link to unknown {claimed - known}"
    assert checked >= 20, "the chapters lost their claims"
