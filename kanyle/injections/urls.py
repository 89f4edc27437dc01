"""The injection chain's URLs, one module per part of the chain (see the modules for the pages)."""

from kanyle.injections import urls_chain, urls_procedure, urls_reports, urls_team

app_name = "injections"
urlpatterns = [
    *urls_chain.urlpatterns,  # episodes, ultrasound exam, assessment, consent, order
    *urls_team.urlpatterns,  # delegations and the doctor's availability
    *urls_procedure.urlpatterns,  # readiness gate, procedure, observation (UI and API)
    *urls_reports.urlpatterns,  # report to the GP, AppRec, follow-up, evidence pack
]
