"""Fictitious record histories for the demo clinic: referrals, episodes and signed notes."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from kanyle.journal.models import (
    Amendment,
    ContactType,
    DiagnosisCode,
    Encounter,
    Episode,
    EpisodeKind,
    Note,
    NoteDiagnosis,
    Referral,
    ReferralSource,
    ReferralStatus,
)

COURSES = [
    {
        "title": "Skuldersmerter høyre side",
        "kind": EpisodeKind.GENERAL,
        "codes": [("icpc2", "L92"), ("icd10", "M754")],
        "referral": "Smerter i høyre skulder ved løft over hodet i tre måneder. Ønsker vurdering og behandling.",
        "notes": [
            (
                "Smerter i høyre skulder ved løft over hodet, verst om natten. Kontorarbeid.",
                "Smertefull bue 70–120°, positiv Hawkins-Kennedy, full passiv bevegelighet.",
                "Forenlig med subacromialt smertesyndrom.",
                "Øvelser for rotatorcuff og skulderblad.",
                "Informert om forventet forløp og belastningsstyring.",
                "Kontroll om to uker.",
            ),
            (
                "Noe bedre, sover bedre. Gjør øvelsene daglig.",
                "Smertefull bue 90–120°, bedre kraft i utadrotasjon.",
                "God fremgang.",
                "Progresjon av øvelser med strikk.",
                "",
                "Ny kontroll om tre uker.",
            ),
        ],
    },
    {
        "title": "Korsryggsmerter",
        "kind": EpisodeKind.GENERAL,
        "codes": [("icpc2", "L03"), ("icd10", "M545")],
        "referral": "",
        "notes": [
            (
                "Akutte korsryggsmerter etter hagearbeid for ti dager siden. Ingen utstråling.",
                "Nedsatt fleksjon, negativ Lasègue, normal nevrologi.",
                "Uspesifikke korsryggsmerter.",
                "Veiledning, bevegelsesøvelser.",
                "Informert om god prognose og å holde seg i aktivitet.",
                "Kontroll ved behov.",
            ),
        ],
    },
    {
        "title": "Lateral epikondylalgi",
        "kind": EpisodeKind.NEEDLING,
        "codes": [("icpc2", "L93"), ("icd10", "M771")],
        "referral": "Tennisalbue venstre side i fem måneder uten bedring av avlastning.",
        "notes": [
            (
                "Smerter lateralt i venstre albue ved grep, fem måneder.",
                "Palpasjonsøm laterale epikondyl, smerte ved resistert ekstensjon av håndledd.",
                "Lateral epikondylalgi. Nålebehandling drøftet med pasienten, som ønsker å prøve.",
                "Eksentriske øvelser.",
                "Informert om nålebehandling, forventet ubehag og bivirkninger.",
                "Oppstart nålebehandling neste time.",
            ),
        ],
    },
]


def _code(system: str, code: str) -> DiagnosisCode | None:
    return DiagnosisCode.objects.filter(system=system, code=code).first()


def create_demo_histories(*, clinic: Any, patients: list[Any], physio: Any, doctor: Any, seed: int = 7) -> None:
    """Give some demo patients a referral, an episode and signed notes; one note has a correction."""
    rng = random.Random(seed)
    now = timezone.now()
    for index, patient in enumerate(patients):
        course = COURSES[index % len(COURSES)]
        started = timezone.localdate() - datetime.timedelta(days=rng.randint(20, 120))
        referral = None
        if course["referral"] and patient.gp_name:
            referral = Referral.objects.create(
                clinic=clinic,
                patient=patient,
                source=ReferralSource.GP,
                referrer_name=patient.gp_name,
                referrer_hpr=patient.gp_hpr_number,
                referrer_practice=patient.gp_practice,
                reason=course["referral"],
                received_on=started - datetime.timedelta(days=5),
                status=ReferralStatus.ACCEPTED,
                decided_by=physio.user,
                decided_at=now,
                created_by=physio.user,
            )
        episode = Episode.objects.create(
            clinic=clinic,
            patient=patient,
            kind=course["kind"],
            title=course["title"],
            responsible=physio,
            referral=referral,
            started_on=started,
            goals="Mindre smerte og bedre funksjon i hverdagen.",
            created_by=physio.user,
        )
        for number, sections in enumerate(course["notes"]):
            encounter = Encounter.objects.create(
                clinic=clinic,
                patient=patient,
                episode=episode,
                contact_type=ContactType.IN_PERSON,
                occurred_at=timezone.make_aware(
                    datetime.datetime.combine(started + datetime.timedelta(days=14 * number), datetime.time(9 + number))
                ),
                created_by=physio.user,
            )
            note = Note.objects.create(
                clinic=clinic,
                patient=patient,
                encounter=encounter,
                author=physio,
                reason=sections[0],
                findings=sections[1],
                assessment=sections[2],
                interventions=sections[3],
                information=sections[4],
                plan=sections[5],
            )
            # Diagnoses first: once a note is signed, PostgreSQL refuses any change to them (LAW-J).
            NoteDiagnosis.objects.bulk_create(
                NoteDiagnosis(note=note, code=code, position=i)
                for i, code in enumerate(filter(None, (_code(*c) for c in course["codes"])))
            )
            Note.objects.filter(pk=note.pk).update(signed_at=encounter.occurred_at)
            if index == 0 and number == 0:
                Amendment.objects.create(
                    clinic=clinic,
                    note=note,
                    author=physio,
                    reason="Feil side registrert i funn",
                    text="Funnene gjelder høyre skulder; venstre skulder er uten funn.",
                )
    # One unsigned draft on the physio's dashboard, and a new referral in the worklist.
    if patients:
        patient = patients[-1]
        encounter = Encounter.objects.create(
            clinic=clinic,
            patient=patient,
            contact_type=ContactType.PHONE,
            occurred_at=now,
            created_by=physio.user,
        )
        Note.objects.create(
            clinic=clinic,
            patient=patient,
            encounter=encounter,
            author=physio,
            reason="Telefon: spør om ny time, økte smerter siste uke.",
        )
        Referral.objects.create(
            clinic=clinic,
            patient=patients[0],
            source=ReferralSource.SELF,
            reason="Ønsker vurdering av knesmerter.",
            received_on=timezone.localdate(),
            created_by=physio.user,
        )
