"""The needle-treatment rules (DESIGN.md §3, NAL-1..NAL-7, NAL-11, NAL-12), each a Decision with its rule ID.

Views, services and the demo ask these functions; none re-implements a rule. The cautions come from
FACTS.md: a pacemaker or ICD rules out electrical stimulation; the others need an explicit clinical
decision at screening, and a change in the patient's risk flags calls for a new screening.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kanyle.core.decisions import Decision
from kanyle.needling.models import (
    DURATION_MIN,
    Caution,
    CautionDecision,
    Plan,
    Screening,
    ScreeningItem,
    Sensation,
    Session,
    SessionKind,
    SideEffectKind,
    SideEffectSeverity,
    SiteState,
)
from kanyle.patients.models import RiskKind
from kanyle.staff.models import CredentialKind, Profession
from kanyle.staff.rules import credential_valid

# Which register flag (patients.RiskKind) pre-fills which caution of the screening.
RISK_CAUTIONS: dict[str, str] = {
    RiskKind.PACEMAKER: Caution.PACEMAKER,
    RiskKind.ANTICOAGULANT: Caution.BLEEDING,
    RiskKind.BLEEDING: Caution.BLEEDING,
    RiskKind.PREGNANCY: Caution.PREGNANCY,
    RiskKind.IMMUNOSUPPRESSION: Caution.IMMUNOSUPPRESSION,
    RiskKind.LYMPHOEDEMA: Caution.LYMPHOEDEMA,
    RiskKind.EPILEPSY: Caution.EPILEPSY,
    RiskKind.METAL_ALLERGY: Caution.METAL_ALLERGY,
    RiskKind.NEEDLE_PHOBIA: Caution.NEEDLE_PHOBIA,
}

# NAL-7: these are serious whatever else is said about them.
ALWAYS_SERIOUS = (SideEffectKind.PNEUMOTHORAX, SideEffectKind.FORGOTTEN_NEEDLE)


def relevant_flags(flags: Iterable[Any]) -> list[Any]:
    """The active risk flags that matter for needle treatment."""
    return [f for f in flags if f.resolved_at is None and f.kind in RISK_CAUTIONS]


# NAL-11 and NAL-6: assessment and plan ---------------------------------------------------------------


def plan_can_be_made(*, assessment: Any) -> Decision:
    """NAL-11: the plan rests on an ICF assessment with the type of pain, made in the same episode."""
    if assessment is None:
        return Decision.deny(
            "NAL-11",
            _("Record the ICF assessment with the type of pain before making a needle-treatment plan."),
        )
    return Decision.allow()


def goals_measurable(*, goals: Iterable[Any]) -> Decision:
    """NAL-6: goals are set with the patient and each is measurable (a PSFS activity, today's score, a target)."""
    goals = list(goals)
    if not goals:
        return Decision.deny(
            "NAL-6", _("Set at least one goal with the patient: an activity, today's score and a target.")
        )
    for goal in goals:
        if not goal.activity.strip() or goal.baseline is None or goal.target is None:
            return Decision.deny("NAL-6", _("Every goal needs an activity, today's score and a target."))
        if goal.target <= goal.baseline:
            return Decision.deny(
                "NAL-6",
                _("The target for “%(activity)s” must be better than today's score.") % {"activity": goal.activity},
            )
    return Decision.allow()


def measures_combined(*, plan: Plan) -> Decision:
    """NAL-6: needles are combined with exercises, information or other treatment."""
    if not (plan.exercises.strip() or plan.information.strip() or plan.other_treatment.strip()):
        return Decision.deny(
            "NAL-6", _("Combine needle treatment with exercises, information or other treatment, and write which.")
        )
    return Decision.allow()


# NAL-1: the shared decision ------------------------------------------------------------------------------


def shared_decision(*, discussed: bool, patient_view: str, agreed: bool) -> Decision:
    """NAL-1: needle treatment was discussed, the patient's view is written down, and the patient agrees."""
    findings = Decision.allow()
    if not discussed:
        findings += Decision.deny("NAL-1", _("Needle treatment has not been discussed with the patient."))
    if not (patient_view or "").strip():
        findings += Decision.deny("NAL-1", _("Write down the patient's own view of needle treatment."))
    if not agreed:
        findings += Decision.deny("NAL-1", _("The patient has not agreed to needle treatment."))
    return findings


def plan_agreed(*, plan: Plan | None) -> Decision:
    """NAL-1: no session without an assessment and a plan the patient has agreed to."""
    if plan is None:
        return Decision.deny(
            "NAL-1",
            _("There is no needle-treatment plan: record the assessment and the plan, agreed with the patient."),
        )
    decision = shared_decision(discussed=plan.discussed, patient_view=plan.patient_view, agreed=plan.agreed)
    if decision and plan.completed_on is not None:
        return Decision.deny("NAL-1", _("The course is completed: make a new plan with the patient first."))
    return decision


# NAL-2: competence ----------------------------------------------------------------------------------------


def practitioner_competent(*, practitioner: Any, on: datetime.date) -> Decision:
    """NAL-2: only a physiotherapist with verified, valid needle-treatment training performs it."""
    if practitioner is None:
        return Decision.deny(
            "NAL-2", _("Only a physiotherapist with a practitioner profile can give needle treatment.")
        )
    if practitioner.profession != Profession.PHYSIO:
        return Decision.deny(
            "NAL-2", _("Needle treatment is given by physiotherapists with needle-treatment training.")
        )
    return credential_valid(practitioner, CredentialKind.NEEDLING, on)


# Screening (FACTS.md cautions; NAL-1 chosen after examination, NAL-4 no current with a pacemaker) ---------


def screening_complete(*, items: Iterable[ScreeningItem], flags: Iterable[Any]) -> Decision:
    """NAL-1: every caution answered; a present one has a decision and a reason; register flags are not ignored."""
    items = list(items)
    decision = Decision.allow()
    answered = {item.caution for item in items}
    missing = [Caution(c).label for c in Caution.values if c not in answered]
    if missing:
        decision += Decision.deny(
            "NAL-1", _("Answer every caution in the screening: %(list)s.") % {"list": ", ".join(map(str, missing))}
        )
    present = {item.caution: item for item in items if item.present}
    for flag in relevant_flags(flags):
        caution = RISK_CAUTIONS[flag.kind]
        if caution not in present:
            decision += Decision.deny(
                "NAL-1",
                _(
                    "The patient register has an active risk flag “%(flag)s”: mark the caution as present, "
                    "or resolve the flag in the register if it no longer applies."
                )
                % {"flag": flag.get_kind_display()},
            )
            present[caution] = None  # one message per caution
    for item in items:
        if not item.present:
            continue
        label = Caution(item.caution).label
        if not item.decision or not item.note.strip():
            decision += Decision.deny(
                "NAL-1",
                _("“%(caution)s” is present: choose a clinical decision and write the reason.") % {"caution": label},
            )
        elif item.caution == Caution.PACEMAKER and item.decision == CautionDecision.PRECAUTIONS:
            decision += Decision.deny(
                "NAL-4",
                _("A pacemaker or ICD rules out electrical stimulation: choose needles without it, or no needles."),
            )
    return decision


def screening_current(
    *, screening: Screening | None, screened_flag_ids: Iterable[int], flags: Iterable[Any]
) -> Decision:
    """NAL-1: the patient is screened before the first session, and again when the risk flags have changed."""
    if screening is None:
        return Decision.deny(
            "NAL-1", _("Screen the patient for contraindications and cautions before the first session.")
        )
    if set(screened_flag_ids) != {f.pk for f in relevant_flags(flags)}:
        return Decision.deny(
            "NAL-1", _("The patient's risk flags have changed since the last screening: screen the patient again.")
        )
    return Decision.allow()


def screening_permits_needles(*, items: Iterable[ScreeningItem]) -> Decision:
    """NAL-1: a screening that decided against needle treatment blocks sessions until a new screening."""
    stopped = [Caution(i.caution).label for i in items if i.present and i.decision == CautionDecision.NOT_TREAT]
    if stopped:
        return Decision.deny(
            "NAL-1",
            _("The screening decided against needle treatment for now (%(list)s).")
            % {"list": ", ".join(map(str, stopped))},
        )
    return Decision.allow()


def electrical_stimulation_allowed(
    *, flags: Iterable[Any], items: Iterable[ScreeningItem], rule: str = "NAL-4"
) -> Decision:
    """NAL-4 / NAL-12: no electrical current (needles or TENS) with a pacemaker or ICD, or against the screening."""
    if any(f.kind == RiskKind.PACEMAKER and f.resolved_at is None for f in flags):
        return Decision.deny(
            rule, _("The patient has a pacemaker or ICD: electrical stimulation and TENS are not allowed.")
        )
    items = list(items)
    if any(i.present and i.caution == Caution.PACEMAKER for i in items):
        return Decision.deny(
            rule, _("The screening found a pacemaker or ICD: electrical stimulation and TENS are not allowed.")
        )
    against = [Caution(i.caution).label for i in items if i.present and i.decision == CautionDecision.NO_ELECTRO]
    if against:
        return Decision.deny(
            rule,
            _("The screening decided against electrical stimulation (%(list)s).")
            % {"list": ", ".join(map(str, against))},
        )
    return Decision.allow()


def session_can_start(
    *,
    plan: Plan | None,
    practitioner: Any,
    screening: Screening | None,
    screened_flag_ids: Iterable[int],
    items: Iterable[ScreeningItem],
    flags: list[Any],
    kind: str,
    on: datetime.date,
) -> Decision:
    """NAL-1, NAL-2 (and NAL-12 for TENS): an agreed plan, a trained physio and a current screening that permits it."""
    decision = plan_agreed(plan=plan) + practitioner_competent(practitioner=practitioner, on=on)
    if plan is None:
        return decision
    current = screening_current(screening=screening, screened_flag_ids=screened_flag_ids, flags=flags)
    decision += current
    if current and screening is not None:
        items = list(items)
        if kind == SessionKind.TENS:
            decision += electrical_stimulation_allowed(flags=flags, items=items, rule="NAL-12")
        else:
            decision += screening_permits_needles(items=items)
    return decision


# NAL-3: needles counted, time in the body recorded --------------------------------------------------


def needles_accounted_for(*, sites: Iterable[Any]) -> Decision:
    """NAL-3: every needle put in has come out again, or is recorded as missing (and so reported, NAL-7)."""
    still_in = [s for s in sites if s.state == SiteState.IN]
    if still_in:
        numbers = ", ".join(str(s.number) for s in still_in)
        return Decision.deny(
            "NAL-3",
            ngettext(
                "%(count)d needle is still in (no. %(numbers)s): remove it, or record it as missing.",
                "%(count)d needles are still in (no. %(numbers)s): remove them, or record them as missing.",
                len(still_in),
            )
            % {"count": len(still_in), "numbers": numbers},
        )
    return Decision.allow()


def needle_time(*, inserted_at: datetime.datetime | None, removed_at: datetime.datetime | None) -> Decision:
    """NAL-3: the time in the body is real: out after in, and not longer than two hours."""
    if inserted_at is None or removed_at is None:
        return Decision.allow()
    if removed_at < inserted_at:
        return Decision.deny("NAL-3", _("The needles cannot come out before they went in: check the times."))
    if removed_at - inserted_at > datetime.timedelta(minutes=DURATION_MIN[1]):
        return Decision.deny(
            "NAL-3", _("Needles in for more than 120 minutes is not a plausible treatment time: check the times.")
        )
    return Decision.allow()


def needle_time_over_limit(
    *, inserted_at: datetime.datetime | None, removed_at: datetime.datetime | None, limit_minutes: int
) -> str:
    """NAL-3: a warning (not a refusal) when needles stay in past the clinic's limit (default 20 minutes)."""
    if inserted_at is None or removed_at is None or removed_at < inserted_at:
        return ""
    minutes = (removed_at - inserted_at).total_seconds() / 60
    if minutes > limit_minutes:
        return _(
            "The needles were in for %(minutes)d minutes, longer than the clinic's limit of %(limit)d minutes (NAL-3)."
        ) % {"minutes": round(minutes), "limit": limit_minutes}
    return ""


def times_recorded(*, session: Session, label_in: str, label_out: str, rule: str) -> Decision:
    if session.inserted_at is None or session.removed_at is None:
        return Decision.deny(rule, _("Record when %(in)s and when %(out)s.") % {"in": label_in, "out": label_out})
    return Decision.allow()


# NAL-5: it should not hurt ------------------------------------------------------------------------


def sensation_recorded(*, session: Session) -> Decision:
    """NAL-5: the patient's sensation and pain during treatment are recorded; sharp pain needs a comment."""
    decision = Decision.allow()
    if not session.sensation:
        decision += Decision.deny(
            "NAL-5", _("Record what the patient felt (pressure or dull ache, sharp pain, nothing).")
        )
    if session.pain_during is None:
        decision += Decision.deny("NAL-5", _("Record the patient's pain during treatment (0–10)."))
    if session.sensation == Sensation.SHARP and not session.response.strip():
        decision += Decision.deny(
            "NAL-5", _("Needle treatment should not hurt: write what was done about the sharp pain.")
        )
    return decision


# Signing -----------------------------------------------------------------------------------------------


def session_signable(
    *,
    session: Session,
    practitioner: Any,
    sites: list[Any],
    channels: list[Any],
    electrodes: list[Any],
    tens: Any,
    flags: list[Any],
    items: list[ScreeningItem],
    on: datetime.date,
) -> Decision:
    """NAL-2..NAL-5, NAL-12: everything a signed session must show, checked against the stored rows."""
    if session.is_signed:
        return Decision.deny("LAW-J", _("The session is signed and cannot be changed."))
    if practitioner is None or practitioner.pk != session.practitioner_id:
        return Decision.deny("LAW-J", _("Only the practitioner who gave the treatment can sign the session."))
    decision = practitioner_competent(practitioner=practitioner, on=on)
    if session.kind == SessionKind.NEEDLING:
        if not sites:
            decision += Decision.deny("NAL-3", _("Place at least one needle on the body chart."))
        decision += needles_accounted_for(sites=sites)
        decision += times_recorded(
            session=session, label_in=_("the needles went in"), label_out=_("they came out"), rule="NAL-3"
        )
        if channels:
            decision += electrical_stimulation_allowed(flags=flags, items=items)
        decision += sensation_recorded(session=session)
    else:
        if not electrodes:
            decision += Decision.deny("NAL-12", _("Place the TENS electrodes on the body chart."))
        if tens is None:
            decision += Decision.deny(
                "NAL-12", _("Record the TENS parameters: mode, frequency, pulse width, intensity and duration.")
            )
        decision += electrical_stimulation_allowed(flags=flags, items=items, rule="NAL-12")
        decision += times_recorded(
            session=session, label_in=_("the electrodes went on"), label_out=_("they came off"), rule="NAL-12"
        )
    decision += needle_time(inserted_at=session.inserted_at, removed_at=session.removed_at)
    return decision


# NAL-7: side effects ------------------------------------------------------------------------------------


def side_effect_severity(*, kind: str, severity: str) -> Decision:
    """NAL-7: a suspected pneumothorax or a missing needle is always at least serious."""
    if kind in ALWAYS_SERIOUS and severity not in (SideEffectSeverity.SERIOUS, SideEffectSeverity.CRITICAL):
        return Decision.deny(
            "NAL-7",
            _("“%(kind)s” is always a serious side effect: record it as serious or critical.")
            % {"kind": SideEffectKind(kind).label},
        )
    return Decision.allow()


def needs_deviation(*, severity: str) -> bool:
    """NAL-7: serious side effects are handled as deviations in the clinic's internal control."""
    return severity in (SideEffectSeverity.SERIOUS, SideEffectSeverity.CRITICAL)
