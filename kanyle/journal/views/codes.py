"""The diagnosis code picker: search ICPC-2 and ICD-10 by code or words (htmx partial)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kanyle.clinics.access import capability_required
from kanyle.journal import selectors


@capability_required("can_write_journal")
def code_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    codes = selectors.code_search(query=query, system=request.GET.get("system"))
    return render(request, "journal/_code_results.html", {"codes": codes, "query": query})
