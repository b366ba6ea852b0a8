"""Render diagrams/*.mmd to SVG with Mermaid (from npm) inside Debian's Chromium.

    python -m book.diagrams [--out FOLDER]     # default: chapters/diagrams/

One source per diagram; the book (chapters/diagrams/) and the slides (copied by
book.slides) use the same SVG files. Labels are SVG text, not HTML, so an SVG shows the
same in an <img> tag, in the PDF of the slides, and offline.
"""

import argparse
import sys
import time
from pathlib import Path

from .browser import PageWatch, chromium

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "diagrams"
OUT = ROOT / "chapters" / "diagrams"
MERMAID = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"

SETTINGS = {
    "startOnLoad": False,
    "securityLevel": "strict",
    "theme": "neutral",
    "themeVariables": {"fontFamily": "DejaVu Sans, Verdana, sans-serif", "fontSize": "15px"},
    "flowchart": {"htmlLabels": False, "curve": "basis"},
    "sequence": {"mirrorActors": False, "useMaxWidth": True},
}


# Mermaid returns the SVG serialised as HTML (<br> without a slash): fine inside a page,
# invalid as an .svg file. Parse it in the page and serialise it again as XML.
TO_SVG = """async ([id, text]) => {
    const {svg} = await mermaid.render(id, text);
    const holder = document.createElement("div");
    holder.innerHTML = svg;
    return new XMLSerializer().serializeToString(holder.querySelector("svg"));
}"""


class RenderError(RuntimeError):
    pass


def shown(path):
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def sources(folder=SOURCES):
    return sorted(Path(folder).glob("*.mmd"))


def render(out=OUT, folder=SOURCES):
    """Render every source in folder into out/NAME.svg; returns the paths written."""
    if not MERMAID.exists():
        raise RenderError(f"{MERMAID.relative_to(ROOT)} is missing: run `make setup` (npm ci)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with chromium() as browser:
        page = browser.new_page()
        watch = PageWatch(page)
        page.set_content("<!doctype html><html><body></body></html>")
        page.add_script_tag(path=str(MERMAID))
        page.evaluate("settings => mermaid.initialize(settings)", SETTINGS)
        for source in sources(folder):
            started = time.monotonic()
            try:
                svg = page.evaluate(TO_SVG, [f"diagram-{source.stem}", source.read_text()])
            except Exception as err:  # Mermaid's parse error names the line
                message = "\n".join(str(err).splitlines()[:4])
                raise RenderError(f"{shown(source)}: {message}") from None
            target = out / f"{source.stem}.svg"
            target.write_text(svg + "\n")
            written.append(target)
            print(f"  {shown(source)} -> {target} "
                  f"({len(svg) // 1024} KiB, {time.monotonic() - started:.1f} s)")
        if watch.problems:
            raise RenderError("; ".join(watch.problems))
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    try:
        render(Path(args.out))
    except RenderError as err:
        sys.exit(f"diagrams: {err}")


if __name__ == "__main__":
    main()
