from django.urls import path

from kanyle.billing import views

app_name = "billing"
urlpatterns = [
    path("", views.index, name="index"),
    path("time/<int:appointment_id>/", views.visit_charge, name="visit-charge"),
    path("time/<int:appointment_id>/kvittering/", views.visit_receipt, name="visit-receipt"),
    path("krav/<int:charge_id>/", views.charge_detail, name="charge"),
    path("krav/<int:charge_id>/betal/", views.charge_pay, name="charge-pay"),
    path("krav/<int:charge_id>/krediter/", views.charge_credit, name="charge-credit"),
    path("krav/<int:charge_id>/kvittering/", views.receipt, name="receipt"),
    path("pasient/<int:patient_id>/", views.patient_billing, name="patient"),
    path("pasient/<int:patient_id>/frikort/", views.frikort_register, name="frikort-register"),
    path("pasient/<int:patient_id>/yrkesskade/", views.exemption_create, name="exemption-create"),
    path("takster/", views.fees, name="fees"),
    path("takster/ny/", views.tariff_create, name="tariff-create"),
    path("priser/ny/", views.price_create, name="price-create"),
    path("uteblivelse/", views.no_show_fee, name="no-show-fee"),
    path("dagsoppgjor/", views.settlement, name="settlement"),
    path("eksport/", views.claims_export, name="claims-export"),
]
