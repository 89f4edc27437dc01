"""Outcome scores (NPRS, PSFS, PGIC): recorded within their scales, one per source, logged, and charted (NAL-6)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from kanyle.audit.models import AuditEvent
from kanyle.audit.services import Actor
from kanyle.journal.tests.factories import EpisodeFactory
from kanyle.outcomes import selectors
from kanyle.outcomes.charts import PANEL_HEIGHT, TOP, outcome_chart
from kanyle.outcomes.models import Instrument, Measurement, Phase
from kanyle.outcomes.services import measurement_record, range_message
from kanyle.patients.tests.factories import PatientFactory

NOW = datetime.datetime(2025, 3, 12, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def actor(physio):
    return Actor(user=physio.user, clinic=physio.clinic, role=physio.role)


@pytest.fixture
def episode(patient_a, practitioner_a):
    return EpisodeFactory(patient=patient_a, responsible=practitioner_a)


def record(actor, episode, instrument, value, *, phase=Phase.BEFORE, occasion=1, source="needling.session:1", **item):
    return measurement_record(
        actor=actor,
        patient=episode.patient,
        episode=episode,
        instrument=instrument,
        phase=phase,
        occasion=occasion,
        value=value,
        measured_at=NOW,
        source=source,
        **item,
    )


def test_nal_6_scores_are_recorded_replaced_and_withdrawn_with_a_log(actor, episode):
    first = record(actor, episode, Instrument.NPRS, 6)
    again = record(actor, episode, Instrument.NPRS, 4)

    assert first.pk == again.pk and Measurement.objects.get().value == 4
    assert AuditEvent.objects.filter(action="outcomes.measurement.recorded", patient=episode.patient).count() == 2
    assert record(actor, episode, Instrument.NPRS, None) is None
    assert not Measurement.objects.exists()
    assert AuditEvent.objects.filter(action="outcomes.measurement.withdrawn").count() == 1


@pytest.mark.parametrize(
    ("instrument", "value"),
    [(Instrument.NPRS, 11), (Instrument.NPRS, -1), (Instrument.PSFS, 12), (Instrument.PGIC, 0), (Instrument.PGIC, 8)],
)
def test_nal_6_scores_outside_the_instruments_scale_are_refused(actor, episode, instrument, value):
    with pytest.raises(ValidationError) as refused:
        record(actor, episode, instrument, value, item_key="goal:1", item_label="Gå tur")
    assert range_message(instrument) in refused.value.messages
    assert not Measurement.objects.exists() and not AuditEvent.objects.exists()


def test_a_psfs_score_belongs_to_an_activity(actor, episode):
    with pytest.raises(ValidationError):
        record(actor, episode, Instrument.PSFS, 5)
    assert not Measurement.objects.exists()


def test_scores_are_never_written_to_another_patients_episode(actor, episode, clinic_a, reception):
    other = PatientFactory(clinic=clinic_a, created_by=reception.user)
    with pytest.raises(ValidationError):
        measurement_record(
            actor=actor,
            patient=other,
            episode=episode,
            instrument=Instrument.NPRS,
            phase=Phase.BEFORE,
            occasion=1,
            value=3,
            measured_at=NOW,
            source="x:1",
        )
    assert not Measurement.objects.exists()


def test_nal_6_the_chart_plots_pain_before_and_after_and_function_towards_its_target(actor, episode):
    record(actor, episode, Instrument.NPRS, 7, phase=Phase.BASELINE, occasion=0, source="needling.assessment:1")
    record(
        actor,
        episode,
        Instrument.PSFS,
        3,
        phase=Phase.BASELINE,
        occasion=0,
        source="needling.plan:1",
        item_key="g1",
        item_label="Sitte",
    )
    for occasion, (before, after, function) in enumerate([(6, 4, 4), (5, 3, 6)], start=1):
        source = f"needling.session:{occasion}"
        record(actor, episode, Instrument.NPRS, before, occasion=occasion, source=source)
        record(actor, episode, Instrument.NPRS, after, phase=Phase.AFTER, occasion=occasion, source=source)
        record(
            actor,
            episode,
            Instrument.PSFS,
            function,
            occasion=occasion,
            source=source,
            item_key="g1",
            item_label="Sitte",
        )
    record(actor, episode, Instrument.PGIC, 6, phase=Phase.END, occasion=3, source="needling.plan:1:end")
    record(actor, episode, Instrument.NPRS, 2, phase=Phase.END, occasion=3, source="needling.plan:1:end")

    chart = outcome_chart(selectors.episode_measurements(clinic=episode.clinic, episode=episode), targets={"g1": 8})

    assert [t.label for t in chart.ticks] == [gettext("Start"), "1", "2", gettext("End")]
    before, after = chart.panels[0].series
    assert [p.value for p in before.points] == [7, 6, 5, 2] and [p.value for p in after.points] == [4, 3]
    # Lower pain is drawn lower: y grows downwards in SVG.
    assert (
        before.points[0].y < before.points[-1].y and before.points[-1].y == TOP + PANEL_HEIGHT - 2 * PANEL_HEIGHT / 10
    )
    function = chart.panels[1].series[0]
    assert [p.value for p in function.points] == [3, 4, 6] and function.points[0].y > function.points[-1].y
    assert function.target == 8 and function.target_y is not None
    assert chart.pgic.value == 6 and chart.pgic_label == gettext("Better")
    with translation.override("nb"):
        svg = render_to_string("outcomes/_chart.html", {"chart": chart})
    assert "<svg" in svg and "style=" not in svg and "<script" not in svg
    # SVG numbers with a decimal point even in Norwegian, where numbers are shown with a comma.
    for points in re.findall(r'<polyline points="([^"]+)"', svg):
        assert all(pair.count(",") == 1 for pair in points.split())
    assert 'data-testid="outcome-table"' in svg


def test_an_empty_chart_says_so():
    chart = outcome_chart([])
    assert chart.is_empty
    assert 'data-testid="outcome-chart-empty"' in render_to_string("outcomes/_chart.html", {"chart": chart})


def test_measurements_are_read_within_the_clinic(actor, episode, clinic_b):
    record(actor, episode, Instrument.NPRS, 5)
    assert selectors.episode_measurements(clinic=clinic_b, episode=episode) == []
    assert len(selectors.measurements_from(clinic=episode.clinic, sources=["needling.session:1"])) == 1
    assert timezone.is_aware(Measurement.objects.get().measured_at)
