"""Ultrasound-guided injection end to end: a doctor and a delegated physio, each in their own browser.

The clinic is in order (credentials and NPE cover, emergency equipment checked, a drug with batches, a
delegation, the doctor available), and the patient has a GP and an accepted referral from the GP; nothing
of the episode exists yet. In the browser the doctor starts the episode from the referral, the physio
examines with ultrasound (with an image), the doctor assesses, takes consent and orders the drug. The
physio's readiness gate is red without a batch (LAW-M), turns green, then red again when the doctor revokes
the delegation in the other browser (LAW-H5): the start button is disabled, and a forced start is refused
by the server. A new delegation turns it green; the physio starts, is refused a dose other than the order
(INJ-D4), completes, and ends the observation early with a reason (INJ-V4). The doctor makes the report to
the GP (the downloaded Dialogmelding validates against the XSDs, INJ-G4) and records the follow-up, which
closes the episode (INJ-D2); the evidence pack shows the gate's items with their rules, the lot and the
consent text's version.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Generator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from playwright.sync_api import Browser, Page, expect

from conftest import Persona, login
from kanyle.injections import rules
from kanyle.injections.models import (
    Delegation,
    FollowUpOutcome,
    GPReport,
    InjectionEpisode,
    Procedure,
    ProcedureStatus,
    ProcedureType,
    ReportStatus,
    Status,
)
from kanyle.injections.tests.factories import (
    emergency_ready,
    episode_at,
    make_availability,
    make_batch,
    make_competent,
    make_delegation,
    make_drug,
    practitioner_of,
    ready_world,
)
from kanyle.interop import dialogmelding
from kanyle.journal.models import Referral, ReferralSource, ReferralStatus
from kanyle.journal.tests.files import png_bytes
from kanyle.medications.models import Batch, MovementKind, StockMovement
from kanyle.patients.tests.factories import PatientFactory
from kanyle.staff.models import CredentialKind, MunicipalAgreement

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHECKLIST = (
    "infection_suspected",
    "skin_lesion",
    "prosthetic_joint",
    "drug_allergy",
    "anticoagulation",
    "diabetes_poorly_controlled",
    "pregnancy",
)
EXPLANATIONS = rules.CONSENT_EXPLANATIONS
LOT = "TRI-2611-A"


def nb(message: str, **params) -> str:
    """The Norwegian text the user sees for an English source string."""
    with translation.override("nb"):
        text = gettext(message)
    return text % params if params else text


def nb_label(choice) -> str:
    with translation.override("nb"):
        return str(choice.label)


def nb_gate_red(count: int) -> str:
    with translation.override("nb"):
        text = ngettext("%(counter)s precondition is not met", "%(counter)s preconditions are not met", count)
    return text % {"counter": count}


@pytest.fixture
def doctor_page(browser: Browser, live_server, request: pytest.FixtureRequest) -> Generator[Page]:
    """A second browser (its own context, cookies and all) for the doctor, next to ``page`` for the physio."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1440, "height": 900}, locale="nb-NO", timezone_id="Europe/Oslo"
    )
    doctor_page = context.new_page()
    yield doctor_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        doctor_page.screenshot(path=str(ARTIFACTS / f"{name}-doctor.png"), full_page=True)
    context.close()


def _session_for(page: Page, persona: Persona, url: str) -> None:
    """Hand the browser a session that has passed the whole login (as the ``use_session`` fixture does)."""
    cookie = login(Client(), persona).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])


def _status(page: Page, status: Status) -> None:
    expect(page.get_by_test_id("episode-status")).to_have_text(nb_label(status))
    expect(page.locator("[data-testid=progress] li[aria-current=step]")).to_have_attribute("data-status", status.value)


