from django.urls import path

from kanyle.journal.views import attachments, chart, codes, emergency, episodes, export, notes, referrals

app_name = "journal"
urlpatterns = [
    path("pasient/<int:patient_id>/", chart.chart, name="chart"),
    path("pasient/<int:patient_id>/ny/", notes.note_create, name="note-create"),
    path("pasient/<int:patient_id>/nodtilgang/", emergency.emergency_access, name="emergency-access"),
    path("pasient/<int:patient_id>/journalutskrift.pdf", export.record_export, name="export"),
    path("pasient/<int:patient_id>/forlop/ny/", episodes.episode_create, name="episode-create"),
    path("pasient/<int:patient_id>/henvisning/ny/", referrals.referral_create, name="referral-create"),
    path("notat/<int:pk>/", notes.note_edit, name="note-edit"),
    path("notat/<int:pk>/signer/", notes.note_sign, name="note-sign"),
    path("notat/<int:pk>/forkast/", notes.note_discard, name="note-discard"),
    path("notat/<int:pk>/rettelse/", notes.amendment_create, name="amendment-create"),
    path("notat/<int:pk>/min-del/", notes.co_part, name="co-part"),
    path("notat/<int:pk>/vedlegg/", attachments.attachment_add, name="attachment-add"),
    path("vedlegg/<int:pk>/", attachments.attachment_view, name="attachment"),
    path("vedlegg/<int:pk>/forhandsvisning.png", attachments.attachment_preview, name="attachment-preview"),
    path("forlop/<int:pk>/", episodes.episode_edit, name="episode-edit"),
    path("henvisninger/", referrals.referral_list, name="referral-list"),
    path("henvisning/<int:pk>/", referrals.referral_detail, name="referral-detail"),
    path("henvisning/<int:pk>/dokument/", referrals.referral_document, name="referral-document"),
    path("koder/", codes.code_search, name="code-search"),
    path("nodtilgang/", emergency.emergency_review, name="emergency-review"),
]
