"""docs/requirements.md stays true: every catalog rule has a row, and every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATRIX = (ROOT / "docs/requirements.md").read_text()
DESIGN = ROOT.parent / "shared" / "DESIGN.md"
ROW = re.compile(r"^\| ((?:INJ|NAL|LAW)-[A-Z0-9]+) \| [^|]+ \| [^|]+ \| (.+) \|$", re.M)


def _rows() -> dict[str, set[str]]:
    return {rule: set(re.findall(r"`(test_\w+)`", tests)) for rule, tests in ROW.findall(MATRIX)}


def _test_functions() -> set[str]:
    names: set[str] = set()
    for path in ROOT.rglob("test_*.py"):
        if ".venv" not in path.parts:
            names |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    return names


def _rule_in_name(rule: str, name: str) -> bool:
    return re.search(rf"(^|_){rule.lower().replace('-', '_')}(_|$)", name.removeprefix("test")) is not None


def test_every_catalog_rule_has_a_row():
    catalog = set(re.findall(r"^\| ((?:INJ|NAL|LAW)-[A-Z0-9]+) \|", DESIGN.read_text(), re.M))
    assert catalog, "the rule catalog was not found in shared/DESIGN.md"
    assert catalog == set(_rows()), f"missing: {catalog - set(_rows())}, unknown: {set(_rows()) - catalog}"


def test_every_test_named_in_the_matrix_exists():
    existing = _test_functions()
    missing = {rule: names - existing for rule, names in _rows().items() if names - existing}
    assert not missing, f"docs/requirements.md names tests that do not exist: {missing}"


def test_every_test_named_after_a_rule_is_listed_on_its_row():
    rows = _rows()
    unlisted = sorted(
        f"{rule}: {name}"
        for name in _test_functions()
        for rule in rows
        if _rule_in_name(rule, name) and name not in rows[rule]
    )
    assert not unlisted, "add these tests to docs/requirements.md: " + ", ".join(unlisted)
