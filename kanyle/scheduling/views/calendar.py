"""The clinic's calendar: week and day per practitioner or room, booking and changing appointments."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kanyle.audit.services import Actor, audit_record, audit_record_many
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.patients.models import Patient
from kanyle.scheduling import selectors, services
from kanyle.scheduling.forms import AppointmentForm, AppointmentTypeForm, CancelForm, MoveForm, RoomForm, SessionForm
from kanyle.scheduling.models import Appointment, AppointmentStatus, AppointmentType, Room
from kanyle.staff.models import Practitioner

ROWS_PER_HOUR = 60 // selectors.SLOT_MINUTES
MAX_COLUMNS = 7
MAX_ROW = (selectors.DAY_END.hour - selectors.DAY_START.hour) * ROWS_PER_HOUR


def _status(request: HttpRequest, *forms) -> int:
    return 400 if request.method == "POST" and any(f.errors for f in forms) else 200


def _row(moment: datetime.datetime | datetime.time) -> int:
    """Grid line (1-based) of a local time, clamped to the calendar's day."""
    t = timezone.localtime(moment).time() if isinstance(moment, datetime.datetime) else moment
    minutes = (t.hour - selectors.DAY_START.hour) * 60 + t.minute
    return max(1, min(MAX_ROW + 1, minutes // selectors.SLOT_MINUTES + 1))


def _place(day_index: int, start, end) -> dict:
    first = _row(start)
    crosses = isinstance(end, datetime.datetime) and timezone.localdate(end) != timezone.localdate(start)
    last = MAX_ROW + 1 if crosses else _row(end)
    return {"col": day_index + 2, "row": first + 1, "span": max(1, min(MAX_ROW, last - first))}


def _add_error(form, error: ValidationError) -> None:
    form.add_error(None, ValidationError(error.messages))


def _param_obj(request: HttpRequest, model, name: str):
    value = request.GET.get(name)
    if not value:
        return None
    return clinic_object_or_404(model, request, pk=value)


@capability_required("can_view_calendar")
def calendar(request: HttpRequest) -> HttpResponse:
    """Week (default) or day view, for one practitioner, one room, or the whole clinic."""
    clinic = request.clinic
    try:
        day = parse_date(request.GET.get("date") or "") or timezone.localdate()
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        day = timezone.localdate()
    view = "day" if request.GET.get("view") == "day" else "week"
    practitioner = _param_obj(request, Practitioner, "practitioner")
    room = _param_obj(request, Room, "room")
    if practitioner is None and room is None and request.GET.get("all") != "1":
        practitioner = Practitioner.objects.filter(clinic=clinic, user=request.user).first()
    first = day if view == "day" else day - datetime.timedelta(days=day.weekday())
    days = [first + datetime.timedelta(days=i) for i in range(1 if view == "day" else 7)]
    start, end = selectors.local_bounds(first, len(days))
    index = {d: i for i, d in enumerate(days)}
    people = list(selectors.practitioners(clinic=clinic))
    # The whole clinic's day: one column per practitioner (up to seven), so parallel appointments sit side by side.
    by_person = view == "day" and practitioner is None and room is None
    columns = (
        [{"name": p.user.display_name, "col": i + 2} for i, p in enumerate(people[:MAX_COLUMNS])]
        if by_person
        else [{"date": d, "col": i + 2} for i, d in enumerate(days)]
    )
    person_index = {p.pk: i for i, p in enumerate(people[:MAX_COLUMNS])}

    def column(moment, person_id) -> int | None:
        if by_person:
            return person_index.get(person_id)
        return index.get(timezone.localdate(moment))

    items = []
    for a in selectors.calendar_appointments(clinic=clinic, start=start, end=end, practitioner=practitioner, room=room):
        i = column(a.starts_at, a.practitioner_id)
        if i is not None:
            # The link and the start time made here rather than by {% url %} and |time per item: a full week is
            # about 60 appointments and the template's per-item work is most of the page's CPU (docs/performance.md).
            href = reverse("scheduling:appointment", args=[a.pk])
            at = timezone.localtime(a.starts_at).strftime("%H:%M")
            items.append({"a": a, "href": href, "at": at, **_place(i, a.starts_at, a.ends_at)})
    sessions = []
    for s in selectors.calendar_sessions(clinic=clinic, start=start, end=end, practitioner=practitioner, room=room):
        for person_id in (s.physio_id, s.doctor_id) if by_person else (None,):
            i = column(s.starts_at, person_id)
            if i is not None:
                sessions.append({"s": s, **_place(i, s.starts_at, s.ends_at)})
    shades = []
    if practitioner is not None:
        for block in selectors.agreement_blocks(practitioner=practitioner, days=days):
            shades.append({"b": block, **_place(index[block.day], block.start, block.end)})
    hours = [
        {"label": f"{h:02d}:00", "row": (h - selectors.DAY_START.hour) * ROWS_PER_HOUR + 2}
        for h in range(selectors.DAY_START.hour, selectors.DAY_END.hour)
    ]
    shown = {i["a"].patient_id: i["a"].patient for i in items if i["a"].patient_id}
    if shown:
        audit_record_many(
            actor=Actor.from_request(request), action="scheduling.calendar.listed", patients=shown.values()
        )
    step = datetime.timedelta(days=1 if view == "day" else 7)
    return render(
        request,
        "scheduling/calendar.html",
        {
            "view": view,
            "columns": columns,
            "by_person": by_person,
            "items": items,
            "sessions": sessions,
            "shades": shades,
            "hours": hours,
            "practitioner": practitioner,
            "room": room,
            "practitioners": people,
            "rooms": selectors.rooms(clinic=clinic),
            "previous": (first - step).isoformat(),
            "next": (first + step).isoformat(),
            "today": timezone.localdate().isoformat(),
            "first": first,
            "last": days[-1],
            "requested_count": selectors.requested(clinic=clinic).count(),
        },
    )


def _back(appointment: Appointment) -> str:
    day = timezone.localdate(appointment.starts_at).isoformat()
    return f"{reverse('scheduling:calendar')}?date={day}&practitioner={appointment.practitioner_id}"


@capability_required("can_book")
def appointment_create(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic
    initial = {k: request.GET[k] for k in ("date", "time", "practitioner", "room") if request.GET.get(k)}
    form = AppointmentForm(request.POST or None, clinic=clinic, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            appointment = services.appointment_book(
                actor=Actor.from_request(request),
                practitioner=form.cleaned_data["practitioner"],
                appointment_type=form.cleaned_data["appointment_type"],
                starts_at=form.starts_at(),
                patient=form.cleaned_data["patient_id"],
                room=form.cleaned_data["room"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("The appointment is booked."))
            return redirect(_back(appointment))
    return render(request, "scheduling/appointment_form.html", {"form": form}, status=_status(request, form))


def _appointment(request: HttpRequest, pk: int) -> Appointment:
    try:
        return selectors.appointment_detail(clinic=request.clinic, pk=pk)
    except Appointment.DoesNotExist:
        raise Http404 from None


@capability_required("can_view_calendar")
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk)
    audit_record(
        actor=Actor.from_request(request),
        action="scheduling.appointment.viewed",
        patient=appointment.patient,
        target=appointment,
    )
    return _detail(request, appointment)


def _detail(request, appointment, *, move=None, cancel=None, status=200) -> HttpResponse:
    local = timezone.localtime(appointment.starts_at)
    move = move or MoveForm(
        clinic=request.clinic,
        initial={
            "practitioner": appointment.practitioner_id,
            "room": appointment.room_id,
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
        },
    )
    return render(
        request,
        "scheduling/appointment_detail.html",
        {
            "appointment": appointment,
            "move_form": move,
            "cancel_form": cancel or CancelForm(),
            "back": _back(appointment),
            "changeable": appointment.status in (AppointmentStatus.REQUESTED, AppointmentStatus.BOOKED),
            "match": _registered_match(appointment),
        },
        status=status,
    )


def _registered_match(appointment: Appointment) -> Patient | None:
    """For a request: the registered patient with the national ID given, so reception can compare names."""
    if appointment.status != AppointmentStatus.REQUESTED or not appointment.requester_national_id:
        return None
    return Patient.objects.filter(clinic=appointment.clinic, national_id=appointment.requester_national_id).first()


@require_POST
@capability_required("can_book")
def appointment_move(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk)
    form = MoveForm(request.POST, clinic=request.clinic)
    if form.is_valid():
        try:
            services.appointment_move(
                actor=Actor.from_request(request),
                appointment=appointment,
                starts_at=form.starts_at(),
                practitioner=form.cleaned_data["practitioner"],
                room=form.cleaned_data["room"],
                keep_room=False,
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("The appointment is moved."))
            return redirect("scheduling:appointment", pk=pk)
    return _detail(request, _appointment(request, pk), move=form, status=400)


@require_POST
@capability_required("can_book")
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.appointment_cancel(
                actor=Actor.from_request(request), appointment=appointment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("The appointment is cancelled."))
            return redirect("scheduling:appointment", pk=pk)
    return _detail(request, appointment, cancel=form, status=400)


def _simple_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    appointment = _appointment(request, pk)
    try:
        action(actor=Actor.from_request(request), appointment=appointment)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("scheduling:appointment", pk=pk)


@require_POST
@capability_required("can_book")
def appointment_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.appointment_no_show, _("Marked as not attended."))


@require_POST
@capability_required("can_book")
def appointment_arrived(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.appointment_arrived, _("Registered as arrived."))


@require_POST
@capability_required("can_book")
def appointment_completed(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.appointment_completed, _("The visit is completed and can be charged."))


@require_POST
@capability_required("can_book")
def appointment_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.appointment_confirm, _("The booking is confirmed."))


@capability_required("can_book")
def requests(request: HttpRequest) -> HttpResponse:
    return render(request, "scheduling/requests.html", {"appointments": selectors.requested(clinic=request.clinic)})


@capability_required("can_manage_schedule")
def session_create(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.clinic_session_create(
                actor=Actor.from_request(request),
                doctor=form.cleaned_data["doctor"],
                physio=form.cleaned_data["physio"],
                doctor_mode=form.cleaned_data["doctor_mode"],
                room=form.cleaned_data["room"],
                starts_at=form.starts_at(),
                ends_at=form.ends_at(),
                weeks=form.cleaned_data["weeks"],
            )
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("%(count)d clinic session(s) created.") % {"count": len(created)})
            day = form.cleaned_data["date"].isoformat()
            return redirect(f"{reverse('scheduling:calendar')}?date={day}&all=1")
    return render(request, "scheduling/session_form.html", {"form": form}, status=_status(request, form))


@capability_required("can_manage_schedule")
def setup(request: HttpRequest) -> HttpResponse:
    """Rooms and appointment types (kind, length, colour, online booking)."""
    actor = Actor.from_request(request)
    room_form = RoomForm(request.POST if request.POST.get("form") == "room" else None, prefix="room")
    type_form = AppointmentTypeForm(
        request.POST if request.POST.get("form") == "type" else None,
        prefix="type",
        instance=AppointmentType(clinic=request.clinic),
    )
    if request.method == "POST":
        form = room_form if request.POST.get("form") == "room" else type_form
        if form.is_valid():
            try:
                if form is room_form:
                    services.room_create(actor=actor, name=form.cleaned_data["name"])
                else:
                    services.appointment_type_save(actor=actor, appointment_type=form.instance)
            except ValidationError as error:
                _add_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("scheduling:setup")
    return render(
        request,
        "scheduling/setup.html",
        {
            "rooms": Room.objects.filter(clinic=request.clinic),
            "types": AppointmentType.objects.filter(clinic=request.clinic),
            "room_form": room_form,
            "type_form": type_form,
        },
        status=_status(request, room_form, type_form),
    )


@capability_required("can_manage_schedule")
def type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    appointment_type = clinic_object_or_404(AppointmentType, request, pk=pk)
    form = AppointmentTypeForm(request.POST or None, instance=appointment_type)
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_type_save(actor=Actor.from_request(request), appointment_type=form.instance)
        except ValidationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("scheduling:setup")
    return render(
        request,
        "scheduling/type_form.html",
        {"form": form, "appointment_type": appointment_type},
        status=_status(request, form),
    )
