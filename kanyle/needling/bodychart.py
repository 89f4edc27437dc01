"""The body chart: a front and a back figure drawn for Kanyle, with clickable muscles and regions.

Each region is an ellipse on one figure and has a left and a right side. Coordinates are in the
figure's own SVG units (200 × 440); the patient's right side is on the viewer's left in the front
view and on the viewer's right in the back view. Sites and electrodes store the point where they
were placed, so the chart shows them where the practitioner put them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

FIGURE_WIDTH = 200
FIGURE_HEIGHT = 440
FIGURE_GAP = 40


class View(models.TextChoices):
    FRONT = "front", pgettext_lazy("body chart", "Front")
    BACK = "back", pgettext_lazy("body chart", "Back")


class Side(models.TextChoices):
    RIGHT = "right", _("Right")
    LEFT = "left", _("Left")


@dataclass(frozen=True)
class Region:
    code: str
    label: str
    view: str
    # The ellipse on the viewer's left half of the figure; the other side is its mirror image.
    cx: int
    cy: int
    rx: int
    ry: int


def _r(code: str, label, view: str, cx: int, cy: int, rx: int, ry: int) -> Region:
    return Region(code, label, view, cx, cy, rx, ry)


REGIONS: tuple[Region, ...] = (
    # Front
    _r("masseter", _("Masseter (jaw)"), View.FRONT, 88, 46, 5, 7),
    _r("scm", _("Sternocleidomastoid"), View.FRONT, 94, 70, 4, 8),
    _r("pectoralis", _("Pectoralis major"), View.FRONT, 80, 104, 14, 10),
    _r("anterior_deltoid", _("Deltoid, front part"), View.FRONT, 59, 94, 7, 10),
    _r("biceps", _("Biceps"), View.FRONT, 51, 136, 6, 20),
    _r("forearm_flexors", _("Forearm flexors"), View.FRONT, 43, 200, 6, 22),
    _r("hand", _("Hand (thenar and interossei)"), View.FRONT, 38, 270, 6, 10),
    _r("abdominals", _("Abdominal muscles"), View.FRONT, 90, 172, 7, 24),
    _r("hip_flexors", _("Hip flexors and TFL"), View.FRONT, 72, 240, 7, 10),
    _r("quadriceps", _("Quadriceps"), View.FRONT, 81, 292, 11, 30),
    _r("tibialis_anterior", _("Tibialis anterior"), View.FRONT, 83, 368, 6, 22),
    # Back
    _r("cervical_paraspinals", _("Neck muscles (cervical paraspinals)"), View.BACK, 94, 68, 4, 8),
    _r("upper_trapezius", _("Upper trapezius"), View.BACK, 76, 80, 13, 5),
    _r("posterior_deltoid", _("Deltoid, back part"), View.BACK, 59, 94, 7, 10),
    _r("infraspinatus", _("Infraspinatus"), View.BACK, 76, 108, 11, 10),
    _r("rhomboids", _("Rhomboids"), View.BACK, 93, 114, 4, 12),
    _r("triceps", _("Triceps"), View.BACK, 51, 136, 6, 20),
    _r("forearm_extensors", _("Forearm extensors (lateral elbow)"), View.BACK, 43, 200, 6, 22),
    _r("thoracic_paraspinals", _("Thoracic back muscles"), View.BACK, 93, 152, 4, 18),
    _r("lumbar_paraspinals", _("Lower back muscles and quadratus lumborum"), View.BACK, 88, 198, 8, 14),
    _r("gluteus_medius", _("Gluteus medius and minimus"), View.BACK, 73, 226, 10, 8),
    _r("gluteus_maximus", _("Gluteus maximus and piriformis"), View.BACK, 84, 248, 13, 11),
    _r("hamstrings", _("Hamstrings"), View.BACK, 81, 300, 10, 28),
    _r("calf", _("Calf (gastrocnemius and soleus)"), View.BACK, 83, 366, 8, 22),
)

BY_CODE = {region.code: region for region in REGIONS}


def _region_choices() -> list[tuple[str, str]]:
    front = [(r.code, str(r.label)) for r in REGIONS if r.view == View.FRONT]
    back = [(r.code, str(r.label)) for r in REGIONS if r.view == View.BACK]
    return [(str(View.FRONT.label), front), (str(View.BACK.label), back)]


def region_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The regions for a select list, grouped by figure, in the active language."""
    return _region_choices()


REGION_CODES = tuple(BY_CODE)


def region_label(code: str) -> str:
    region = BY_CODE.get(code)
    return str(region.label) if region else code


def _on_viewers_left(view: str, side: str) -> bool:
    """Front view: the patient's right is on the viewer's left. Back view: the patient's left is."""
    return (view == View.FRONT) == (side == Side.RIGHT)


def centre(code: str, side: str) -> tuple[int, int]:
    """The middle of a region on one side, in figure units (where a keyboard-placed site goes)."""
    region = BY_CODE[code]
    x = region.cx if _on_viewers_left(region.view, side) else FIGURE_WIDTH - region.cx
    return x, region.cy


def inside(code: str, side: str, x: int, y: int) -> bool:
    """True when the point lies within the region's ellipse on that side (a little slack for the marker)."""
    region = BY_CODE[code]
    cx, cy = centre(code, side)
    return ((x - cx) / (region.rx + 3)) ** 2 + ((y - cy) / (region.ry + 3)) ** 2 <= 1


@dataclass(frozen=True)
class Shape:
    """One clickable region on one side, as the template draws it."""

    code: str
    side: str
    view: str
    label: str
    side_label: str
    cx: int
    cy: int
    rx: int
    ry: int

    @property
    def dom_id(self) -> str:
        return f"region-{self.code}-{self.side}"


def shapes(view: str) -> list[Shape]:
    """Every region of one figure, both sides."""
    result = []
    for region in REGIONS:
        if region.view != view:
            continue
        for side in (Side.RIGHT, Side.LEFT):
            cx, cy = centre(region.code, side)
            result.append(
                Shape(region.code, side, view, str(region.label), str(side.label), cx, cy, region.rx, region.ry)
            )
    return result


# The outline of the viewer's left half of a figure, from the neck down and back up the inner leg;
# the right half is its mirror image.
_HALF_OUTLINE = (
    (90, 60), (90, 74), (72, 78), (58, 82), (50, 90), (46, 110), (42, 160), (36, 200), (33, 250), (30, 270),
    (34, 286), (42, 286), (46, 268), (48, 250), (52, 205), (56, 165), (60, 125), (64, 150), (66, 200),
    (64, 230), (66, 262), (70, 330), (72, 362), (74, 405), (70, 426), (92, 430), (92, 405), (94, 362),
    (94, 330), (98, 262), (100, 256),
)  # fmt: skip


def outline_points() -> str:
    """The body outline as an SVG polygon's points (the same for the front and the back)."""
    left = list(_HALF_OUTLINE)
    right = [(FIGURE_WIDTH - x, y) for x, y in reversed(left[:-1])]
    return " ".join(f"{x},{y}" for x, y in left + right)


def figure_offset(view: str) -> int:
    """Where a figure starts in the chart: the front on the left, the back to its right."""
    return 0 if view == View.FRONT else FIGURE_WIDTH + FIGURE_GAP


CHART_WIDTH = 2 * FIGURE_WIDTH + FIGURE_GAP
