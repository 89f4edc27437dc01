from django.urls import path

from kanyle.scheduling.views import calendar, public

app_name = "scheduling"
urlpatterns = [
    path("", calendar.calendar, name="calendar"),
    path("ny/", calendar.appointment_create, name="appointment-create"),
    path("foresporsler/", calendar.requests, name="requests"),
    path("time/<int:pk>/", calendar.appointment_detail, name="appointment"),
    path("time/<int:pk>/flytt/", calendar.appointment_move, name="appointment-move"),
    path("time/<int:pk>/avlys/", calendar.appointment_cancel, name="appointment-cancel"),
    path("time/<int:pk>/ikke-mott/", calendar.appointment_no_show, name="appointment-no-show"),
    path("time/<int:pk>/ankommet/", calendar.appointment_arrived, name="appointment-arrived"),
    path("time/<int:pk>/fullfort/", calendar.appointment_completed, name="appointment-completed"),
    path("time/<int:pk>/bekreft/", calendar.appointment_confirm, name="appointment-confirm"),
    path("oppsett/", calendar.setup, name="setup"),
    path("oppsett/type/<int:pk>/", calendar.type_edit, name="type-edit"),
    path("klinikktime/ny/", calendar.session_create, name="session-create"),
    path("abonnement/", public.feed_settings, name="feed-settings"),
    path("feed/<str:token>.ics", public.feed, name="feed"),
    path("bestill/<slug:slug>/", public.booking, name="booking"),
    path("bestill/<slug:slug>/mottatt/", public.booking_done, name="booking-done"),
]
