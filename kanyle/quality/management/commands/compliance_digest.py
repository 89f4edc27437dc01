"""Daily e-mail to each clinic's administrators and doctors: what needs attention (the compliance dashboard).

Cron-friendly and idempotent per day: each person gets one digest a day however often it runs (a
rerun after a mail-server failure sends only what is missing). Bounded: a fixed number of queries per
clinic and at most ``--limit`` lines per section. The e-mail names no patient and quotes no deviation
text; the dashboard link shows the details after login.

    manage.py compliance_digest [--clinic SLUG] [--base-url https://kanyle.example.no] [--dry-run]
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kanyle.clinics.models import Clinic
from kanyle.quality.selectors.dashboard import compliance_overview, roles_to_notify
from kanyle.quality.services.review import digest_send


def _bounded(items: list, limit: int, count: int | None = None) -> dict[str, Any]:
    count = len(items) if count is None else count
    return {"items": items[:limit], "more": max(0, count - limit)}


class Command(BaseCommand):
    help = "E-mail today's compliance digest to each clinic's administrators and doctors (once a day per person)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", help="Only this clinic (its short name).")
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "KANYLE_SITE_URL", ""),
            help="The address users open Kanyle at, for the link in the e-mail (default: settings.KANYLE_SITE_URL).",
        )
        parser.add_argument("--limit", type=int, default=10, help="Lines per section in the e-mail (default 10).")
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        today = timezone.localdate(now)
        clinics = Clinic.objects.order_by("pk")
        if options["clinic"]:
            clinics = clinics.filter(slug=options["clinic"])
        limit = max(1, options["limit"])
        sent = skipped = 0
        with translation.override(settings.LANGUAGE_CODE):
            for clinic in clinics.iterator():
                overview = compliance_overview(clinic=clinic, at=now)
                if overview.total == 0:
                    continue
                subject = _("Kanyle: %(count)s things need attention at %(clinic)s") % {
                    "count": overview.total,
                    "clinic": clinic.name,
                }
                body = render_to_string(
                    "quality/email/compliance_digest.txt",
                    {
                        "clinic": clinic,
                        "overview": overview,
                        "today": today,
                        "preparedness": _bounded(overview.preparedness, limit),
                        "sections": [
                            {"section": section, **_bounded(section.items, limit, section.count)}
                            for section in overview.sections
                            if section.count
                        ],
                        "dashboard_url": options["base_url"].rstrip("/") + reverse("quality:compliance"),
                    },
                )
                for user in roles_to_notify(clinic=clinic):
                    if options["dry_run"]:
                        self.stdout.write(f"[{clinic.slug}] {user.email}: {subject}")
                        continue
                    if digest_send(clinic=clinic, user=user, overview=overview, subject=subject, body=body, on=today):
                        sent += 1
                    else:
                        skipped += 1
        self.stdout.write(f"compliance_digest {today.isoformat()}: {sent} sent, {skipped} already sent today")
