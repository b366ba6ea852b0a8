"""Every Python listing the book and the talk include is whole: it parses on its own, and a
function or class that starts in it also ends in it. No lab: the files and their sections."""

import ast
from pathlib import Path

import pytest

from book import snippets

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
DEFINITIONS = {ast.FunctionDef: "function", ast.AsyncFunctionDef: "function",
               ast.ClassDef: "class"}


def python_includes():
    """(page, file, section or None) for every include of a .py file, a section of it or
    all of it, in the book's pages and the talk."""
    pages = [p for p in sorted(CHAPTERS.rglob("*.md")) if "tests" not in p.parts]
    found = []
    for page in [*pages, ROOT / "slides" / "talk.md"]:
        for line in page.read_text().splitlines():
            match = snippets.INCLUDE.match(line)
            if match and match.group(2).endswith(".py"):
                found.append((page.relative_to(ROOT).as_posix(), *match.groups()[1:]))
    return found


def problems_with(page, path, name):
    """What is wrong with one included listing, each problem naming the page, the file and
    the section; nothing when the listing is whole."""
    where = f"{page}: {path}" + (f", section {name!r}" if name else " (the whole file)")
    try:
        ast.parse(snippets.section(path, name))
    except snippets.MissingSection as err:
        return [f"{page}: includes what is not there: {err}"]
    except SyntaxError as err:
        return [f"{where} does not parse on its own: {err.msg} (line {err.lineno} of the "
                f"listing)"]
    first, last = snippets.span(path, name)
    cut = []
    for node in ast.walk(ast.parse((ROOT / path).read_text())):
        kind = DEFINITIONS.get(type(node))
        if kind and first <= node.lineno <= last < node.end_lineno:
            cut.append(f"{where} cuts off {kind} {node.name}: it starts at line "
                       f"{node.lineno} and ends at line {node.end_lineno}, the section at "
                       f"line {last}; move the end marker")
    return cut


def test_every_python_listing_parses_and_shows_whole_definitions():
    """Every Python listing parses on its own, and no function or class in it is cut off."""
    includes = python_includes()
    assert len(includes) >= 15, f"the book lost its Python listings: {includes}"
    problems = [problem for include in includes for problem in problems_with(*include)]
    assert not problems, "\n".join(problems)


def test_a_cut_off_or_broken_listing_names_page_file_and_section(tmp_path):
    """A listing that cuts a function off, or does not parse, fails naming the page, the file
    and the section; a whole one passes."""
    source = tmp_path / "settings.py"
    source.write_text(
        "# --8<-- [start:cut]\n"
        "def env(name):\n"
        "    value = name.upper()\n"
        "# --8<-- [end:cut]\n"
        "    return value\n"
        "\n"
        "\n"
        "# --8<-- [start:broken]\n"
        "if env('DEBUG'):\n"
        "# --8<-- [end:broken]\n"
        "    DEBUG = True\n"
        "\n"
        "\n"
        "# --8<-- [start:whole]\n"
        "class Settings:\n"
        "    def read(self):\n"
        "        return env('NAME')\n"
        "# --8<-- [end:whole]\n")
    page = "chapters/01-crud/index.md"
    cut = problems_with(page, str(source), "cut")
    assert cut == [f"{page}: {source}, section 'cut' cuts off function env: it starts at "
                   "line 2 and ends at line 5, the section at line 3; move the end marker"]
    broken = problems_with(page, str(source), "broken")
    assert len(broken) == 1
    assert broken[0].startswith(f"{page}: {source}, section 'broken' does not parse on its own")
    assert problems_with(page, str(source), "whole") == []
    assert problems_with(page, str(source), None) == []
