from django.db import migrations


def forwards(apps, schema_editor):
    from kanyle.journal.codes import load_codes

    load_codes(apps.get_model("journal", "DiagnosisCode"))


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
