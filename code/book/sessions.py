"""The book's shell sessions: what a reader types and what they should see, run by a test.

A session is a fenced block marked `console` in README.md or a page under chapters/:

    ```console
    $ ./eduworld-lab api host1 GET /api/auth/me/
    200 OK
    {
      "id": "...",
    ...
    ```

A line that starts with `$ ` is a command, run by bash from the checkout's root; the lines
after it, up to the next command, are its output (stdout and stderr together). In the output:

- a line that is only `...` stands for any number of lines, none included;
- `...` inside a line stands for any text on that line (an id, a timing);
- a last line `[exit N]` says the command ends with status N (otherwise it must end with 0).

Commands that a test cannot run inside itself (`make test`, `git clone`) go in `sh` blocks,
without output; a check makes sure no lab command hides in one.
"""

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\S*)")
EXIT = re.compile(r"^\[exit (\d+)\]$")
ELIDED = "..."


@dataclass
class Command:
    text: str
    line: int                      # where it is on its page, for messages
    expected: list = field(default_factory=list)
    exit_status: int = 0


@dataclass
class Block:
    language: str
    line: int
    lines: list


def pages():
    """Every page a reader reads commands from: the README and the book's pages."""
    return [ROOT / "README.md", *sorted((ROOT / "chapters").rglob("*.md"))]


def blocks(page):
    """The fenced code blocks of a page, with their language and first line number."""
    found, current = [], None
    for number, line in enumerate(Path(page).read_text().splitlines(), 1):
        fence = FENCE.match(line.strip())
        if current is None and fence:
            current = Block(fence.group(1), number, [])
        elif current is not None and line.strip() == "```":
            found.append(current)
            current = None
        elif current is not None:
            current.lines.append(line)
    return found


def commands(page):
    """The commands of every session on a page, in reading order."""
    found = []
    for block in blocks(page):
        if block.language != "console":
            continue
        for offset, line in enumerate(block.lines, 1):
            if line.startswith("$ "):
                found.append(Command(line[2:], block.line + offset))
            elif not found or found[-1].line < block.line:
                raise ValueError(f"{page}:{block.line + offset}: a console block starts "
                                 f"with output, not a `$ ` command")
            elif EXIT.match(line.strip()):
                found[-1].exit_status = int(EXIT.match(line.strip()).group(1))
            else:
                found[-1].expected.append(line.rstrip())
    return found


# --8<-- [start:match]
def pattern(expected):
    """A regular expression for the expected lines, with `...` standing for what changes."""
    parts = []
    for line in expected:
        if line.strip() == ELIDED:
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(piece) for piece in line.split(ELIDED)) + r"\n")
    return re.compile("".join(parts))


def matches(expected, output):
    """Whether the output is what the page shows (trailing spaces do not count)."""
    text = "".join(line.rstrip() + "\n" for line in output.splitlines())
    return pattern(expected).fullmatch(text) is not None
# --8<-- [end:match]


def run(command, timeout=900):
    """Run one command as the reader would, from the checkout's root; (output, exit status)."""
    # Unbuffered, so that stdout and stderr interleave as they do on a terminal.
    environment = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb",
                   "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                            env=environment)
    return result.stdout, result.returncode
