"""NAL-8: the public booking page (no login) and the practitioners' .ics feeds (secret token)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from kanyle.audit.services import Actor, client_ip
from kanyle.clinics.access import capability_required, public
from kanyle.clinics.models import Clinic
from kanyle.scheduling import selectors, services
from kanyle.scheduling.forms import PublicBookingForm
from kanyle.scheduling.models import CalendarFeed
from kanyle.staff.models import Practitioner

RATE_LIMIT = 5  # submissions per client address ...
RATE_WINDOW = 600  # ... per ten minutes
MAX_SLOTS = 60


def _rate_limited(request: HttpRequest) -> bool:
    """Count this submission; True once the address has sent more than RATE_LIMIT in the window."""
    key = f"scheduling:booking:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW)
        count = 1
    return count > RATE_LIMIT


@public
@never_cache
@csrf_protect
def booking(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = get_object_or_404(Clinic, slug=slug)
    services_online = list(selectors.appointment_types(clinic=clinic, online=True))
    chosen = None
    service_id = request.POST.get("service") or request.GET.get("service")
    if service_id:
        chosen = next((t for t in services_online if str(t.pk) == service_id), None)
    form = None
    status = 200
    if chosen is not None:
        slots = selectors.free_slots(clinic=clinic, appointment_type=chosen)[:MAX_SLOTS]
        form = PublicBookingForm(request.POST or None, slots=slots)
        if request.method == "POST":
            if _rate_limited(request):
                form.is_valid()
                form.errors.clear()
                form.add_error(None, _("Too many booking attempts from your network. Please try again later."))
                status = 429
            elif request.POST.get("website"):
                # A bot filled the honeypot: answer exactly like a success, save nothing.
                return redirect("scheduling:booking-done", slug=clinic.slug)
            elif form.is_valid():
                practitioner, starts_at = form.chosen
                try:
                    services.appointment_request_online(
                        clinic=clinic,
                        appointment_type=chosen,
                        practitioner=practitioner,
                        starts_at=starts_at,
                        name=form.cleaned_data["name"],
                        national_id=form.cleaned_data["national_id"],
                        phone=form.cleaned_data["phone"],
                        email=form.cleaned_data["email"],
                        ip_address=client_ip(request),
                    )
                except ValidationError as error:
                    form.add_error(None, ValidationError(error.messages))
                else:
                    return redirect("scheduling:booking-done", slug=clinic.slug)
            if status == 200:
                status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "scheduling/public_booking.html",
        {"clinic": clinic, "services": services_online, "chosen": chosen, "form": form},
        status=status,
    )


@public
def booking_done(request: HttpRequest, slug: str) -> HttpResponse:
    clinic = get_object_or_404(Clinic, slug=slug)
    return render(request, "scheduling/public_done.html", {"clinic": clinic})


def _ics_escape(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


@public
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The practitioner's appointments as iCalendar; no patient names leave the system this way."""
    entry = CalendarFeed.objects.select_related("practitioner__clinic").filter(token=token).first()
    if entry is None or len(token) < 20:
        raise Http404
    now = timezone.now()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kanyle//Scheduling//EN", "CALSCALE:GREGORIAN"]
    host = settings.KANYLE_SITE_URL.split("//")[-1].split("/")[0]
    for a in selectors.feed_appointments(practitioner=entry.practitioner, now=now):
        lines += [
            "BEGIN:VEVENT",
            f"UID:appointment-{a.pk}@{host}",
            f"DTSTAMP:{_ics_time(a.updated_at)}",
            f"DTSTART:{_ics_time(a.starts_at)}",
            f"DTEND:{_ics_time(a.ends_at)}",
            f"SUMMARY:{_ics_escape(a.appointment_type.name)}",
            f"LOCATION:{_ics_escape(a.room.name if a.room else a.clinic.name)}",
            f"STATUS:{'TENTATIVE' if a.status == 'requested' else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kanyle.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@capability_required("can_view_calendar")
def feed_settings(request: HttpRequest) -> HttpResponse:
    """A practitioner makes (or replaces) the secret link to their own feed; it is shown once."""
    practitioner = Practitioner.objects.filter(clinic=request.clinic, user=request.user).first()
    link = None
    if request.method == "POST" and practitioner is not None:
        token = services.feed_token_renew(actor=Actor.from_request(request), practitioner=practitioner)
        link = request.build_absolute_uri(reverse("scheduling:feed", kwargs={"token": token}))
    return render(
        request,
        "scheduling/feed_settings.html",
        {
            "practitioner": practitioner,
            "link": link,
            "has_feed": practitioner is not None and CalendarFeed.objects.filter(practitioner=practitioner).exists(),
        },
    )
