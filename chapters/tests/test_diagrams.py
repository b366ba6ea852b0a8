"""Every diagram renders from its one source to a valid SVG that carries its labels."""

import re
import xml.etree.ElementTree as ElementTree

import pytest

from book import diagrams

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


def test_a_broken_diagram_stops_the_render_naming_its_file_and_line(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "broken.mmd").write_text("sequenceDiagram\n    A->>B: fine\n    A->>: oops\n")
    with pytest.raises(diagrams.RenderError, match=r"broken\.mmd: .*line 3"):
        diagrams.render(out=tmp_path / "out", folder=sources)
    assert not (tmp_path / "out" / "broken.svg").exists()
