"""URLs of the injection chain's end: report to the GP and its receipt (INJ-G4), the doctor's follow-up
(INJ-D2) and a procedure's evidence pack; included by injections/urls.py (app_name "injections")."""

from django.urls import path

from kanyle.injections.views import reports

urlpatterns: list = [
    path("forlop/<int:pk>/rapport/", reports.report, name="report"),
    path("forlop/<int:pk>/rapport/lag/", reports.report_generate, name="report-generate"),
    path("forlop/<int:pk>/rapport/sammendrag.pdf", reports.report_summary_pdf, name="report-summary-pdf"),
    path("rapport/<int:pk>/sendt/", reports.report_mark_sent, name="report-sent"),
    path("rapport/<int:pk>/dialogmelding.xml", reports.report_xml, name="report-xml"),
    path("rapport/<int:pk>/rapport.pdf", reports.report_pdf, name="report-pdf"),
    path("rapport/<int:pk>/kvittering/", reports.apprec_import, name="apprec-import"),
    path("oppfolging/", reports.followup_list, name="followup-list"),
    path("oppfolging/<int:pk>/", reports.followup_complete, name="followup-complete"),
    path("prosedyre/<int:pk>/dokumentasjon/", reports.evidence, name="evidence"),
    path("prosedyre/<int:pk>/dokumentasjon.pdf", reports.evidence_pdf, name="evidence-pdf"),
    path("prosedyre/<int:pk>/prosedyrenotat.pdf", reports.procedure_note_pdf, name="procedure-note-pdf"),
]
