"""Every diagram renders from its one source to a valid SVG that carries its labels."""

import re
import xml.etree.ElementTree as ElementTree

import pytest

from book import diagrams
from book.browser import chromium

pytestmark = [pytest.mark.book, pytest.mark.browser]

# A label wider than its box reads as cut off (white text runs off a dark note onto white),
# and one outside the viewBox is clipped: measure every label against both.
CUT_OFF = """() => {
    const svg = document.documentElement, view = svg.viewBox.baseVal;
    const screen = (m, x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
    const rect = (element) => {
        const box = element.getBBox(), m = element.getScreenCTM();
        const [left, top] = screen(m, box.x, box.y);
        const [right, bottom] = screen(m, box.x + box.width, box.y + box.height);
        return {left, top, right, bottom, width: box.width};
    };
    const [left, top] = screen(svg.getScreenCTM(), view.x, view.y);
    const [right, bottom] = screen(svg.getScreenCTM(), view.x + view.width,
                                   view.y + view.height);
    const outside = (inner, outer) => inner.left < outer.left - 2 || inner.top < outer.top - 2
        || inner.right > outer.right + 2 || inner.bottom > outer.bottom + 2;
    const cut = [];
    for (const text of svg.querySelectorAll("text")) {
        const box = rect(text);
        if (box.width === 0) continue;
        if (outside(box, {left, top, right, bottom})) cut.push(`${text.textContent} (edge)`);
        // The box a label sits in: a flowchart node's rect, or a sequence note's.
        const node = text.closest("g.node");
        const holder = node ? node.querySelector(":scope > rect")
            : text.classList.contains("noteText") ? text.previousElementSibling : null;
        if (holder && holder.tagName === "rect" && outside(box, rect(holder)))
            cut.push(`${text.textContent} (wider than its box)`);
    }
    return cut;
}"""

QUOTED = re.compile(r'"([^"]+)"')


def labels(source):
    """The texts a reader must find in the picture: quoted labels (flowcharts) and the
    message and note texts after a colon (sequence diagrams)."""
    found = []
    for line in source.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("%%"):
            continue
        found += QUOTED.findall(line)
        if ":" in line and not QUOTED.search(line):
            found.append(line.split(":", 1)[1])
    return [part for label in found for part in re.split(r"<br/?>", label) if part.strip()]


def squeeze(text):
    return re.sub(r"\s+", "", text)


def test_every_diagram_renders_to_valid_svg_with_all_its_labels(tmp_path):
    written = diagrams.render(out=tmp_path)
    assert [p.stem for p in written] == [s.stem for s in diagrams.sources()]
    assert len(written) >= 4, "topology and three sequence diagrams"
    for source, svg in zip(diagrams.sources(), written, strict=True):
        root = ElementTree.parse(svg).getroot()  # an .svg file must be well-formed XML
        assert root.tag == "{http://www.w3.org/2000/svg}svg", svg
        assert root.get("viewBox"), f"{svg.name}: no viewBox, it cannot scale"
        text = squeeze("".join(root.itertext()))
        for label in labels(source):
            assert squeeze(label) in text, f"{svg.name}: label {label!r} is not drawn"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        for svg in written:
            page.goto(svg.as_uri())
            assert page.evaluate(CUT_OFF) == [], f"{svg.name}: labels cut off"


def test_a_broken_diagram_stops_the_render_naming_its_file_and_line(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "broken.mmd").write_text("sequenceDiagram\n    A->>B: fine\n    A->>: oops\n")
    with pytest.raises(diagrams.RenderError, match=r"broken\.mmd: .*line 3"):
        diagrams.render(out=tmp_path / "out", folder=sources)
    assert not (tmp_path / "out" / "broken.svg").exists()
