"""The report to the GP (INJ-G4): the Dialogmelding, its downloads, the receipt (AppRec) and access."""

from __future__ import annotations

import copy
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext
from lxml import etree
from pypdf import PdfReader

from kanyle.audit.models import AuditEvent
from kanyle.injections.models import GPReport, ReportStatus, Status
from kanyle.injections.tests.factories import episode_at, ready_world
from kanyle.interop import apprec, dialogmelding, xsd

pytestmark = pytest.mark.django_db
NS = {"mh": dialogmelding.MSGHEAD_NS, "dia": dialogmelding.DIALOG_NS}


@pytest.fixture
def world(doctor, physio, admin, patient_a):
    return ready_world(doctor=doctor, physio=physio, admin=admin, patient=patient_a)


@pytest.fixture
def observed(world):
    patient = world.patient
    patient.gp_hpr_number, patient.gp_practice, patient.gp_her_id = "9144889", "Byen legesenter", "79768"
    patient.save()
    return episode_at(world, Status.OBSERVED)


def generate(client, ie):
    return client.post(reverse("injections:report-generate", kwargs={"pk": ie.pk}))


def upload(client, report, data: bytes, name="apprec.xml"):
    return client.post(
        reverse("injections:apprec-import", kwargs={"pk": report.pk}),
        {"file": SimpleUploadedFile(name, data, content_type="application/xml")},
    )


def test_inj_g4_report_validates_against_msghead_and_dialogmelding_xsd(client_as, physio, world, observed):
    response = generate(client_as(physio), observed)
    assert response.status_code == 302
    report = GPReport.objects.get(episode=observed)
    observed.refresh_from_db()
    assert observed.status == Status.REPORTED
    assert report.status == ReportStatus.GENERATED

    root = etree.fromstring(report.xml.encode())
    assert xsd.combined(xsd.MSGHEAD, xsd.DIALOGMELDING).validate(root), xsd.errors_of(
        xsd.combined(xsd.MSGHEAD, xsd.DIALOGMELDING)
    )
    dialog = root.find("mh:Document/mh:RefDoc/mh:Content/dia:Dialogmelding", NS)
    assert xsd.schema(xsd.DIALOGMELDING).validate(etree.ElementTree(copy.deepcopy(dialog)))
    assert root.findtext("mh:MsgInfo/mh:MsgId", namespaces=NS) == str(report.message_id)
    assert root.findtext("mh:MsgInfo/mh:Sender/mh:Organisation/mh:Ident/mh:Id", namespaces=NS) == (
        world.clinic.org_number
    )
    assert root.findtext("mh:MsgInfo/mh:Receiver/mh:Organisation/mh:Ident/mh:Id", namespaces=NS) == "79768"
    assert root.findtext("mh:MsgInfo/mh:Patient/mh:Ident/mh:Id", namespaces=NS) == world.patient.national_id
    # The readable text says what the GP needs: the batch, the performer and supervisor, and the follow-up.
    text = dialogmelding.report_text(root)
    assert text == report.text
    for fact in (world.batch.lot_number, world.physio.hpr_number, world.doctor.user.display_name, "Triamcinolon"):
        assert fact in text
    followup = observed.followups.get()
    assert followup.due_by.strftime("%d.%m.%Y") in text
    assert AuditEvent.objects.filter(action="injections.report.generated", patient=world.patient).count() == 1


