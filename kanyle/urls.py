from django.urls import include, path

urlpatterns = [
    path("", include("kanyle.core.urls")),
    path("", include("kanyle.accounts.urls")),
    path("klinikk/", include("kanyle.clinics.urls")),
    path("ansatte/", include("kanyle.staff.urls")),
    path("pasienter/", include("kanyle.patients.urls")),
    path("revisjon/", include("kanyle.audit.urls")),
    path("journal/", include("kanyle.journal.urls")),
    path("internkontroll/", include("kanyle.quality.urls")),
    path("nalebehandling/", include("kanyle.needling.urls")),
    path("kalender/", include("kanyle.scheduling.urls")),
    path("oppgjor/", include("kanyle.billing.urls")),
    path("injeksjoner/", include("kanyle.injections.urls")),
    path("legemidler/", include("kanyle.medications.urls")),
]

handler400 = "kanyle.core.views.error_400"
handler403 = "kanyle.core.views.error_403"
handler404 = "kanyle.core.views.error_404"
handler500 = "kanyle.core.views.error_500"
