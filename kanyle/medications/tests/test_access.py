"""Every drug-handling URL for every persona: reception has no access, a physio reads and receives stock but does
not manage the catalogue or run a recall, another clinic's drug or batch is 404 and never shown."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver, reverse

from conftest import make_persona
from kanyle.clinics.access import has_capability
from kanyle.clinics.models import Role
from kanyle.medications.tests.factories import BatchFactory, DrugFactory

SENTINEL = "Sentinelius"

# URL name → (capability, kwargs from the sample).
SPEC = {
    "drug-list": ("can_view_medications", None),
    "drug-create": ("can_manage_medications", None),
    "drug-detail": ("can_view_medications", lambda s: {"pk": s["drug"].pk}),
    "drug-edit": ("can_manage_medications", lambda s: {"pk": s["drug"].pk}),
    "batch-receive": ("can_receive_stock", lambda s: {"pk": s["drug"].pk}),
    "batch-detail": ("can_view_medications", lambda s: {"pk": s["batch"].pk}),
    "batch-discard": ("can_manage_medications", lambda s: {"pk": s["batch"].pk}),
    "recall": ("can_recall_search", None),
}
MANAGE = [
    name for name, (capability, _) in SPEC.items() if capability in ("can_manage_medications", "can_recall_search")
]


@pytest.fixture
def sample(clinic_a, doctor):
    drug = DrugFactory(clinic=clinic_a, created_by=doctor.user, name=SENTINEL)
    return {"drug": drug, "batch": BatchFactory(drug=drug, lot_number="SENT-1")}


def _url(name: str, sample) -> str:
    kwargs = SPEC[name][1]
    return reverse(f"medications:{name}", kwargs=kwargs(sample) if kwargs else None)


def test_every_medications_url_is_specified_and_declares_its_capability():
    for entry in get_resolver().url_patterns:
        if getattr(entry, "namespace", None) == "medications":
            patterns = {p.name: p for p in entry.url_patterns}
            break
    else:
        raise AssertionError("the medications URLs are not included")
    assert set(patterns) == set(SPEC)
    for name, pattern in patterns.items():
        assert pattern.callback.kanyle_access == f"capability:{SPEC[name][0]}", name


@pytest.mark.parametrize("name", list(SPEC))
def test_reception_is_refused_every_drug_page(client_as, reception, sample, name):
    client = client_as(reception)
    assert client.get(_url(name, sample)).status_code == 403
    assert client.post(_url(name, sample), {}).status_code in (403, 405)


@pytest.mark.parametrize("name", MANAGE)
def test_a_physio_is_refused_the_manage_and_recall_pages(client_as, physio, sample, name):
    client = client_as(physio)
    assert client.get(_url(name, sample)).status_code == 403
    assert client.post(_url(name, sample), {"quantity": "1", "reason": "x", "name": "x"}).status_code in (403, 405)
    sample["batch"].refresh_from_db()
    assert sample["batch"].quantity_on_hand == 10


@pytest.mark.parametrize("name", [n for n in SPEC if n not in MANAGE])
def test_a_physio_reads_the_catalogue_and_receives_stock(client_as, physio, sample, name):
    assert client_as(physio).get(_url(name, sample)).status_code == 200


@pytest.mark.parametrize("name", list(SPEC))
def test_doctor_and_admin_open_every_page(client_as, doctor, admin, sample, name):
    for persona in (doctor, admin):
        assert client_as(persona).get(_url(name, sample)).status_code == 200, persona.name


@pytest.mark.parametrize("name", [n for n, (_, kwargs) in SPEC.items() if kwargs])
def test_another_clinics_drug_or_batch_is_not_found(client_as, outsider, clinic_b, sample, name):
    """The outsider is a physio; a doctor of clinic B, who has every capability here, is tried too."""
    other_doctor = make_persona("doctor_b", clinic_b, Role.DOCTOR)
    for persona in (outsider, other_doctor):
        if not has_capability(persona.role, SPEC[name][0]):
            continue
        client = client_as(persona)
        assert client.get(_url(name, sample)).status_code == 404, persona.name
        assert client.post(_url(name, sample), {"quantity": "1", "reason": "Knust"}).status_code in (404, 405)
    sample["batch"].refresh_from_db()
    assert sample["batch"].quantity_on_hand == 10


def test_another_clinic_sees_nothing_of_clinic_a_in_its_lists(client_as, outsider, clinic_b, sample):
    other_doctor = make_persona("doctor_b", clinic_b, Role.DOCTOR)
    assert SENTINEL not in client_as(outsider).get(reverse("medications:drug-list")).content.decode()
    recall = client_as(other_doctor).get(reverse("medications:recall"), {"lot": "SENT-1"})
    assert recall.status_code == 200
    assert SENTINEL not in recall.content.decode() and not recall.context["batch_rows"]


def test_anonymous_users_are_sent_to_login(sample):
    login_url = reverse(settings.LOGIN_URL) if ":" in settings.LOGIN_URL else settings.LOGIN_URL
    for name in SPEC:
        response = Client().get(_url(name, sample))
        assert response.status_code == 302 and response.url.startswith(login_url), name
