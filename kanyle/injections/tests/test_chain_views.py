"""Pages of the chain's first half: what each role sees and may do; refusals show the rule, nothing is saved."""

from __future__ import annotations

import base64
import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.injections.models import (
    Assessment,
    Consent,
    ConsentText,
    DrugOrder,
    InjectionEpisode,
    Status,
    UltrasoundExam,
)
from kanyle.injections.tests import factories
from kanyle.injections.tests.factories import (
    add_assessment,
    add_consent,
    add_exam,
    add_order,
    make_competent,
    make_drug,
    start_episode,
)
from kanyle.journal.models import Attachment, Note
from kanyle.journal.tests.factories import ReferralFactory
from kanyle.journal.tests.files import png_bytes
from kanyle.patients.tests.factories import PatientFactory, RiskFlagFactory
from kanyle.staff.models import CredentialKind
from kanyle.staff.tests.factories import PractitionerFactory

pytestmark = pytest.mark.django_db

# The chain's fixtures: the doctor's and the physio's practitioner, an episode they started for patient_a.
doc, phys, ie = factories.doc, factories.phys, factories.ie


def shows(response, message) -> bool:
    html = response.content.decode()
    return escape(str(message)) in html or str(message) in html


@pytest.fixture
def examined(ie, phys):
    add_exam(ie, phys)
    return ie


@pytest.fixture
def assessed(examined, doc):
    add_assessment(examined, doc)
    return examined


@pytest.fixture
def consented(assessed, doc):
    add_consent(assessed, doc)
    return assessed


@pytest.fixture
def drug(doctor):
    return make_drug(doctor.clinic, doctor.user)


def url(name: str, ie=None, **kwargs) -> str:
    if ie is not None:
        kwargs["pk"] = ie.pk
    return reverse(f"injections:{name}", kwargs=kwargs or None)


# Access -----------------------------------------------------------------------------------------------

EPISODE_PAGES = (
    "episode",
    "exam-create",
    "assessment-create",
    "consent-create",
    "consent-withdraw",
    "episode-exit",
    "order-create",
)


@pytest.mark.parametrize("persona", ["reception", "admin"])
def test_reception_and_admin_get_403_on_every_chain_page(request, client_as, persona, consented, drug):
    client = client_as(request.getfixturevalue(persona))
    order = add_order(consented, consented.doctor, drug)
    pages = [url(name, consented) for name in EPISODE_PAGES]
    pages += [url("episode-list"), url("episode-start"), url("consent-text-create"), url("order-cancel", pk=order.pk)]
    for page in pages:
        assert client.get(page).status_code == 403, page
        assert client.post(page, {"reason": "x"}).status_code == 403, page
    consented.refresh_from_db()
    assert consented.status == Status.ORDERED


def test_outsider_gets_404_for_another_clinics_episode(client_as, outsider, consented, drug):
    client = client_as(outsider)
    order = add_order(consented, consented.doctor, drug)
    for name in ("episode", "exam-create", "consent-withdraw", "episode-exit"):
        assert client.get(url(name, consented)).status_code == 404, name
    assert client.post(url("exam-create", consented), {"structures": "x"}).status_code == 404
    assert client.get(url("consent-signature", pk=Consent.objects.get().pk)).status_code == 404
    assert client.get(url("episode-start") + f"?patient={consented.patient_id}").status_code == 404
    assert order.pk


# Worklist and start -----------------------------------------------------------------------------------


def test_episode_list_shows_the_users_own_episodes_first(client_as, doctor, doc, patient_a, clinic_a):
    colleague = PractitionerFactory(clinic=clinic_a, profession="doctor")
    mine = start_episode(patient_a, doc, None)
    theirs = start_episode(PatientFactory(clinic=clinic_a, created_by=doctor.user), colleague, None)

    response = client_as(doctor).get(url("episode-list"))

    assert response.status_code == 200
    assert [r.pk for r in response.context["episodes"]] == [mine.pk, theirs.pk]
    assert AuditEvent.objects.filter(action="injections.episode.listed", patient=patient_a).exists()


