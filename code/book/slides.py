"""The talk: slides/talk.md built into a reveal.js deck that runs with no network.

    python -m book.slides build     # slides/build/index.html (+ reveal.js, diagrams)
    python -m book.slides serve     # build, then serve on http://127.0.0.1:8002/
    python -m book.slides pdf       # build, then slides/build/eduworld-ha-talk.pdf

talk.md is Markdown for reveal.js: `---` between sections, `--` between the slides of a
section, `Note:` starts the speaker notes. Two things are filled in at build time, so the
talk cannot drift from the code: include lines (`--8<-- "path:section"`, the book's
syntax) become the code the tests run, and `{{ figure bench.name }}` becomes a figure
from bench/results/. Reveal's markdown plugin reads the deck from the page itself: no
fetch, so it even opens from file://.
"""

import argparse
import html
import shutil
import sys
import time
from pathlib import Path

from . import diagrams, figures, snippets
from .browser import chromium, serve

ROOT = Path(__file__).resolve().parents[2]
SLIDES = ROOT / "slides"
BUILD = SLIDES / "build"
REVEAL = ROOT / "node_modules" / "reveal.js"
PDF = BUILD / "eduworld-ha-talk.pdf"
WIDTH, HEIGHT = 1280, 720


class BuildError(RuntimeError):
    pass


def deck_markdown():
    text = (SLIDES / "talk.md").read_text()
    try:
        text = snippets.expand(text)
        return figures.fill(text, "slides/talk.md")
    except (snippets.MissingSection, figures.UnknownFigure) as err:
        raise BuildError(str(err)) from None


def build():
    """Write slides/build/: index.html, reveal.js, the theme and the diagrams."""
    if not (REVEAL / "dist" / "reveal.js").exists():
        raise BuildError("node_modules/reveal.js is missing: run `make setup` (npm ci)")
    markdown = deck_markdown()
    if "</textarea>" in markdown:
        raise BuildError("slides/talk.md may not contain </textarea>")
    BUILD.mkdir(parents=True, exist_ok=True)
    for part in ("dist", "plugin"):
        shutil.copytree(REVEAL / part, BUILD / "reveal" / part, dirs_exist_ok=True)
    if not all((diagrams.OUT / f"{s.stem}.svg").exists() for s in diagrams.sources()):
        diagrams.render()
    shutil.copytree(diagrams.OUT, BUILD / "diagrams", dirs_exist_ok=True)
    shutil.copy(SLIDES / "talk.css", BUILD / "talk.css")
    page = (SLIDES / "index.html").read_text()
    page = page.replace("{{ deck }}", html.escape(markdown, quote=False))
    page = page.replace("{{ width }}", str(WIDTH)).replace("{{ height }}", str(HEIGHT))
    (BUILD / "index.html").write_text(page)
    return BUILD / "index.html"


def export_pdf(target=PDF):
    """Print the deck with reveal.js's PDF mode, speaker notes on their own pages."""
    build()
    started = time.monotonic()
    with serve(BUILD) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(url + "index.html?print-pdf")
        page.wait_for_function("() => window.Reveal && Reveal.isReady() && "
                               "document.querySelectorAll('.pdf-page').length > 0")
        page.wait_for_load_state("networkidle")
        slides = page.evaluate("() => document.querySelectorAll('.pdf-page').length")
        # A slide page and a notes page each; the last page break leaves an empty page
        # behind, which the range leaves out.
        page.pdf(path=str(target), prefer_css_page_size=True, print_background=True,
                 page_ranges=f"1-{2 * slides}")
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KiB "
          f"in {time.monotonic() - started:.1f} s")
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["build", "serve", "pdf"])
    parser.add_argument("--port", type=int, default=8002)
    args = parser.parse_args()
    try:
        if args.action == "build":
            print(build().relative_to(ROOT))
        elif args.action == "pdf":
            export_pdf()
        else:
            build()
            with serve(BUILD, args.port) as url:
                print(f"The talk: {url}   (press S for the speaker view; Ctrl-C stops)")
                while True:
                    time.sleep(3600)
    except (BuildError, diagrams.RenderError) as err:
        sys.exit(f"slides: {err}")
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
