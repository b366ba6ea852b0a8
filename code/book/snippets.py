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


def section(path, name=None):
    """The lines of a file between its start:name and end:name markers (all of it without
    a name), with marker lines dropped and common indentation removed."""
    file = ROOT / path
    if not file.exists():
        raise MissingSection(f"{path}: no such file")
    lines = file.read_text().splitlines()
    if name:
        starts = [i for i, line in enumerate(lines) if f"--8<-- [start:{name}]" in line]
        ends = [i for i, line in enumerate(lines) if f"--8<-- [end:{name}]" in line]
        if not starts or not ends:
            raise MissingSection(f"{path}: no section {name!r}")
        lines = lines[starts[0] + 1:ends[0]]
    kept = [line for line in lines if not MARKER.search(line)]
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