@pytest.mark.browser
def test_a_doctor_and_a_delegated_physio_take_a_patient_from_referral_to_gp_report_and_follow_up(
    page: Page, doctor_page: Page, live_server, doctor, physio, admin, sign_in
):
    # --- The clinic's green preconditions, but no step of the episode (ORM) ---------------------------
    call_command("load_diagnosis_codes", stdout=io.StringIO())
    clinic = doctor.clinic
    doctor_p, physio_p = practitioner_of(doctor), practitioner_of(physio)
    make_competent(physio_p, verifier=admin.user)
    make_competent(doctor_p, kinds=(CredentialKind.EMERGENCY_DRILL,), verifier=admin.user)
    emergency_ready(admin, physio, doctor)
    drug = make_drug(clinic, doctor.user)
    batch = make_batch(drug, doctor.user, lot_number=LOT)
    expired = make_batch(
        drug, doctor.user, lot_number="TRI-OLD-1", expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    first_delegation = make_delegation(doctor_p, physio_p)
    make_availability(doctor_p)
    assert not MunicipalAgreement.objects.filter(practitioner=physio_p).exists()  # INJ-F2: all private work
    patient = PatientFactory(
        clinic=clinic,
        given_name="Kari",
        family_name="Nordmann",
        created_by=doctor.user,
        gp_name="Tone Aase",
        gp_hpr_number="9144889",
        gp_practice="Sentrum legekontor",
        gp_her_id="81234",
    )
    referral = Referral.objects.create(
        clinic=clinic,
        patient=patient,
        source=ReferralSource.GP,
        referrer_name="Tone Aase",
        referrer_practice="Sentrum legekontor",
        reason="Smerter i høyre skulder i fire måneder tross trening; vurdering for ultralydveiledet injeksjon.",
        received_on=timezone.localdate() - datetime.timedelta(days=5),
        status=ReferralStatus.ACCEPTED,
        decided_by=doctor.user,
        decided_at=timezone.now(),
        created_by=doctor.user,
    )
    assert not InjectionEpisode.objects.exists()
    sign_in(physio)  # the physio logs in for real (password and TOTP); the doctor carries a session
    _session_for(doctor_page, doctor, live_server.url)

    # --- 1. The doctor starts the injection episode from the referral (INJ-G1, INJ-G4) -----------------
    doctor_page.goto("/injeksjoner/forlop/ny/")
    open_referrals = doctor_page.get_by_test_id("open-referrals")
    expect(open_referrals).to_contain_text("Kari Nordmann")
    open_referrals.get_by_role("link", name=nb("Choose")).click()
    expect(doctor_page.get_by_test_id("gp-missing")).to_have_count(0)  # the GP is known
    doctor_page.locator(f"input[name=referral][value='{referral.pk}']").check()
    expect(doctor_page.locator("#id_doctor")).to_have_value(str(doctor_p.pk))
    doctor_page.locator("#id_physio").select_option(str(physio_p.pk))
    doctor_page.locator("#id_title").fill("Injeksjon høyre skulder")
    doctor_page.get_by_test_id("start").click()
    expect(doctor_page.get_by_test_id("episode-title")).to_have_text("Injeksjon høyre skulder")
    _status(doctor_page, Status.REFERRED)
    expect(doctor_page.get_by_test_id("gp-name")).to_contain_text("Tone Aase")
    ie = InjectionEpisode.objects.get()
    assert (ie.status, ie.doctor, ie.physio, ie.episode.referral) == (Status.REFERRED, doctor_p, physio_p, referral)
    episode_url = f"/injeksjoner/forlop/{ie.pk}/"

    # --- 2. The physio records the ultrasound examination with an image (INJ-P1) ----------------------
    page.goto(episode_url)
    page.get_by_test_id("action-exam").click()
    expect(page.get_by_test_id("examiner-refused")).to_have_count(0)
    page.locator("#id_structures").fill("Subakromial bursa, supraspinatussenen")
    page.locator("#id_findings").fill("Fortykket subakromial bursa med væske; intakt supraspinatussene.")
    page.locator("#id_measurements").fill("Bursa 3,1 mm")
    page.locator("#id_conclusion").fill("Subakromial bursitt høyre skulder.")
    page.locator("#id_images").set_input_files(
        files=[{"name": "bursa-hoyre.png", "mimeType": "image/png", "buffer": png_bytes(64, 48)}]
    )
    page.get_by_test_id("sign-exam").click()
    _status(page, Status.EXAMINED)
    exam = page.get_by_test_id("exam")
    expect(exam).to_contain_text("Subakromial bursitt høyre skulder.")
    expect(exam.get_by_test_id("exam-images").locator("img")).to_have_attribute("alt", "bursa-hoyre.png")
    expect(page.get_by_test_id("action-assessment")).to_have_count(0)  # only the doctor assesses (INJ-D1)
    ie.refresh_from_db()
    assert ie.status == Status.EXAMINED and ie.exams.get().note.is_signed

    # --- 3. The doctor's assessment: diagnosis by the picker, checklist, decision (INJ-D1, INJ-D2) ------
    doctor_page.goto(episode_url)
    _status(doctor_page, Status.EXAMINED)
    doctor_page.get_by_test_id("action-assessment").click()
    doctor_page.locator("#code-query").fill("L92")
    doctor_page.locator('[data-code-pick="icpc2:L92"]').click()
    expect(doctor_page.get_by_test_id("diagnosis-list")).to_contain_text("L92")
    expect(doctor_page.locator("#id_co_assessor")).to_have_value(str(physio_p.pk))
    doctor_page.locator("#id_indication").fill("Langvarige smerter tross trening; bursitt på ultralyd.")
    doctor_page.locator("#id_target_structure").fill("Subakromial bursa")
    doctor_page.locator("input[name=side][value=right]").check()
    for name in CHECKLIST:
        doctor_page.locator(f"input[name={name}][value=no]").check()
    doctor_page.locator("#id_risk_flags_reviewed").check()
    doctor_page.locator("input[name=decision][value=inject]").check()
    doctor_page.locator("#id_information_given").fill("Informert om forventet effekt, risiko og alternativer.")
    doctor_page.get_by_test_id("sign-assessment").click()
    _status(doctor_page, Status.ASSESSED)
    expect(doctor_page.get_by_test_id("assessment-decision")).to_have_text(nb("Injection is indicated"))
    expect(doctor_page.get_by_test_id("assessment")).to_contain_text("L92")
    assessment = ie.assessments.get()
    assert [d.code for d in assessment.diagnoses.all()] == ["L92"] and assessment.co_assessor == physio_p
    assert not any(getattr(assessment, name) for name in CHECKLIST) and assessment.earlier_injections_12m == 0

    # --- 4. Informed consent: every point explained, confirmed by the doctor (INJ-D3, LAW-C) -----------
    doctor_page.get_by_test_id("action-consent").click()
    consent_text = doctor_page.get_by_test_id("consent-text")
    expect(consent_text).to_contain_text(nb("version %(v)s", v=1))
    for name in EXPLANATIONS:
        doctor_page.locator(f"#id_{name}").check()
    doctor_page.locator("input[name=method][value=confirmed]").check()
    doctor_page.get_by_test_id("sign-consent").click()
    _status(doctor_page, Status.CONSENTED)
    expect(doctor_page.get_by_test_id("consent")).to_contain_text(nb("Oral consent confirmed by the doctor"))
    consent = ie.consents.get()
    assert consent.is_valid and consent.text.version == 1 and all(getattr(consent, n) for n in EXPLANATIONS)

    # --- 5. The drug order, signed by the doctor (INJ-D4, LAW-M, INJ-G3) -------------------------------
    doctor_page.get_by_test_id("action-order").click()
    doctor_page.locator("#id_procedure_type").select_option(ProcedureType.CORTICOSTEROID.value)
    doctor_page.locator("#id_drug").select_option(str(drug.pk))
    doctor_page.locator("#id_dose").fill("40")
    doctor_page.locator("#id_volume_ml").fill("1")
    expect(doctor_page.locator("#id_target_structure")).to_have_value("Subakromial bursa")  # from the assessment
    doctor_page.locator("#id_approach").fill("In-plane, lateralt til medialt")
    doctor_page.get_by_test_id("sign-order").click()
    _status(doctor_page, Status.ORDERED)
    expect(doctor_page.get_by_test_id("order-drug")).to_contain_text("Triamcinolon 40 mg/ml")
    order = ie.orders.get()
    assert (order.drug, order.dose, order.doctor, order.procedure_type) == (
        drug,
        40,
        doctor_p,
        ProcedureType.CORTICOSTEROID,
    )

    # --- 6. The physio's readiness gate: red without a batch, then green -------------------------------
    page.goto(episode_url)
    _status(page, Status.ORDERED)
    page.get_by_test_id("gate-link").click()
    expect(page).to_have_url(re.compile(rf"/injeksjoner/rekvisisjon/{order.pk}/klarsjekk/"))
    expect(page.get_by_test_id("gate-red")).to_have_text(nb_gate_red(1))
    no_batch = page.get_by_test_id("gate-item-batch")
    expect(no_batch).to_have_attribute("data-ok", "false")
    expect(no_batch).to_contain_text("LAW-M")
    expect(no_batch).to_contain_text(nb("Choose the batch (lot) of the ordered drug taken from stock.") + " (LAW-M)")
    expect(page.get_by_test_id("start-procedure")).to_be_disabled()
    batch_options = page.locator("#id_batch option")
    expect(batch_options.filter(has_text=LOT)).to_have_count(1)
    expect(batch_options.filter(has_text=expired.lot_number)).to_have_count(0)  # expired: not offered (LAW-M)
    page.locator("#id_batch").select_option(str(batch.pk))
    page.get_by_test_id("batch-choice").get_by_role("button").click()
    expect(page.get_by_test_id("gate-ok")).to_have_text(nb("Everything is in order"))
    expect(page.get_by_test_id("start-procedure")).to_be_enabled()

    # --- 7. The doctor revokes the delegation in the other browser; the physio's gate turns red -------
    doctor_page.goto("/injeksjoner/delegeringer/")
    doctor_page.get_by_test_id(f"delegation-{first_delegation.pk}").get_by_role("link", name=nb("Revoke")).click()
    doctor_page.locator("#id_reason").fill("Instruksen revideres; ny delegering signeres.")
    doctor_page.get_by_test_id("revoke").click()
    expect(doctor_page.get_by_test_id("delegations-revoked")).to_contain_text(
        "Instruksen revideres; ny delegering signeres."
    )
    first_delegation.refresh_from_db()
    assert first_delegation.revoked_at is not None and first_delegation.revoked_by == doctor.user

    page.get_by_test_id("batch-choice").get_by_role("button").click()  # "Check again"
    expect(page.get_by_test_id("gate-red")).to_have_text(nb_gate_red(1))
    performer = page.get_by_test_id("gate-item-performer")
    expect(performer).to_have_attribute("data-ok", "false")
    expect(performer.locator("td.mono")).to_have_text("INJ-D5")
    no_delegation = nb(
        "%(physio)s has no active delegation from %(doctor)s for “%(procedure)s” today.",
        physio=physio.user.display_name,
        doctor=doctor.user.display_name,
        procedure=nb_label(ProcedureType.CORTICOSTEROID),
    )
    expect(performer).to_contain_text(f"{no_delegation} (LAW-H5)")
    expect(performer.get_by_test_id("fix-performer")).to_have_attribute("href", "/injeksjoner/delegeringer/")
    expect(page.get_by_test_id("gate-item-batch")).to_have_attribute("data-ok", "true")
    start = page.get_by_test_id("start-procedure")
    expect(start).to_be_disabled()
    # A forced start (the disabled button enabled by hand) is refused by the server: nothing is started.
    start.evaluate("button => { button.disabled = false; }")
    start.click()
    expect(page.get_by_test_id("start-refused")).to_contain_text(f"{no_delegation} (LAW-H5)")
    assert not Procedure.objects.exists()
    ie.refresh_from_db()
    assert ie.status == Status.ORDERED

    # --- 8. The doctor signs a new delegation (INJ-D5, LAW-H5); the physio's gate is all green ---------
    doctor_page.goto("/injeksjoner/delegeringer/")
    doctor_page.get_by_test_id("new-delegation").click()
    expect(doctor_page.get_by_test_id("physio-credentials")).to_contain_text(physio.user.display_name)
    doctor_page.locator("#id_physio").select_option(str(physio_p.pk))
    doctor_page.locator(f"input[name=procedure_types][value={ProcedureType.CORTICOSTEROID.value}]").check()
    doctor_page.locator("#id_supervision_mode").select_option("on_site")
    doctor_page.locator("#id_instructions").fill("Ultralydveiledet kortikosteroidinjeksjon etter min rekvisisjon.")
    doctor_page.locator("#id_valid_to").fill((timezone.localdate() + datetime.timedelta(days=90)).isoformat())
    doctor_page.locator("#id_credentials_checked").check()
    doctor_page.get_by_test_id("sign-delegation").click()
    expect(doctor_page.get_by_test_id("delegations-active")).to_contain_text(physio.user.display_name)
    new_delegation = Delegation.objects.get(revoked_at__isnull=True)
    assert new_delegation.procedure_types == [ProcedureType.CORTICOSTEROID] and new_delegation.credentials_snapshot

    # The refused start shows the gate again; the physio checks again from there.
    page.locator("#id_batch").select_option(str(batch.pk))
    page.get_by_test_id("batch-choice").get_by_role("button").click()
    expect(page.get_by_test_id("gate-ok")).to_have_text(nb("Everything is in order"))
    expect(page.locator("[data-testid^=gate-item-]")).to_have_count(len(rules.GATE_ITEMS))
    expect(page.locator("[data-testid^=gate-item-][data-ok=false]")).to_have_count(0)
    for key, rule in rules.GATE_ITEMS:
        expect(page.get_by_test_id(f"gate-item-{key}").locator("td.mono")).to_have_text(rule)

    # --- 9. The procedure: the dose must be the ordered one (INJ-D4), aseptic checklist, complete ------
    page.get_by_test_id("start-procedure").click()
    expect(page.get_by_test_id("order-readonly")).to_contain_text(LOT)
    procedure = Procedure.objects.get()
    assert (procedure.status, procedure.performer, procedure.delegation, procedure.batch) == (
        ProcedureStatus.IN_PROGRESS,
        physio_p,
        new_delegation,
        batch,
    )
    assert procedure.gate["ok"] and {i["rule"] for i in procedure.gate["items"]} == {r for _, r in rules.GATE_ITEMS}
    form = page.get_by_test_id("procedure-form")
    form.locator("#id_dose_given").fill("80")
    form.locator("#id_volume_given_ml").fill("1")
    for name in ("hand_hygiene", "skin_disinfection", "sterile_cover", "no_touch"):
        form.locator(f"#id_aseptic_{name}").check()
    form.locator("#id_reaction").select_option("none")
    page.get_by_test_id("complete-procedure").click()
    wrong_dose = nb(
        "The dose given must be the ordered dose, %(dose)s %(unit)s. Only the doctor can change the order.",
        dose="40",
        unit="mg",
    )
    expect(page.get_by_test_id("procedure-form")).to_contain_text(f"{wrong_dose} (INJ-D4)")
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.IN_PROGRESS and procedure.dose_given is None
    page.get_by_test_id("procedure-form").locator("#id_dose_given").fill("40")
    page.get_by_test_id("complete-procedure").click()

    # --- 10. Observation: ending it early needs a reason (INJ-V4) -------------------------------------
    expect(page).to_have_url(re.compile(rf"/injeksjoner/prosedyre/{procedure.pk}/observasjon/$"))
    procedure.refresh_from_db()
    ie.refresh_from_db()
    assert (procedure.status, procedure.dose_given, ie.status) == (
        ProcedureStatus.OBSERVATION,
        40,
        Status.PERFORMED,
    )
    batch.refresh_from_db()
    assert batch.quantity_on_hand == 9
    assert StockMovement.objects.filter(batch=batch, kind=MovementKind.ADMINISTERED, patient=patient).count() == 1
    page.get_by_test_id("end-observation").click()
    runs_on = nb("The observation period runs %(minutes)s more minutes. End it early only with a reason.")
    pattern = re.escape(runs_on).replace(re.escape("%(minutes)s"), r"\d+") + re.escape(" (INJ-V4)")
    expect(page.get_by_test_id("observation-end-form")).to_contain_text(re.compile(pattern))
    assert Procedure.objects.get().status == ProcedureStatus.OBSERVATION
    page.locator("#id_early_reason").fill("Legen vurderte pasienten etter ti minutter: upåvirket, ingen reaksjon.")
    page.get_by_test_id("end-observation").click()
    expect(page).to_have_url(re.compile(rf"{episode_url}$"))
    _status(page, Status.OBSERVED)
    expect(page.get_by_test_id("report-due")).to_be_visible()
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.COMPLETED and procedure.observation_early_reason
    followup = ie.followups.get()
    assert followup.doctor == doctor_p and followup.completed_at is None

    # --- 11. The doctor makes the report to the GP: a Dialogmelding valid against the XSDs (INJ-G4) ----
    doctor_page.goto(episode_url)
    _status(doctor_page, Status.OBSERVED)
    doctor_page.get_by_test_id("report-link").click()
    expect(doctor_page.get_by_test_id("report-preview")).to_contain_text(f"Batch/lot: {LOT}")
    doctor_page.get_by_test_id("report-generate").click()
    expect(doctor_page.get_by_test_id("report-list").get_by_test_id("report-status")).to_have_text(
        nb_label(ReportStatus.GENERATED)
    )
    gp_report = GPReport.objects.get()
    expect(doctor_page.locator("body")).to_contain_text(
        nb(
            "The report to the GP is made (message %(id)s). Send it, then import the receipt.",
            id=gp_report.message_id,
        )
    )
    row = doctor_page.get_by_test_id(f"report-{gp_report.pk}")
    with doctor_page.expect_download() as download_info:
        row.get_by_role("link", name="XML").click()
    downloaded = Path(download_info.value.path()).read_bytes()
    root = dialogmelding.validate(downloaded)  # MsgHead 1.2 and the Dialogmelding 1.1: raises if invalid
    assert downloaded == gp_report.xml.encode("utf-8")
    assert LOT in dialogmelding.report_text(root) and "Tone Aase" in gp_report.recipient_name
    dialogmelding.validate(gp_report.xml.encode("utf-8"))
    row.get_by_test_id("report-mark-sent").click()
    expect(doctor_page.get_by_test_id(f"report-{gp_report.pk}").get_by_test_id("report-status")).to_have_text(
        nb_label(ReportStatus.SENT)
    )
    ie.refresh_from_db()
    gp_report.refresh_from_db()
    assert ie.status == Status.REPORTED and gp_report.status == ReportStatus.SENT

    # --- 12. The doctor's follow-up closes the episode (INJ-D2) ---------------------------------------
    doctor_page.goto("/injeksjoner/oppfolging/")
    task = doctor_page.get_by_test_id(f"followup-{followup.pk}")
    expect(task).to_contain_text("Kari Nordmann")
    task.get_by_role("link", name=nb("Record the follow-up")).click()
    doctor_page.locator(f"input[name=outcome][value={FollowUpOutcome.BETTER.value}]").check()
    doctor_page.locator("#id_outcome_text").fill("Klart bedre; smertefri ved løft. Fortsetter øvelser.")
    doctor_page.get_by_test_id("followup-submit").click()
    expect(doctor_page).to_have_url(re.compile(rf"{episode_url}$"))
    expect(doctor_page.get_by_test_id("episode-status")).to_have_text(nb_label(Status.CLOSED))
    expect(doctor_page.get_by_test_id("followup-outcome")).to_have_text(nb_label(FollowUpOutcome.BETTER))
    ie.refresh_from_db()
    followup.refresh_from_db()
    assert ie.status == Status.CLOSED and followup.note.is_signed

    # --- 13. The evidence pack: the gate with its rules, the lot, the consent text's version -----------
    doctor_page.get_by_test_id(f"evidence-link-{procedure.pk}").click()
    evidence = doctor_page.get_by_test_id("evidence")
    expect(evidence.get_by_test_id("ev-gate")).to_contain_text(nb("All items were in order."))
    for key, rule in rules.GATE_ITEMS:
        gate_row = evidence.get_by_test_id(f"ev-gate-{key}")
        expect(gate_row.locator("td").first).to_contain_text(rule)
        expect(gate_row.locator("td").nth(2)).to_have_text(nb("OK"))
    expect(evidence.get_by_test_id("ev-lot")).to_contain_text(LOT)
    expect(evidence.get_by_test_id("ev-consent-version")).to_have_text(f"{consent.text.title}, {nb('version')} 1")
    expect(evidence.get_by_test_id("ev-delegation")).to_contain_text(physio.user.display_name)
    expect(evidence.get_by_test_id("ev-report")).to_contain_text(str(gp_report.message_id))
    expect(evidence.get_by_test_id("ev-report")).to_contain_text(nb_label(FollowUpOutcome.BETTER))
    assert Batch.objects.get(pk=expired.pk).quantity_on_hand == 10  # the expired batch was never touched


@pytest.mark.browser
def test_law_c_the_patient_signs_the_consent_on_screen_and_the_signature_is_kept_as_a_png(
    page: Page, live_server, doctor, physio, admin, use_session
):
    patient = PatientFactory(clinic=doctor.clinic, created_by=admin.user, given_name="Signe", family_name="Skjerm")
    world = ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient)
    ie = episode_at(world, Status.ASSESSED)
    use_session(doctor)

    page.goto(f"/injeksjoner/forlop/{ie.pk}/samtykke/")
    for name in EXPLANATIONS:
        page.locator(f"#id_{name}").check()
    page.locator("input[name=method][value=signature]").check()
    pad = page.get_by_test_id("signature-pad").locator("canvas")
    expect(pad).to_be_visible()
    # Signing without drawing is refused: the signature is missing (LAW-C).
    page.get_by_test_id("sign-consent").click()
    expect(page.get_by_test_id("consent-form")).to_contain_text("LAW-C")
    assert not ie.consents.exists()
    for name in EXPLANATIONS:  # the refused form comes back as it was posted
        expect(page.locator(f"#id_{name}")).to_be_checked()
    page.locator("input[name=method][value=signature]").check()
    box = page.get_by_test_id("signature-pad").locator("canvas").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + box["height"] / 2 + (-1) ** step * 15)
    page.mouse.up()
    page.get_by_test_id("sign-consent").click()

    _status(page, Status.CONSENTED)
    consent = ie.consents.get()
    assert consent.method == "signature" and bytes(consent.signature_png).startswith(b"\x89PNG\r\n\x1a\n")
    image = page.get_by_test_id("consent").locator("img")
    expect(image).to_be_visible()
    # The image is fetched after the page: wait until it has decoded, and a broken one never does.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
