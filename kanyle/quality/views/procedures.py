"""Procedures library (INJ-V1, INJ-V3): read the procedures in force, confirm reading, write and approve versions."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kanyle.audit.services import Actor
from kanyle.clinics.access import capability_required, clinic_object_or_404, has_capability
from kanyle.core.forms import add_service_error
from kanyle.quality import rules
from kanyle.quality.forms.documents import ProcedureForm, ProcedureVersionForm, ReadConfirmForm
from kanyle.quality.markdown import render_markdown
from kanyle.quality.models import Procedure, ProcedureVersion
from kanyle.quality.selectors import documents as selectors
from kanyle.quality.services import procedures as services

DEFAULT_REVIEW_DAYS = 365


def form_status(form: BaseForm) -> int:
    return 400 if form.errors else 200


def _may_manage(request: HttpRequest) -> bool:
    return has_capability(request.membership.role, "can_manage_procedures")


def _version_or_404(procedure: Procedure, number: int) -> ProcedureVersion:
    for version in procedure.all_versions:
        if version.number == number:
            return version
    raise Http404


def _procedure_or_404(request: HttpRequest, pk: int) -> Procedure:
    try:
        return selectors.procedure_detail(clinic=request.clinic, pk=pk)
    except (Procedure.DoesNotExist, ValueError):
        raise Http404 from None


def _current(procedure: Procedure) -> ProcedureVersion | None:
    return next((v for v in procedure.all_versions if v.approved_on is not None), None)


def _draft(procedure: Procedure) -> ProcedureVersion | None:
    latest = procedure.all_versions[0] if procedure.all_versions else None
    return latest if latest is not None and latest.approved_on is None else None


@capability_required("can_read_procedures")
@require_GET
def procedure_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = selectors.procedure_list(clinic=request.clinic, user=request.user)
    manager = _may_manage(request)
    unread: dict = {}
    if manager:
        unread = rules.unread_procedures(clinic=request.clinic, users=selectors.clinic_staff(clinic=request.clinic))
        by_version: dict[int, list] = {}
        for user, versions in unread.items():
            for version in versions:
                by_version.setdefault(version.pk, []).append(user)
        for row in rows:
            row.unread_by = by_version.get(row.current.pk, []) if row.current else []
    context = {
        "rows": [
            (row, rules.review_status(row.current.next_review_on if row.current else None, today)) for row in rows
        ],
        "unread": sorted(unread.items(), key=lambda item: item[0].display_name),
        "my_unread": sum(1 for row in rows if row.current and not row.read_by_me),
        "manager": manager,
        "today": today,
    }
    return render(request, "quality/procedure_list.html", context)


@capability_required("can_manage_procedures")
@require_http_methods(["GET", "POST"])
def procedure_create(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    initial = {
        "owner": request.user.pk,
        "next_review_on": timezone.localdate() + datetime.timedelta(DEFAULT_REVIEW_DAYS),
    }
    form = ProcedureForm(request.POST if posted else None, clinic=request.clinic, initial=initial)
    if posted and form.is_valid():
        try:
            procedure = services.procedure_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if form.cleaned_data["approve"]:
                messages.success(request, _("The procedure is created and approved."))
            else:
                messages.success(request, _("The procedure is saved as a draft. Approve it to put it in force."))
            return redirect("quality:procedure-detail", pk=procedure.pk)
    return render(request, "quality/procedure_form.html", {"form": form}, status=form_status(form))


def _version_page(request: HttpRequest, procedure: Procedure, version: ProcedureVersion | None) -> HttpResponse:
    today = timezone.localdate()
    current = _current(procedure)
    manager = _may_manage(request)
    my_receipt = None
    if version is not None and version.approved_on is not None:
        my_receipt = version.receipts.filter(user=request.user).first()
    context = {
        "procedure": procedure,
        "version": version,
        "current": current,
        "draft": _draft(procedure),
        "versions": procedure.all_versions,
        "content": render_markdown(version.content) if version else "",
        "is_current": version is not None and current is not None and version.pk == current.pk,
        "my_receipt": my_receipt,
        "review": rules.review_status(current.next_review_on if current else None, today),
        "readers": selectors.version_readers(clinic=request.clinic, version=version)
        if manager and version is not None and version.approved_on is not None
        else None,
        "manager": manager,
    }
    return render(request, "quality/procedure_detail.html", context)


@capability_required("can_read_procedures")
@require_GET
def procedure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = _procedure_or_404(request, pk)
    # The version in force; while there is none, the draft (clearly marked as not in force).
    return _version_page(request, procedure, _current(procedure) or _draft(procedure))


@capability_required("can_read_procedures")
@require_GET
def procedure_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    procedure = _procedure_or_404(request, pk)
    return _version_page(request, procedure, _version_or_404(procedure, number))


@capability_required("can_manage_procedures")
@require_http_methods(["GET", "POST"])
def procedure_version_create(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = _procedure_or_404(request, pk)
    draft, current = _draft(procedure), _current(procedure)
    base = draft or current
    posted = request.method == "POST"
    initial = {
        "content": base.content if base else "",
        "change_summary": draft.change_summary if draft else "",
        "next_review_on": draft.next_review_on
        if draft
        else timezone.localdate() + datetime.timedelta(DEFAULT_REVIEW_DAYS),
    }
    form = ProcedureVersionForm(request.POST if posted else None, initial=initial)
    if posted and form.is_valid():
        try:
            version = services.procedure_draft_save(
                actor=Actor.from_request(request), procedure=procedure, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Version %(number)s is saved as a draft. It is in force once it is approved.")
                % {"number": version.number},
            )
            return redirect("quality:procedure-version", pk=procedure.pk, number=version.number)
    context = {"form": form, "procedure": procedure, "draft": draft, "current": current}
    return render(request, "quality/procedure_version_form.html", context, status=form_status(form))


@capability_required("can_manage_procedures")
@require_POST
def procedure_version_approve(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    procedure = clinic_object_or_404(Procedure, request, pk=pk)
    version = procedure.versions.filter(number=number).first()
    if version is None:
        raise Http404
    try:
        services.procedure_version_approve(actor=Actor.from_request(request), version=version)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Version %(number)s is approved and now in force. All staff must confirm they have read it.")
            % {"number": number},
        )
    return redirect("quality:procedure-detail", pk=procedure.pk)


@capability_required("can_read_procedures")
@require_POST
def procedure_read(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = clinic_object_or_404(Procedure, request, pk=pk)
    form = ReadConfirmForm(request.POST)
    version = (
        procedure.versions.filter(pk=form.cleaned_data["version"]).select_related("procedure").first()
        if form.is_valid()
        else None
    )
    if version is None:
        messages.error(request, _("Open the procedure and confirm the version you have read."))
        return redirect("quality:procedure-detail", pk=procedure.pk)
    try:
        services.procedure_read_confirm(actor=Actor.from_request(request), version=version)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Thank you. You have confirmed reading version %(number)s of “%(title)s”.")
            % {"number": version.number, "title": procedure.title},
        )
    return redirect("quality:procedure-detail", pk=procedure.pk)
