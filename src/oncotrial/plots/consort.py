"""The CONSORT 2010 flow diagram (Schulz et al., BMJ 2010;340:c332, figure 1).

Laid out in inches on an axes that covers the whole figure. Every line of text is
measured with the figure's own renderer and wrapped to its box, so boxes grow to fit
their text; rows are as tall as their tallest box, and the excluded box sits between
the enrolment boxes, so no two boxes overlap, for 1 to 3 arms and any number of
reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.textpath import text_to_path

from oncotrial.plots.inputs import ConsortArm, ConsortFlow, Reason
from oncotrial.plots.style import TEXT_COLOUR, PlotFigure

FONT_SIZE = 8.5
LINE_HEIGHT = FONT_SIZE * 1.32 / 72  # inches
PAD = 0.08  # inches between a box's border and its text
MARGIN = 0.12
STAGE_WIDTH = 0.26
STAGE_GAP = 0.14
COLUMN_WIDTH = 2.15
COLUMN_GAP = 0.22
ROW_GAP = 0.32
BULLET = "•\u00a0\u00a0"  # no-break spaces: the bullet stays with its first word
DASH = "–\u00a0\u00a0"
BOX_EDGE = "#333333"
STAGE_FILL = "#DCE9F5"
ARROW_COLOUR = "#333333"


@dataclass(frozen=True)
class _Line:
    text: str
    bold: bool = False
    indent: float = 0.0  # inches, where the text starts
    hang: float = 0.0  # inches, where wrapped continuation lines start (after indent)


@dataclass
class _Box:
    key: str
    lines: list[_Line]
    width: float
    centred: bool = False
    wrapped: list[tuple[str, bool, float]] | None = None

    @property
    def height(self) -> float:
        assert self.wrapped is not None
        return len(self.wrapped) * LINE_HEIGHT + 2 * PAD


def _n(n: int) -> str:
    """``(n = 12)`` with no-break spaces, so a count is never split across lines."""
    return f"(n\u00a0=\u00a0{n})"


def _reason_lines(reasons: tuple[Reason, ...] | list[Reason], indent: float) -> list[_Line]:
    return [_Line(f"{DASH}{r.label} {_n(r.n)}", indent=indent) for r in reasons]


class _Measure:
    """Text widths in inches, from the glyph outlines the SVG output draws."""

    def __init__(self) -> None:
        self.regular = FontProperties(family="sans-serif", size=FONT_SIZE)
        self.bold = FontProperties(family="sans-serif", size=FONT_SIZE, weight="bold")

    def width(self, text: str, bold: bool = False) -> float:
        if not text:
            return 0.0
        w, _, _ = text_to_path.get_text_width_height_descent(
            text, self.bold if bold else self.regular, ismath=False
        )
        return float(w) / 72

    def wrap(self, box: _Box) -> list[tuple[str, bool, float]]:
        """Lines as (text, bold, x offset from the box's inner left edge)."""
        inner = box.width - 2 * PAD - 0.03
        out: list[tuple[str, bool, float]] = []
        for line in box.lines:
            first, rest = line.indent, line.indent + line.hang
            current, x = "", first
            for word in [w for w in line.text.split(" ") if w]:
                candidate = f"{current} {word}" if current else word
                if self.width(candidate, line.bold) <= inner - x or not current:
                    current = candidate
                    while self.width(current, line.bold) > inner - x and len(current) > 1:
                        cut = self._cut(current, line.bold, inner - x)
                        out.append((current[:cut], line.bold, x))
                        current, x = current[cut:], rest
                    continue
                out.append((current, line.bold, x))
                current, x = word, rest
                while self.width(current, line.bold) > inner - x and len(current) > 1:
                    cut = self._cut(current, line.bold, inner - x)
                    out.append((current[:cut], line.bold, x))
                    current = current[cut:]
            if current:
                out.append((current, line.bold, x))
        return out

    def _cut(self, text: str, bold: bool, room: float) -> int:
        cut = len(text) - 1
        while cut > 1 and self.width(text[:cut], bold) > room:
            cut -= 1
        return cut


def _arm_boxes(arm: ConsortArm, index: int, hang: float, sub_hang: float) -> list[_Box]:
    not_received = arm.allocated - arm.received
    allocation = [
        _Line(f"Allocated to {arm.name} {_n(arm.allocated)}", bold=True),
        _Line(f"{BULLET}Received allocated treatment {_n(arm.received)}", hang=hang),
    ]
    if not_received or arm.not_received:
        allocation.append(
            _Line(f"{BULLET}Did not receive allocated treatment {_n(not_received)}", hang=hang)
        )
        allocation += [
            _Line(line.text, indent=hang, hang=sub_hang)
            for line in _reason_lines(list(arm.not_received), 0.0)
        ]
    follow_up = [_Line(f"Discontinued treatment {_n(arm.discontinued.n)}", bold=True)]
    follow_up += [
        _Line(f"{BULLET}{r.label} {_n(r.n)}", hang=hang) for r in arm.discontinued.reasons
    ]
    excluded = arm.excluded_from_analysis
    analysis = [
        _Line(f"Analysed {_n(arm.analysed)}", bold=True),
        _Line(f"{BULLET}Excluded from analysis {_n(excluded.n)}", hang=hang),
    ]
    analysis += [
        _Line(line.text, indent=hang, hang=sub_hang)
        for line in _reason_lines(list(excluded.reasons), 0.0)
    ]
    return [
        _Box(f"allocation-{index}", allocation, COLUMN_WIDTH),
        _Box(f"follow-up-{index}", follow_up, COLUMN_WIDTH),
        _Box(f"analysis-{index}", analysis, COLUMN_WIDTH),
    ]


def _describe(flow: ConsortFlow) -> str:
    arms = "; ".join(
        f"{a.name}: allocated {a.allocated}, received {a.received}, discontinued "
        f"{a.discontinued.n}, analysed {a.analysed}"
        for a in flow.arms
    )
    return (
        f"CONSORT flow diagram: {flow.assessed} assessed for eligibility, "
        f"{flow.excluded.n} excluded, {flow.allocated} "
        f"{flow.allocation_label.lower()}; {arms}."
    )


def consort(flow: ConsortFlow, *, title: str | None = None) -> PlotFigure:
    """The CONSORT diagram: enrolment, allocation, follow-up and analysis per arm."""
    k = len(flow.arms)
    content = k * COLUMN_WIDTH + (k - 1) * COLUMN_GAP
    if k == 1:
        content += COLUMN_GAP + COLUMN_WIDTH
    left = MARGIN + STAGE_WIDTH + STAGE_GAP
    width = left + content + MARGIN
    arm_x = [left + i * (COLUMN_WIDTH + COLUMN_GAP) for i in range(k)]
    centre = left + COLUMN_WIDTH / 2 if k == 1 else left + content / 2
    excluded_x = centre + 0.3
    excluded_w = min(2.6, left + content - excluded_x)

    # The height is set once the boxes are measured.
    fig = PlotFigure(
        width,
        5.0,
        title=title or "CONSORT flow diagram",
        description=_describe(flow),
        constrained=False,
    )
    measure = _Measure()
    hang = measure.width(BULLET)
    sub_hang = measure.width(DASH)

    assessed = _Box("assessed", [_Line(f"Assessed for eligibility {_n(flow.assessed)}")], 0, True)
    allocated = _Box("allocated", [_Line(f"{flow.allocation_label} {_n(flow.allocated)}")], 0, True)
    for box in (assessed, allocated):
        box.width = min(COLUMN_WIDTH, measure.width(box.lines[0].text) + 2 * PAD + 0.06)
    excluded = _Box(
        "excluded",
        [_Line(f"Excluded {_n(flow.excluded.n)}", bold=True)]
        + [_Line(f"{BULLET}{r.label} {_n(r.n)}", hang=hang) for r in flow.excluded.reasons],
        excluded_w,
    )
    arms = [_arm_boxes(arm, i, hang, sub_hang) for i, arm in enumerate(flow.arms)]
    every = [assessed, allocated, excluded, *[b for boxes in arms for b in boxes]]
    for box in every:
        box.wrapped = measure.wrap(box)

    stages = ("Enrolment", "Allocation", "Follow-up", "Analysis")
    stage_length = max(measure.width(s, bold=True) for s in stages) + 2 * PAD

    # Vertical positions, measured from the top.
    y = MARGIN + (0.3 if title else 0.0)
    tops: dict[str, float] = {"assessed": y}
    y += assessed.height
    enrol_gap = max(excluded.height + 2 * 0.16, 0.45)
    excluded_top = y + (enrol_gap - excluded.height) / 2
    tops["excluded"] = excluded_top
    y += enrol_gap
    tops["allocated"] = y
    y += allocated.height
    enrolment = (tops["assessed"], y)
    y += ROW_GAP
    bus_y = y - ROW_GAP / 2
    rows: list[tuple[float, float]] = []
    for row in range(3):
        height = max(max(boxes[row].height for boxes in arms), stage_length)
        for boxes in arms:
            tops[boxes[row].key] = y
        rows.append((y, height))
        y += height + ROW_GAP
    total = y - ROW_GAP + MARGIN
    fig.set_size_inches(width, total)

    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(total, 0)  # y grows downwards, in inches
    ax.axis("off")

    def draw(box: _Box, x: float, height: float | None = None) -> None:
        top = tops[box.key]
        h = box.height if height is None else height
        ax.add_patch(
            Rectangle(
                (x, top),
                box.width,
                h,
                facecolor="white",
                edgecolor=BOX_EDGE,
                linewidth=0.8,
                gid=f"consort-box-{box.key}",
            )
        )
        assert box.wrapped is not None
        for i, (text, bold, offset) in enumerate(box.wrapped):
            ty = top + PAD + i * LINE_HEIGHT + LINE_HEIGHT / 2
            if box.centred:
                tx, ha = x + box.width / 2, "center"
            else:
                tx, ha = x + PAD + offset, "left"
            ax.text(
                tx,
                ty,
                text,
                ha=ha,
                va="center_baseline",
                fontsize=FONT_SIZE,
                weight="bold" if bold else "normal",
                color=TEXT_COLOUR,
                parse_math=False,
                gid=f"consort-text-{box.key}-{i}",
            )

    def arrow(x0: float, y0: float, x1: float, y1: float) -> None:
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "-|>",
                "color": ARROW_COLOUR,
                "linewidth": 0.8,
                "shrinkA": 0,
                "shrinkB": 0,
                "mutation_scale": 8,
            },
        )

    def line(xs: list[float], ys: list[float]) -> None:
        ax.plot(xs, ys, color=ARROW_COLOUR, linewidth=0.8, solid_capstyle="butt")

    if title:
        ax.text(
            MARGIN,
            MARGIN,
            title,
            ha="left",
            va="top",
            fontsize=10,
            weight="bold",
            color=TEXT_COLOUR,
            parse_math=False,
        )

    draw(assessed, centre - assessed.width / 2)
    draw(allocated, centre - allocated.width / 2)
    draw(excluded, excluded_x)
    assessed_bottom = tops["assessed"] + assessed.height
    arrow(centre, assessed_bottom, centre, tops["allocated"])
    mid = excluded_top + excluded.height / 2
    arrow(centre, mid, excluded_x, mid)

    centres = [x + COLUMN_WIDTH / 2 for x in arm_x]
    allocated_bottom = tops["allocated"] + allocated.height
    if k == 1:
        arrow(centre, allocated_bottom, centre, rows[0][0])
    else:
        line([centre, centre], [allocated_bottom, bus_y])
        line([centres[0], centres[-1]], [bus_y, bus_y])
        for c in centres:
            arrow(c, bus_y, c, rows[0][0])
    for boxes, x, c in zip(arms, arm_x, centres, strict=True):
        for row, box in enumerate(boxes):
            draw(box, x, rows[row][1])
            if row:
                arrow(c, rows[row - 1][0] + rows[row - 1][1], c, rows[row][0])

    spans = [enrolment, *[(top, top + height) for top, height in rows]]
    for label, (top, bottom) in zip(stages, spans, strict=True):
        ax.add_patch(
            FancyBboxPatch(
                (MARGIN, top),
                STAGE_WIDTH,
                bottom - top,
                boxstyle="round,pad=0,rounding_size=0.05",
                facecolor=STAGE_FILL,
                edgecolor="none",
                gid=f"consort-stage-{label}",
            )
        )
        ax.text(
            MARGIN + STAGE_WIDTH / 2,
            (top + bottom) / 2,
            label,
            rotation=90,
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            weight="bold",
            color=TEXT_COLOUR,
            rotation_mode="anchor",
        )
    return fig
