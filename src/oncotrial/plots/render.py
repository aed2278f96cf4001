"""Figures out as SVG (for inlining in an HTML page) or PNG (for a report or a file).

The SVG keeps the figure's size (``width``/``height`` in points and a ``viewBox``)
and draws the text as glyph outlines, so it looks the same in every browser whatever
fonts it has. Before it is returned:

- the XML prolog and DOCTYPE are dropped (not allowed inside HTML);
- the RDF metadata block goes, and matplotlib's page-wide ``* {stroke-linejoin…}``
  stylesheet becomes attributes on the root element (it would restyle the page);
- every ``id`` and its references get a per-render prefix, so several figures can
  sit in one page without clashing ids;
- the root gets ``role="img"`` and ``aria-labelledby`` pointing at a ``<title>`` and a
  ``<desc>`` built from the figure's title and description (a summary of the data).

Each text string also stays in the SVG as a comment next to its glyphs, which is what
matplotlib writes for text drawn as paths.
"""

from __future__ import annotations

import io
import re
import uuid
from html import escape
from pathlib import Path

from matplotlib.figure import Figure

from oncotrial.plots.style import PlotFigure

_ID = re.compile(r'\bid="([^"]+)"')
_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_PAGE_STYLE = re.compile(r'\s*<style type="text/css">\*\{[^}]*\}</style>')
_ROOT = re.compile(r"<svg\b([^>]*)>")


def _texts(fig: Figure) -> tuple[str, str]:
    if isinstance(fig, PlotFigure):
        return fig.accessible_title, fig.description
    label = str(fig.get_label() or "Figure")
    return label, label


def to_svg(fig: Figure, *, id_prefix: str | None = None) -> str:
    """The figure as an ``<svg>`` element ready to inline in an HTML page."""
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="svg",
        facecolor="white",
        metadata={"Date": None, "Creator": None},
    )
    svg = buffer.getvalue().decode("utf-8")
    svg = _PROLOG.sub("", svg, count=1)
    svg = _METADATA.sub("", svg, count=1)
    svg = _PAGE_STYLE.sub("", svg, count=1)

    prefix = id_prefix or f"plot-{uuid.uuid4().hex[:10]}"
    ids = set(_ID.findall(svg))
    if ids:
        names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        svg = re.sub(rf'\bid="({names})"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
        svg = re.sub(rf"#({names})(?=[\")])", lambda m: f"#{prefix}-{m.group(1)}", svg)

    title, description = _texts(fig)
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"

    def root(match: re.Match[str]) -> str:
        attributes = match.group(1)
        return (
            f'<svg{attributes} role="img" aria-labelledby="{title_id} {desc_id}" '
            'stroke-linejoin="round" stroke-linecap="butt">'
            f'\n <title id="{title_id}">{escape(title)}</title>'
            f'\n <desc id="{desc_id}">{escape(description)}</desc>'
        )

    svg = _ROOT.sub(root, svg, count=1)
    return svg.strip() + "\n"


def to_png(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write the figure as a PNG at ``dpi`` (parent folders are created); return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return target
