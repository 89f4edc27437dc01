"""Services that open the chain: start an episode, the ultrasound exam (INJ-P1) and the doctor's assessment."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.core.decisions import Decision
from kanyle.core.uploads import TYPE_LABELS, sniff
from kanyle.injections import rules
from kanyle.injections.models import (
    ABSOLUTE_CONTRAINDICATIONS,
    RELATIVE_CONTRAINDICATIONS,
    Assessment,
    InjectionEpisode,
    Status,
    UltrasoundExam,
)
from kanyle.injections.models import Decision as AssessmentDecision
from kanyle.injections.services.chain_common import (
    _end_open_orders,
    _live_procedure,
    _step_allowed,
    _step_saved,
    _yes_no,
)
from kanyle.injections.services.common import advance, draft_note, lock_episode, require, signed_note
from kanyle.journal import services as journal_services
from kanyle.journal.models import Episode as JournalEpisode
from kanyle.journal.models import EpisodeKind, Referral, ReferralStatus
from kanyle.staff.models import Practitioner, Profession

# The exam's images: ultrasound stills and clips are PNG, JPEG or DICOM (never PDF here).
EXAM_IMAGE_TYPES = ("image/png", "image/jpeg", "application/dicom")
EXAM_IMAGES_MAX = 10


# Steps after which a new assessment, consent or order replaces the current one without moving the status.
BEFORE_PROCEDURE = (Status.ASSESSED, Status.CONSENTED, Status.ORDERED)


def _same_clinic(actor: Actor, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and getattr(obj, "clinic_id", None) != actor.clinic.pk:
            raise ValidationError(_("The choice does not belong to this clinic."))


# Start (INJ-G1, INJ-G4, INJ-D1) --------------------------------------------------------------------------


@transaction.atomic
def episode_start(
    *,
    actor: Actor,
    patient: Any,
    referral: Referral | None,
    doctor: Practitioner | None,
    physio: Practitioner | None = None,
    title: str = "",
) -> InjectionEpisode:
    """Open an injection episode from a referral: a journal episode with the doctor responsible and the physio."""
    _same_clinic(actor, patient, referral, doctor, physio)
    if referral is not None:
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
    require(rules.episode_start_allowed(clinic=actor.clinic, patient=patient, referral=referral, doctor=doctor))
    if physio is not None and physio.profession != Profession.PHYSIO:
        require(Decision.deny("INJ-D5", _("Choose a physiotherapist as the physio on the episode.")))
    if referral.status == ReferralStatus.RECEIVED:
        referral = journal_services.referral_decide(actor=actor, referral=referral, status=ReferralStatus.ACCEPTED)
    journal_episode = journal_services.episode_create(
        actor=actor,
        patient=patient,
        episode=JournalEpisode(
            kind=EpisodeKind.INJECTION,
            title=(title.strip() or _("Ultrasound-guided injection"))[:200],
            responsible=doctor,
            referral=referral,
            started_on=timezone.localdate(),
        ),
        members=[physio] if physio is not None else [],
    )
    episode = InjectionEpisode(
        clinic=actor.clinic,
        episode=journal_episode,
        patient=patient,
        doctor=doctor,
        physio=physio,
        status=Status.REFERRED,
        created_by=actor.user,
    )
    episode.full_clean()
    episode.save()
    audit_record(actor=actor, action="injections.episode.started", patient=patient, target=episode)
    return episode


# Ultrasound examination (INJ-P1) -------------------------------------------------------------------------


def _check_images(images: list[tuple[Any, str]]) -> None:
    if len(images) > EXAM_IMAGES_MAX:
        raise ValidationError(_("At most %(n)s images per examination.") % {"n": EXAM_IMAGES_MAX})
    for upload, _title in images:
        upload.seek(0)
        head = upload.read(132)
        upload.seek(0)
        if sniff(head) not in EXAM_IMAGE_TYPES:
            raise ValidationError(
                _("%(name)s is not an image. Allowed: %(types)s.")
                % {"name": upload.name, "types": ", ".join(TYPE_LABELS[t] for t in EXAM_IMAGE_TYPES)}
            )


@transaction.atomic
def exam_record(
    *,
    actor: Actor,
    practitioner: Practitioner | None,
    episode: InjectionEpisode,
    exam: UltrasoundExam,
    images: list[tuple[Any, str]] = (),
) -> UltrasoundExam:
    """INJ-P1: the examiner's signed ultrasound examination, with its images attached to the note's encounter."""
    episode = lock_episode(episode)
    require(_step_allowed(episode, Status.EXAMINED, again_at=[Status.EXAMINED]))
    examined_at = exam.examined_at or timezone.now()
    require(rules.examiner_allowed(practitioner=practitioner, on=timezone.localdate(examined_at)))
    images = list(images)
    _check_images(images)
    exam.clinic, exam.episode, exam.examiner, exam.examined_at = actor.clinic, episode, practitioner, examined_at
    exam.full_clean(exclude=["note"])
    draft = draft_note(actor=actor, practitioner=practitioner, episode=episode, occurred_at=examined_at)
    for upload, title in images:
        journal_services.attachment_add(
            actor=actor, encounter=draft.encounter, upload=upload, title=title or _("Ultrasound image")
        )
    findings = "\n\n".join(
        part
        for part in (
            f"{_('Structures examined')}: {exam.structures}",
            exam.findings,
            f"{_('Measurements')}: {exam.measurements}" if exam.measurements.strip() else "",
        )
        if part
    )
    exam.note = signed_note(
        actor=actor,
        practitioner=practitioner,
        episode=episode,
        draft=draft,
        reason=_("Musculoskeletal ultrasound examination (injection episode)."),
        findings=findings,
        assessment=exam.conclusion,
    )
    _step_saved(actor=actor, episode=episode, record=exam, after=Status.REFERRED, to=Status.EXAMINED)
    audit_record(actor=actor, action="injections.exam.recorded", patient=episode.patient, target=exam)
    return exam


# The doctor's assessment (INJ-D1, INJ-D2) ------------------------------------------------------------------


def _assessment_text(assessment: Assessment) -> str:
    lines = [f"{_('Target structure')}: {assessment.target_structure} ({assessment.get_side_display().lower()})"]
    for name in (*ABSOLUTE_CONTRAINDICATIONS, *RELATIVE_CONTRAINDICATIONS):
        label = Assessment._meta.get_field(name).verbose_name
        lines.append(f"{str(label).capitalize()}: {_yes_no(getattr(assessment, name))}")
    if assessment.inr is not None:
        lines.append(f"INR: {assessment.inr}")
    lines.append(_("Injections at this site in the last 12 months: %(n)s") % {"n": assessment.earlier_injections_12m})
    lines.append(f"{_('Risk flags reviewed')}: {_yes_no(assessment.risk_flags_reviewed)}")
    if assessment.contraindication_comment.strip():
        lines.append(f"{_('Justification')}: {assessment.contraindication_comment}")
    if assessment.co_assessor_id:
        lines.append(_("Diagnosis set together with %(name)s.") % {"name": assessment.co_assessor.user.display_name})
    lines.append(f"{_('Decision')}: {assessment.get_decision_display()}")
    return "\n".join(lines)


@transaction.atomic
def assessment_record(
    *,
    actor: Actor,
    practitioner: Practitioner | None,
    episode: InjectionEpisode,
    assessment: Assessment,
    diagnoses: list[Any],
    exit_reason: str = "",
) -> Assessment:
    """INJ-D1, INJ-D2: the doctor's signed assessment; a decision not to inject ends the episode.

    A new assessment may replace the current one before the procedure (e.g. after a new risk flag):
    the status stays, and the readiness gate then asks for consent again (INJ-D3).
    """
    episode = lock_episode(episode)
    require(rules.assessor_allowed(practitioner=practitioner))
    require(_step_allowed(episode, Status.ASSESSED, again_at=BEFORE_PROCEDURE))
    if _live_procedure(episode):
        require(Decision.deny("INJ-D2", _("The procedure has started; the assessment can no longer be replaced.")))
    if assessment.decision != AssessmentDecision.INJECT and not exit_reason.strip():
        require(Decision.deny("INJ-D2", _("Write why injection is not chosen; the episode ends with this reason.")))
    _same_clinic(actor, assessment.co_assessor)
    if assessment.co_assessor_id and assessment.co_assessor.profession != Profession.PHYSIO:
        require(Decision.deny("INJ-D1", _("The co-assessor is the physiotherapist who examined the patient.")))
    now = timezone.now()
    assessment.clinic, assessment.episode, assessment.doctor, assessment.signed_at = (
        actor.clinic,
        episode,
        practitioner,
        now,
    )
    # INJ-D2: counted from the record, never typed by the doctor.
    assessment.earlier_injections_12m = rules.earlier_injections(
        patient=episode.patient, target_structure=assessment.target_structure, side=assessment.side, at=now
    )
    require(
        rules.assessment_valid(
            assessment=assessment,
            site_limit=actor.clinic.injection_site_limit_per_year,
            has_diagnosis=bool(diagnoses),
        )
    )
    assessment.full_clean(exclude=["note"])
    assessment.note = signed_note(
        actor=actor,
        practitioner=practitioner,
        episode=episode,
        diagnoses=list(diagnoses),
        reason=assessment.indication,
        assessment=_assessment_text(assessment),
        information=assessment.information_given,
        plan=exit_reason.strip() if assessment.decision != AssessmentDecision.INJECT else "",
    )
    assessment.save()
    assessment.diagnoses.set(diagnoses)
    if assessment.decision != AssessmentDecision.INJECT:
        _end_open_orders(actor=actor, episode=episode, reason=exit_reason.strip())
        advance(actor=actor, episode=episode, to=Status.NOT_INDICATED, reason=exit_reason.strip())
    elif episode.status == Status.EXAMINED:
        advance(actor=actor, episode=episode, to=Status.ASSESSED)
    audit_record(
        actor=actor,
        action="injections.assessment.signed",
        patient=episode.patient,
        target=assessment,
        detail=assessment.decision,
    )
    return assessment
