"""The compliance dashboard: everything in the clinic that needs attention, each line linking to its fix.

For the clinic administrator and the responsible doctor (INJ-V4 emergency preparedness first, then
checks, items, drills, credentials and cover, deviations and measures, unsigned notes, supervision
visits, unread procedures and follow-ups).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kanyle.clinics.access import capability_required
from kanyle.quality.selectors.dashboard import compliance_overview


@capability_required("can_view_compliance")
def compliance_dashboard(request: HttpRequest) -> HttpResponse:
    overview = compliance_overview(clinic=request.clinic, at=timezone.now(), user=request.user)
    return render(request, "quality/dashboard.html", {"overview": overview})
