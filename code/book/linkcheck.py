"""A link check over the built site: every link, image, stylesheet and script that points
inside the site must find its file, and every #fragment its id.

    python -m book.linkcheck [SITE]     # default: site/

Links that leave the site (https://...) are listed, not fetched: the book is checked
offline, and a slow or absent network must not fail a build.
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
ATTRIBUTES = {"a": "href", "img": "src", "link": "href", "script": "src", "source": "src",
              "iframe": "src"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("id", "name"):
            if attrs.get(name):
                self.ids.add(attrs[name])
        wanted = ATTRIBUTES.get(tag)
        if wanted and attrs.get(wanted):
            self.links.append((tag, attrs[wanted]))


def parse(path):
    page = Page()
    page.feed(path.read_text(errors="replace"))
    return page


def check(site):
    """(problems, external (tag, link) pairs) for a built site folder."""
    site = Path(site).resolve()
    pages = {path: parse(path) for path in site.rglob("*.html")}
    problems, external = [], set()
    for path, page in pages.items():
        where = path.relative_to(site)
        for tag, link in page.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                external.add((tag, link))
                continue
            if parts.scheme in ("mailto", "data", "javascript") or link.startswith("//"):
                continue
            if parts.scheme:
                problems.append(f"{where}: <{tag}> {link}: unexpected scheme")
                continue
            if not parts.path:
                target = path
            elif parts.path.startswith("/"):  # from the site's root (the 404 page does this)
                target = (site / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(site) or not target.exists():
                problems.append(f"{where}: <{tag}> {link}: no such file")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{where}: <{tag}> {link}: no id {parts.fragment!r}")
    return problems, sorted(external)


def main():
    site = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "site")
    problems, external = check(site)
    for line in problems:
        print(line)
    print(f"{len(problems)} broken; {len(external)} external links not fetched")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
