"""Procedures library, risk register and supervision visits (INJ-V1, INJ-V2, INJ-V3, INJ-O3)."""

from django.urls import path

from kanyle.quality.views import procedures, risks, supervision

urlpatterns = [
    path("prosedyrer/", procedures.procedure_list, name="procedure-list"),
    path("prosedyrer/ny/", procedures.procedure_create, name="procedure-create"),
    path("prosedyrer/<int:pk>/", procedures.procedure_detail, name="procedure-detail"),
    path("prosedyrer/<int:pk>/ny-versjon/", procedures.procedure_version_create, name="procedure-version-create"),
    path("prosedyrer/<int:pk>/versjon/<int:number>/", procedures.procedure_version, name="procedure-version"),
    path(
        "prosedyrer/<int:pk>/versjon/<int:number>/godkjenn/",
        procedures.procedure_version_approve,
        name="procedure-approve",
    ),
    path("prosedyrer/<int:pk>/lest/", procedures.procedure_read, name="procedure-read"),
    path("risiko/", risks.risk_list, name="risk-list"),
    path("risiko/ny/", risks.risk_create, name="risk-create"),
    path("risiko/<int:pk>/", risks.risk_detail, name="risk-detail"),
    path("risiko/<int:pk>/endre/", risks.risk_edit, name="risk-edit"),
    path("tilsynsbesok/", supervision.supervision_list, name="supervision-list"),
    path("tilsynsbesok/ny/", supervision.supervision_create, name="supervision-create"),
]
