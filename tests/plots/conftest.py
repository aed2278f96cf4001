"""Fixtures for the plot tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from matplotlib.figure import Figure

from oncotrial.plots.render import to_png, to_svg

from .helpers import OUTPUT


@pytest.fixture
def render() -> Callable[[Figure, str], str]:
    """Render a figure to SVG and PNG under test-output/plots/; return the SVG."""

    def _render(fig: Figure, name: str) -> str:
        svg = to_svg(fig)
        OUTPUT.mkdir(parents=True, exist_ok=True)
        (OUTPUT / f"{name}.svg").write_text(svg, encoding="utf-8")
        path = to_png(fig, OUTPUT / f"{name}.png")
        assert path.stat().st_size > 5_000
        return svg

    return _render
