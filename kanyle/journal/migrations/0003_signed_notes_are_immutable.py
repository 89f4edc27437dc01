"""In PostgreSQL the database itself refuses to change or delete what has been signed.

- a signed note (journal_note.signed_at set): no UPDATE, no DELETE;
- its diagnoses: no INSERT, UPDATE or DELETE once the note is signed;
- a signed co-author part: no UPDATE, no DELETE;
- amendments: never updated or deleted.
TRUNCATE stays possible for the database owner (test teardown); the application never issues it.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION journal_refuse_signed_change() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'signed journal entries are immutable (% on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER journal_note_signed_immutable
    BEFORE UPDATE OR DELETE ON journal_note
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_signed_change();

CREATE TRIGGER journal_coauthorpart_signed_immutable
    BEFORE UPDATE OR DELETE ON journal_coauthorpart
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_signed_change();

CREATE OR REPLACE FUNCTION journal_refuse_signed_diagnosis() RETURNS trigger AS $$
DECLARE
    target bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN target := OLD.note_id; ELSE target := NEW.note_id; END IF;
    IF EXISTS (SELECT 1 FROM journal_note WHERE id = target AND signed_at IS NOT NULL)
       OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM journal_note WHERE id = OLD.note_id AND signed_at IS NOT NULL)) THEN
        RAISE EXCEPTION 'the diagnoses of a signed note are immutable (%)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER journal_notediagnosis_signed_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON journal_notediagnosis
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_signed_diagnosis();

CREATE OR REPLACE FUNCTION journal_refuse_amendment_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'amendments are append-only (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER journal_amendment_append_only
    BEFORE UPDATE OR DELETE ON journal_amendment
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_amendment_change();
"""

DROP = """
DROP TRIGGER IF EXISTS journal_note_signed_immutable ON journal_note;
DROP TRIGGER IF EXISTS journal_coauthorpart_signed_immutable ON journal_coauthorpart;
DROP TRIGGER IF EXISTS journal_notediagnosis_signed_immutable ON journal_notediagnosis;
DROP TRIGGER IF EXISTS journal_amendment_append_only ON journal_amendment;
DROP FUNCTION IF EXISTS journal_refuse_signed_change();
DROP FUNCTION IF EXISTS journal_refuse_signed_diagnosis();
DROP FUNCTION IF EXISTS journal_refuse_amendment_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("journal", "0002_load_diagnosis_codes")]
    operations = [migrations.RunPython(forwards, backwards)]
