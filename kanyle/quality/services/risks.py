"""Risk register (risikovurdering, ROS; INJ-V2): hazards in treatment, scored before and after measures."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.quality.models import Risk
from kanyle.quality.selectors.documents import clinic_staff

# Fields whose change is named in the audit entry.
TRACKED = (
    "hazard",
    "description",
    "likelihood",
    "consequence",
    "measures",
    "residual_likelihood",
    "residual_consequence",
    "owner_id",
    "review_on",
    "is_active",
)


def _validate(risk: Risk) -> None:
    """Field checks (scores 1–5 via the model), then what makes an assessment sound (INJ-V2)."""
    risk.full_clean()
    errors: dict[str, str] = {}
    if risk.residual_score > risk.score:
        errors["residual_likelihood"] = _("The risk after measures cannot be higher than the risk before them.")
    elif risk.residual_score < risk.score and not risk.measures.strip():
        errors["measures"] = _("Describe the measures that lower the risk.")
    if not clinic_staff(clinic=risk.clinic).filter(pk=risk.owner_id).exists():
        errors["owner"] = _("The owner must have a role in this clinic.")
    if risk.review_on < timezone.localdate():
        errors["review_on"] = _("The next review cannot be in the past.")
    if errors:
        raise ValidationError(errors)


def _describe(risk: Risk) -> str:
    return f"{risk.likelihood}×{risk.consequence}={risk.score} → {risk.residual_likelihood}×{risk.residual_consequence}"


@transaction.atomic
def risk_create(*, actor: Actor, risk: Risk) -> Risk:
    """Add a hazard to the clinic's risk register (INJ-V2)."""
    risk.clinic = actor.clinic
    risk.hazard = risk.hazard.strip()
    _validate(risk)
    risk.save()
    audit_record(actor=actor, action="quality.risk.created", target=risk, detail=f"{risk.hazard}: {_describe(risk)}")
    return risk


@transaction.atomic
def risk_update(*, actor: Actor, risk: Risk) -> Risk:
    """Save a reassessment of a risk; the audit entry names what changed (INJ-V2, LAW-Q §8)."""
    if risk.pk is None or actor.clinic is None:
        raise PermissionDenied("unsaved risk or no clinic")
    before = Risk.objects.select_for_update().get(pk=risk.pk)
    if before.clinic_id != actor.clinic.pk:
        raise PermissionDenied("risk of another clinic")
    risk.clinic = before.clinic
    risk.hazard = risk.hazard.strip()
    _validate(risk)
    changed = [name.removesuffix("_id") for name in TRACKED if getattr(before, name) != getattr(risk, name)]
    risk.save()
    audit_record(
        actor=actor,
        action="quality.risk.updated",
        target=risk,
        detail=f"{risk.hazard}: {_describe(risk)}; " + (", ".join(changed) or "reviewed without changes"),
    )
    return risk
