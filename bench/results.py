"""Where the benches keep what they measured, for the slides and the book to quote.

Each bench writes bench/results/NAME.json: when and where it ran, the command that
reproduces it, and its figures (flat names, plain numbers). The files are committed, so a
talk quotes the last real measurement instead of a number typed by hand.
"""

import json
import os
import platform
import time
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "results"


def save(name, command, figures):
    FOLDER.mkdir(exist_ok=True)
    record = {
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "command": command,
        "figures": figures,
    }
    path = FOLDER / f"{name}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"figures written to {path.relative_to(FOLDER.parents[1])}")
    return path