def test_episode_list_filters_by_status(client_as, doctor, ie, examined):
    client = client_as(doctor)
    assert [e.pk for e in client.get(url("episode-list"), {"status": "examined"}).context["episodes"]] == [ie.pk]
    assert client.get(url("episode-list"), {"status": "referred"}).context["episodes"] == []


def test_inj_g1_start_page_lists_the_patients_referrals_and_starts_the_episode(client_as, doctor, doc, phys, patient_a):
    referral = ReferralFactory(patient=patient_a, reason="Skuldersmerter høyre")
    client = client_as(doctor)

    page = client.get(url("episode-start") + f"?patient={patient_a.pk}")
    assert page.status_code == 200
    assert shows(page, "Skuldersmerter høyre")

    response = client.post(
        url("episode-start") + f"?patient={patient_a.pk}",
        {"referral": referral.pk, "doctor": doc.pk, "physio": phys.pk, "title": ""},
    )
    ie = InjectionEpisode.objects.get()
    assert response.status_code == 302 and response["Location"] == url("episode", ie)
    assert ie.doctor == doc and ie.physio == phys and ie.status == Status.REFERRED


def test_inj_g1_self_referral_is_refused_with_the_rule_and_nothing_saved(client_as, doctor, doc, patient_a):
    referral = ReferralFactory(patient=patient_a, self_referral=True)

    response = client_as(doctor).post(
        url("episode-start") + f"?patient={patient_a.pk}", {"referral": referral.pk, "doctor": doc.pk}
    )

    assert response.status_code == 400
    assert shows(
        response,
        gettext(
            "This clinic does not accept self-referrals for injection treatment; a doctor or other health "
            "professional must refer the patient."
        ),
    )
    assert InjectionEpisode.objects.count() == 0


def test_inj_g4_unknown_gp_is_shown_and_blocks_the_start(client_as, doctor, doc, patient_a):
    patient_a.gp_name = ""
    patient_a.save()
    referral = ReferralFactory(patient=patient_a)
    client = client_as(doctor)
    message = gettext(
        "Record the patient's GP, or that the patient has none, before starting: the GP is always informed."
    )

    assert shows(client.get(url("episode-start") + f"?patient={patient_a.pk}"), message)
    response = client.post(
        url("episode-start") + f"?patient={patient_a.pk}", {"referral": referral.pk, "doctor": doc.pk}
    )
    assert response.status_code == 400 and shows(response, message)
    assert InjectionEpisode.objects.count() == 0


# The episode page ----------------------------------------------------------------------------------------


def test_episode_page_shows_progress_gp_risk_flags_and_is_audited(client_as, doctor, consented, patient_a):
    RiskFlagFactory(patient=patient_a, kind="diabetes")

    response = client_as(doctor).get(url("episode", consented))

    assert response.status_code == 200
    states = {step.status: step.state for step in response.context["steps"]}
    assert states["assessed"] == "done" and states["consented"] == "current" and states["ordered"] == "next"
    assert shows(response, patient_a.gp_name)
    assert shows(response, gettext("Diabetes"))
    assert response.context["actions"]["order"] is True
    assert AuditEvent.objects.filter(action="injections.episode.viewed", patient=patient_a).count() == 1
    templates = {t.name for t in response.templates}
    assert {"injections/_episode_procedure.html", "injections/_episode_reports.html"} <= templates


def test_episode_page_physio_sees_no_doctor_actions(client_as, physio, consented):
    actions = client_as(physio).get(url("episode", consented)).context["actions"]
    assert not actions["order"] and not actions["consent"] and not actions["assessment"]
    assert actions["withdraw"] and actions["decline"]


def test_episode_page_shows_an_exit_in_the_progress_bar(client_as, doctor, consented, physio):
    client_as(physio).post(url("consent-withdraw", consented), {"reason": "Ombestemt seg."})

    response = client_as(doctor).get(url("episode", consented))

    states = {step.status: step.state for step in response.context["steps"]}
    assert states["withdrawn"] == "exit" and states["consented"] == "done" and states["ordered"] == "skipped"
    assert response.context["actions"] == {}
    assert shows(response, "Ombestemt seg.")