def test_inj_g4_patient_without_gp_cannot_be_reported_and_the_page_says_what_to_do(client_as, physio, world):
    ie = episode_at(world, Status.OBSERVED)
    world.patient.has_no_gp, world.patient.gp_name = True, ""
    world.patient.save()
    client = client_as(physio)
    response = generate(client, ie)
    assert response.status_code == 400
    content = response.content.decode()
    assert escape(gettext("The patient has no GP; keep the report for the patient instead.")) in content
    assert "INJ-G4" in content
    assert 'data-testid="no-gp-help"' in content
    assert GPReport.objects.count() == 0
    ie.refresh_from_db()
    assert ie.status == Status.OBSERVED
    page = client.get(reverse("injections:report", kwargs={"pk": ie.pk}))
    assert page.status_code == 200
    assert escape(gettext("The patient has no GP, so there is no one to send the report to.")) in page.content.decode()
    # "Keep the report for the patient instead": the same summary as PDF, nothing sent, status unchanged.
    summary = client.get(reverse("injections:report-summary-pdf", kwargs={"pk": ie.pk}))
    assert summary.status_code == 200 and summary["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(summary.content)).pages)
    assert world.batch.lot_number in text
    assert GPReport.objects.count() == 0


def test_inj_g4_patient_without_gp_name_must_be_recorded_first(client_as, physio, world):
    ie = episode_at(world, Status.OBSERVED)
    world.patient.gp_name = ""
    world.patient.save()
    response = generate(client_as(physio), ie)
    assert response.status_code == 400
    assert escape(gettext("Record the patient's GP before the report can be made.")) in response.content.decode()
    assert GPReport.objects.count() == 0


def test_inj_g4_report_waits_until_the_observation_is_over(client_as, physio, world):
    response = generate(client_as(physio), world.ie)  # the world's episode is at "ordered"
    assert response.status_code == 400
    assert gettext("There is no completed procedure to report.") in response.content.decode()
    assert GPReport.objects.count() == 0


def test_inj_g4_apprec_import_acknowledges(client_as, physio, observed):
    client = client_as(physio)
    generate(client, observed)
    report = GPReport.objects.get()
    assert client.post(reverse("injections:report-sent", kwargs={"pk": report.pk})).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SENT and report.sent_at is not None

    again = client.post(reverse("injections:report-sent", kwargs={"pk": report.pk}))
    assert again.status_code == 400 and "INJ-G4" in again.content.decode()

    response = upload(client, report, apprec.build_apprec(str(report.message_id), apprec.OK))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED
    assert report.apprec_status == apprec.OK and report.acknowledged_at is not None
    page = client.get(reverse("injections:report", kwargs={"pk": observed.pk}))
    assert gettext("Acknowledged by the receiver") in page.content.decode()
    assert AuditEvent.objects.filter(action="injections.report.receipt").count() == 1
    # A second receipt for the same report is refused; the first stays.
    second = upload(client, report, apprec.build_apprec(str(report.message_id), apprec.REJECTED))
    assert second.status_code == 400
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED


def test_inj_g4_rejected_receipt_lets_the_report_be_made_again(client_as, physio, observed):
    client = client_as(physio)
    generate(client, observed)
    first = GPReport.objects.get()
    xml = apprec.build_apprec(str(first.message_id), apprec.REJECTED, errors=[("X99", "Ukjent pasient")], version="1.1")
    assert upload(client, first, xml).status_code == 302
    first.refresh_from_db()
    assert first.status == ReportStatus.REJECTED
    assert "Ukjent pasient" in first.apprec_text
    assert generate(client, observed).status_code == 302
    assert GPReport.objects.count() == 2
    observed.refresh_from_db()
    assert observed.status == Status.REPORTED


def test_inj_g4_apprec_import_rejects_wrong_msg_id(client_as, physio, observed):
    client = client_as(physio)
    generate(client, observed)
    report = GPReport.objects.get()
    response = upload(client, report, apprec.build_apprec("11111111-2222-3333-4444-555555555555", apprec.OK))
    assert response.status_code == 400
    content = response.content.decode()
    assert "11111111-2222-3333-4444-555555555555" in content and "INJ-G4" in content
    report.refresh_from_db()
    assert report.status == ReportStatus.GENERATED and report.apprec_xml == ""


@pytest.mark.parametrize(
    "data",
    [
        b"this is not xml",
        b"<AppRec xmlns='http://www.kith.no/xmlstds/apprec/2004-11-21'><Status V='1'/></AppRec>",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
        b"\x89PNG\r\n\x1a\n\x00\x00",
    ],
)
def test_inj_g4_apprec_invalid_xml_gives_a_message(client_as, physio, observed, data):
    client = client_as(physio)
    generate(client, observed)
    report = GPReport.objects.get()
    response = upload(client, report, data)
    assert response.status_code == 400
    assert 'data-testid="apprec-refused"' in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.GENERATED and report.apprec_xml == ""


def test_inj_g4_apprec_upload_without_file_is_a_form_error(client_as, physio, observed):
    client = client_as(physio)
    generate(client, observed)
    report = GPReport.objects.get()
    response = client.post(reverse("injections:apprec-import", kwargs={"pk": report.pk}), {})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == ReportStatus.GENERATED


def test_inj_g4_report_downloads_xml_and_readable_pdf(client_as, doctor, world, observed):
    client = client_as(doctor)
    generate(client, observed)
    report = GPReport.objects.get()
    xml = client.get(reverse("injections:report-xml", kwargs={"pk": report.pk}))
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    dialogmelding.validate(xml.content)
    pdf = client.get(reverse("injections:report-pdf", kwargs={"pk": report.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert world.batch.lot_number in text
    assert str(report.message_id) in text
    assert AuditEvent.objects.filter(action="injections.report.downloaded").count() == 2


def test_inj_g4_report_pages_are_for_clinicians_of_the_clinic(client_as, physio, reception, admin, outsider, observed):
    generate(client_as(physio), observed)
    report = GPReport.objects.get()
    urls = [
        reverse("injections:report", kwargs={"pk": observed.pk}),
        reverse("injections:report-summary-pdf", kwargs={"pk": observed.pk}),
        reverse("injections:report-xml", kwargs={"pk": report.pk}),
        reverse("injections:report-pdf", kwargs={"pk": report.pk}),
        reverse("injections:apprec-import", kwargs={"pk": report.pk}),
    ]
    for url in urls:
        assert client_as(reception).get(url).status_code == 403
        assert client_as(admin).get(url).status_code == 403
        assert client_as(outsider).get(url).status_code == 404
    assert (
        client_as(outsider).post(reverse("injections:report-generate", kwargs={"pk": observed.pk})).status_code == 404
    )
    assert GPReport.objects.count() == 1


def test_inj_g4_episode_page_shows_report_status_and_downloads(client_as, doctor, observed):
    client = client_as(doctor)
    generate(client, observed)
    report = GPReport.objects.get()
    page = client.get(reverse("injections:episode", kwargs={"pk": observed.pk}))
    assert page.status_code == 200
    content = page.content.decode()
    assert reverse("injections:report-xml", kwargs={"pk": report.pk}) in content
    assert reverse("injections:report-pdf", kwargs={"pk": report.pk}) in content
    assert gettext("Generated") in content
