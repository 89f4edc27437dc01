"""Load the ICPC-2 and ICD-10 code lists shipped in journal/data (adds what is missing)."""

from django.core.management.base import BaseCommand

from kanyle.journal.codes import load_codes
from kanyle.journal.models import DiagnosisCode


class Command(BaseCommand):
    help = "Load the ICPC-2 and ICD-10 code lists from kanyle/journal/data (idempotent)."

    def handle(self, *args, **options) -> None:
        added = load_codes(DiagnosisCode)
        self.stdout.write(f"{added} codes added; {DiagnosisCode.objects.count()} in all.")
