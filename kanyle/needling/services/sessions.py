"""Sessions: starting one (NAL-1, NAL-2), needles on the body chart and their count (NAL-3), electrical
stimulation (NAL-4), sensation (NAL-5), TENS (NAL-12), and signing into a journal note."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.core.decisions import Decision
from kanyle.journal import services as journal_services
from kanyle.journal.models import ContactType, Encounter, Note
from kanyle.needling import bodychart, rules, selectors
from kanyle.needling.models import (
    MAX_ELECTRODES,
    MAX_NEEDLES,
    ElectroChannel,
    NeedleSite,
    Plan,
    Session,
    SessionKind,
    SideEffect,
    SideEffectKind,
    SideEffectSeverity,
    SiteState,
    Stimulation,
    TensElectrode,
    TensSetting,
)
from kanyle.needling.notes import session_note_sections
from kanyle.needling.services.common import require, require_practitioner, same_clinic
from kanyle.needling.services.safety import side_effect_record
from kanyle.outcomes import selectors as outcome_selectors
from kanyle.outcomes.models import Instrument, Phase
from kanyle.outcomes.services import measurement_record

# A session may be documented afterwards, but not ahead of time (a little slack for clocks).
FUTURE_SLACK = datetime.timedelta(minutes=15)


def _locked(session: Session) -> Session:
    return Session.objects.select_for_update().select_related("plan", "patient", "episode", "clinic").get(pk=session.pk)


def session_editable(*, session: Session, practitioner: Any, on: datetime.date) -> Decision:
    """A draft is changed only by the treating practitioner, who must hold the training on the day (NAL-2)."""
    if session.is_signed:
        return Decision.deny("LAW-J", _("The session is signed and cannot be changed."))
    if practitioner is None or practitioner.pk != session.practitioner_id:
        return Decision.deny("LAW-J", _("Only the practitioner who gives the treatment can change the session."))
    return rules.practitioner_competent(practitioner=practitioner, on=on)


def _screening_for(plan: Plan):
    return selectors.current_screening(plan=plan)


def _record_score(
    actor: Actor, session: Session, *, instrument: str, phase: str, value: int | None, **item: str
) -> None:
    measurement_record(
        actor=actor,
        patient=session.patient,
        episode=session.episode,
        instrument=instrument,
        phase=phase,
        occasion=session.number,
        value=value,
        measured_at=session.occurred_at,
        source=session.source,
        **item,
    )


@transaction.atomic
def session_create(
    *,
    actor: Actor,
    practitioner: Any,
    plan: Plan,
    kind: str,
    occurred_at: datetime.datetime,
    pain_before: int | None = None,
) -> Session:
    """Start a needle or TENS session: an agreed plan, a trained physio, a current screening (NAL-1, NAL-2, NAL-12)."""
    require_practitioner(practitioner)
    same_clinic(actor, plan)
    locked = Plan.objects.select_for_update().select_related("patient", "episode").get(pk=plan.pk)
    state = _screening_for(locked)
    flags = selectors.active_flags(patient=locked.patient)
    require(
        rules.session_can_start(
            plan=locked,
            practitioner=practitioner,
            screening=state.screening,
            screened_flag_ids=state.flag_ids,
            items=state.items,
            flags=flags,
            kind=kind,
            on=timezone.localdate(),
        )
    )
    if kind not in SessionKind.values:
        raise ValidationError(_("Choose needle treatment or TENS."))
    if occurred_at > timezone.now() + FUTURE_SLACK:
        raise ValidationError(_("A session cannot be recorded ahead of time."))
    if locked.episode.ended_on is not None:
        raise ValidationError(_("The episode of care is closed."))
    number = (Session.objects.filter(plan=locked).aggregate(last=Max("number"))["last"] or 0) + 1
    session = Session(
        clinic=actor.clinic,
        patient=locked.patient,
        episode=locked.episode,
        plan=locked,
        screening=state.screening,
        practitioner=practitioner,
        kind=kind,
        number=number,
        occurred_at=occurred_at,
        created_by=actor.user,
    )
    session.full_clean()
    session.save()
    audit_record(actor=actor, action="needling.session.created", patient=session.patient, target=session, detail=kind)
    if pain_before is not None:
        _record_score(actor, session, instrument=Instrument.NPRS, phase=Phase.BEFORE, value=pain_before)
    return session


def _point(code: str, side: str, x: int | None, y: int | None) -> tuple[int, int]:
    """Where on the chart: the clicked point if it lies in the region, else (keyboard, list) the region's middle."""
    if code not in bodychart.BY_CODE or side not in bodychart.Side.values:
        raise ValidationError({"region": _("Choose a muscle or region and a side from the list.")})
    if x is None or y is None:
        return bodychart.centre(code, side)
    if not bodychart.inside(code, side, x, y):
        raise ValidationError({"region": _("The point is outside the chosen region: click inside it on the chart.")})
    return x, y


