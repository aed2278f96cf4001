"""The house style: white background, no chart junk, 9–10 pt text, colour-blind-safe.

Nothing here touches matplotlib's global ``rcParams``: every figure is created and
styled explicitly, so figures can be built concurrently (e.g. in a web server).

Palettes:

- groups and arms: Okabe & Ito (2008), the eight-colour palette distinguishable
  with every common form of colour-vision deficiency;
- responses: Paul Tol's "bright" scheme (CR green, PR blue, SD yellow, PD red, NE
  grey; iUPD purple), also colour-blind safe;
- CTCAE grades: a single-hue orange–red sequence (ColorBrewer OrRd), light to dark
  with grade, readable in grey scale.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

FONT_SIZE = 9.0
LABEL_SIZE = 9.5
TITLE_SIZE = 10.0
SMALL_SIZE = 8.5
TEXT_COLOUR = "#222222"
AXIS_COLOUR = "#444444"
GRID_COLOUR = "#DDDDDD"
REFERENCE_COLOUR = "#555555"

GROUP_COLOURS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)

RESPONSE_COLOURS: dict[str, str] = {
    "CR": "#228833",
    "PR": "#4477AA",
    "SD": "#CCBB44",
    "NON-CR/NON-PD": "#66CCEE",
    "PD": "#EE6677",
    "NE": "#BBBBBB",
    "iCR": "#228833",
    "iPR": "#4477AA",
    "iSD": "#CCBB44",
    "iNON-CR/NON-PD": "#66CCEE",
    "iUPD": "#AA3377",
    "iCPD": "#EE6677",
}

RESPONSE_NAMES: dict[str, str] = {
    "CR": "Complete response",
    "PR": "Partial response",
    "SD": "Stable disease",
    "NON-CR/NON-PD": "Non-CR/non-PD",
    "PD": "Progressive disease",
    "NE": "Not evaluable",
    "iCR": "Complete response (iCR)",
    "iPR": "Partial response (iPR)",
    "iSD": "Stable disease (iSD)",
    "iNON-CR/NON-PD": "Non-iCR/non-iUPD",
    "iUPD": "Unconfirmed progression (iUPD)",
    "iCPD": "Confirmed progression (iCPD)",
}

GRADE_COLOURS: dict[int, str] = {
    1: "#FDD49E",
    2: "#FDBB84",
    3: "#FC8D59",
    4: "#E34A33",
    5: "#B30000",
}


class PlotFigure(Figure):
    """A figure with an Agg canvas and the text that describes it to screen readers.

    ``accessible_title`` becomes the SVG ``<title>``, ``description`` its ``<desc>``.
    """

    accessible_title: str
    description: str

    def __init__(
        self,
        width: float,
        height: float,
        *,
        title: str,
        description: str,
        constrained: bool = True,
    ) -> None:
        super().__init__(
            figsize=(width, height),
            facecolor="white",
            layout=(
                ConstrainedLayoutEngine(w_pad=0.06, h_pad=0.06, wspace=0.02, hspace=0.02)
                if constrained
                else None
            ),
        )
        FigureCanvasAgg(self)
        self.accessible_title = title
        self.description = description


def group_colour(index: int) -> str:
    return GROUP_COLOURS[index % len(GROUP_COLOURS)]


def response_colour(response: str) -> str:
    return RESPONSE_COLOURS.get(response, RESPONSE_COLOURS["NE"])


def style_axes(ax: Axes, *, grid_axis: str | None = None) -> None:
    """Open axes: left and bottom spines only, outward ticks, 9 pt labels."""
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(AXIS_COLOUR)
        ax.spines[side].set_linewidth(0.8)
    ax.tick_params(
        axis="both",
        labelsize=FONT_SIZE,
        colors=AXIS_COLOUR,
        labelcolor=TEXT_COLOUR,
        width=0.8,
        length=3.5,
        direction="out",
    )
    ax.xaxis.label.set_fontsize(LABEL_SIZE)
    ax.yaxis.label.set_fontsize(LABEL_SIZE)
    ax.xaxis.label.set_color(TEXT_COLOUR)
    ax.yaxis.label.set_color(TEXT_COLOUR)
    ax.title.set_fontsize(TITLE_SIZE)
    ax.title.set_color(TEXT_COLOUR)
    if grid_axis is not None:
        ax.grid(True, axis=grid_axis, color=GRID_COLOUR, linewidth=0.6)  # type: ignore[arg-type]
        ax.set_axisbelow(True)


def legend_kwargs() -> dict[str, object]:
    """Frameless legends with 9 pt text."""
    return {"frameon": False, "fontsize": FONT_SIZE, "handlelength": 1.6, "borderaxespad": 0.3}


def empty_figure(title: str, message: str, width: float = 6.0, height: float = 2.0) -> PlotFigure:
    """A figure that says, in words, that there is nothing to draw."""
    fig = PlotFigure(width, height, title=title, description=message, constrained=False)
    fig.text(
        0.5,
        0.62,
        title,
        ha="center",
        va="center",
        fontsize=TITLE_SIZE,
        weight="bold",
        color=TEXT_COLOUR,
    )
    fig.text(0.5, 0.40, message, ha="center", va="center", fontsize=FONT_SIZE, color=TEXT_COLOUR)
    return fig
