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


def tests_in(path):
    """(name, docstring, source, is_lab) for every test function in a file, in order."""
    text = path.read_text()
    tree = ast.parse(text)
    module_lab = "pytest.mark.lab" in text.split("\ndef ", 1)[0]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            marks = [ast.unparse(d) for d in node.decorator_list]
            is_lab = module_lab or any("mark.lab" in m for m in marks)
            yield (node.name, ast.get_docstring(node) or "",
                   ast.get_source_segment(text, node, padded=False), is_lab)


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
            lines += [f"### {sentence(name)} {{ #{name} }}", "",
                      f"`{name}` in `{where}`" + (" (*lab*)" if is_lab else ""), ""]
            if doc:
                lines += [doc, ""]
            lines += ['??? example "The test"', "", "    ```python"]
            lines += ["    " + line if line else "" for line in source.splitlines()]
            lines += ["    ```", ""]
    return "\n".join(lines)
