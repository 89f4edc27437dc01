"""URLs of the injection chain's team pages; included by injections/urls.py (app_name "injections")."""

from django.urls import path

from kanyle.injections.views import team

urlpatterns: list = [
    path("delegeringer/", team.delegation_list, name="delegation-list"),
    path("delegeringer/ny/", team.delegation_create, name="delegation-create"),
    path("delegeringer/<int:pk>/tilbakekall/", team.delegation_revoke, name="delegation-revoke"),
    path("tilgjengelighet/", team.availability_list, name="availability-list"),
    path("tilgjengelighet/ny/", team.availability_create, name="availability-create"),
    path("tilgjengelighet/na/", team.availability_now, name="availability-now"),
    path("tilgjengelighet/<int:pk>/avlys/", team.availability_cancel, name="availability-cancel"),
]
