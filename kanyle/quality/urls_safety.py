"""Deviations, equipment and checks, the compliance dashboard and the management review (INJ-V3..V5, LAW-Q)."""

from django.urls import path

from kanyle.quality.views import dashboard, deviations, equipment, review

urlpatterns = [
    path("avvik/", deviations.deviation_list, name="deviation-list"),
    path("avvik/ny/", deviations.deviation_create, name="deviation-create"),
    path("avvik/<int:pk>/", deviations.deviation_detail, name="deviation-detail"),
    path("avvik/<int:pk>/vurdering/", deviations.deviation_assess, name="deviation-assess"),
    path("avvik/<int:pk>/tiltak/ny/", deviations.measure_create, name="measure-create"),
    path("avvik/<int:pk>/lukk/", deviations.deviation_close, name="deviation-close"),
    path("tiltak/<int:pk>/utfort/", deviations.measure_done, name="measure-done"),
    path("utstyr/", equipment.equipment_list, name="equipment-list"),
    path("utstyr/ny/", equipment.equipment_create, name="equipment-create"),
    path("utstyr/<int:pk>/", equipment.equipment_detail, name="equipment-detail"),
    path("utstyr/<int:pk>/endre/", equipment.equipment_edit, name="equipment-edit"),
    path("utstyr/<int:pk>/innhold/ny/", equipment.item_create, name="item-create"),
    path("utstyr/<int:pk>/kontroll/", equipment.check_create, name="check-create"),
    path("innhold/<int:pk>/", equipment.item_edit, name="item-edit"),
    path("kontroll/<int:pk>/", equipment.check_detail, name="check-detail"),
    path("kontroll/<int:pk>/kontrasigner/", equipment.check_countersign, name="check-countersign"),
    path("oversikt/", dashboard.compliance_dashboard, name="compliance"),
    path("ledelsensgjennomgang/", review.review_list, name="review-list"),
    path("ledelsensgjennomgang/ny/", review.review_create, name="review-create"),
    path("ledelsensgjennomgang/<int:pk>/", review.review_detail, name="review-detail"),
    path("ledelsensgjennomgang/<int:pk>/pdf/", review.review_pdf, name="review-pdf"),
]
