"""The demo course: completed, consistent with every rule, and its outcome curve improves."""

from __future__ import annotations

from django.urls import reverse

from kanyle.journal.models import Note
from kanyle.needling import rules
from kanyle.needling.demo import create_demo_needling
from kanyle.needling.models import FollowUp, SessionKind, SiteState, TensLoan
from kanyle.outcomes.models import Instrument, Measurement, Phase
from kanyle.patients.models import RiskKind
from kanyle.patients.tests.factories import RiskFlagFactory
from kanyle.quality.models import Deviation


def test_the_demo_course_is_complete_signed_and_improving(client_as, physio, patient_a, practitioner_a):
    plan = create_demo_needling(clinic=patient_a.clinic, physio=practitioner_a, patient=patient_a)

    assert plan.is_agreed and plan.completed_on is not None and plan.episode.ended_on == plan.completed_on
    sessions = list(plan.sessions.order_by("number"))
    assert len(sessions) == 6 and all(s.is_signed and s.note.is_signed for s in sessions)
    assert {s.kind for s in sessions} == {SessionKind.NEEDLING, SessionKind.TENS}
    assert not plan.sessions.filter(sites__state=SiteState.IN).exists()
    assert Note.objects.filter(patient=patient_a, signed_at__isnull=False).count() == 6
    deviation = Deviation.objects.get(patient=patient_a)
    assert deviation.severity == "serious" and deviation.source.startswith("needling.sideeffect:")
    assert FollowUp.objects.get().done_at is not None and TensLoan.objects.get().returned_on is not None
    assert rules.practitioner_competent(practitioner=practitioner_a, on=plan.completed_on)
    pain = list(
        Measurement.objects.filter(instrument=Instrument.NPRS, phase=Phase.BEFORE).values_list("value", flat=True)
    )
    assert pain == sorted(pain, reverse=True) and pain[0] > pain[-1]
    assert Measurement.objects.get(instrument=Instrument.PGIC).value == 6
    # Running it again changes nothing.
    assert create_demo_needling(clinic=patient_a.clinic, physio=practitioner_a, patient=patient_a) == plan
    page = client_as(physio).get(reverse("needling:course", args=[plan.episode_id]))
    assert page.status_code == 200 and page.context["chart"].pgic.value == 6


def test_the_demo_gives_no_current_to_a_patient_with_a_pacemaker(patient_a, practitioner_a):
    RiskFlagFactory(patient=patient_a, kind=RiskKind.PACEMAKER)

    plan = create_demo_needling(clinic=patient_a.clinic, physio=practitioner_a, patient=patient_a)

    assert not plan.sessions.filter(kind=SessionKind.TENS).exists()
    assert not plan.sessions.filter(channels__isnull=False).exists()
    assert not TensLoan.objects.exists()
