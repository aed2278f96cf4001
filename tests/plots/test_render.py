"""SVG that can be inlined in an HTML page, and PNG of a known size."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

from oncotrial.plots.inputs import WaterfallBar
from oncotrial.plots.render import to_png, to_svg
from oncotrial.plots.responses import waterfall

from .helpers import OUTPUT

SVG_NS = "{http://www.w3.org/2000/svg}"


def _figure():
    return waterfall(
        [
            WaterfallBar("SH01-001", -45.0, "PR"),
            WaterfallBar("SH01-002", 12.0, "SD"),
            WaterfallBar("SH01-003", 31.0, "PD"),
        ]
    )


def test_svg_is_a_bare_svg_element_with_title_and_description():
    svg = to_svg(_figure(), id_prefix="wf")
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg
    assert "<!DOCTYPE" not in svg
    assert "<metadata>" not in svg
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "wf-title wf-desc"
    title, desc = root.find(f"{SVG_NS}title"), root.find(f"{SVG_NS}desc")
    assert title is not None
    assert title.text == "Best change in tumour size"
    assert desc is not None
    assert "3 subjects" in (desc.text or "")
    assert "PR 1, SD 1, PD 1" in (desc.text or "")


def test_svg_has_no_page_wide_stylesheet_and_keeps_its_size():
    svg = to_svg(_figure())
    assert "*{" not in svg.replace(" ", "")
    root = ET.fromstring(svg)
    assert root.get("stroke-linejoin") == "round"
    # 6.5 × 3.6 in at 72 pt per inch, and a matching viewBox.
    assert root.get("width") == "468pt"
    assert root.get("height") == "259.2pt"
    assert root.get("viewBox") == "0 0 468 259.2"


def test_every_id_is_prefixed_so_two_figures_share_a_page():
    first, second = to_svg(_figure(), id_prefix="a"), to_svg(_figure(), id_prefix="b")
    ids_a = re.findall(r'\bid="([^"]+)"', first)
    ids_b = re.findall(r'\bid="([^"]+)"', second)
    assert ids_a
    assert all(i.startswith("a-") for i in ids_a)
    assert not set(ids_a) & set(ids_b)
    # Every reference points at an id of the same figure.
    for ref in re.findall(r'(?:href="|url\()#([^")]+)', first):
        assert ref in ids_a


def test_random_prefixes_differ_between_renders():
    fig = _figure()
    assert re.search(r'id="([^"-]+-[^"-]+)-', to_svg(fig)).group(1) != re.search(
        r'id="([^"-]+-[^"-]+)-', to_svg(fig)
    ).group(1)


def test_png_has_the_figure_size_at_the_requested_dpi():
    path = to_png(_figure(), OUTPUT / "render_waterfall_100dpi.png", dpi=100)
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert (width, height) == (650, 360)


def test_figures_render_concurrently_without_shared_state():
    from concurrent.futures import ThreadPoolExecutor

    def svg(i: int) -> str:
        return to_svg(_figure(), id_prefix="same")

    expected = svg(0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(svg, range(8)))
    # Clip-path and marker ids carry a random salt; everything else is identical.
    strip = re.compile(r"same-[pm][0-9a-f]{10}\b")
    assert {strip.sub("", r) for r in results} == {strip.sub("", expected)}
