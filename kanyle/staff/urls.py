from django.urls import path

from kanyle.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("ny/", views.staff_create, name="create"),
    path("person/<int:user_id>/", views.staff_edit, name="edit"),
    path("person/<int:user_id>/nullstill-tofaktor/", views.staff_totp_reset, name="totp-reset"),
    path("behandler/<int:pk>/", views.practitioner_detail, name="practitioner"),
    path("behandler/<int:pk>/kompetanse/ny/", views.credential_create, name="credential-create"),
    path("behandler/<int:pk>/forsikring/ny/", views.insurance_create, name="insurance-create"),
    path("behandler/<int:pk>/driftsavtale/ny/", views.agreement_create, name="agreement-create"),
    path("kompetanse/<int:pk>/verifiser/", views.credential_verify, name="credential-verify"),
    path("kompetanse/<int:pk>/dokumentasjon/", views.credential_evidence, name="credential-evidence"),
    path("driftsavtale/<int:pk>/", views.agreement_edit, name="agreement-edit"),
]
