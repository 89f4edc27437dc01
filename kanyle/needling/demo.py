"""A fictitious, completed needle-treatment course for the demo clinic.

Six weekly sessions (one of them TENS, with a device lent for home use), needles placed on the body chart
and all removed, electrical stimulation, a serious side effect that became a deviation and was followed
up, signed journal notes, and pain and function improving to the goals (NAL-1..NAL-7, NAL-11, NAL-12).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kanyle.audit.services import Actor
from kanyle.journal.models import ContactType, Encounter, Episode, EpisodeKind, Note
from kanyle.needling import bodychart, rules, selectors
from kanyle.needling.models import (
    Assessment,
    Caution,
    CautionDecision,
    ElectroChannel,
    FollowUp,
    NeedleSite,
    PainType,
    Plan,
    PlanGoal,
    Screening,
    ScreeningItem,
    Sensation,
    Session,
    SessionKind,
    SideEffect,
    SideEffectKind,
    SideEffectSeverity,
    SiteState,
    Stimulation,
    Technique,
    TensElectrode,
    TensLoan,
    TensMode,
    TensSetting,
    Waveform,
)
from kanyle.needling.notes import session_note_sections
from kanyle.outcomes.models import Instrument, Measurement, Phase
from kanyle.quality.services.deviations import deviation_report
from kanyle.staff.models import Credential, CredentialKind

# Pain before/after, the two PSFS activities, needle minutes: an improving course.
SESSIONS = [
    # (kind, pain before, pain after, psfs 1, psfs 2, minutes, electro)
    (SessionKind.NEEDLING, 7, 5, 3, 4, 15, False),
    (SessionKind.NEEDLING, 6, 4, 4, 5, 18, True),
    (SessionKind.NEEDLING, 5, 4, 5, 5, 22, True),
    (SessionKind.TENS, 5, 3, 6, 6, 30, True),
    (SessionKind.NEEDLING, 4, 2, 7, 7, 17, True),
    (SessionKind.NEEDLING, 3, 2, 8, 7, 15, False),
]
NEEDLES = [
    ("upper_trapezius", "right"),
    ("upper_trapezius", "left"),
    ("infraspinatus", "right"),
    ("rhomboids", "right"),
]
GOALS = [("Sitte ved PC en hel arbeidsdag", 3, 8), ("Bære handleposer fra butikken", 4, 8)]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _measure(
    common: dict, instrument: str, phase: str, occasion: int, value: int, source: str, **item: str
) -> Measurement:
    return Measurement(
        instrument=instrument, phase=phase, occasion=occasion, value=value, source=source, **common, **item
    )


def create_demo_needling(*, clinic: Any, physio: Any, patient: Any) -> Plan:
    """Give the patient a completed needle-treatment course with the physio (a Practitioner); returns the plan."""
    existing = Plan.objects.filter(clinic=clinic, patient=patient).first()
    if existing is not None:
        return existing
    user = physio.user
    today = timezone.localdate()
    if not rules.practitioner_competent(practitioner=physio, on=today):
        Credential.objects.create(
            clinic=clinic,
            practitioner=physio,
            kind=CredentialKind.NEEDLING,
            title="Nålebehandling trinn 1 og 2",
            issuer="Norsk Fysioterapeutforbund",
            issued_on=today - datetime.timedelta(days=3 * 365),
            verified_by=user,
            verified_at=timezone.now(),
            created_by=user,
        )
    start = today - datetime.timedelta(days=7 * len(SESSIONS) + 7)
    episode = Episode.objects.create(
        clinic=clinic,
        patient=patient,
        kind=EpisodeKind.NEEDLING,
        title="Myofasciale nakke- og skuldersmerter",
        responsible=physio,
        started_on=start,
        goals="Sitte ved PC en hel arbeidsdag og bære handleposer uten å få vondt.",
        created_by=user,
    )
    assessed_at = _at(start, 9)
    assessment = Assessment.objects.create(
        clinic=clinic,
        patient=patient,
        episode=episode,
        practitioner=physio,
        body_functions="Aktive triggerpunkter i øvre trapezius begge sider og høyre infraspinatus; "
        "nedsatt rotasjon i nakken, normal nevrologi.",
        activities="Klarer ikke å sitte ved PC mer enn en time; vondt å bære handleposer.",
        participation="Sykemeldt 40 % fra kontorjobb; har sluttet med korpsøvelser.",
        environmental_factors="Lite tilpasset arbeidsplass med bærbar PC.",
        personal_factors="Redd for at smertene skal bli varige; motivert for trening.",
        pain_type=PainType.NOCICEPTIVE,
        assessed_at=assessed_at,
        created_by=user,
    )
    plan = Plan.objects.create(
        clinic=clinic,
        patient=patient,
        episode=episode,
        assessment=assessment,
        practitioner=physio,
        indication="Myofasciale nakke- og skuldersmerter med aktive triggerpunkter.",
        planned_sessions=len(SESSIONS),
        exercises="Daglige øvelser for nakke og skulderblad, gradvis økende.",
        information="Smertefysiologi, pauser i arbeidsdagen, tilrettelegging av arbeidsplassen.",
        other_treatment="TENS hjemme ved behov i perioden.",
        discussed=True,
        patient_view="Har hørt om nålebehandling og vil gjerne prøve; litt spent på stikket.",
        agreed=True,
        decided_at=assessed_at,
        created_by=user,
    )
    goals = [
        PlanGoal.objects.create(plan=plan, activity=activity, baseline=baseline, target=target, position=i)
        for i, (activity, baseline, target) in enumerate(GOALS)
    ]
    flags = selectors.active_flags(patient=patient)
    present = {rules.RISK_CAUTIONS[f.kind] for f in rules.relevant_flags(flags)}
    electro_allowed = Caution.PACEMAKER not in present
    screening = Screening.objects.create(
        clinic=clinic, patient=patient, plan=plan, practitioner=physio, screened_at=assessed_at, created_by=user
    )
    ScreeningItem.objects.bulk_create(
        ScreeningItem(
            screening=screening,
            caution=caution,
            present=caution in present,
            decision=(CautionDecision.NO_ELECTRO if caution == Caution.PACEMAKER else CautionDecision.PRECAUTIONS)
            if caution in present
            else "",
            note="Drøftet med pasienten; færre og tynnere nåler, god kompresjon." if caution in present else "",
        )
        for caution in Caution.values
    )
    screening.risk_flags.set(rules.relevant_flags(flags))

    common = {"clinic": clinic, "patient": patient, "episode": episode, "recorded_by": user}
    measurements = [
        _measure(
            {**common, "measured_at": assessed_at},
            Instrument.NPRS,
            Phase.BASELINE,
            0,
            7,
            f"needling.assessment:{assessment.pk}",
        )
    ]
    measurements += [
        _measure(
            {**common, "measured_at": assessed_at},
            Instrument.PSFS,
            Phase.BASELINE,
            0,
            goal.baseline,
            f"needling.plan:{plan.pk}",
            item_key=goal.item_key,
            item_label=goal.activity,
        )
        for goal in goals
    ]
    actor = Actor(user=user, clinic=clinic, role="physio")
    for number, (kind, before, after, psfs_1, psfs_2, minutes, electro) in enumerate(SESSIONS, start=1):
        day = start + datetime.timedelta(days=7 * number)
        occurred = _at(day, 10)
        if kind == SessionKind.TENS and not electro_allowed:
            kind = SessionKind.NEEDLING
        session = Session.objects.create(
            clinic=clinic,
            patient=patient,
            episode=episode,
            plan=plan,
            screening=screening,
            practitioner=physio,
            kind=kind,
            number=number,
            occurred_at=occurred,
            inserted_at=occurred + datetime.timedelta(minutes=5),
            removed_at=occurred + datetime.timedelta(minutes=5 + minutes),
            sensation=Sensation.EXPECTED,
            pain_during=2 if number > 1 else 3,
            response="Kjente trykk og dump verk der nålene sto; ingen skarp smerte. Avslappet etterpå.",
            created_by=user,
        )
        sites, channels, electrodes, tens = _treatment(session, minutes, electro and electro_allowed)
        measured = {**common, "measured_at": occurred}
        session_scores = [
            _measure(measured, Instrument.NPRS, Phase.BEFORE, number, before, session.source),
            _measure(measured, Instrument.NPRS, Phase.AFTER, number, after, session.source),
        ] + [
            _measure(
                measured,
                Instrument.PSFS,
                Phase.BEFORE,
                number,
                value,
                session.source,
                item_key=g.item_key,
                item_label=g.activity,
            )
            for g, value in zip(goals, (psfs_1, psfs_2), strict=True)
        ]
        measurements += session_scores
        effects = _side_effects(session, actor, number)
        sections = session_note_sections(
            session=session,
            sites=sites,
            channels=channels,
            electrodes=electrodes,
            tens=tens,
            measurements=session_scores,
            side_effects=effects,
            time_warning=rules.needle_time_over_limit(
                inserted_at=session.inserted_at,
                removed_at=session.removed_at,
                limit_minutes=clinic.needle_time_limit_minutes,
            ),
        )
        encounter = Encounter.objects.create(
            clinic=clinic,
            patient=patient,
            episode=episode,
            contact_type=ContactType.IN_PERSON,
            occurred_at=occurred,
            created_by=user,
        )
        signed_at = occurred + datetime.timedelta(minutes=45)
        note = Note.objects.create(
            clinic=clinic, patient=patient, encounter=encounter, author=physio, signed_at=signed_at, **sections
        )
        session.note, session.signed_at = note, signed_at
        session.save(update_fields=["note", "signed_at"])
        if kind == SessionKind.TENS:
            TensLoan.objects.create(
                clinic=clinic,
                patient=patient,
                plan=plan,
                device="TENS-apparat nr. 2",
                serial_number="TN-0002",
                mode=TensMode.CONVENTIONAL,
                instructions="30 minutter inntil tre ganger daglig; elektrodene som i behandlingen.",
                lent_on=day,
                due_on=day + datetime.timedelta(days=21),
                returned_on=day + datetime.timedelta(days=20),
                lent_by=physio,
                created_by=user,
            )
    end = start + datetime.timedelta(days=7 * (len(SESSIONS) + 1))
    end_common = {**common, "measured_at": _at(end, 10)}
    occasion = len(SESSIONS) + 1
    source = f"needling.plan:{plan.pk}:end"
    measurements += [
        _measure(end_common, Instrument.PGIC, Phase.END, occasion, 6, source),
        _measure(end_common, Instrument.NPRS, Phase.END, occasion, 2, source),
    ] + [
        _measure(
            end_common, Instrument.PSFS, Phase.END, occasion, 8, source, item_key=g.item_key, item_label=g.activity
        )
        for g in goals
    ]
    Measurement.objects.bulk_create(measurements)
    plan.completed_on = end
    plan.save(update_fields=["completed_on"])
    episode.ended_on = end
    episode.save(update_fields=["ended_on"])
    return plan


def _treatment(session: Session, minutes: int, electro: bool):
    """Needles (all removed) and stimulation, or TENS electrodes and parameters, for one session."""
    sites: list[NeedleSite] = []
    channels: list[ElectroChannel] = []
    electrodes: list[TensElectrode] = []
    tens = None
    if session.kind == SessionKind.TENS:
        for number, side in enumerate(("right", "left"), start=1):
            x, y = bodychart.centre("upper_trapezius", side)
            electrodes.append(
                TensElectrode.objects.create(
                    session=session, number=number, region="upper_trapezius", side=side, view="back", x=x, y=y
                )
            )
        tens = TensSetting.objects.create(
            session=session,
            mode=TensMode.CONVENTIONAL,
            frequency_hz=100,
            pulse_width_us=200,
            intensity_ma=Decimal("18.0"),
            duration_minutes=minutes,
        )
        return sites, channels, electrodes, tens
    for number, (region, side) in enumerate(NEEDLES[: 3 if session.number % 2 else 4], start=1):
        x, y = bodychart.centre(region, side)
        sites.append(
            NeedleSite.objects.create(
                session=session,
                number=number,
                region=region,
                side=side,
                view=bodychart.BY_CODE[region].view,
                x=x,
                y=y,
                length_mm=30 if region != "upper_trapezius" else 25,
                gauge_mm=Decimal("0.25"),
                depth_mm=15,
                technique=Technique.TRIGGER_POINT if region == "upper_trapezius" else Technique.DRY_NEEDLING,
                stimulation=Stimulation.ELECTRICAL if electro and number <= 2 else Stimulation.MANUAL,
                state=SiteState.REMOVED,
                inserted_at=session.inserted_at,
                removed_at=session.removed_at,
            )
        )
    if electro:
        channels.append(
            ElectroChannel.objects.create(
                session=session,
                site_a=sites[0],
                site_b=sites[1],
                frequency_hz=2,
                pulse_width_us=250,
                intensity_ma=Decimal("4.5"),
                waveform=Waveform.DENSE_DISPERSE,
                duration_minutes=minutes - 2,
            )
        )
    return sites, channels, electrodes, tens


def _side_effects(session: Session, actor: Actor, number: int) -> list[SideEffect]:
    """Soreness after the first session; a vasovagal reaction in the second, reported as a deviation (NAL-7)."""
    if number == 1:
        return [
            SideEffect.objects.create(
                clinic=session.clinic,
                patient=session.patient,
                session=session,
                kind=SideEffectKind.SORENESS,
                severity=SideEffectSeverity.LOW,
                occurred_at=session.removed_at + datetime.timedelta(hours=6),
                description="Øm i nakken resten av dagen, borte neste morgen.",
                recorded_by=session.practitioner,
                created_by=actor.user,
            )
        ]
    if number != 2:
        return []
    effect = SideEffect.objects.create(
        clinic=session.clinic,
        patient=session.patient,
        session=session,
        kind=SideEffectKind.VASOVAGAL,
        severity=SideEffectSeverity.SERIOUS,
        occurred_at=session.inserted_at + datetime.timedelta(minutes=3),
        description="Ble blek og kaldsvett og besvimte kort da nålene var satt.",
        action_taken="Nålene fjernet, leiet flatt med bena høyt; våken etter under ett minutt, blodtrykk normalt.",
        recorded_by=session.practitioner,
        created_by=actor.user,
    )
    effect.deviation = deviation_report(
        actor=actor,
        category="needling",
        severity=effect.severity,
        occurred_at=effect.occurred_at,
        description=f"{effect.get_kind_display()}: {effect.description}",
        immediate_action=effect.action_taken,
        patient=session.patient,
        source=f"needling.sideeffect:{effect.pk}",
    )
    effect.save(update_fields=["deviation"])
    FollowUp.objects.create(
        clinic=session.clinic,
        patient=session.patient,
        side_effect=effect,
        assigned_to=session.practitioner,
        task="Ring pasienten dagen etter besvimelsen",
        due_on=session.occurred_at.date() + datetime.timedelta(days=1),
        done_at=session.occurred_at + datetime.timedelta(days=1),
        done_by=actor.user,
        outcome="Ringt: i fin form, vil fortsette. Neste gang behandles pasienten liggende fra start.",
    )
    return [effect]
