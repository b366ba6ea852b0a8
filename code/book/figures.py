"""Measured figures, quoted by name from bench/results/*.json.

`{{ figure replication.throughput_ratio }}` in a chapter or a slide becomes the number the
last `make bench-replication` wrote; a name that no bench wrote stops the build.
"""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
FIGURE = re.compile(r"\{\{ figure ([\w-]+)\.([\w.-]+) \}\}")


class UnknownFigure(KeyError):
    pass


def lookup(bench, name):
    path = RESULTS / f"{bench}.json"
    if not path.exists():
        raise UnknownFigure(f"no results from bench {bench!r} ({path.relative_to(ROOT)})")
    record = json.loads(path.read_text())
    if name in ("measured", "machine", "command"):
        return record[name]
    try:
        return record["figures"][name]
    except KeyError:
        raise UnknownFigure(f"bench {bench!r} has no figure {name!r}; it has: "
                            f"{', '.join(sorted(record['figures']))}") from None


# --8<-- [start:fill]
def fill(text, where):
    """Replace every {{ figure bench.name }} in text; `where` names the text in errors."""
    def value(match):
        try:
            return str(lookup(*match.groups()))
        except UnknownFigure as err:
            raise UnknownFigure(f"{where}: {err.args[0]}") from None
    return FIGURE.sub(value, text)
# --8<-- [end:fill]
