"""Pages for patients: each practitioner's needle-treatment competence (NAL-2) and the patient information.

No login: these pages show nothing private (no national ID, no contact details of staff, no evidence files,
no patient data), so they are not logged. The PDF is made for staff to print and hand out.
"""

from __future__ import annotations

from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone

from kanyle.clinics.access import clinic_member_required, public
from kanyle.clinics.models import Clinic
from kanyle.needling import selectors
from kanyle.needling.pdf import render_pdf
from kanyle.staff.models import Practitioner

INFO_CSS = Path(__file__).resolve().parent.parent / "static" / "needling" / "patient-info-print.css"


@public
def competence_list(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """NAL-2: the clinic's physiotherapists with valid needle-treatment training."""
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    practitioners = selectors.public_practitioners(clinic=clinic, on=timezone.localdate())
    return render(request, "needling/competence_list.html", {"clinic": clinic, "practitioners": practitioners})


@public
def competence(request: HttpRequest, clinic_slug: str, pk: int) -> HttpResponse:
    """NAL-2: one practitioner's competence, so a patient can ask and check before treatment."""
    try:
        page = selectors.public_competence(clinic_slug=clinic_slug, practitioner_id=pk, on=timezone.localdate())
    except (Practitioner.DoesNotExist, ValueError):
        raise Http404 from None
    return render(
        request, "needling/competence.html", {"page": page, "clinic": page.clinic, "today": timezone.localdate()}
    )


def _info_context(clinic: Clinic) -> dict:
    return {
        "clinic": clinic,
        "practitioners": selectors.public_practitioners(clinic=clinic, on=timezone.localdate()),
    }


@public
def patient_info(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """What needle treatment is, what to expect, side effects, competence, costs (NAL-2, NAL-5, NAL-7..NAL-10)."""
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    return render(request, "needling/patient_info.html", _info_context(clinic))


@clinic_member_required
def patient_info_pdf(request: HttpRequest) -> HttpResponse:
    """The patient information as a PDF for the active clinic, to print and hand out."""
    html = render_to_string("needling/patient_info_print.html", _info_context(request.clinic), request=request)
    pdf = render_pdf(html, INFO_CSS)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="nalebehandling-pasientinformasjon.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
