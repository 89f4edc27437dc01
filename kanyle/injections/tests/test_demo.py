"""The demo clinic's injection chain (organisation 2, INJ-O2): every state shown, every procedure lawful."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from kanyle.injections import rules
from kanyle.injections.models import Delegation, GPReport, InjectionEpisode, Procedure, ReportStatus, Status
from kanyle.interop.dialogmelding import validate
from kanyle.medications.models import Batch, DrugCategory, MovementKind, StockMovement

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_inj_o2_demo_clinic_has_episodes_in_every_state_and_every_frozen_gate_is_green(demo):
    statuses = set(InjectionEpisode.objects.values_list("status", flat=True))

    assert {Status.REFERRED, Status.ORDERED, Status.OBSERVED, Status.CLOSED, Status.WITHDRAWN} <= statuses
    procedures = list(Procedure.objects.all())
    assert procedures, "the demo has performed procedures"
    for procedure in procedures:
        assert procedure.gate["ok"], [item for item in procedure.gate["items"] if not item["ok"]]
        assert procedure.performer.profession == "physio" and procedure.delegation is not None
    delegation = Delegation.objects.get()
    assert delegation.doctor.user.username == "lege" and delegation.physio.user.username == "fysio"


def test_law_m_demo_stock_adds_up_and_keeps_an_expired_batch_that_cannot_be_used(demo):
    today = timezone.localdate()
    expired = Batch.objects.filter(expires_on__lt=today)
    assert expired.count() == 1
    assert not rules.batch_usable(batch=expired.get(), order=Procedure.objects.first().order, on=today)
    for batch in Batch.objects.all():
        given = sum(m.quantity for m in batch.movements.exclude(kind=MovementKind.RECEIVED))
        assert batch.quantity_on_hand == batch.quantity_received - given
    assert StockMovement.objects.filter(kind=MovementKind.ADMINISTERED, patient__isnull=False).count() == len(
        Procedure.objects.filter(batch__isnull=False)
    )
    assert Batch.objects.filter(drug__category=DrugCategory.EMERGENCY).exists()


def test_inj_g4_demo_reports_to_the_gp_validate_and_the_older_one_is_acknowledged(demo):
    reports = list(GPReport.objects.order_by("episode__status"))

    assert {r.status for r in reports} == {ReportStatus.SENT, ReportStatus.ACKNOWLEDGED}
    for report in reports:
        validate(report.xml.encode())
