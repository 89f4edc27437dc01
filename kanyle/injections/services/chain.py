"""The first half of the injection chain: start, ultrasound exam, assessment, consent and drug order.

Every service takes keyword-only arguments and an ``actor``, runs in one transaction with the episode
row locked, asks ``injections.rules`` first (nothing is re-decided here), writes the step's signed
journal note by its author (INJ-D8, INJ-P5), moves the status and writes the audit log.
A signed step is never edited: an assessment is replaced, a consent withdrawn, an order cancelled.

The services live in ``chain_start`` (start, exam, assessment) and ``chain_consent`` (consent, the patient
declining, order); this module names them together.
"""

from __future__ import annotations

from kanyle.injections.services.chain_consent import (
    CONSENT_TEXT_V1_BODY,
    CONSENT_TEXT_V1_TITLE,
    PNG_MAGIC,
    SIGNATURE_MAX_BYTES,
    consent_record,
    consent_text_create,
    consent_text_current,
    consent_withdraw,
    episode_exit,
    order_cancel,
    order_sign,
    signature_png_from_data_url,
)
from kanyle.injections.services.chain_start import (
    BEFORE_PROCEDURE,
    EXAM_IMAGE_TYPES,
    EXAM_IMAGES_MAX,
    assessment_record,
    episode_start,
    exam_record,
)

__all__ = [
    "BEFORE_PROCEDURE",
    "CONSENT_TEXT_V1_BODY",
    "CONSENT_TEXT_V1_TITLE",
    "EXAM_IMAGES_MAX",
    "EXAM_IMAGE_TYPES",
    "PNG_MAGIC",
    "SIGNATURE_MAX_BYTES",
    "assessment_record",
    "consent_record",
    "consent_text_create",
    "consent_text_current",
    "consent_withdraw",
    "episode_exit",
    "episode_start",
    "exam_record",
    "order_cancel",
    "order_sign",
    "signature_png_from_data_url",
]
