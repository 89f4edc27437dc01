from django.urls import path

from kanyle.clinics import views

app_name = "clinics"
urlpatterns = [
    path("velg/", views.choose, name="choose"),
    path("profil/", views.profile, name="profile"),
]
