from django.urls import path

from kanyle.needling.views import course, public, safety, sessions

app_name = "needling"
urlpatterns = [
    # The course of an episode of care: assessment, plan and shared decision, screening, outcomes.
    path("forlop/<int:episode_id>/", course.course, name="course"),
    path("forlop/<int:episode_id>/vurdering/", course.assessment_create, name="assessment-create"),
    path("forlop/<int:episode_id>/plan/", course.plan_create, name="plan-create"),
    path("forlop/<int:episode_id>/resultater/", course.outcome_chart_partial, name="outcome-chart"),
    path("plan/<int:pk>/beslutning/", course.plan_decision, name="plan-decision"),
    path("plan/<int:pk>/screening/", course.screening_create, name="screening-create"),
    path("plan/<int:pk>/avslutt/", course.course_complete, name="course-complete"),
    path("plan/<int:pk>/ny-okt/", sessions.session_create, name="session-create"),
    path("plan/<int:pk>/utlan/", safety.loan_create, name="loan-create"),
    # A session and the body chart.
    path("okt/<int:pk>/", sessions.session, name="session"),
    path("okt/<int:pk>/lagre/", sessions.session_save, name="session-save"),
    path("okt/<int:pk>/nal/", sessions.site_add, name="site-add"),
    path("okt/<int:pk>/stimulering/", sessions.channel_add, name="channel-add"),
    path("okt/<int:pk>/tens/", sessions.tens_save, name="tens-save"),
    path("okt/<int:pk>/elektrode/", sessions.electrode_add, name="electrode-add"),
    path("okt/<int:pk>/bivirkning/", safety.side_effect_create, name="side-effect-create"),
    path("nal/<int:pk>/ut/", sessions.site_remove, name="site-remove"),
    path("nal/<int:pk>/savnet/", sessions.site_missing, name="site-missing"),
    path("stimulering/<int:pk>/slett/", sessions.channel_remove, name="channel-remove"),
    path("elektrode/<int:pk>/slett/", sessions.electrode_remove, name="electrode-remove"),
    # Safety: follow-ups after side effects, TENS devices lent for home use.
    path("oppfolging/", safety.follow_up_list, name="follow-up-list"),
    path("oppfolging/<int:pk>/utfort/", safety.follow_up_done, name="follow-up-done"),
    path("utlan/<int:pk>/returnert/", safety.loan_return, name="loan-return"),
    # For patients: competence (NAL-2) and information about needle treatment.
    path("kompetanse/<slug:clinic_slug>/", public.competence_list, name="competence-list"),
    path("kompetanse/<slug:clinic_slug>/<int:pk>/", public.competence, name="competence"),
    path("informasjon/<slug:clinic_slug>/", public.patient_info, name="patient-info"),
    path("pasientinformasjon.pdf", public.patient_info_pdf, name="patient-info-pdf"),
]
