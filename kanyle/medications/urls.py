"""Drug catalogue, stock and recall search (LAW-M); mounted at /legemidler/."""

from django.urls import path

from kanyle.medications import views

app_name = "medications"
urlpatterns = [
    # The catalogue (INJ-G3 and the emergency drugs, INJ-V4).
    path("", views.drug_list, name="drug-list"),
    path("ny/", views.drug_create, name="drug-create"),
    path("<int:pk>/", views.drug_detail, name="drug-detail"),
    path("<int:pk>/endre/", views.drug_edit, name="drug-edit"),
    # Stock batches and their movements.
    path("<int:pk>/mottak/", views.batch_receive, name="batch-receive"),
    path("parti/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("parti/<int:pk>/kasser/", views.batch_discard, name="batch-discard"),
    # Which patients got lot X.
    path("tilbakekalling/", views.recall, name="recall"),
]
