"""Loading the national diagnosis code lists shipped in journal/data."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
FILES = {"icpc2": DATA / "icpc2.json", "icd10": DATA / "icd10.json"}


def load_codes(model) -> int:
    """Insert the codes that are missing; returns how many were added. Safe to run again."""
    added = 0
    for system, path in FILES.items():
        existing = set(model.objects.filter(system=system).values_list("code", flat=True))
        rows = [
            model(system=system, code=code, text=text)
            for code, text in json.loads(path.read_text(encoding="utf-8"))
            if code not in existing
        ]
        model.objects.bulk_create(rows, batch_size=2000)
        added += len(rows)
    return added
