"""The management review (LAW-Q §8–§9) and the daily compliance digest to the clinic's management.

The review freezes the facts as assembled when it is signed, with the manager's evaluation and
decisions, and keeps them as a PDF (WeasyPrint, CSS from quality/static/quality/review.css) whose
SHA-256 is stored beside it, so a later change to the file shows.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kanyle.audit.services import Actor, audit_record
from kanyle.quality.models import DigestDelivery, ManagementReview
from kanyle.quality.rules.safety import review_period_valid
from kanyle.quality.selectors.dashboard import ComplianceOverview
from kanyle.quality.selectors.review import review_facts

REVIEW_CSS = Path(__file__).resolve().parent.parent / "static" / "quality" / "review.css"


def _dated(value: Any, key: str = "") -> Any:
    """The stored facts with ISO dates turned back into dates, for templates to format the Norwegian way."""
    if isinstance(value, dict):
        return {k: _dated(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_dated(v, key) for v in value]
    if isinstance(value, str) and (key in ("start", "end", "month") or key.endswith("_on")):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, str) and key.endswith("_at"):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def review_context(*, review: ManagementReview | None, facts: dict[str, Any], clinic: Any) -> dict[str, Any]:
    """What the page, the form's preview and the PDF show: the same facts, the same way."""
    return {"review": review, "facts": _dated(facts), "clinic": clinic}


def render_review_pdf(*, review: ManagementReview) -> bytes:
    """HTML to PDF with WeasyPrint, which fetches nothing: built from the template and its CSS only."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        "quality/review_pdf.html", review_context(review=review, facts=review.facts, clinic=review.clinic)
    )
    no_fetching = URLFetcher(allowed_protocols=())
    stylesheet = CSS(string=REVIEW_CSS.read_text(encoding="utf-8"), url_fetcher=no_fetching)
    return HTML(string=html, url_fetcher=no_fetching).write_pdf(stylesheets=[stylesheet])


@transaction.atomic
def review_sign(
    *,
    actor: Actor,
    period_start: datetime.date,
    period_end: datetime.date,
    evaluation: str,
    decisions: str,
) -> ManagementReview:
    """LAW-Q §8–§9: the manager signs the evaluation and decisions over the facts as assembled now."""
    now = timezone.now()
    decision = review_period_valid(start=period_start, end=period_end, today=timezone.localdate(now))
    if not decision:
        raise ValidationError([finding.message for finding in decision.findings])
    if not evaluation.strip() or not decisions.strip():
        raise ValidationError(_("Write both the evaluation and the decisions before signing."))
    review = ManagementReview(
        clinic=actor.clinic,
        period_start=period_start,
        period_end=period_end,
        facts=review_facts(clinic=actor.clinic, start=period_start, end=period_end, at=now),
        evaluation=evaluation.strip(),
        decisions=decisions.strip(),
        signed_by=actor.user,
    )
    review.full_clean(exclude=["pdf"])
    review.save()
    pdf = render_review_pdf(review=review)
    review.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    review.pdf.save(f"ledelsensgjennomgang-{review.pk}.pdf", ContentFile(pdf), save=False)
    review.save(update_fields=["pdf", "pdf_sha256"])
    audit_record(
        actor=actor,
        action="quality.review.signed",
        target=review,
        detail=f"{period_start.isoformat()}–{period_end.isoformat()}; sha256 {review.pdf_sha256[:16]}",
    )
    return review


def digest_send(
    *,
    clinic: Any,
    user: Any,
    overview: ComplianceOverview,
    subject: str,
    body: str,
    on: datetime.date,
) -> bool:
    """Send one person's compliance digest for the day, once: False if it was already sent today."""
    if DigestDelivery.objects.filter(clinic=clinic, user=user, sent_on=on).exists():
        return False
    try:
        with transaction.atomic():
            delivery = DigestDelivery.objects.create(clinic=clinic, user=user, sent_on=on, item_count=overview.total)
            # Sent inside the transaction: if the mail server refuses, the row goes and a rerun retries.
            EmailMessage(subject=subject, body=body, to=[user.email]).send(fail_silently=False)
            audit_record(
                actor=Actor(user=None, clinic=clinic),
                action="quality.digest.sent",
                target=delivery,
                detail=f"to {user.username}: {overview.total} items",
            )
    except IntegrityError:  # already sent today (the unique constraint decides, also for two runs at once)
        return False
    return True
