"""Measured figures, quoted by name from bench/results/*.json.

`{{ figure replication.throughput_ratio }}` in a chapter or a slide becomes what the last
`make bench-replication` wrote; a name that no bench wrote stops the build. A figure
measured several times is a summary, {"median", "min", "max", "runs"}: quoted whole it
reads "median (min-max)", and `{{ figure replication.throughput_ratio.median }}` quotes
one part. The record's `measured`, `machine`, `command` (and `load`, `note` when it has
them) are quoted the same way: `{{ figure lab.measured }}`.
"""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
FIGURE = re.compile(r"\{\{ figure ([\w-]+)\.([\w.-]+) \}\}")


class UnknownFigure(KeyError):
    pass


RECORD = ("measured", "machine", "command", "load", "note")
SUMMARY = ("median", "min", "max", "runs")


def lookup(bench, name):
    """The value `name` (a figure, or a part of one: `warm_up_s.median`) in a bench's record."""
    path = RESULTS / f"{bench}.json"
    if not path.exists():
        raise UnknownFigure(f"no results from bench {bench!r} ({path.relative_to(ROOT)})")
    record = json.loads(path.read_text())
    first, *parts = name.split(".")
    if first in RECORD and first in record:
        value = record[first]
    elif first in record["figures"]:
        value = record["figures"][first]
    else:
        raise UnknownFigure(f"bench {bench!r} has no figure {first!r}; it has: "
                            f"{', '.join(sorted(record['figures']))}")
    for depth, part in enumerate(parts, 1):
        if not isinstance(value, dict) or part not in value:
            known = ", ".join(value) if isinstance(value, dict) else "no parts"
            raise UnknownFigure(f"bench {bench!r}: {'.'.join([first, *parts[:depth - 1]])!r} "
                                f"has no {part!r}; it has: {known}")
        value = value[part]
    return value


def render(value, name="figure"):
    """A looked-up value as the page shows it: a summary as "median (min-max)"."""
    if isinstance(value, dict) and set(SUMMARY) <= set(value):
        median, low, high, runs = (value[key] for key in SUMMARY)
        if runs == 1:
            return f"{median} (1 run)"
        if low == high:
            return f"{median} (all {runs} runs)"
        return f"{median} ({low}-{high})"
    if isinstance(value, dict):
        raise UnknownFigure(f"{name} has parts, quote one of them: "
                            f"{', '.join(f'{name}.{key}' for key in value)}")
    return str(value)


# --8<-- [start:fill]
def fill(text, where):
    """Replace every {{ figure bench.name }} in text; `where` names the text in errors."""
    def value(match):
        try:
            return render(lookup(*match.groups()), ".".join(match.groups()))
        except UnknownFigure as err:
            raise UnknownFigure(f"{where}: {err.args[0]}") from None
    return FIGURE.sub(value, text)
# --8<-- [end:fill]
