"""Services for consent (text, record, withdrawal), the patient declining, and the drug order (sign, cancel)."""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.models import Clinic
from kanyle.core.decisions import Decision
from kanyle.injections import rules
from kanyle.injections.models import (
    PATH,
    Consent,
    ConsentMethod,
    ConsentText,
    DrugOrder,
    InjectionEpisode,
    ProcedureStatus,
    ProcedureType,
    Status,
)
from kanyle.injections.services.chain_common import (
    _end_open_orders,
    _live_procedure,
    _step_allowed,
    _step_saved,
    _yes_no,
)
from kanyle.injections.services.common import advance, lock_episode, require, signed_note
from kanyle.staff.models import Practitioner, Profession

SIGNATURE_MAX_BYTES = 200 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _require_open(episode: InjectionEpisode) -> None:
    """INJ-G1: nothing more is recorded in an ended episode (the state machine says why)."""
    if episode.is_final:
        require(rules.transition_allowed(episode=episode, to=episode.status))


def _refuse_during_or_after_procedure(episode: InjectionEpisode) -> None:
    """LAW-C: the patient may stop the treatment until it is done; during the procedure the performer stops it.

    INJ-P3: only the performer stops a procedure in progress (with the reason); then this can be recorded.
    """
    states = set(
        episode.procedures.filter(
            status__in=[ProcedureStatus.IN_PROGRESS, ProcedureStatus.OBSERVATION, ProcedureStatus.COMPLETED]
        ).values_list("status", flat=True)
    )
    if ProcedureStatus.IN_PROGRESS in states:
        require(
            Decision.deny(
                "INJ-P3", _("The procedure is in progress: the performer stops it first, with the patient's reason.")
            )
        )
    if states or episode.status not in PATH[: PATH.index(Status.PERFORMED)]:
        require(Decision.deny("LAW-C", _("The procedure is done; the episode can no longer be stopped this way.")))


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


# The patient declines (LAW-C) ---------------------------------------------------------------------------


@transaction.atomic
def episode_exit(*, actor: Actor, practitioner: Practitioner | None, episode: InjectionEpisode, reason: str) -> Any:
    """The patient declines the treatment: the episode ends with the reason (LAW-C: the patient decides)."""
    episode = lock_episode(episode)
    if practitioner is None:
        raise ValidationError(_("Only a practitioner can record that the patient declines."))
    if not reason.strip():
        require(Decision.deny("LAW-C", _("Write the reason; it is part of the record.")))
    _refuse_during_or_after_procedure(episode)
    _end_open_orders(actor=actor, episode=episode, reason=reason.strip())
    return advance(actor=actor, episode=episode, to=Status.DECLINED, reason=reason.strip())


# Consent (INJ-D3, LAW-C) -------------------------------------------------------------------------------

CONSENT_TEXT_V1_TITLE = "Informasjon og samtykke: ultralydveiledet injeksjon"
# Kanyle's own wording; the clinic's doctor publishes a new version when the clinic's practice differs.
CONSENT_TEXT_V1_BODY = """\
Hva behandlingen er
Legen har vurdert at plagene dine kan ha nytte av en injeksjon. Vi bruker ultralyd for å se nåla og
legge legemidlet nøyaktig der det skal virke. Injeksjonen settes av legen eller av en fysioterapeut som
legen har delegert oppgaven til, og legen har ansvaret.

Forventet nytte
Hensikten er mindre smerte og bedre funksjon, slik at du kommer i gang med opptrening. Virkningen kommer
gjerne etter noen dager og varer ulikt fra person til person. Noen får liten eller ingen effekt.

Risiko og bivirkninger
- Infeksjon: sjelden, men alvorlig. Kontakt oss eller legevakt ved økende smerte, rødme, hevelse eller feber
  de første dagene.
- Seneskade: en sene som får kortison kan bli svakere, og i sjeldne tilfeller ryke. Unngå tung belastning
  av området de første ukene.
- Hudforandringer: huden over stikkstedet kan bli tynnere eller lysere (atrofi eller misfarging).
- Blodsukker: kortison kan gi forbigående høyere blodsukker. Har du diabetes, mål blodsukkeret oftere de
  første dagene.
- Allergisk reaksjon: sjelden. Du blir derfor på klinikken en stund etter injeksjonen, og vi har
  akuttutstyr klart.
- Forbigående økt smerte i området det første døgnet er vanlig.

Alternativer
Du kan velge trening og annen fysioterapi, avventing, smertestillende etter avtale med fastlegen, eller
henvisning videre. Legen forklarer hva som passer for deg.

Du bestemmer
Samtykket er frivillig. Du kan trekke det tilbake når som helst før eller under behandlingen, uten at
det får følger for annen behandling hos oss. Fastlegen din får rapport om behandlingen.
"""


