"""Factories for the drug catalogue and stock (LAW-M). Rows are created directly (no 'received' movement);
use ``kanyle.medications.services.batch_receive`` when a test needs the movement ledger.

``DrugFactory(clinic=..., created_by=...)`` → Triamcinolon 40 mg/ml, a corticosteroid suspension.
``BatchFactory(drug=...)`` → 10 units on hand, expiring in a year, clinic taken from the drug.
"""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from kanyle.clinics.tests.factories import ClinicFactory, UserFactory
from kanyle.medications.models import Batch, DoseUnit, Drug, DrugCategory, DrugForm


class DrugFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Drug

    clinic = factory.SubFactory(ClinicFactory)
    name = "Triamcinolon"
    atc_code = "H02AB08"
    category = DrugCategory.CORTICOSTEROID
    form = DrugForm.SUSPENSION
    strength = "40 mg/ml"
    dose_unit = DoseUnit.MG
    package_unit = "hetteglass"
    created_by = factory.SubFactory(UserFactory)


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    drug = factory.SubFactory(DrugFactory)
    clinic = factory.SelfAttribute("drug.clinic")
    lot_number = factory.Sequence(lambda n: f"LOT{1000 + n}")
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))
    quantity_received = 10
    quantity_on_hand = factory.SelfAttribute("quantity_received")
    location = "Låst medisinskap, rom 2"
    received_on = factory.LazyFunction(timezone.localdate)
    received_by = factory.SelfAttribute("drug.created_by")
