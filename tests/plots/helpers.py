"""Where plot tests write figures and how they read an SVG's text back."""

from __future__ import annotations

import html
import re
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "plots"

_COMMENT = re.compile(r"<!-- (.*?) -->", re.DOTALL)


def svg_texts(svg: str) -> list[str]:
    """Every text string of an SVG whose text is drawn as glyph outlines.

    matplotlib writes each string as a comment before its glyphs; no-break spaces
    become plain spaces and surrounding blanks go.
    """
    return [html.unescape(t).replace("\u00a0", " ").strip() for t in _COMMENT.findall(svg)]
