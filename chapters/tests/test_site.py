"""The built book in Debian's Chromium: every page opens with no console error, no broken
link or image, nothing cut off, and nothing fetched from outside the machine."""

import pytest

from book import linkcheck
from book.browser import PageWatch, chromium, keep_offline, serve
from lab import config, names

# The built site includes the diagrams, which are rendered in Chromium.
pytestmark = [pytest.mark.book, pytest.mark.browser]

# A page must fit these widths without scrolling sideways: a laptop and a phone.
WIDTHS = (1280, 390)

PAGE_CHECKS = """() => {
    const broken = [...document.images]
        .filter(img => !img.complete || img.naturalWidth === 0)
        .map(img => img.getAttribute("src"));
    const root = document.documentElement;
    return {broken, overflow: root.scrollWidth - root.clientWidth,
            title: document.title, text: document.body.innerText.length};
}"""


def test_every_internal_link_image_and_anchor_of_the_built_site_resolves(built_site):
    problems, external = linkcheck.check(built_site)
    assert not problems, "\n".join(problems)
    # Offline: nothing a page loads (script, style, image, frame) comes from elsewhere.
    assert [(tag, link) for tag, link in external if tag != "a"] == []
    # Links a reader may follow go to https sites or to the lab's own hosts (by name).
    lab = tuple(f"http://{name}/" for name in (*map(config.fqdn, config.HOSTS), names.FRONT))
    for _tag, link in external:
        assert link.startswith(("https://", *lab)), link


def pages_of(site):
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if p.name != "404.html")


def test_every_page_opens_in_chromium_without_errors_or_cut_offs(built_site, artifacts):
    """Every page opens in Chromium with no error, broken image or cut-off content."""
    shots = artifacts("site")
    pages = pages_of(built_site)
    assert len(pages) >= 7, pages
    problems = []
    with serve(built_site) as url, chromium() as browser:
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900})
            outside = keep_offline(context, url)
            page = context.new_page()
            watch = PageWatch(page)
            for name in pages:
                page.goto(url + name)
                page.wait_for_load_state("networkidle")
                found = page.evaluate(PAGE_CHECKS)
                where = f"{name} at {width}px"
                problems += [f"{where}: {p}" for p in watch.problems]
                problems += [f"{where}: broken image {src}" for src in found["broken"]]
                if found["overflow"] > 0:
                    problems.append(f"{where}: {found['overflow']}px cut off at the side")
                if found["text"] < 200:
                    problems.append(f"{where}: almost empty ({found['text']} characters)")
                problems += [f"{where}: fetched from outside: {u}" for u in outside]
                watch.problems.clear()
                outside.clear()
                if width == WIDTHS[0]:
                    page.screenshot(path=shots / (name.replace("/", "_") + ".png"),
                                    full_page=True)
            context.close()
    assert not problems, "\n".join(problems)


def test_search_finds_a_chapter_when_the_book_is_opened_from_the_file_system(built_site):
    with chromium() as browser:
        page = browser.new_page()
        watch = PageWatch(page)
        page.goto((built_site / "index.html").as_uri())
        search = page.locator(".md-search__input")
        search.click()
        search.press_sequentially("pglogical")  # typed: the search listens for keys
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=10_000)
        assert results.count() >= 1
        assert "Two hosts, one database" in page.locator(".md-search-result").inner_text()
        assert not watch.problems, watch.problems
