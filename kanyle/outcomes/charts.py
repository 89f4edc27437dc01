"""The outcome chart: pain and function over the sessions of a course, drawn on the server as SVG.

No script and no CDN (the clinics' CSP allows neither): the geometry is computed here and the template
``outcomes/_chart.html`` writes it out with SVG presentation attributes. A table with the same numbers
goes with it for screen readers and for those who prefer to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kanyle.outcomes.models import Instrument, Measurement, Phase

WIDTH = 720
LEFT, RIGHT = 44, 210
PANEL_HEIGHT = 130
TOP = 28
GAP = 52
BOTTOM = 34
PLOT_WIDTH = WIDTH - LEFT - RIGHT

# Colour-blind-safe (Okabe–Ito) colours with a dash pattern each, so a line is told apart without colour.
STYLES = [
    ("#0072b2", ""),
    ("#d55e00", "6 4"),
    ("#009e73", ""),
    ("#cc79a7", "6 4"),
    ("#e69f00", "2 3"),
    ("#56b4e9", "8 3 2 3"),
]


@dataclass
class Point:
    x: float
    y: float
    value: int
    occasion_label: str


@dataclass
class Series:
    label: str
    colour: str
    dash: str
    points: list[Point] = field(default_factory=list)
    target_y: float | None = None
    target: int | None = None
    legend_y: float = 0

    @property
    def short_label(self) -> str:
        return self.label if len(self.label) <= 28 else self.label[:27].rstrip() + "…"

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass
class Panel:
    title: str
    hint: str
    top: float
    series: list[Series]
    gridlines: list[tuple[float, int]]

    @property
    def bottom(self) -> float:
        return self.top + PANEL_HEIGHT


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right_edge: int
    panels: list[Panel]
    ticks: list[Tick]
    pgic: Measurement | None
    pgic_label: str
    occasions: list[str]
    rows: list[tuple[str, list[str]]]

    @property
    def is_empty(self) -> bool:
        return not any(s.points for panel in self.panels for s in panel.series) and self.pgic is None

    @property
    def legend_x(self) -> int:
        return self.right_edge + 16

    @property
    def legend_text_x(self) -> int:
        return self.right_edge + 44

    @property
    def axis_y(self) -> float:
        return self.panels[-1].bottom


def pgic_label(value: int) -> str:
    """The wording of a PGIC score (1–7)."""
    labels = {
        1: _("No change, or worse"),
        2: _("Almost the same"),
        3: _("A little better"),
        4: _("Somewhat better"),
        5: _("Moderately better"),
        6: _("Better"),
        7: _("A great deal better"),
    }
    return labels.get(value, str(value))


def _occasion_label(occasion: int, phase_set: set[str]) -> str:
    if Phase.END in phase_set:
        return _("End")
    if occasion == 0:
        return _("Start")
    return str(occasion)


def outcome_chart(measurements: Iterable[Measurement], *, targets: dict[str, int] | None = None) -> Chart:
    """Lay out pain (NPRS) and function (PSFS) over the occasions of a course; PGIC is shown as text."""
    measurements = list(measurements)
    targets = targets or {}
    pgic = next((m for m in reversed(measurements) if m.instrument == Instrument.PGIC), None)
    plotted = [m for m in measurements if m.instrument in (Instrument.NPRS, Instrument.PSFS)]
    phases: dict[int, set[str]] = {}
    for m in plotted:
        phases.setdefault(m.occasion, set()).add(m.phase)
    occasions = sorted(phases)
    step = PLOT_WIDTH / max(len(occasions) - 1, 1)
    x_of = {
        occasion: LEFT + (index * step if len(occasions) > 1 else PLOT_WIDTH / 2)
        for index, occasion in enumerate(occasions)
    }
    label_of = {occasion: _occasion_label(occasion, phases[occasion]) for occasion in occasions}

    pain_top = TOP
    function_top = TOP + PANEL_HEIGHT + GAP

    def y_of(top: float, value: int) -> float:
        return top + PANEL_HEIGHT - value * PANEL_HEIGHT / 10

    def grid(top: float) -> list[tuple[float, int]]:
        return [(y_of(top, v), v) for v in (0, 2, 4, 6, 8, 10)]

    styles = iter(STYLES * 4)
    colour, dash = next(styles)
    rest = Series(_("Pain before treatment"), colour, dash)
    colour, dash = next(styles)
    after = Series(_("Pain just after treatment"), colour, dash)
    function: dict[str, Series] = {}
    for m in plotted:
        if m.instrument == Instrument.NPRS:
            series = after if m.phase == Phase.AFTER else rest
            series.points.append(Point(x_of[m.occasion], y_of(pain_top, m.value), m.value, label_of[m.occasion]))
        else:
            if m.item_key not in function:
                colour, dash = next(styles)
                function[m.item_key] = Series(m.item_label or m.item_key, colour, dash)
            function[m.item_key].points.append(
                Point(x_of[m.occasion], y_of(function_top, m.value), m.value, label_of[m.occasion])
            )
    for key, series in function.items():
        if key in targets:
            series.target = targets[key]
            series.target_y = y_of(function_top, targets[key])

    panels = [
        Panel(
            _("Pain (NPRS)"),
            _("0 = no pain · lower is better"),
            pain_top,
            [s for s in (rest, after) if s.points],
            grid(pain_top),
        ),
        Panel(
            _("Function (PSFS)"),
            _("10 = as before the problem · higher is better"),
            function_top,
            list(function.values()),
            grid(function_top),
        ),
    ]
    for panel in panels:
        for index, series in enumerate(panel.series):
            series.legend_y = panel.top + 8 + index * 20
    # The same numbers as a table: one row per line of the chart, one column per occasion.
    rows = []
    for panel in panels:
        for series in panel.series:
            by_label = {p.occasion_label: str(p.value) for p in series.points}
            rows.append((f"{panel.title}: {series.label}", [by_label.get(label_of[o], "–") for o in occasions]))
    return Chart(
        width=WIDTH,
        height=function_top + PANEL_HEIGHT + BOTTOM,
        left=LEFT,
        right_edge=LEFT + PLOT_WIDTH,
        panels=panels,
        ticks=[Tick(x_of[o], label_of[o]) for o in occasions],
        pgic=pgic,
        pgic_label=pgic_label(pgic.value) if pgic else "",
        occasions=[label_of[o] for o in occasions],
        rows=rows,
    )
