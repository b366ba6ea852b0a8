"""mkdocs hooks (mkdocs.yml `hooks:`): the generated proofs page, measured figures, and a
book that fetches nothing from outside.

Loaded by mkdocs from this path, so it imports the book package by adding code/ to
sys.path.
"""

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402

from book import figures, proofs  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# Material's offline plugin makes search work from file:// with the iframe-worker shim,
# which it loads from unpkg.com. The same file comes from npm (package.json) and is
# shipped with the site instead.
SHIM_URL = "https://unpkg.com/iframe-worker/shim"
SHIM = ROOT / "node_modules" / "iframe-worker" / "shim" / "index.js"
SHIM_IN_SITE = "assets/javascripts/iframe-worker-shim.js"


PROOFS = "proofs.md"


def on_files(files, config):
    files.append(File.generated(config, PROOFS, content=proofs.page()))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri == PROOFS:
        return markdown  # test sources, shown as they are
    try:
        return figures.fill(markdown, page.file.src_uri)
    except figures.UnknownFigure as err:
        raise PluginError(err.args[0]) from None


def on_post_page(output, page, config):
    up = "../" * page.url.count("/")
    return output.replace(SHIM_URL, up + SHIM_IN_SITE)


def on_post_template(output, template_name, config):
    return output.replace(SHIM_URL, "/" + SHIM_IN_SITE)


def on_post_build(config):
    if not SHIM.exists():
        raise PluginError(f"{SHIM.relative_to(ROOT)} is missing: run `make setup` (npm ci)")
    shutil.copy(SHIM, Path(config["site_dir"]) / SHIM_IN_SITE)
