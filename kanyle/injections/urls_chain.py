"""URLs of the injection chain's first half (episode, ultrasound exam, assessment, consent, order);
included by injections/urls.py (app_name "injections")."""

from django.urls import path

from kanyle.injections.views import chain_consent, chain_start

urlpatterns: list = [
    path("forlop/", chain_start.episode_list, name="episode-list"),
    path("forlop/ny/", chain_start.episode_start, name="episode-start"),
    path("forlop/<int:pk>/", chain_start.episode, name="episode"),
    path("journalforlop/<int:pk>/", chain_start.episode_of, name="episode-of"),
    path("forlop/<int:pk>/ultralyd/", chain_start.exam_create, name="exam-create"),
    path("forlop/<int:pk>/vurdering/", chain_start.assessment_create, name="assessment-create"),
    path("forlop/<int:pk>/samtykke/", chain_consent.consent_create, name="consent-create"),
    path("forlop/<int:pk>/samtykke/trekk-tilbake/", chain_consent.consent_withdraw, name="consent-withdraw"),
    path("forlop/<int:pk>/avslutt/", chain_consent.episode_exit, name="episode-exit"),
    path("forlop/<int:pk>/rekvisisjon/", chain_consent.order_create, name="order-create"),
    path("rekvisisjon/<int:pk>/kanseller/", chain_consent.order_cancel, name="order-cancel"),
    path("samtykke/<int:pk>/signatur.png", chain_consent.consent_signature, name="consent-signature"),
    path("samtykketekst/ny/", chain_consent.consent_text_create, name="consent-text-create"),
]
