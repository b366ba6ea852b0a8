"""mkdocs hooks (mkdocs.yml `hooks:`): the generated proofs page, and measured figures.

Loaded by mkdocs from this path, so it imports the book package by adding code/ to
sys.path.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402

from book import figures, proofs  # noqa: E402


def on_files(files, config):
    files.append(File.generated(config, "proofs.md", content=proofs.page()))
    return files


def on_page_markdown(markdown, page, config, files):
    try:
        return figures.fill(markdown, page.file.src_uri)
    except figures.UnknownFigure as err:
        raise PluginError(err.args[0]) from None
