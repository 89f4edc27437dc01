"""Send appointment reminders by email and SMS; run from cron, e.g. every 15 minutes.

Each appointment is reminded once (``reminder_sent_at``); moving it re-arms the reminder.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from kanyle.scheduling import selectors, services
from kanyle.scheduling.sms import send_sms


class Command(BaseCommand):
    help = "Send reminders for booked appointments starting within the next N hours."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="Remind this many hours ahead (default 24).")
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent, send nothing.")

    def handle(self, *args, hours: int, dry_run: bool, **options):
        sent = 0
        with override(settings.LANGUAGE_CODE):
            for appointment in selectors.reminders_due(now=timezone.now(), hours=hours):
                patient = appointment.patient
                when = date_format(timezone.localtime(appointment.starts_at), "l j. F Y H:i")
                text = _("Reminder: %(service)s at %(clinic)s on %(when)s. Cancel in good time if you cannot come.") % {
                    "service": appointment.appointment_type.name,
                    "clinic": appointment.clinic.name,
                    "when": when,
                }
                if dry_run:
                    self.stdout.write(f"{appointment.pk}: {when}")
                    continue
                channels = []
                if patient.email:
                    send_mail(
                        _("Appointment reminder"),
                        text,
                        settings.DEFAULT_FROM_EMAIL,
                        [patient.email],
                        fail_silently=True,
                    )
                    channels.append("email")
                if patient.phone and send_sms(to=patient.phone, text=text):
                    channels.append("sms")
                services.reminder_mark_sent(appointment=appointment, channels=",".join(channels) or "none")
                sent += 1
        self.stdout.write(f"{sent} reminder(s) sent.")
