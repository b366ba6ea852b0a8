"""Sections of real files, marked the way pymdownx.snippets marks them for the book:

    # --8<-- [start:name]
    ...
    # --8<-- [end:name]

The slides use this to include the same sections the book includes.
"""

import re
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INCLUDE = re.compile(r'^(\s*)--8<-- "([^":]+)(?::([\w-]+))?"$')
MARKER = re.compile(r"--8<-- \[(start|end):([\w-]+)\]")


class MissingSection(LookupError):
    pass


def lines_of(path):
    file = ROOT / path
    if not file.exists():
        raise MissingSection(f"{path}: no such file")
    return file.read_text().splitlines()


def span(path, name=None):
    """(first, last): the numbers (from 1) of the first and the last line of a section in
    its file, its own markers left out; without a name, the whole file."""
    lines = lines_of(path)
    if not name:
        return 1, len(lines)
    starts = [i for i, line in enumerate(lines) if f"--8<-- [start:{name}]" in line]
    ends = [i for i, line in enumerate(lines) if f"--8<-- [end:{name}]" in line]
    if not starts or not ends:
        raise MissingSection(f"{path}: no section {name!r}")
    return starts[0] + 2, ends[0]


def section(path, name=None):
    """The lines of a file between its start:name and end:name markers (all of it without
    a name), with marker lines dropped and common indentation removed."""
    first, last = span(path, name)
    kept = [line for line in lines_of(path)[first - 1:last] if not MARKER.search(line)]
    return textwrap.dedent("\n".join(kept)).strip("\n")


def expand(text):
    """Replace every include line (`--8<-- "path:section"`) with that section."""
    out = []
    for line in text.splitlines():
        match = INCLUDE.match(line)
        if match:
            indent, path, name = match.groups()
            out.extend(indent + part for part in section(path, name).splitlines())
        else:
            out.append(line)
    return "\n".join(out)
