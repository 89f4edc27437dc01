"""Norwegian first: every string in the code has a bokmål translation, compiled and in use."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale/nb/LC_MESSAGES/django.po"
MO = ROOT / "locale/nb/LC_MESSAGES/django.mo"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    """Run makemessages on a copy of the tree, merging the committed translations."""
    work = tmp_path_factory.mktemp("i18n")
    shutil.copytree(ROOT / "kanyle", work / "kanyle", ignore=shutil.ignore_patterns("__pycache__", "tests"))
    shutil.copytree(ROOT / "locale", work / "locale")
    shutil.copy(ROOT / "manage.py", work / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nb", "--no-obsolete", "--no-location"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": "/usr/bin:/bin", "KANYLE_VAR_DIR": str(work / "var")},
    )
    assert result.returncode == 0, result.stderr
    return polib.pofile(str(work / "locale/nb/LC_MESSAGES/django.po"))


def test_every_source_string_has_a_norwegian_translation(extracted):
    untranslated = [entry.msgid for entry in extracted.untranslated_entries()]
    fuzzy = [entry.msgid for entry in extracted.fuzzy_entries()]
    assert not untranslated, f"Untranslated for nb (run `make messages` and translate): {untranslated[:20]}"
    assert not fuzzy, f"Fuzzy nb translations to check: {fuzzy[:20]}"


def test_committed_catalogue_matches_the_code(extracted):
    committed = {entry.msgid for entry in polib.pofile(str(PO)) if not entry.obsolete}
    assert {entry.msgid for entry in extracted} <= committed, "locale/nb is out of date: run `make messages`"


def test_compiled_catalogue_is_up_to_date():
    po = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(PO)).translated_entries()}
    mo = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO))}
    assert po == {key: value for key, value in mo.items() if key[1]}, "django.mo is stale: run `make messages`"


def test_pages_are_norwegian(client, db):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="nb"' in page and "Logg inn" in page and "Passord" in page


def test_dates_are_shown_the_norwegian_way(client_as, physio, patient_a):
    page = client_as(physio).get(reverse("patients:detail", args=[patient_a.pk])).content.decode()
    assert patient_a.birth_date.strftime("%d.%m.%Y") in page
