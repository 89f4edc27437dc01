"""The append-only access log (pasientjournalloven §22, pasientjournalforskriften §14; LAW-J).

Rows are only ever inserted. In PostgreSQL a trigger refuses UPDATE and DELETE, so not even
a bug or a database user of the application can rewrite history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    # Indexes: only the three in Meta, each in the log's order (clinic; clinic and patient; user). The columns
    # get no index of their own: one would answer nothing those do not, cost a write per row, and (seen at
    # 6 M rows) lead the planner to sort or intersect a long log instead of reading one range.
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # Snapshots: the log must read the same after a user is renamed or a role removed.
    username = models.CharField(_("user"), max_length=150, blank=True)
    user_display = models.CharField(_("name"), max_length=300, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            # The log is read newest first, ties by id (selectors.audit_event_list): the index has both,
            # so a patient's or the clinic's page is read straight off it without sorting.
            models.Index(fields=["clinic", "-created_at", "-id"], name="audit_clinic_time_id"),
            # A patient's log is always read within the clinic: both lead, so its count is one range of the index.
            models.Index(fields=["clinic", "patient", "-created_at", "-id"], name="audit_clinic_patient_time_id"),
            models.Index(fields=["user", "-created_at"], name="audit_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action}"
