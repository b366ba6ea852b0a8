"""The proofs page: every test under chapters/*/tests, with its source, generated at build.

Claims in a chapter link here (`../proofs.md#test_name`), so a reader goes from a sentence
to the code that checks it; mkdocs's anchor validation fails the build when a claim links
to a test that does not exist.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
TITLE = re.compile(r"^# (.+)$", re.M)


def chapter_title(folder):
    page = folder / "index.md"
    match = TITLE.search(page.read_text()) if page.exists() else None
    return match.group(1) if match else folder.name


def marks(node):
    """The names of the pytest marks in an expression: `pytest.mark.lab`, a list of marks,
    `pytest.mark.parametrize(...)`."""
    return {found.attr for found in ast.walk(node) if isinstance(found, ast.Attribute)
            and isinstance(found.value, ast.Attribute) and found.value.attr == "mark"}


def tests_in(path):
    """(name, docstring, source, is_lab) for every test function in a file, in order. A test
    is a lab test when it or its module (`pytestmark = ...`) carries the `lab` mark."""
    text = path.read_text()
    tree = ast.parse(text)
    module_marks = set().union(*(marks(node.value) for node in tree.body
                                 if isinstance(node, ast.Assign)
                                 and any(getattr(target, "id", None) == "pytestmark"
                                         for target in node.targets)))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            own_marks = set().union(*(marks(d) for d in node.decorator_list))
            yield (node.name, ast.get_docstring(node) or "",
                   ast.get_source_segment(text, node, padded=False),
                   "lab" in module_marks | own_marks)


def chapter_tests():
    """{chapter folder: [(file, name, docstring, source, is_lab)]} for chapters with tests."""
    found = {}
    folders = sorted(p for p in CHAPTERS.iterdir() if (p / "tests").is_dir())
    # chapters/tests/ holds the book's own tests (its build, links, diagrams, slides).
    for tests in [folder / "tests" for folder in folders] + [CHAPTERS / "tests"]:
        for path in sorted(tests.glob("test_*.py")):
            for name, doc, source, is_lab in tests_in(path):
                found.setdefault(tests.parent, []).append((path, name, doc, source, is_lab))
    return found


def sentence(name):
    words = name.removeprefix("test_").replace("_", " ")
    return words[0].upper() + words[1:] + "."


def title_and_text(name, doc):
    """A test's heading and the text under it: the claim in full is the docstring's first
    paragraph, the rest explains; a test without a docstring is titled by its name."""
    if not doc:
        return sentence(name), ""
    summary, _, rest = doc.partition("\n\n")
    return " ".join(summary.split()), rest.strip()


def page():
    lines = [
        "# Proofs",
        "",
        "Every test that proves a chapter's claims, with its source, read from the test files",
        "when the book is built. Tests marked *lab* run against the two-host lab; run one",
        "with `make test CHAPTER=NN PYTEST_ARGS=\"-k name\"`.",
        "",
    ]
    for folder, tests in chapter_tests().items():
        title = chapter_title(folder) if folder != CHAPTERS else "The book itself"
        lines += [f"## {title}", ""]
        for path, name, doc, source, is_lab in tests:
            where = path.relative_to(ROOT)
            heading, text = title_and_text(name, doc)
            lines += [f"### {heading} {{ #{name} }}", "",
                      f"`{name}` in `{where}`" + (" (*lab*)" if is_lab else ""), ""]
            if text:
                lines += [text, ""]
            lines += ['??? example "The test"', "", "    ```python"]
            lines += ["    " + line if line else "" for line in source.splitlines()]
            lines += ["    ```", ""]
    return "\n".join(lines)
