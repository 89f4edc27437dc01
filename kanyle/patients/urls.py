from django.urls import path

from kanyle.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("ny/", views.patient_create, name="create"),
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/endre/", views.patient_edit, name="edit"),
    path("<int:pk>/fodselsnummer/", views.national_id_reveal, name="reveal-id"),
    path("<int:pk>/risiko/", views.risk_flag_add, name="risk-add"),
    path("<int:pk>/tilgangslogg/", views.access_log, name="access-log"),
    path("risiko/<int:pk>/avslutt/", views.risk_flag_resolve, name="risk-resolve"),
]