def consent_text_current(clinic: Any, user: Any) -> ConsentText:
    """LAW-C: the clinic's newest consent text; a first version in Kanyle's own words if it has none."""
    text = ConsentText.objects.filter(clinic=clinic).order_by("-version").first()
    if text is not None:
        return text
    text = ConsentText(
        clinic=clinic, version=1, title=CONSENT_TEXT_V1_TITLE, body=CONSENT_TEXT_V1_BODY, created_by=user
    )
    text.full_clean()
    text.save()
    return text


@transaction.atomic
def consent_text_create(*, actor: Actor, practitioner: Practitioner | None, title: str, body: str) -> ConsentText:
    """A doctor publishes a new version of the clinic's consent text; older versions stay as evidence."""
    require(rules.assessor_allowed(practitioner=practitioner))
    # The clinic row is the lock: two doctors publishing at once get consecutive numbers, not a clash.
    Clinic.objects.select_for_update().only("pk").get(pk=actor.clinic.pk)
    latest = ConsentText.objects.filter(clinic=actor.clinic).aggregate(v=Max("version"))["v"] or 0
    text = ConsentText(clinic=actor.clinic, version=latest + 1, title=title.strip(), body=body.strip())
    text.created_by = actor.user
    text.full_clean()
    text.save()
    audit_record(actor=actor, action="injections.consent_text.created", target=text, detail=f"v{text.version}")
    return text


def signature_png_from_data_url(value: str) -> bytes:
    """The patient's on-screen signature: a data URL of a real PNG (magic bytes) under 200 kB."""
    prefix = "data:image/png;base64,"
    if not value or not value.startswith(prefix):
        require(Decision.deny("LAW-C", _("The patient's signature is missing. Ask the patient to sign in the box.")))
    encoded = value[len(prefix) :]
    if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 8:
        raise ValidationError(_("The signature image is too large (at most 200 kB)."))
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(_("The signature could not be read. Ask the patient to sign again.")) from None
    if not data.startswith(PNG_MAGIC) or len(data) < 60:
        raise ValidationError(_("The signature could not be read. Ask the patient to sign again."))
    if len(data) > SIGNATURE_MAX_BYTES:
        raise ValidationError(_("The signature image is too large (at most 200 kB)."))
    return data


@transaction.atomic
def consent_record(
    *,
    actor: Actor,
    practitioner: Practitioner | None,
    episode: InjectionEpisode,
    consent: Consent,
    signature_png: bytes | None = None,
) -> Consent:
    """INJ-D3, LAW-C: the doctor records informed consent on the current text, signed on screen or confirmed.

    Consent is taken again (status unchanged) when the doctor has replaced the assessment since.
    """
    episode = lock_episode(episode)
    current = rules.current_consent(episode)
    assessment = rules.current_assessment(episode)
    again = (
        current is not None
        and current.is_valid
        and assessment is not None
        and current.given_at < assessment.signed_at
        and not _live_procedure(episode)
    )
    require(_step_allowed(episode, Status.CONSENTED, again_at=[Status.CONSENTED, Status.ORDERED] if again else []))
    text = consent_text_current(actor.clinic, actor.user)
    if consent.text_id and consent.text_id != text.pk:
        require(
            Decision.deny(
                "LAW-C",
                _("A newer version of the consent text was published. Go through version %(v)s with the patient.")
                % {"v": text.version},
            )
        )
    consent.clinic, consent.episode, consent.doctor, consent.text = actor.clinic, episode, practitioner, text
    consent.given_at = timezone.now()
    consent.signature_png = signature_png if consent.method == ConsentMethod.SIGNATURE else None
    require(rules.consent_valid_to_record(consent=consent, episode=episode))
    consent.full_clean(exclude=["note", "signature_png"])
    explained = [str(Consent._meta.get_field(name).verbose_name).capitalize() for name in rules.CONSENT_EXPLANATIONS]
    consent.note = signed_note(
        actor=actor,
        practitioner=practitioner,
        episode=episode,
        information="\n".join(
            [
                _("Information given from “%(title)s”, version %(version)s.")
                % {"title": text.title, "version": text.version},
                *[f"- {line}" for line in explained],
            ]
        ),
        assessment=_("The patient consents to the treatment (%(method)s).")
        % {"method": consent.get_method_display().lower()},
    )
    _step_saved(actor=actor, episode=episode, record=consent, after=Status.ASSESSED, to=Status.CONSENTED)
    audit_record(
        actor=actor,
        action="injections.consent.recorded",
        patient=episode.patient,
        target=consent,
        detail=consent.method,
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: Actor, practitioner: Practitioner | None, episode: InjectionEpisode, reason: str
) -> Consent:
    """LAW-C: the patient withdraws consent; the episode stops and nothing more can be recorded in it."""
    episode = lock_episode(episode)
    if practitioner is None or practitioner.profession not in (Profession.DOCTOR, Profession.PHYSIO):
        require(Decision.deny("LAW-C", _("Only the doctor or the physiotherapist can record the withdrawal.")))
    require(rules.transition_allowed(episode=episode, to=Status.WITHDRAWN))
    consent = rules.current_consent(episode)
    if consent is None or not consent.is_valid:
        require(Decision.deny("LAW-C", _("There is no valid consent to withdraw.")))
    _refuse_during_or_after_procedure(episode)
    if not reason.strip():
        require(Decision.deny("LAW-C", _("Write the reason for the withdrawal; it is part of the record.")))
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    consent.withdrawn_at, consent.withdrawn_reason, consent.withdrawn_recorded_by = (
        timezone.now(),
        reason.strip(),
        actor.user,
    )
    consent.full_clean(exclude=["note", "signature_png"])
    consent.save(update_fields=["withdrawn_at", "withdrawn_reason", "withdrawn_recorded_by"])
    _end_open_orders(actor=actor, episode=episode, reason=reason.strip())
    advance(actor=actor, episode=episode, to=Status.WITHDRAWN, reason=reason.strip())
    audit_record(
        actor=actor, action="injections.consent.withdrawn", patient=episode.patient, target=consent, reason=reason
    )
    return consent


