"""Risk register (ROS, INJ-V2): the hazards of treatment, a colour matrix before and after measures, reassessment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kanyle.audit.services import Actor
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.quality import rules
from kanyle.quality.forms.documents import RiskForm
from kanyle.quality.models import Risk
from kanyle.quality.selectors import documents as selectors
from kanyle.quality.services import risks as services
from kanyle.quality.views.procedures import add_service_error, form_status

# --- The matrix picture: a 5 × 5 grid, consequence to the right, likelihood upwards -------------

CELL = 72
LEFT = 64  # room for the likelihood axis
TOP = 8
BOTTOM = 56  # room for the consequence axis
PER_ROW = 3  # markers per row inside a cell; 3 × 3 fit, the ninth becomes "+n" when more
STEP = CELL // (PER_ROW + 1)
# Presentation attributes, not styles: the CSP allows no inline style. Colours pass WCAG AA with dark text.
FILLS = {"low": "#9ed9ab", "moderate": "#ffe17d", "high": "#f7ad62", "critical": "#ea7b73"}


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    label_x: int
    label_y: int
    likelihood: int
    consequence: int
    score: int
    level: str
    fill: str


@dataclass(frozen=True)
class Marker:
    x: int
    y: int
    text_y: int
    text: str
    title: str


@dataclass(frozen=True)
class Tick:
    value: int
    x: int
    y: int


@dataclass(frozen=True)
class Matrix:
    """Everything the template needs to draw one matrix; coordinates are SVG user units."""

    residual: bool
    cells: list[Cell]
    markers: list[Marker]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    cell: int = CELL
    marker_radius: int = STEP // 2
    width: int = LEFT + 5 * CELL + 8
    height: int = TOP + 5 * CELL + BOTTOM
    left: int = LEFT
    top: int = TOP
    size: int = 5 * CELL
    bottom: int = TOP + 5 * CELL
    axis_x: int = LEFT + 5 * CELL // 2
    axis_x_y: int = TOP + 5 * CELL + 44
    axis_y_x: int = 18
    axis_y: int = TOP + 5 * CELL // 2


def build_matrix(numbered: list[tuple[int, Risk]], *, residual: bool) -> Matrix:
    """INJ-V2: place each numbered risk in its likelihood × consequence cell, before or after measures."""
    cells = []
    for likelihood in range(1, 6):
        for consequence in range(1, 6):
            x, y = LEFT + (consequence - 1) * CELL, TOP + (5 - likelihood) * CELL
            level = rules.risk_level(likelihood * consequence)
            cells.append(
                Cell(
                    x,
                    y,
                    x + CELL - 4,
                    y + CELL - 5,
                    likelihood,
                    consequence,
                    likelihood * consequence,
                    level,
                    FILLS[level],
                )
            )
    by_cell: dict[tuple[int, int], list[tuple[int, Risk]]] = {}
    for number, risk in numbered:
        key = (risk.residual_likelihood, risk.residual_consequence) if residual else (risk.likelihood, risk.consequence)
        by_cell.setdefault(key, []).append((number, risk))
    markers = []
    capacity = PER_ROW * PER_ROW
    for (likelihood, consequence), members in sorted(by_cell.items()):
        left, top = LEFT + (consequence - 1) * CELL, TOP + (5 - likelihood) * CELL
        shown = members if len(members) <= capacity else members[: capacity - 1]
        slots = [(number, str(number), f"{number}. {risk.hazard}") for number, risk in shown]
        if len(members) > len(shown):
            hidden = members[len(shown) :]
            slots.append((0, f"+{len(hidden)}", ", ".join(f"{number}. {risk.hazard}" for number, risk in hidden)))
        for index, (_number, text, title) in enumerate(slots):
            x = left + STEP * (index % PER_ROW + 1)
            y = top + STEP * (index // PER_ROW + 1)
            markers.append(Marker(x, y, y + 4, text, title))
    x_ticks = [Tick(v, LEFT + (v - 1) * CELL + CELL // 2, TOP + 5 * CELL + 18) for v in range(1, 6)]
    y_ticks = [Tick(v, LEFT - 12, TOP + (5 - v) * CELL + CELL // 2 + 5) for v in range(1, 6)]
    return Matrix(residual, cells, markers, x_ticks, y_ticks)


@dataclass(frozen=True)
class RiskRow:
    number: int | None  # the marker number in the matrices; None for inactive risks
    risk: Risk
    level: str
    level_label: Any
    residual_level: str
    residual_label: Any
    review: str  # 'overdue', 'due', 'ok' or 'inactive'


def risk_row(risk: Risk, number: int | None, today: Any) -> RiskRow:
    level, residual = rules.risk_level(risk.score), rules.risk_level(risk.residual_score)
    return RiskRow(
        number,
        risk,
        level,
        rules.RISK_LEVEL_LABELS[level],
        residual,
        rules.RISK_LEVEL_LABELS[residual],
        rules.review_status(risk.review_on, today) if risk.is_active else "inactive",
    )


def _levels() -> list[tuple[str, Any, str]]:
    return [(level, rules.RISK_LEVEL_LABELS[level], FILLS[level]) for level in ("low", "moderate", "high", "critical")]


# --- Views ------------------------------------------------------------------------------------


@capability_required("can_read_procedures")
@require_GET
def risk_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    risks = list(selectors.risk_register(clinic=request.clinic))
    active = [risk for risk in risks if risk.is_active]
    numbered = list(enumerate(active, start=1))
    numbers = {risk.pk: number for number, risk in numbered}
    rows = [risk_row(risk, numbers.get(risk.pk), today) for risk in risks]
    context = {
        "rows": rows,
        "before": build_matrix(numbered, residual=False),
        "after": build_matrix(numbered, residual=True),
        "levels": _levels(),
        "due_count": sum(1 for row in rows if row.review in ("overdue", "due")),
        "active_count": len(active),
        "warning_days": rules.REVIEW_WARNING_DAYS,
    }
    return render(request, "quality/risk_list.html", context)


@capability_required("can_read_procedures")
@require_GET
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = clinic_object_or_404(Risk.objects.select_related("owner"), request, pk=pk)
    today = timezone.localdate()
    context = {
        "risk": risk,
        "row": risk_row(risk, 1, today),
        "before": build_matrix([(1, risk)], residual=False),
        "after": build_matrix([(1, risk)], residual=True),
        "levels": _levels(),
    }
    return render(request, "quality/risk_detail.html", context)


def _risk_form(request: HttpRequest, risk: Risk) -> HttpResponse:
    creating = risk.pk is None
    heading = risk.hazard  # before the form writes the posted values into the instance
    posted = request.method == "POST"
    initial = {"owner": request.user.pk} if creating else None
    form = RiskForm(request.POST if posted else None, instance=risk, clinic=request.clinic, initial=initial)
    if posted and form.is_valid():
        actor = Actor.from_request(request)
        try:
            saved = (
                services.risk_create(actor=actor, risk=form.save(commit=False))
                if creating
                else services.risk_update(actor=actor, risk=form.save(commit=False))
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The risk is added.") if creating else _("The risk assessment is saved."))
            return redirect("quality:risk-detail", pk=saved.pk)
    return render(
        request,
        "quality/risk_form.html",
        {"form": form, "risk": risk, "heading": heading, "creating": creating},
        status=form_status(form),
    )


@capability_required("can_manage_risks")
@require_http_methods(["GET", "POST"])
def risk_create(request: HttpRequest) -> HttpResponse:
    return _risk_form(request, Risk(clinic=request.clinic))


@capability_required("can_manage_risks")
@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _risk_form(request, clinic_object_or_404(Risk.objects.select_related("owner"), request, pk=pk))