def _with_many_steps(ie, doc, phys, drug, *, extra: int) -> None:
    add_exam(ie, phys)
    for _ in range(extra):
        add_exam(ie, phys)
        add_assessment(ie, doc)
        add_consent(ie, doc)
        order = add_order(ie, doc, drug)
        DrugOrder.objects.filter(pk=order.pk).update(cancelled_at=timezone.now(), cancelled_reason="Ny")
    add_assessment(ie, doc)
    add_consent(ie, doc)
    add_order(ie, doc, drug)


def test_episode_page_query_count_does_not_grow_with_more_steps(client_as, doctor, doc, phys, patient_a, drug):
    few = start_episode(patient_a, doc, phys)
    _with_many_steps(few, doc, phys, drug, extra=0)
    many = start_episode(patient_a, doc, phys)
    _with_many_steps(many, doc, phys, drug, extra=3)
    exam = many.exams.first()
    for n in range(3):
        Attachment.objects.create(
            clinic=many.clinic,
            patient=patient_a,
            encounter=exam.note.encounter,
            file=SimpleUploadedFile(f"u{n}.png", png_bytes()),
            title=f"Bilde {n}",
            original_name=f"u{n}.png",
            content_type="image/png",
            size=10,
            sha256="0" * 64,
            uploaded_by=doctor.user,
        )
    client = client_as(doctor)
    client.get(url("episode", few))  # warm the session and caches

    with CaptureQueriesContext(connection) as small:
        assert client.get(url("episode", few)).status_code == 200
    with CaptureQueriesContext(connection) as large:
        response = client.get(url("episode", many))
    assert response.status_code == 200
    assert len(response.context["orders"]) == 4
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 40


# Ultrasound exam (INJ-P1) --------------------------------------------------------------------------------

EXAM = {
    "structures": "Supraspinatus, subakromial bursa",
    "findings": "Fortykket bursa.",
    "measurements": "3 mm",
    "conclusion": "Bursitt.",
}


def test_inj_p1_physio_without_msk_ultrasound_cannot_record_the_exam(client_as, physio, ie):
    client = client_as(physio)
    assert client.get(url("exam-create", ie)).status_code == 200

    response = client.post(url("exam-create", ie), EXAM)

    assert response.status_code == 400
    assert shows(response, "(INJ-P1)")
    assert UltrasoundExam.objects.count() == 0 and Note.objects.count() == 0
    ie.refresh_from_db()
    assert ie.status == Status.REFERRED


def test_inj_p1_physio_with_msk_ultrasound_records_the_exam_with_images(client_as, physio, phys, ie):
    make_competent(phys, kinds=(CredentialKind.MSK_ULTRASOUND,))
    image = SimpleUploadedFile("lengde.png", png_bytes(), content_type="image/png")

    response = client_as(physio).post(url("exam-create", ie), {**EXAM, "images": [image]})

    assert response.status_code == 302
    ie.refresh_from_db()
    assert ie.status == Status.EXAMINED
    attachment = Attachment.objects.get()
    page = client_as(physio).get(url("episode", ie))
    assert shows(page, reverse("journal:attachment", args=[attachment.pk]))


def test_inj_p1_bad_exam_input_is_400_and_nothing_saved(client_as, doctor, ie):
    response = client_as(doctor).post(url("exam-create", ie), {**EXAM, "findings": ""})
    assert response.status_code == 400
    assert UltrasoundExam.objects.count() == 0


# Assessment (INJ-D1, INJ-D2) -----------------------------------------------------------------------------