@transaction.atomic
def site_place(*, actor: Actor, practitioner: Any, session: Session, site: NeedleSite) -> NeedleSite:
    """NAL-3: a needle goes in at a site on the body chart; the count and the time start here."""
    same_clinic(actor, session)
    locked = _locked(session)
    require(session_editable(session=locked, practitioner=practitioner, on=timezone.localdate()))
    if locked.kind != SessionKind.NEEDLING:
        raise ValidationError(_("This is a TENS session: place electrodes, not needles."))
    sites = NeedleSite.objects.filter(session=locked)
    if sites.count() >= MAX_NEEDLES:
        raise ValidationError(_("A session has at most %(max)d needles.") % {"max": MAX_NEEDLES})
    if site.stimulation == Stimulation.ELECTRICAL:
        state = _screening_for(locked.plan)
        require(
            rules.electrical_stimulation_allowed(
                flags=selectors.active_flags(patient=locked.patient), items=state.items
            )
        )
    site.x, site.y = _point(site.region, site.side, site.x, site.y)
    now = timezone.now()
    site.session = locked
    site.view = bodychart.BY_CODE[site.region].view
    site.number = (sites.aggregate(last=Max("number"))["last"] or 0) + 1
    site.state, site.inserted_at, site.removed_at = SiteState.IN, now, None
    if site.depth_mm is not None and site.length_mm is not None and site.depth_mm > site.length_mm:
        raise ValidationError({"depth_mm": _("The depth cannot be more than the needle's length.")})
    site.full_clean()
    site.save()
    if locked.inserted_at is None:
        locked.inserted_at = now
    locked.removed_at = None
    locked.save(update_fields=["inserted_at", "removed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="needling.site.placed",
        patient=locked.patient,
        target=site,
        detail=f"{site.number} {site.region}/{site.side}",
    )
    return site


def _after_last_out(session: Session, now: datetime.datetime) -> None:
    """When the last needle is out, the session's 'needles out' time is now (NAL-3)."""
    if not NeedleSite.objects.filter(session=session, state=SiteState.IN).exists():
        session.removed_at = max(now, session.inserted_at) if session.inserted_at else now
        session.save(update_fields=["removed_at", "updated_at"])


@transaction.atomic
def site_remove(*, actor: Actor, practitioner: Any, site: NeedleSite) -> NeedleSite:
    """NAL-3: a needle comes out; when the last one is out, the time in the body is known."""
    same_clinic(actor, site.session)
    locked = _locked(site.session)
    require(session_editable(session=locked, practitioner=practitioner, on=timezone.localdate()))
    current = NeedleSite.objects.select_for_update().get(pk=site.pk)
    if current.state != SiteState.IN:
        raise ValidationError(_("Needle no. %(number)s is not in.") % {"number": current.number})
    now = timezone.now()
    current.state, current.removed_at = SiteState.REMOVED, max(now, current.inserted_at)
    current.full_clean()
    current.save()
    _after_last_out(locked, now)
    audit_record(
        actor=actor, action="needling.site.removed", patient=locked.patient, target=current, detail=str(current.number)
    )
    return current


@transaction.atomic
def site_missing(*, actor: Actor, practitioner: Any, site: NeedleSite, description: str) -> NeedleSite:
    """NAL-3 / NAL-7: a needle that cannot be found is a serious side effect and a deviation; then the count closes."""
    same_clinic(actor, site.session)
    locked = _locked(site.session)
    require(session_editable(session=locked, practitioner=practitioner, on=timezone.localdate()))
    current = NeedleSite.objects.select_for_update().get(pk=site.pk)
    if current.state != SiteState.IN:
        raise ValidationError(_("Needle no. %(number)s is not in.") % {"number": current.number})
    if len(description.strip()) < 10:
        raise ValidationError(
            {"description": _("Describe what happened and what was done, in at least 10 characters.")}
        )
    now = timezone.now()
    effect = side_effect_record(
        actor=actor,
        practitioner=practitioner,
        session=locked,
        side_effect=SideEffect(
            kind=SideEffectKind.FORGOTTEN_NEEDLE,
            severity=SideEffectSeverity.SERIOUS,
            occurred_at=now,
            description=_("Needle no. %(number)s (%(site)s) is missing. %(description)s")
            % {"number": current.number, "site": str(current), "description": description.strip()},
        ),
    )
    current.state, current.side_effect = SiteState.LOST, effect
    current.full_clean()
    current.save()
    _after_last_out(locked, now)
    audit_record(
        actor=actor,
        action="needling.site.lost",
        patient=locked.patient,
        target=current,
        detail=f"{current.number}, deviation {effect.deviation_id}",
        flagged=True,
    )
    return current


def _locked_for_stimulation(
    actor: Actor, practitioner: Any, session: Session, kind: str, wrong_kind: str, *, rule: str
) -> Session:
    """Lock an editable draft of the right kind where electrical stimulation is allowed (NAL-4, NAL-12)."""
    same_clinic(actor, session)
    locked = _locked(session)
    require(session_editable(session=locked, practitioner=practitioner, on=timezone.localdate()))
    if locked.kind != kind:
        raise ValidationError(wrong_kind)
    state = _screening_for(locked.plan)
    flags = selectors.active_flags(patient=locked.patient)
    require(rules.electrical_stimulation_allowed(flags=flags, items=state.items, rule=rule))
    return locked


@transaction.atomic
def channel_add(*, actor: Actor, practitioner: Any, session: Session, channel: ElectroChannel) -> ElectroChannel:
    """NAL-4: electrical stimulation through a pair of needles, with its parameters; never with a pacemaker."""
    locked = _locked_for_stimulation(
        actor,
        practitioner,
        session,
        SessionKind.NEEDLING,
        _("Electrical stimulation through needles belongs to a needle session."),
        rule="NAL-4",
    )
    if channel.site_a_id == channel.site_b_id:
        raise ValidationError({"site_b": _("Connect two different needles.")})
    pair = list(NeedleSite.objects.filter(session=locked, pk__in=[channel.site_a_id, channel.site_b_id]))
    if len(pair) != 2:
        raise ValidationError(_("Connect two needles of this session."))
    channel.session = locked
    channel.full_clean()
    channel.save()
    NeedleSite.objects.filter(pk__in=[s.pk for s in pair]).update(stimulation=Stimulation.ELECTRICAL)
    audit_record(
        actor=actor,
        action="needling.electro.added",
        patient=locked.patient,
        target=channel,
        detail=f"{channel.frequency_hz} Hz, {channel.pulse_width_us} us, {channel.intensity_ma} mA",
    )
    return channel


def _draft_entry_remove(actor: Actor, practitioner: Any, entry: Any, action: str) -> None:
    """Remove an entry (stimulation, electrode) from a draft session; signed sessions never change."""
    same_clinic(actor, entry.session)
    locked = _locked(entry.session)
    require(session_editable(session=locked, practitioner=practitioner, on=timezone.localdate()))
    audit_record(actor=actor, action=action, patient=locked.patient, target=entry)
    entry.delete()


@transaction.atomic
def channel_remove(*, actor: Actor, practitioner: Any, channel: ElectroChannel) -> None:
    """Take back a stimulation entry from a draft (e.g. typed on the wrong pair)."""
    _draft_entry_remove(actor, practitioner, channel, "needling.electro.removed")


@transaction.atomic
def tens_save(*, actor: Actor, practitioner: Any, session: Session, setting: TensSetting) -> TensSetting:
    """NAL-12: the TENS parameters; never with a pacemaker or against the screening."""
    locked = _locked_for_stimulation(
        actor, practitioner, session, SessionKind.TENS, _("TENS parameters belong to a TENS session."), rule="NAL-12"
    )
    existing = TensSetting.objects.filter(session=locked).first()
    if existing is not None:
        setting.pk = existing.pk
    setting.session = locked
    setting.full_clean(validate_unique=False)
    setting.save()
    audit_record(
        actor=actor,
        action="needling.tens.saved",
        patient=locked.patient,
        target=setting,
        detail=f"{setting.mode} {setting.frequency_hz} Hz, {setting.pulse_width_us} us, {setting.intensity_ma} mA",
    )
    return setting


@transaction.atomic
def electrode_place(*, actor: Actor, practitioner: Any, session: Session, electrode: TensElectrode) -> TensElectrode:
    """NAL-12: a TENS electrode on the body chart."""
    locked = _locked_for_stimulation(
        actor,
        practitioner,
        session,
        SessionKind.TENS,
        _("This is a needle session: place needles, not electrodes."),
        rule="NAL-12",
    )
    electrodes = TensElectrode.objects.filter(session=locked)
    if electrodes.count() >= MAX_ELECTRODES:
        raise ValidationError(_("A TENS session has at most %(max)d electrodes.") % {"max": MAX_ELECTRODES})
    electrode.x, electrode.y = _point(electrode.region, electrode.side, electrode.x, electrode.y)
    electrode.session = locked
    electrode.view = bodychart.BY_CODE[electrode.region].view
    electrode.number = (electrodes.aggregate(last=Max("number"))["last"] or 0) + 1
    electrode.full_clean()
    electrode.save()
    if locked.inserted_at is None:
        locked.inserted_at = timezone.now()
        locked.save(update_fields=["inserted_at", "updated_at"])
    audit_record(
        actor=actor,
        action="needling.electrode.placed",
        patient=locked.patient,
        target=electrode,
        detail=f"{electrode.number} {electrode.region}/{electrode.side}",
    )
    return electrode


@transaction.atomic
def electrode_remove(*, actor: Actor, practitioner: Any, electrode: TensElectrode) -> None:
    """Take an electrode placement back from a draft TENS session."""
    _draft_entry_remove(actor, practitioner, electrode, "needling.electrode.removed")


@transaction.atomic
def session_update(
    *,
    actor: Actor,
    practitioner: Any,
    session: Session,
    changed: list[str],
    scores: dict[str, int | None],
    psfs: dict[Any, int | None],
) -> Session:
    """Times (NAL-3), sensation and pain (NAL-5), response, and the pain and function scores of a draft session."""
    same_clinic(actor, session)
    current = _locked(session)
    require(session_editable(session=current, practitioner=practitioner, on=timezone.localdate()))
    require(rules.needle_time(inserted_at=session.inserted_at, removed_at=session.removed_at))
    now = timezone.now() + FUTURE_SLACK
    for value in (session.inserted_at, session.removed_at, session.occurred_at):
        if value is not None and value > now:
            raise ValidationError(_("Times cannot lie in the future."))
    session.full_clean()
    session.save()
    for phase, value in scores.items():
        _record_score(actor, session, instrument=Instrument.NPRS, phase=phase, value=value)
    for goal, value in psfs.items():
        _record_score(
            actor,
            session,
            instrument=Instrument.PSFS,
            phase=Phase.BEFORE,
            value=value,
            item_key=goal.item_key,
            item_label=goal.activity,
        )
    if changed:
        audit_record(
            actor=actor,
            action="needling.session.updated",
            patient=session.patient,
            target=session,
            detail=", ".join(changed),
        )
    return session


@transaction.atomic
def session_sign(*, actor: Actor, practitioner: Any, session: Session) -> Session:
    """Sign: every rule holds on the stored rows, and the session becomes a signed journal note in the episode."""
    require_practitioner(practitioner)
    same_clinic(actor, session)
    locked = _locked(session)
    sites = list(NeedleSite.objects.filter(session=locked).order_by("number"))
    channels = list(ElectroChannel.objects.filter(session=locked).select_related("site_a", "site_b").order_by("id"))
    electrodes = list(TensElectrode.objects.filter(session=locked).order_by("number"))
    tens = TensSetting.objects.filter(session=locked).first()
    state = _screening_for(locked.plan)
    require(
        rules.session_signable(
            session=locked,
            practitioner=practitioner,
            sites=sites,
            channels=channels,
            electrodes=electrodes,
            tens=tens,
            flags=selectors.active_flags(patient=locked.patient),
            items=state.items,
            on=timezone.localdate(),
        )
    )
    sections = session_note_sections(
        session=locked,
        sites=sites,
        channels=channels,
        electrodes=electrodes,
        tens=tens,
        measurements=outcome_selectors.measurements_from(clinic=actor.clinic, sources=[locked.source]),
        side_effects=list(locked.side_effects.order_by("occurred_at", "id")),
        time_warning=rules.needle_time_over_limit(
            inserted_at=locked.inserted_at,
            removed_at=locked.removed_at,
            limit_minutes=locked.clinic.needle_time_limit_minutes,
        ),
    )
    note = journal_services.note_create(
        actor=actor,
        practitioner=practitioner,
        patient=locked.patient,
        encounter=Encounter(episode=locked.episode, contact_type=ContactType.IN_PERSON, occurred_at=locked.occurred_at),
        note=Note(**sections),
        diagnoses=[],
    )
    note = journal_services.note_sign(actor=actor, practitioner=practitioner, note=note)
    locked.note, locked.signed_at = note, timezone.now()
    locked.save(update_fields=["note", "signed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="needling.session.signed",
        patient=locked.patient,
        target=locked,
        detail=f"{len(sites)} needles" if locked.kind == SessionKind.NEEDLING else f"{len(electrodes)} electrodes",
    )
    return locked
