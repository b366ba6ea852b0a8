"""Every command the book shows a reader, run, with the output the book says they will see.

The sessions are the ```console blocks of the README and the book's pages (code/book/sessions.py
says how they are written). Each page's sessions run in order against the lab, as a reader
would type them; the page starts and ends with the lab down.
"""

import difflib

import pytest

from book import sessions
from lab import control

PAGES = [page for page in sessions.pages() if sessions.commands(page)]


def name(page):
    return str(page.relative_to(sessions.ROOT))


@pytest.mark.book
def test_every_shell_block_with_a_lab_command_is_a_tested_session():
    """Every shell block that uses the lab is a session, so that no command escapes the test."""
    hiding = [f"{name(page)}:{block.line}" for page in sessions.pages()
              for block in sessions.blocks(page)
              if block.language != "console"
              and any(line.lstrip().startswith(("./eduworld-lab", "eduworld-lab", "$ "))
                      for line in block.lines)]
    assert not hiding, f"lab commands outside a ```console session: {hiding}"


@pytest.mark.book
def test_elided_output_still_has_to_match():
    """The `...` that hides what changes does not hide a wrong answer."""
    expected = ["201 Created", "{", '  "id": "...",', "...", "}"]
    assert sessions.matches(expected, '201 Created\n{\n  "id": "4f2c",\n  "a": 1\n}\n')
    assert not sessions.matches(expected, '400 Bad Request\n{\n  "id": "4f2c"\n}\n')
    assert not sessions.matches(expected, '201 Created\n{\n  "id": "4f2c"\n}\nextra\n')


@pytest.mark.lab
@pytest.mark.parametrize("page", PAGES, ids=name)
def test_the_book_shows_what_its_commands_print(page, lab):
    """Each command on the page, run in order, prints what the page shows and exits as shown."""
    control.down()
    try:
        for command in sessions.commands(page):
            output, status = sessions.run(command.text)
            where = f"{name(page)}:{command.line}: $ {command.text}"
            if not sessions.matches(command.expected, output) or status != command.exit_status:
                diff = "\n".join(difflib.unified_diff(
                    command.expected, output.splitlines(), "the page shows", "it printed",
                    lineterm=""))
                pytest.fail(f"{where}\nexit status {status}, the page expects "
                            f"{command.exit_status}\n{diff}", pytrace=False)
    finally:
        control.down()
