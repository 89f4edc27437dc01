"""Trigram (pg_trgm) GIN indexes for patient search by name fragment, PostgreSQL only.

The expressions match exactly what Django emits for ``icontains`` on PostgreSQL,
``UPPER("family_name"::text) LIKE UPPER('%term%')``, so the planner can use them. SQLite (the
demo database) has no such index type and keeps its plain scan of one clinic's patients.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS patient_family_name_trgm
    ON patients_patient USING gin (UPPER(family_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS patient_given_name_trgm
    ON patients_patient USING gin (UPPER(given_name::text) gin_trgm_ops);
"""

DROP = """
DROP INDEX IF EXISTS patient_family_name_trgm;
DROP INDEX IF EXISTS patient_given_name_trgm;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
