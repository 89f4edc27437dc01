from django.urls import path

from kanyle.accounts import views

app_name = "accounts"
urlpatterns = [
    path("logg-inn/", views.login_view, name="login"),
    path("logg-inn/kode/", views.totp_view, name="totp"),
    path("logg-inn/aktiver-tofaktor/", views.enroll_view, name="enroll"),
    path("logg-ut/", views.logout_view, name="logout"),
    path("passord/", views.password_change, name="password"),
]