# The drug order (INJ-D4, LAW-M, INJ-G3) -------------------------------------------------------------


def _order_text(order: DrugOrder) -> str:
    lines = [order.get_procedure_type_display()]
    if order.drug_id:
        lines.append(f"{_('Drug')}: {order.drug.name} {order.strength} ({order.drug.atc_code})")
        lines.append(f"{_('Dose')}: {order.dose} {order.dose_unit}")
    lines += [
        f"{_('Volume')}: {order.volume_ml} ml",
        f"{_('Target structure')}: {order.target_structure} ({order.get_side_display().lower()})",
        f"{_('Approach')}: {order.approach}",
        f"{_('Ultrasound-guided')}: {_yes_no(order.ultrasound_guided)}",
        f"{_('Valid until')}: {_day(order.valid_until)}",
    ]
    if order.instructions.strip():
        lines.append(f"{_('Instructions')}: {order.instructions}")
    return "\n".join(lines)


@transaction.atomic
def order_sign(
    *, actor: Actor, practitioner: Practitioner | None, episode: InjectionEpisode, order: DrugOrder
) -> DrugOrder:
    """INJ-D4, LAW-M, INJ-G3: the doctor's signed drug order (rekvisisjon); the performer cannot change it.

    After a cancelled order the doctor may sign a new one; the episode stays at "ordered".
    """
    episode = lock_episode(episode)
    require(rules.orderer_allowed(practitioner=practitioner))
    replace = episode.status == Status.ORDERED and rules.current_order(episode) is None
    require(_step_allowed(episode, Status.ORDERED, again_at=[Status.ORDERED] if replace else []))
    if episode.status == Status.ORDERED and not replace:
        require(Decision.deny("INJ-D4", _("The episode has a signed order. Cancel it before signing a new one.")))
    order.clinic, order.episode, order.doctor, order.signed_at = actor.clinic, episode, practitioner, timezone.now()
    if order.procedure_type == ProcedureType.ASPIRATION:
        order.strength, order.dose_unit = "", ""
    elif order.drug_id:
        # LAW-M: strength and unit come from the catalogue, never typed.
        order.strength, order.dose_unit = order.drug.strength, order.drug.dose_unit
    require(rules.order_valid_to_sign(order=order, episode=episode, on=timezone.localdate()))
    order.full_clean(exclude=["note"])
    order.note = signed_note(
        actor=actor,
        practitioner=practitioner,
        episode=episode,
        interventions=_order_text(order),
        plan=_("Drug order (rekvisisjon) signed by the doctor."),
    )
    _step_saved(actor=actor, episode=episode, record=order, after=Status.CONSENTED, to=Status.ORDERED)
    audit_record(
        actor=actor,
        action="injections.order.signed",
        patient=episode.patient,
        target=order,
        detail=order.procedure_type,
    )
    return order


@transaction.atomic
def order_cancel(*, actor: Actor, practitioner: Practitioner | None, order: DrugOrder, reason: str) -> DrugOrder:
    """INJ-D4: the doctor cancels an order with the reason; the episode stays at "ordered" for a new order."""
    episode = lock_episode(order.episode)
    require(rules.orderer_allowed(practitioner=practitioner))
    _require_open(episode)
    order = DrugOrder.objects.select_for_update().get(pk=order.pk)
    if order.cancelled_at is not None:
        raise ValidationError(_("The order is already cancelled."))
    if order.procedures.filter(
        status__in=[ProcedureStatus.IN_PROGRESS, ProcedureStatus.OBSERVATION, ProcedureStatus.COMPLETED]
    ).exists():
        require(Decision.deny("INJ-D4", _("The order has been used in a procedure and cannot be cancelled.")))
    if not reason.strip():
        require(Decision.deny("INJ-D4", _("Write the reason for cancelling the order.")))
    order.cancelled_at, order.cancelled_reason = timezone.now(), reason.strip()[:500]
    order.full_clean(exclude=["note"])
    order.save(update_fields=["cancelled_at", "cancelled_reason"])
    audit_record(actor=actor, action="injections.order.cancelled", patient=episode.patient, target=order, reason=reason)
    return order
