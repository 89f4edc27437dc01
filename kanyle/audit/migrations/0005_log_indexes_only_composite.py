"""The access log keeps only its three composite indexes (clinic, patient, user, each in the log's order).

The single-column indexes on created_at and on the clinic, patient and user keys answered nothing the
composite ones do not, cost four index writes per audit row, and let the planner sort a patient's whole log
(36 ms for 12,000 rows) instead of reading its newest page off ``audit_patient_time_id``. Only the indexes
are dropped; the foreign keys stay as they are (Django's own AlterField would drop and re-validate them,
a long lock on a log of millions of rows).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROP_INDEXES = """
DROP INDEX IF EXISTS audit_auditevent_created_at_58e81936;
DROP INDEX IF EXISTS audit_auditevent_clinic_id_8b98597b;
DROP INDEX IF EXISTS audit_auditevent_patient_id_82c45eaf;
DROP INDEX IF EXISTS audit_auditevent_user_id_871f21a9;
"""

RESTORE_INDEXES = """
CREATE INDEX IF NOT EXISTS audit_auditevent_created_at_58e81936 ON audit_auditevent (created_at);
CREATE INDEX IF NOT EXISTS audit_auditevent_clinic_id_8b98597b ON audit_auditevent (clinic_id);
CREATE INDEX IF NOT EXISTS audit_auditevent_patient_id_82c45eaf ON audit_auditevent (patient_id);
CREATE INDEX IF NOT EXISTS audit_auditevent_user_id_871f21a9 ON audit_auditevent (user_id);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_log_indexes_with_id"),
        ("clinics", "0004_clinic_accepts_self_referrals_for_injection_and_more"),
        ("patients", "0003_clinic_name_trigram_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(DROP_INDEXES, RESTORE_INDEXES)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="clinic",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="clinics.clinic",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True, verbose_name="time"),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="patient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="patients.patient",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        )
    ]
