"""The talk in Debian's Chromium: every slide opens with no error, has speaker notes, and
shows all of its content; the PDF has a page for every slide and one for its notes."""

import re
import unicodedata

import pytest
from pypdf import PdfReader

from book import figures, slides, snippets
from book.browser import PageWatch, chromium, keep_offline, serve

pytestmark = pytest.mark.book

SLIDE_CHECKS = """([h, v]) => {
    Reveal.slide(h, v);
    const slide = Reveal.getCurrentSlide();
    const {width, height} = Reveal.getConfig();
    const cut = [];
    if (slide.scrollHeight > height + 1) cut.push(`slide ${slide.scrollHeight}px tall`);
    if (slide.scrollWidth > width + 1) cut.push(`slide ${slide.scrollWidth}px wide`);
    for (const box of slide.querySelectorAll("pre code, pre, table, img")) {
        if (box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1)
            cut.push(`${box.tagName.toLowerCase()} scrolls: ${box.textContent.slice(0, 40)}`);
    }
    const broken = [...slide.querySelectorAll("img")]
        .filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src);
    return {title: (slide.querySelector("h1, h2") || {}).textContent,
            notes: (Reveal.getSlideNotes(slide) || "").trim().length, cut, broken,
            left: (slide.innerHTML.match(/\\{\\{|--8<--/g) || []).length};
}"""


@pytest.fixture(scope="module")
def deck(rendered_diagrams):
    return slides.build().parent


@pytest.mark.browser
def test_every_slide_opens_with_speaker_notes_and_nothing_cut_off(deck, artifacts):
    shots = artifacts("slides")
    problems = []
    with serve(deck) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": slides.WIDTH, "height": slides.HEIGHT})
        outside = keep_offline(page, url)
        watch = PageWatch(page)
        page.goto(url + "index.html")
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        page.evaluate("() => Reveal.configure({transition: 'none', backgroundTransition: 'none'})")
        indices = page.evaluate("() => Reveal.getSlides().map(s => Reveal.getIndices(s))")
        assert len(indices) >= 20, f"only {len(indices)} slides"
        for number, index in enumerate(indices, 1):
            found = page.evaluate(SLIDE_CHECKS, [index["h"], index.get("v", 0)])
            where = f"slide {number} ({found['title']})"
            if found["notes"] < 40:
                problems.append(f"{where}: no speaker notes")
            problems += [f"{where}: cut off: {c}" for c in found["cut"]]
            problems += [f"{where}: broken image {src}" for src in found["broken"]]
            if found["left"]:
                problems.append(f"{where}: an include or figure was not filled in")
            page.screenshot(path=shots / f"{number:02d}.png")
        problems += watch.problems
        problems += [f"fetched from outside: {address}" for address in outside]
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_the_pdf_has_each_slide_followed_by_a_page_of_its_speaker_notes(deck, artifacts):
    pdf = slides.export_pdf(artifacts("slides-pdf") / "eduworld-ha-talk.pdf")
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    talk = re.split(r"^(?:---|--)$", (slides.SLIDES / "talk.md").read_text(), flags=re.M)
    count = len(talk)
    assert len(pages) == 2 * count, f"{len(pages)} PDF pages for {count} slides"
    notes = [" ".join(part.split("\nNote:", 1)[1].split()[:6]) for part in talk]
    for number in range(count):
        slide, notes_page = pages[2 * number], pages[2 * number + 1]
        assert slide.strip(), f"slide {number + 1}: an empty page"
        assert notes[number] in " ".join(unicodedata.normalize("NFKC", notes_page).split()), \
            f"slide {number + 1}: its notes are not on the page after it"


def test_slide_figures_are_bench_results_and_unknown_ones_fail():
    """Figures on the slides come from bench results, and an unknown one stops the build."""
    text = (slides.SLIDES / "talk.md").read_text()
    quoted = figures.FIGURE.findall(text)
    assert len(quoted) >= 8, "the talk quotes its measured figures"
    for bench, name in quoted:
        assert figures.lookup(bench, name) is not None
    with pytest.raises(figures.UnknownFigure, match="no figure 'made_up'"):
        figures.fill("{{ figure replication.made_up }}", "a slide")


def test_an_include_of_a_missing_section_stops_the_build():
    with pytest.raises(snippets.MissingSection, match="no section 'gone'"):
        snippets.expand('--8<-- "code/eduworld/replication/watch.py:gone"')
    assert "def restart" in snippets.expand(
        '--8<-- "code/eduworld/replication/watch.py:restart"')


@pytest.mark.browser
def test_the_speaker_view_opens_offline_with_the_slides_notes(deck, artifacts):
    with serve(deck) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": slides.WIDTH, "height": slides.HEIGHT})
        outside = keep_offline(context, url)
        page = context.new_page()
        page.goto(url + "index.html")
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        with context.expect_page() as opened:
            page.keyboard.press("s")  # what a presenter presses
        view = opened.value
        watch = PageWatch(view)
        notes = view.locator(".speaker-controls-notes")
        notes.wait_for(timeout=10_000)
        first = (slides.SLIDES / "talk.md").read_text().split("\nNote:\n", 1)[1]
        view.wait_for_function("text => document.querySelector('.speaker-controls-notes')"
                               ".innerText.includes(text)", arg=" ".join(first.split()[:5]))
        view.screenshot(path=artifacts("speaker-view") / "speaker-view.png")
        assert not watch.problems, watch.problems
    assert outside == [], outside
