"""One trigram index for name search, on the clinic and the whole name together (PostgreSQL only).

The two indexes of 0002 (one per name, no clinic) made the planner choose between scanning all
patients in the clinic and intersecting a country-wide trigram match with the clinic: 10–20 ms for a
common fragment at 1 M patients. With btree_gin the clinic is a column of the same GIN index, so one
index scan returns the clinic's matches only (1–4 ms, docs/performance.md). The clinic column is
indexed as an integer expression, which the search asks for (``patients.selectors.patient_search``):
no B-tree index answers it, so the planner cannot prefer scanning the whole clinic. The name
expression is ``patients.selectors.SEARCH_NAME`` under Django's ``icontains``; keep the two
identical (``patients/tests/test_search_index.py`` checks that the planner uses the index).
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX IF NOT EXISTS patient_clinic_search_name_trgm
    ON patients_patient USING gin ((clinic_id::integer), UPPER((given_name || ' ' || family_name)::text) gin_trgm_ops);
DROP INDEX IF EXISTS patient_family_name_trgm;
DROP INDEX IF EXISTS patient_given_name_trgm;
"""

DROP = """
CREATE INDEX IF NOT EXISTS patient_family_name_trgm
    ON patients_patient USING gin (UPPER(family_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS patient_given_name_trgm
    ON patients_patient USING gin (UPPER(given_name::text) gin_trgm_ops);
DROP INDEX IF EXISTS patient_clinic_search_name_trgm;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_name_trigram_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