def assessment_post(**overrides) -> dict:
    data = {
        "diagnoses": ["icpc2:L92"],
        "indication": "Smerter tross trening.",
        "target_structure": "Subakromial bursa",
        "side": "right",
        "infection_suspected": "no",
        "skin_lesion": "no",
        "prosthetic_joint": "no",
        "drug_allergy": "no",
        "anticoagulation": "no",
        "diabetes_poorly_controlled": "no",
        "pregnancy": "no",
        "risk_flags_reviewed": "on",
        "decision": "inject",
        "information_given": "Forklart.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_inj_d1_physio_cannot_assess(client_as, physio, examined):
    client = client_as(physio)
    assert client.get(url("assessment-create", examined)).status_code == 403
    assert client.post(url("assessment-create", examined), assessment_post()).status_code == 403
    assert Assessment.objects.count() == 0


def test_inj_d2_checklist_radios_have_no_default(client_as, doctor, examined):
    response = client_as(doctor).get(url("assessment-create", examined))
    assert response.status_code == 200
    form = response.context["form"]
    for field in form.checklist:
        assert field.value() in (None, ""), field.name
    assert "checked" not in str(form["infection_suspected"])


def test_inj_d1_the_doctor_signs_the_assessment(client_as, doctor, examined):
    response = client_as(doctor).post(url("assessment-create", examined), assessment_post())
    assert response.status_code == 302
    examined.refresh_from_db()
    assert examined.status == Status.ASSESSED
    assert Assessment.objects.get().diagnoses.get().code == "L92"


def test_inj_d1_diagnosis_required_shows_the_rule(client_as, doctor, examined):
    response = client_as(doctor).post(url("assessment-create", examined), assessment_post(diagnoses=[]))
    assert response.status_code == 400
    assert shows(response, gettext("Set at least one diagnosis (ICPC-2 or ICD-10)."))
    assert Assessment.objects.count() == 0


def test_inj_d2_unanswered_checklist_item_is_refused(client_as, doctor, examined):
    response = client_as(doctor).post(url("assessment-create", examined), assessment_post(pregnancy=None))
    assert response.status_code == 400
    assert Assessment.objects.count() == 0


def test_inj_d2_absolute_contraindication_blocks_inject_on_the_page(client_as, doctor, examined):
    response = client_as(doctor).post(url("assessment-create", examined), assessment_post(skin_lesion="yes"))
    assert response.status_code == 400
    assert shows(response, "(INJ-D2)")
    assert Assessment.objects.count() == 0


# Consent (INJ-D3, LAW-C) -----------------------------------------------------------------------------------


def consent_post(text: ConsentText, **overrides) -> dict:
    data = {
        "text": text.pk,
        "explained_benefit": "on",
        "explained_infection": "on",
        "explained_tendon_rupture": "on",
        "explained_skin_atrophy": "on",
        "explained_glucose": "on",
        "explained_allergy": "on",
        "explained_alternatives": "on",
        "method": "signature",
        "signature": "data:image/png;base64," + base64.b64encode(png_bytes(60, 20)).decode(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_inj_d3_physio_cannot_take_consent(client_as, physio, doctor, assessed):
    client = client_as(physio)
    assert client.get(url("consent-create", assessed)).status_code == 403
    text = ConsentText.objects.filter(clinic=assessed.clinic).first() or ConsentText.objects.create(
        clinic=assessed.clinic, version=1, title="t", body="b", created_by=doctor.user
    )
    assert client.post(url("consent-create", assessed), consent_post(text)).status_code == 403
    assert Consent.objects.count() == 0


def test_inj_d3_the_doctor_records_consent_signed_on_screen(client_as, doctor, assessed):
    client = client_as(doctor)
    page = client.get(url("consent-create", assessed))
    text = page.context["text"]
    assert shows(page, text.body.splitlines()[0])

    response = client.post(url("consent-create", assessed), consent_post(text))

    assert response.status_code == 302
    consent = Consent.objects.get()
    assessed.refresh_from_db()
    assert assessed.status == Status.CONSENTED
    signature = client.get(url("consent-signature", pk=consent.pk))
    assert signature["Content-Type"] == "image/png" and signature.content.startswith(b"\x89PNG")


def test_law_c_consent_needs_every_explanation(client_as, doctor, assessed):
    client = client_as(doctor)
    text = client.get(url("consent-create", assessed)).context["text"]

    response = client.post(url("consent-create", assessed), consent_post(text, explained_tendon_rupture=None))

    assert response.status_code == 400
    assert shows(response, "(LAW-C)")
    assert Consent.objects.count() == 0


def test_law_c_a_fake_signature_is_refused(client_as, doctor, assessed):
    client = client_as(doctor)
    text = client.get(url("consent-create", assessed)).context["text"]
    fake = "data:image/png;base64," + base64.b64encode(b"<svg onload=alert(1)>" * 10).decode()

    response = client.post(url("consent-create", assessed), consent_post(text, signature=fake))

    assert response.status_code == 400
    assert shows(response, gettext("The signature could not be read. Ask the patient to sign again."))
    assert Consent.objects.count() == 0


def test_law_c_new_consent_text_version(client_as, doctor, assessed):
    client = client_as(doctor)
    client.get(url("consent-create", assessed))
    response = client.post(
        url("consent-text-create") + f"?episode={assessed.pk}", {"title": "Samtykke", "body": "Ny versjon."}
    )
    assert response.status_code == 302 and response["Location"] == url("consent-create", assessed)
    assert list(ConsentText.objects.filter(clinic=assessed.clinic).values_list("version", flat=True)) == [2, 1]
    assert client.get(url("consent-create", assessed)).context["text"].version == 2


def test_law_c_physio_records_withdrawal_and_nothing_more_can_be_recorded(client_as, physio, doctor, consented, drug):
    response = client_as(physio).post(url("consent-withdraw", consented), {"reason": "Ønsker ikke likevel."})

    assert response.status_code == 302
    consented.refresh_from_db()
    assert consented.status == Status.WITHDRAWN
    assert Consent.objects.get().withdrawn_at is not None
    order = client_as(doctor).post(url("order-create", consented), order_post(drug))
    assert order.status_code == 400
    assert DrugOrder.objects.count() == 0


def test_law_c_withdrawal_without_reason_is_400(client_as, physio, consented):
    response = client_as(physio).post(url("consent-withdraw", consented), {"reason": ""})
    assert response.status_code == 400
    consented.refresh_from_db()
    assert consented.status == Status.CONSENTED


def test_law_c_the_patient_declines(client_as, physio, ie):
    response = client_as(physio).post(url("episode-exit", ie), {"reason": "Vil ikke ha sprøyte."})
    assert response.status_code == 302
    ie.refresh_from_db()
    assert ie.status == Status.DECLINED


# Drug order (INJ-D4, LAW-M, INJ-G3) ----------------------------------------------------------------------------


def order_post(drug, **overrides) -> dict:
    data = {
        "procedure_type": "corticosteroid",
        "drug": drug.pk if drug else "",
        "dose": "40",
        "volume_ml": "1",
        "target_structure": "Subakromial bursa",
        "side": "right",
        "approach": "In-plane",
        "ultrasound_guided": "on",
        "instructions": "",
        "valid_until": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_inj_d4_physio_posting_an_order_gets_403(client_as, physio, consented, drug):
    response = client_as(physio).post(url("order-create", consented), order_post(drug))
    assert response.status_code == 403
    assert DrugOrder.objects.count() == 0


def test_inj_d4_the_doctor_signs_the_order_prefilled_from_the_assessment(client_as, doctor, consented, drug):
    client = client_as(doctor)
    form = client.get(url("order-create", consented)).context["form"]
    assert form.initial["target_structure"] == "Subakromial bursa" and form.initial["side"] == "right"
    assert form.initial["valid_until"] == timezone.localdate() + datetime.timedelta(days=30)

    response = client.post(url("order-create", consented), order_post(drug))

    assert response.status_code == 302
    order = DrugOrder.objects.get()
    assert order.strength == drug.strength and order.dose_unit == drug.dose_unit
    consented.refresh_from_db()
    assert consented.status == Status.ORDERED


def test_inj_d4_a_tampered_drug_of_another_clinic_is_refused(client_as, doctor, outsider, consented):
    foreign = make_drug(outsider.clinic, outsider.user)
    response = client_as(doctor).post(url("order-create", consented), order_post(foreign))
    assert response.status_code == 400
    assert DrugOrder.objects.count() == 0


def test_inj_d4_dose_must_be_above_zero(client_as, doctor, consented, drug):
    response = client_as(doctor).post(url("order-create", consented), order_post(drug, dose="0"))
    assert response.status_code == 400
    assert shows(response, gettext("Choose the drug and a dose above zero."))
    assert DrugOrder.objects.count() == 0


def test_inj_g3_aspiration_without_drug(client_as, doctor, consented, drug):
    client = client_as(doctor)
    refused = client.post(url("order-create", consented), order_post(drug, procedure_type="aspiration"))
    assert refused.status_code == 400
    assert shows(refused, gettext("Aspiration is a procedure without drug; leave drug and dose empty."))

    response = client.post(url("order-create", consented), order_post(None, procedure_type="aspiration", dose=""))
    assert response.status_code == 302
    assert DrugOrder.objects.get().drug is None


def test_inj_g3_drug_category_must_match(client_as, doctor, consented, drug):
    response = client_as(doctor).post(url("order-create", consented), order_post(drug, procedure_type="prp"))
    assert response.status_code == 400
    assert shows(response, "(INJ-G3)")
    assert DrugOrder.objects.count() == 0


def test_inj_d4_there_is_no_edit_and_a_posted_doctor_or_signed_order_cannot_be_changed(
    client_as, doctor, doc, consented, drug, physio
):
    order = add_order(consented, doc, drug)
    client = client_as(doctor)
    # A second order while one is live is refused; the fields of the signed one never change.
    response = client.post(url("order-create", consented), order_post(drug, dose="80"))
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.dose == Decimal("40") and DrugOrder.objects.count() == 1
    assert client_as(physio).post(url("order-cancel", pk=order.pk), {"reason": "x"}).status_code == 403
    for name in ("order-edit", "order-update", "order"):
        with pytest.raises(NoReverseMatch):
            reverse(f"injections:{name}", kwargs={"pk": order.pk})


def test_inj_d4_cancel_and_sign_a_new_order(client_as, doctor, doc, consented, drug):
    order = add_order(consented, doc, drug)
    client = client_as(doctor)

    assert client.post(url("order-cancel", pk=order.pk), {"reason": "Feil dose."}).status_code == 302
    assert client.get(url("episode", consented)).context["actions"]["order"] is True
    assert client.post(url("order-create", consented), order_post(drug, dose="20")).status_code == 302

    consented.refresh_from_db()
    assert consented.status == Status.ORDERED
    assert [o.dose for o in DrugOrder.objects.order_by("id")] == [Decimal("40"), Decimal("20")]


def test_episode_list_query_count_does_not_grow_with_more_episodes(client_as, doctor, doc, phys, clinic_a):
    client = client_as(doctor)
    start_episode(PatientFactory(clinic=clinic_a, created_by=doctor.user), doc, phys)
    client.get(url("episode-list"))
    with CaptureQueriesContext(connection) as one:
        client.get(url("episode-list"))
    for _ in range(4):
        start_episode(PatientFactory(clinic=clinic_a, created_by=doctor.user), doc, phys)
    with CaptureQueriesContext(connection) as five:
        response = client.get(url("episode-list"))
    assert len(response.context["episodes"]) == 5
    assert len(five) == len(one) <= 12


def test_an_empty_post_is_400_and_saves_nothing(client_as, doctor, physio, consented):
    assert client_as(doctor).post(url("order-create", consented), {}).status_code == 400
    assert client_as(physio).post(url("consent-withdraw", consented), {}).status_code == 400
    assert DrugOrder.objects.count() == 0
    consented.refresh_from_db()
    assert consented.status == Status.CONSENTED


def test_inj_g4_start_page_warns_only_when_the_gp_is_unknown(client_as, doctor, patient_a):
    ReferralFactory(patient=patient_a)
    response = client_as(doctor).get(url("episode-start") + f"?patient={patient_a.pk}")
    assert response.status_code == 200
    assert response.context["gp_check"].ok
    assert 'data-testid="gp-missing"' not in response.content.decode()


def test_inj_d2_the_form_shows_the_rules_count_at_the_site_from_the_previous_assessment(client_as, doctor, assessed):
    response = client_as(doctor).get(url("assessment-create", assessed))
    assert response.context["site"] == {"target": "Subakromial bursa", "side": gettext("Right"), "count": 0}
    assert 'data-testid="site-count"' in response.content.decode()
