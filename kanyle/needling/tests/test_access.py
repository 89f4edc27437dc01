"""Every needle-treatment URL for every persona, as the project's role × URL matrix walks it.

Physios record (``can_record_needling``), clinicians read (``can_view_journal``), reception and the
administrator see no clinical content; a user of another clinic gets 404 for clinic A's objects and never
sees a trace of them; anonymous users are sent to the login page, except on the pages for patients.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from conftest import login
from kanyle.clinics.access import PUBLIC, has_capability
from kanyle.needling.tests.factories import matrix_sample

SENTINEL = "Sentinelius"

# URL name → (access level, which sample object its arguments point at).
SPEC = {
    "course": ("can_view_journal", lambda s: {"episode_id": s.episode_id}),
    "assessment-create": ("can_record_needling", lambda s: {"episode_id": s.episode_id}),
    "plan-create": ("can_record_needling", lambda s: {"episode_id": s.episode_id}),
    "outcome-chart": ("can_view_journal", lambda s: {"episode_id": s.episode_id}),
    "plan-decision": ("can_record_needling", lambda s: {"pk": s.plan_id}),
    "screening-create": ("can_record_needling", lambda s: {"pk": s.plan_id}),
    "course-complete": ("can_record_needling", lambda s: {"pk": s.plan_id}),
    "session-create": ("can_record_needling", lambda s: {"pk": s.plan_id}),
    "loan-create": ("can_record_needling", lambda s: {"pk": s.plan_id}),
    "session": ("can_view_journal", lambda s: {"pk": s.session_id}),
    "session-save": ("can_record_needling", lambda s: {"pk": s.session_id}),
    "site-add": ("can_record_needling", lambda s: {"pk": s.session_id}),
    "channel-add": ("can_record_needling", lambda s: {"pk": s.session_id}),
    "tens-save": ("can_record_needling", lambda s: {"pk": s.session_id}),
    "electrode-add": ("can_record_needling", lambda s: {"pk": s.session_id}),
    "side-effect-create": ("can_write_journal", lambda s: {"pk": s.session_id}),
    "site-remove": ("can_record_needling", lambda s: {"pk": s.site_id}),
    "site-missing": ("can_record_needling", lambda s: {"pk": s.site_id}),
    "channel-remove": ("can_record_needling", lambda s: {"pk": s.channel_id}),
    "electrode-remove": ("can_record_needling", lambda s: {"pk": s.electrode_id}),
    "follow-up-list": ("can_view_journal", None),
    "follow-up-done": ("can_write_journal", lambda s: {"pk": s.follow_up_id}),
    "loan-return": ("can_record_needling", lambda s: {"pk": s.loan_id}),
    "competence-list": (PUBLIC, lambda s: {"clinic_slug": s.clinic_slug}),
    "competence": (PUBLIC, lambda s: {"clinic_slug": s.clinic_slug, "pk": s.practitioner_id}),
    "patient-info": (PUBLIC, lambda s: {"clinic_slug": s.clinic_slug}),
    "patient-info-pdf": ("member", None),
}


def _patterns():
    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if getattr(entry, "namespace", None) == "needling":
            return {p.name: p for p in entry.url_patterns}
    raise AssertionError("the needling URLs are not included")


def test_every_needling_url_is_specified_and_declares_its_access():
    patterns = _patterns()
    assert set(patterns) == set(SPEC)
    declared = {
        name: getattr(pattern.callback, "kanyle_access", "").removeprefix("capability:")
        for name, pattern in patterns.items()
    }
    assert declared == {name: spec[0] for name, spec in SPEC.items()}


def _expected(access: str, persona, has_object: bool) -> set[int]:
    if access == PUBLIC:
        return {200}
    if persona is None:
        return {302}
    if access == "member":
        return {200}
    if not has_capability(persona.role, access):
        return {403}
    if persona.name == "outsider" and has_object:
        return {404}
    return {200, 302, 400}


@pytest.mark.parametrize("persona_name", ["anonymous", "physio", "doctor", "admin", "reception", "outsider"])
def test_role_url_matrix_for_needle_treatment(persona_name, personas, patient_a, practitioner_a, clock):
    sample = matrix_sample(patient_a, practitioner_a, text=SENTINEL)
    persona = personas.get(persona_name)
    failures = []
    for name, (access, kwargs_for) in SPEC.items():
        kwargs = kwargs_for(sample) if kwargs_for else {}
        url = reverse(f"needling:{name}", kwargs=kwargs)
        client = login(Client(), persona) if persona else Client()
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        expected = _expected(access, persona, bool(kwargs) and access != PUBLIC)
        if response.status_code not in expected:
            failures.append(f"{name}: {response.status_code}, expected {sorted(expected)}")
        if persona_name == "outsider" and SENTINEL.encode() in response.content:
            failures.append(f"{name}: shows clinic A's data to a user of clinic B")
        if persona is None and access != PUBLIC and not response["Location"].startswith(reverse("accounts:login")):
            failures.append(f"{name}: anonymous user not sent to the login page")
    assert not failures, "\n".join(failures)
