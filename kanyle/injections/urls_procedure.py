"""URLs of the injection chain's procedure pages; included by injections/urls.py (app_name "injections")."""

from django.urls import path

from kanyle.injections.views import api, procedure

urlpatterns: list = [
    path("rekvisisjon/<int:pk>/klarsjekk/", procedure.gate, name="gate"),
    path("rekvisisjon/<int:pk>/start/", procedure.procedure_start, name="procedure-start"),
    path("forlop/<int:pk>/klarsjekk/", procedure.episode_gate, name="episode-gate"),
    path("prosedyre/<int:pk>/", procedure.procedure_detail, name="procedure"),
    path("prosedyre/<int:pk>/fullfor/", procedure.procedure_complete, name="procedure-complete"),
    path("prosedyre/<int:pk>/bilde/", procedure.procedure_image, name="procedure-image"),
    path("prosedyre/<int:pk>/stopp/", procedure.procedure_stop, name="procedure-stop"),
    path("prosedyre/<int:pk>/observasjon/", procedure.observation, name="observation"),
    path("prosedyre/<int:pk>/observasjon/avslutt/", procedure.observation_end, name="observation-end"),
    path("api/rekvisisjon/<int:pk>/klarsjekk/", api.api_gate, name="api-gate"),
    path("api/rekvisisjon/<int:pk>/start/", api.api_procedure_start, name="api-procedure-start"),
]
