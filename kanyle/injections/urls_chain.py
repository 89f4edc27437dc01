"""URLs of the injection chain's first half (episode, ultrasound exam, assessment, consent, order);
included by injections/urls.py (app_name "injections")."""

from django.urls import path

from kanyle.injections.views import chain

urlpatterns: list = [
    path("forlop/", chain.episode_list, name="episode-list"),
    path("forlop/ny/", chain.episode_start, name="episode-start"),
    path("forlop/<int:pk>/", chain.episode, name="episode"),
    path("journalforlop/<int:pk>/", chain.episode_of, name="episode-of"),
    path("forlop/<int:pk>/ultralyd/", chain.exam_create, name="exam-create"),
    path("forlop/<int:pk>/vurdering/", chain.assessment_create, name="assessment-create"),
    path("forlop/<int:pk>/samtykke/", chain.consent_create, name="consent-create"),
    path("forlop/<int:pk>/samtykke/trekk-tilbake/", chain.consent_withdraw, name="consent-withdraw"),
    path("forlop/<int:pk>/avslutt/", chain.episode_exit, name="episode-exit"),
    path("forlop/<int:pk>/rekvisisjon/", chain.order_create, name="order-create"),
    path("rekvisisjon/<int:pk>/kanseller/", chain.order_cancel, name="order-cancel"),
    path("samtykke/<int:pk>/signatur.png", chain.consent_signature, name="consent-signature"),
    path("samtykketekst/ny/", chain.consent_text_create, name="consent-text-create"),
]
