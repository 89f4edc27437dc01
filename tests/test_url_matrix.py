"""Role × URL matrix: every URL the project defines, for every persona and for anonymous users.

New URLs are picked up automatically. A view must declare its access level (``access.py``);
the expected status follows from it: no login → redirect to login; a role without the
capability → 403; a user of another clinic → 404 for clinic A's objects, and never a trace of
clinic A's data on any page. A URL with arguments needs one line in SAMPLE_KWARGS, or this
test fails and says so.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import Persona, login
from kanyle.audit.services import Actor
from kanyle.billing.demo import create_demo_billing
from kanyle.billing.services import charge_create
from kanyle.clinics.access import LOGIN_ONLY, PENDING_LOGIN, PUBLIC, has_capability
from kanyle.clinics.models import Role
from kanyle.clinics.tests.factories import MembershipFactory, UserFactory
from kanyle.injections.models import Consent
from kanyle.injections.services.reports import report_generate
from kanyle.injections.tests.factories import episode_at, ready_world
from kanyle.journal.models import Attachment
from kanyle.journal.tests.factories import EpisodeFactory, ReferralFactory
from kanyle.journal.tests.files import dicom_bytes, png_bytes
from kanyle.journal.tests.note_factories import NoteFactory
from kanyle.medications.models import Drug
from kanyle.needling.tests.factories import matrix_sample
from kanyle.patients.tests.factories import PatientFactory, RiskFlagFactory
from kanyle.quality.demo_documents import create_demo_documents
from kanyle.quality.demo_safety import create_demo_safety
from kanyle.quality.models import (
    Deviation,
    DeviationMeasure,
    Equipment,
    EquipmentKind,
    ManagementReview,
    Procedure,
    Risk,
)
from kanyle.scheduling.models import Appointment, AppointmentStatus, AppointmentType, CalendarFeed, ServiceKind
from kanyle.staff.models import AgreementHours, MunicipalAgreement
from kanyle.staff.tests.factories import CredentialFactory

SENTINEL = "Sentinelius"  # a name only clinic A's data carries


@dataclass
class Sample:
    """Objects of clinic A that URLs point at."""

    patient_id: int
    risk_flag_id: int
    practitioner_id: int
    credential_id: int
    agreement_id: int
    staff_user_id: int
    note_id: int
    attachment_id: int
    referral_id: int
    episode_id: int
    quality: dict
    billing: dict
    needling: dict
    injections: dict


def _patient(s: Sample) -> dict:
    return {"pk": s.patient_id}


def _practitioner(s: Sample) -> dict:
    return {"pk": s.practitioner_id}


def _note(s: Sample) -> dict:
    return {"pk": s.note_id}


def _staff_user(s: Sample) -> dict:
    return {"user_id": s.staff_user_id}


# The specification: who may open each URL (an access level or a capability) and, for URLs with
# arguments, which of clinic A's objects they point at. Changing a view's access without changing
# this table fails the test; so does a new URL that is not here.
URL_SPEC: dict[str, tuple[str, Callable[[Sample], dict] | None]] = {
    "core:home": ("member", None),
    "accounts:login": (PUBLIC, None),
    "accounts:totp": (PENDING_LOGIN, None),
    "accounts:enroll": (PENDING_LOGIN, None),
    "accounts:logout": (LOGIN_ONLY, None),
    "accounts:password": (LOGIN_ONLY, None),
    "clinics:choose": (LOGIN_ONLY, None),
    "clinics:profile": ("can_manage_clinic", None),
    "patients:list": ("can_view_patients", None),
    "patients:create": ("can_edit_patients", None),
    "patients:detail": ("can_view_patients", _patient),
    "patients:edit": ("can_edit_patients", _patient),
    "patients:reveal-id": ("can_view_patients", _patient),
    "patients:risk-add": ("can_edit_risk_flags", _patient),
    "patients:access-log": ("can_view_patient_access_log", _patient),
    "patients:risk-resolve": ("can_edit_risk_flags", lambda s: {"pk": s.risk_flag_id}),
    "staff:list": ("can_view_staff_register", None),
    "staff:create": ("can_manage_staff", None),
    "staff:edit": ("can_manage_staff", _staff_user),
    "staff:totp-reset": ("can_manage_staff", _staff_user),
    "staff:practitioner": ("can_view_staff_register", _practitioner),
    "staff:credential-create": ("can_manage_staff", _practitioner),
    "staff:insurance-create": ("can_manage_staff", _practitioner),
    "staff:agreement-create": ("can_manage_staff", _practitioner),
    "staff:credential-verify": ("can_verify_credentials", lambda s: {"pk": s.credential_id}),
    "staff:credential-evidence": ("can_view_staff_register", lambda s: {"pk": s.credential_id}),
    "staff:agreement-edit": ("can_manage_staff", lambda s: {"pk": s.agreement_id}),
    "audit:log": ("can_view_audit_log", None),
    "journal:chart": ("can_view_journal", lambda s: {"patient_id": s.patient_id}),
    "journal:note-create": ("can_write_journal", lambda s: {"patient_id": s.patient_id}),
    "journal:emergency-access": ("can_view_journal", lambda s: {"patient_id": s.patient_id}),
    "journal:export": ("can_export_record", lambda s: {"patient_id": s.patient_id}),
    "journal:episode-create": ("can_write_journal", lambda s: {"patient_id": s.patient_id}),
    "journal:referral-create": ("can_manage_referrals", lambda s: {"patient_id": s.patient_id}),
    "journal:note-edit": ("can_write_journal", _note),
    "journal:note-sign": ("can_write_journal", _note),
    "journal:note-discard": ("can_write_journal", _note),
    "journal:amendment-create": ("can_write_journal", _note),
    "journal:co-part": ("can_write_journal", _note),
    "journal:attachment-add": ("can_write_journal", _note),
    "journal:attachment": ("can_view_journal", lambda s: {"pk": s.attachment_id}),
    "journal:attachment-preview": ("can_view_journal", lambda s: {"pk": s.attachment_id}),
    "journal:episode-edit": ("can_write_journal", lambda s: {"pk": s.episode_id}),
    "journal:referral-list": ("can_manage_referrals", None),
    "journal:referral-detail": ("can_manage_referrals", lambda s: {"pk": s.referral_id}),
    "journal:referral-document": ("can_manage_referrals", lambda s: {"pk": s.referral_id}),
    "journal:code-search": ("can_write_journal", None),
    "journal:emergency-review": ("can_review_emergency_access", None),
    "quality:procedure-list": ("can_read_procedures", None),
    "quality:procedure-create": ("can_manage_procedures", None),
    "quality:procedure-detail": ("can_read_procedures", lambda s: {"pk": s.quality["procedure"]}),
    "quality:procedure-version-create": ("can_manage_procedures", lambda s: {"pk": s.quality["procedure"]}),
    "quality:procedure-version": ("can_read_procedures", lambda s: {"pk": s.quality["procedure"], "number": 1}),
    "quality:procedure-approve": ("can_manage_procedures", lambda s: {"pk": s.quality["procedure"], "number": 2}),
    "quality:procedure-read": ("can_read_procedures", lambda s: {"pk": s.quality["procedure"]}),
    "quality:risk-list": ("can_read_procedures", None),
    "quality:risk-create": ("can_manage_risks", None),
    "quality:risk-detail": ("can_read_procedures", lambda s: {"pk": s.quality["risk"]}),
    "quality:risk-edit": ("can_manage_risks", lambda s: {"pk": s.quality["risk"]}),
    "quality:supervision-list": ("can_read_procedures", None),
    "quality:supervision-create": ("can_record_supervision_visit", None),
    "quality:deviation-list": ("can_report_deviation", None),
    "quality:deviation-create": ("can_report_deviation", None),
    "quality:deviation-detail": ("can_report_deviation", lambda s: {"pk": s.quality["deviation"]}),
    "quality:deviation-assess": ("can_handle_deviations", lambda s: {"pk": s.quality["deviation"]}),
    "quality:measure-create": ("can_handle_deviations", lambda s: {"pk": s.quality["deviation"]}),
    "quality:deviation-close": ("can_handle_deviations", lambda s: {"pk": s.quality["deviation"]}),
    "quality:measure-done": ("can_handle_deviations", lambda s: {"pk": s.quality["measure"]}),
    "quality:equipment-list": ("can_check_equipment", None),
    "quality:equipment-create": ("can_manage_equipment", None),
    "quality:equipment-detail": ("can_check_equipment", lambda s: {"pk": s.quality["equipment"]}),
    "quality:equipment-edit": ("can_manage_equipment", lambda s: {"pk": s.quality["equipment"]}),
    "quality:item-create": ("can_manage_equipment", lambda s: {"pk": s.quality["equipment"]}),
    "quality:check-create": ("can_check_equipment", lambda s: {"pk": s.quality["equipment"]}),
    "quality:item-edit": ("can_manage_equipment", lambda s: {"pk": s.quality["item"]}),
    "quality:check-detail": ("can_check_equipment", lambda s: {"pk": s.quality["check"]}),
    "quality:check-countersign": ("can_countersign_emergency_kit", lambda s: {"pk": s.quality["check"]}),
    "quality:compliance": ("can_view_compliance", None),
    "quality:review-list": ("can_view_compliance", None),
    "quality:review-create": ("can_do_management_review", None),
    "quality:review-detail": ("can_view_compliance", lambda s: {"pk": s.quality["review"]}),
    "quality:review-pdf": ("can_view_compliance", lambda s: {"pk": s.quality["review"]}),
    "scheduling:calendar": ("can_view_calendar", None),
    "scheduling:appointment-create": ("can_book", None),
    "scheduling:requests": ("can_book", None),
    "scheduling:session-create": ("can_manage_schedule", None),
    "scheduling:setup": ("can_manage_schedule", None),
    "scheduling:feed-settings": ("can_view_calendar", None),
    "scheduling:appointment": ("can_view_calendar", lambda s: {"pk": s.billing["future"]}),
    "scheduling:appointment-move": ("can_book", lambda s: {"pk": s.billing["future"]}),
    "scheduling:appointment-cancel": ("can_book", lambda s: {"pk": s.billing["future"]}),
    "scheduling:appointment-no-show": ("can_book", lambda s: {"pk": s.billing["future"]}),
    "scheduling:appointment-arrived": ("can_book", lambda s: {"pk": s.billing["future"]}),
    "scheduling:appointment-completed": ("can_book", lambda s: {"pk": s.billing["future"]}),
    "scheduling:appointment-confirm": ("can_book", lambda s: {"pk": s.billing["future"]}),
    "scheduling:type-edit": ("can_manage_schedule", lambda s: {"pk": s.billing["type"]}),
    "scheduling:feed": (PUBLIC, lambda s: {"token": s.billing["token"]}),
    "scheduling:booking": (PUBLIC, lambda s: {"slug": "klinikk-a"}),
    "scheduling:booking-done": (PUBLIC, lambda s: {"slug": "klinikk-a"}),
    "needling:course": ("can_view_journal", lambda s: {"episode_id": s.needling["episode_id"]}),
    "needling:assessment-create": ("can_record_needling", lambda s: {"episode_id": s.needling["episode_id"]}),
    "needling:plan-create": ("can_record_needling", lambda s: {"episode_id": s.needling["episode_id"]}),
    "needling:outcome-chart": ("can_view_journal", lambda s: {"episode_id": s.needling["episode_id"]}),
    "needling:plan-decision": ("can_record_needling", lambda s: {"pk": s.needling["plan_id"]}),
    "needling:screening-create": ("can_record_needling", lambda s: {"pk": s.needling["plan_id"]}),
    "needling:course-complete": ("can_record_needling", lambda s: {"pk": s.needling["plan_id"]}),
    "needling:session-create": ("can_record_needling", lambda s: {"pk": s.needling["plan_id"]}),
    "needling:loan-create": ("can_record_needling", lambda s: {"pk": s.needling["plan_id"]}),
    "needling:session": ("can_view_journal", lambda s: {"pk": s.needling["session_id"]}),
    "needling:session-save": ("can_record_needling", lambda s: {"pk": s.needling["session_id"]}),
    "needling:site-add": ("can_record_needling", lambda s: {"pk": s.needling["session_id"]}),
    "needling:channel-add": ("can_record_needling", lambda s: {"pk": s.needling["session_id"]}),
    "needling:tens-save": ("can_record_needling", lambda s: {"pk": s.needling["session_id"]}),
    "needling:electrode-add": ("can_record_needling", lambda s: {"pk": s.needling["session_id"]}),
    "needling:side-effect-create": ("can_write_journal", lambda s: {"pk": s.needling["session_id"]}),
    "needling:site-remove": ("can_record_needling", lambda s: {"pk": s.needling["site_id"]}),
    "needling:site-missing": ("can_record_needling", lambda s: {"pk": s.needling["site_id"]}),
    "needling:channel-remove": ("can_record_needling", lambda s: {"pk": s.needling["channel_id"]}),
    "needling:electrode-remove": ("can_record_needling", lambda s: {"pk": s.needling["electrode_id"]}),
    "needling:follow-up-list": ("can_view_journal", None),
    "needling:follow-up-done": ("can_write_journal", lambda s: {"pk": s.needling["follow_up_id"]}),
    "needling:loan-return": ("can_record_needling", lambda s: {"pk": s.needling["loan_id"]}),
    "needling:competence-list": (PUBLIC, lambda s: {"clinic_slug": "klinikk-a"}),
    "needling:competence": (PUBLIC, lambda s: {"clinic_slug": "klinikk-a", "pk": s.needling["practitioner_id"]}),
    "needling:patient-info": (PUBLIC, lambda s: {"clinic_slug": "klinikk-a"}),
    "needling:patient-info-pdf": ("member", None),
    "billing:index": ("can_charge", None),
    "billing:visit-charge": ("can_charge", lambda s: {"appointment_id": s.billing["appointment"]}),
    "billing:visit-receipt": ("can_charge", lambda s: {"appointment_id": s.billing["appointment"]}),
    "billing:charge": ("can_charge", lambda s: {"charge_id": s.billing["charge"]}),
    "billing:charge-pay": ("can_charge", lambda s: {"charge_id": s.billing["charge"]}),
    "billing:charge-credit": ("can_charge", lambda s: {"charge_id": s.billing["charge"]}),
    "billing:receipt": ("can_charge", lambda s: {"charge_id": s.billing["charge"]}),
    "billing:patient": ("can_charge", lambda s: {"patient_id": s.patient_id}),
    "billing:frikort-register": ("can_charge", lambda s: {"patient_id": s.patient_id}),
    "billing:exemption-create": ("can_charge", lambda s: {"patient_id": s.patient_id}),
    "billing:fees": ("can_manage_fees", None),
    "billing:tariff-create": ("can_manage_fees", None),
    "billing:price-create": ("can_manage_fees", None),
    "billing:no-show-fee": ("can_manage_fees", None),
    "billing:settlement": ("can_view_settlement", None),
    "billing:claims-export": ("can_view_settlement", None),
    "injections:episode-list": ("can_view_injections", None),
    "injections:episode-start": ("can_manage_referrals", None),
    "injections:episode": ("can_view_injections", lambda s: {"pk": s.injections["episode"]}),
    "injections:episode-of": ("can_view_injections", lambda s: {"pk": s.injections["journal_episode"]}),
    "injections:exam-create": ("can_examine_ultrasound", lambda s: {"pk": s.injections["episode"]}),
    "injections:assessment-create": ("can_assess_injection", lambda s: {"pk": s.injections["episode"]}),
    "injections:consent-create": ("can_assess_injection", lambda s: {"pk": s.injections["episode"]}),
    "injections:consent-withdraw": ("can_write_journal", lambda s: {"pk": s.injections["episode"]}),
    "injections:episode-exit": ("can_write_journal", lambda s: {"pk": s.injections["episode"]}),
    "injections:order-create": ("can_order_drugs", lambda s: {"pk": s.injections["episode"]}),
    "injections:order-cancel": ("can_order_drugs", lambda s: {"pk": s.injections["order"]}),
    "injections:consent-signature": ("can_view_injections", lambda s: {"pk": s.injections["consent"]}),
    "injections:consent-text-create": ("can_assess_injection", None),
    "injections:delegation-list": ("can_view_injections", None),
    "injections:delegation-create": ("can_delegate", None),
    "injections:delegation-revoke": ("can_delegate", lambda s: {"pk": s.injections["delegation"]}),
    "injections:availability-list": ("can_view_injections", None),
    "injections:availability-create": ("can_mark_availability", None),
    "injections:availability-now": ("can_mark_availability", None),
    "injections:availability-cancel": ("can_mark_availability", lambda s: {"pk": s.injections["availability"]}),
    "injections:gate": ("can_perform_injection", lambda s: {"pk": s.injections["order"]}),
    "injections:procedure-start": ("can_perform_injection", lambda s: {"pk": s.injections["order"]}),
    "injections:episode-gate": ("can_perform_injection", lambda s: {"pk": s.injections["episode"]}),
    "injections:procedure": ("can_view_injections", lambda s: {"pk": s.injections["procedure"]}),
    "injections:procedure-complete": ("can_perform_injection", lambda s: {"pk": s.injections["procedure"]}),
    "injections:procedure-image": ("can_perform_injection", lambda s: {"pk": s.injections["procedure"]}),
    "injections:procedure-stop": ("can_perform_injection", lambda s: {"pk": s.injections["procedure"]}),
    "injections:observation": ("can_view_injections", lambda s: {"pk": s.injections["procedure"]}),
    "injections:observation-end": ("can_perform_injection", lambda s: {"pk": s.injections["procedure"]}),
    "injections:api-gate": ("can_perform_injection", lambda s: {"pk": s.injections["order"]}),
    "injections:api-procedure-start": ("can_perform_injection", lambda s: {"pk": s.injections["order"]}),
    "injections:report": ("can_report_to_gp", lambda s: {"pk": s.injections["reported"]}),
    "injections:report-generate": ("can_report_to_gp", lambda s: {"pk": s.injections["episode"]}),
    "injections:report-summary-pdf": ("can_report_to_gp", lambda s: {"pk": s.injections["reported"]}),
    "injections:report-sent": ("can_report_to_gp", lambda s: {"pk": s.injections["report"]}),
    "injections:report-xml": ("can_report_to_gp", lambda s: {"pk": s.injections["report"]}),
    "injections:report-pdf": ("can_report_to_gp", lambda s: {"pk": s.injections["report"]}),
    "injections:apprec-import": ("can_report_to_gp", lambda s: {"pk": s.injections["report"]}),
    "injections:followup-list": ("can_assess_injection", None),
    "injections:followup-complete": ("can_assess_injection", lambda s: {"pk": s.injections["followup"]}),
    "injections:evidence": ("can_view_evidence", lambda s: {"pk": s.injections["procedure"]}),
    "injections:evidence-pdf": ("can_view_evidence", lambda s: {"pk": s.injections["procedure"]}),
    "injections:procedure-note-pdf": ("can_view_injections", lambda s: {"pk": s.injections["procedure"]}),
    "medications:drug-list": ("can_view_medications", None),
    "medications:drug-create": ("can_manage_medications", None),
    "medications:drug-detail": ("can_view_medications", lambda s: {"pk": s.injections["drug"]}),
    "medications:drug-edit": ("can_manage_medications", lambda s: {"pk": s.injections["drug"]}),
    "medications:batch-receive": ("can_receive_stock", lambda s: {"pk": s.injections["drug"]}),
    "medications:batch-detail": ("can_view_medications", lambda s: {"pk": s.injections["batch"]}),
    "medications:batch-discard": ("can_manage_medications", lambda s: {"pk": s.injections["batch"]}),
    "medications:recall": ("can_recall_search", None),
}


def iter_urls(patterns=None, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_urls(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL pattern {entry.pattern} has no name"
            yield f"{namespace}{entry.name}", entry


ALL_URLS = sorted(iter_urls(), key=lambda item: item[0])


def _billing_sample(clinic, personas, patient) -> dict:
    """A completed private first consultation with the physio, charged."""
    create_demo_billing(clinic=clinic, admin_user=personas["admin"].user)
    kind = AppointmentType.objects.create(clinic=clinic, kind=ServiceKind.FIRST, name="Førstegangskonsultasjon")
    start = timezone.now() - datetime.timedelta(days=1)
    appointment = Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        practitioner=personas["physio"].user.practitioners.get(clinic=clinic),
        appointment_type=kind,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=45),
        status=AppointmentStatus.COMPLETED,
        created_by=personas["reception"].user,
    )
    actor = Actor(user=personas["reception"].user, clinic=clinic, role="reception")
    charge = charge_create(actor=actor, clinic=clinic, appointment=appointment)
    soon = timezone.now() + datetime.timedelta(days=2)
    future = Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        practitioner=appointment.practitioner,
        appointment_type=kind,
        starts_at=soon,
        ends_at=soon + datetime.timedelta(minutes=30),
        created_by=personas["reception"].user,
    )
    feed = CalendarFeed.objects.create(practitioner=appointment.practitioner, token="t" * 43)
    return {
        "appointment": appointment.pk,
        "charge": charge.pk,
        "future": future.pk,
        "type": kind.pk,
        "token": feed.token,
    }


def _injection_sample(personas, patient) -> dict:
    """Clinic A's injection chain for the sample patient: an episode at "ordered" with a signed consent,
    a second one reported to the GP with its procedure and follow-up, the drug and batch used."""
    world = ready_world(doctor=personas["doctor"], physio=personas["physio"], admin=personas["admin"], patient=patient)
    Drug.objects.filter(pk=world.drug.pk).update(name=SENTINEL)
    Consent.objects.filter(pk=world.consent.pk).update(method="signature", signature_png=png_bytes())
    reported = episode_at(world, "observed")
    actor = Actor(user=personas["doctor"].user, clinic=world.clinic, role="doctor")
    report = report_generate(actor, reported)
    procedure = reported.procedures.get()
    return {
        "episode": world.ie.pk,
        "journal_episode": world.ie.episode_id,
        "order": world.order.pk,
        "consent": world.consent.pk,
        "delegation": world.delegation.pk,
        "availability": world.availability.pk,
        "reported": reported.pk,
        "report": report.pk,
        "procedure": procedure.pk,
        "followup": reported.followups.get().pk,
        "drug": world.drug.pk,
        "batch": world.batch.pk,
    }


def _quality_sample(clinic, personas) -> dict:
    """Internal control of clinic A: the demo set (procedures, risks, kit, deviations) and a signed review."""
    users = [p.user for p in personas.values() if p.clinic == clinic]
    create_demo_documents(
        clinic=clinic, admin_user=personas["admin"].user, doctor_user=personas["doctor"].user, users=users
    )
    create_demo_safety(
        clinic=clinic,
        admin_user=personas["admin"].user,
        doctor_user=personas["doctor"].user,
        physio_user=personas["physio"].user,
    )
    kit = Equipment.objects.get(clinic=clinic, kind=EquipmentKind.ANAPHYLAXIS_KIT)
    review = ManagementReview.objects.create(
        clinic=clinic,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        evaluation=SENTINEL,
        decisions=SENTINEL,
        signed_by=personas["admin"].user,
    )
    review.pdf.save("gjennomgang.pdf", ContentFile(b"%PDF-1.4 gjennomgang"), save=True)
    return {
        "procedure": Procedure.objects.filter(clinic=clinic, versions__number=2).order_by("pk").first().pk,
        "risk": Risk.objects.filter(clinic=clinic).order_by("pk").first().pk,
        "deviation": Deviation.objects.filter(clinic=clinic).order_by("pk").first().pk,
        "measure": DeviationMeasure.objects.filter(deviation__clinic=clinic).order_by("pk").first().pk,
        "equipment": kit.pk,
        "item": kit.items.order_by("pk").first().pk,
        "check": kit.checks.order_by("pk").first().pk,
        "review": review.pk,
    }


@pytest.fixture
def sample(clinic_a, physio, reception, personas) -> Sample:
    patient = PatientFactory(clinic=clinic_a, given_name="Signe", family_name=SENTINEL, created_by=reception.user)
    flag = RiskFlagFactory(patient=patient, recorded_by=physio.user)
    practitioner = physio.user.practitioners.get(clinic=clinic_a)
    credential = CredentialFactory(practitioner=practitioner, verified_by=None, verified_at=None, title=SENTINEL)
    credential.evidence.save("kurs.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    credential.evidence_content_type = "application/pdf"
    credential.save()
    agreement = MunicipalAgreement.objects.create(
        clinic=clinic_a,
        practitioner=practitioner,
        municipality=SENTINEL,
        percent=50,
        valid_from=datetime.date(2024, 1, 1),
    )
    AgreementHours.objects.create(agreement=agreement, weekday=0, start=datetime.time(8), end=datetime.time(15))
    staff_user = UserFactory(username="ekstra", last_name=SENTINEL)
    MembershipFactory(user=staff_user, clinic=clinic_a, role=Role.RECEPTION)
    # The physio treats the sample patient: an episode from a referral, and a signed note with an attachment.
    referral = ReferralFactory(patient=patient, reason=SENTINEL, created_by=physio.user)
    referral.document.save("henvisning.pdf", ContentFile(b"%PDF-1.4 henvisning"), save=True)
    episode = EpisodeFactory(patient=patient, responsible=practitioner, referral=referral, title=SENTINEL)
    note = NoteFactory(
        encounter__patient=patient, encounter__episode=episode, author=practitioner, signed=True, findings=SENTINEL
    )
    attachment = Attachment(
        clinic=clinic_a,
        patient=patient,
        encounter=note.encounter,
        title=SENTINEL,
        original_name="bilde.png",
        content_type="application/dicom",
        size=8,
        sha256="0" * 64,
        uploaded_by=physio.user,
    )
    attachment.file.save("bilde.dcm", ContentFile(dicom_bytes()), save=True)
    return Sample(
        patient.pk,
        flag.pk,
        practitioner.pk,
        credential.pk,
        agreement.pk,
        staff_user.pk,
        note.pk,
        attachment.pk,
        referral.pk,
        episode.pk,
        _quality_sample(clinic_a, personas),
        _billing_sample(clinic_a, personas, patient),
        dataclasses.asdict(matrix_sample(patient, practitioner, text=SENTINEL)),
        _injection_sample(personas, patient),
    )


def _request(client: Client, url: str):
    response = client.get(url)
    if response.status_code == 405:  # POST-only views: the same checks apply to a POST
        response = client.post(url, {})
    return response


def _expected(access: str, persona: Persona | None, has_object: bool) -> set[int]:
    if access in (PUBLIC,):
        return {200, 302}
    if persona is None:
        return {302}
    if access in (PENDING_LOGIN,):
        return {302}  # nothing is pending for a fully logged-in user
    if access in (LOGIN_ONLY, "member"):
        return {200, 302}
    if not has_capability(persona.role, access):
        return {403}
    if persona.name == "outsider" and has_object:
        return {404}
    return {200, 302, 400, 409}  # 409: a JSON API call refused by a rule (e.g. the readiness gate)


def _declared(pattern: URLPattern) -> str | None:
    access = getattr(pattern.callback, "kanyle_access", None)
    return access.removeprefix("capability:") if access else None


def test_every_url_is_in_the_specification():
    missing = sorted(name for name, _pattern in ALL_URLS if name not in URL_SPEC)
    assert not missing, f"New URLs: add them to URL_SPEC with their access level: {missing}"
    stale = sorted(set(URL_SPEC) - {name for name, _pattern in ALL_URLS})
    assert not stale, f"URL_SPEC names URLs that no longer exist: {stale}"


def test_every_view_declares_the_specified_access_level():
    wrong = {
        name: (_declared(pattern), URL_SPEC[name][0])
        for name, pattern in ALL_URLS
        if name in URL_SPEC and _declared(pattern) != URL_SPEC[name][0]
    }
    assert not wrong, f"Declared vs specified access: {wrong}"


def test_every_url_with_arguments_points_at_a_sample_object():
    missing = [name for name, pattern in ALL_URLS if pattern.pattern.converters and not URL_SPEC[name][1]]
    assert not missing, f"Give these URLs a sample object in URL_SPEC: {missing}"


@pytest.mark.parametrize("persona_name", ["anonymous", "physio", "doctor", "admin", "reception", "outsider"])
def test_role_url_matrix(persona_name, personas, sample):
    persona = personas.get(persona_name)
    failures = []
    for name, _pattern in ALL_URLS:
        access, sample_kwargs = URL_SPEC[name]
        kwargs = sample_kwargs(sample) if sample_kwargs else {}
        url = reverse(name, kwargs=kwargs)
        client = login(Client(), persona) if persona else Client()
        response = _request(client, url)
        expected = _expected(access, persona, bool(kwargs))
        if response.status_code not in expected:
            failures.append(f"{name} {url}: {response.status_code}, expected {sorted(expected)}")
        if persona_name == "outsider" and SENTINEL.encode() in response.content:
            failures.append(f"{name} {url}: shows clinic A's data to a user of clinic B")
        redirected = response.status_code == 302 and response["Location"]
        if persona is None and access != PUBLIC and redirected and not redirected.startswith(reverse("accounts:login")):
            failures.append(f"{name}: anonymous user sent to {response['Location']}, not to the login page")
    assert not failures, "\n".join(failures)
