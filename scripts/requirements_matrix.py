"""Refresh the Tests column of docs/requirements.md from the test functions named after each rule.

Run `make requirements` after adding tests; the Status and Implemented-in columns are edited by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ROOT / "docs" / "requirements.md"
ROW = re.compile(r"^\| ((?:INJ|NAL|LAW)-[A-Z0-9]+) \| ([^|]+) \| ([^|]+) \| (.+) \|$")


def rule_tests() -> dict[str, list[str]]:
    names: set[str] = set()
    for path in ROOT.rglob("test_*.py"):
        if ".venv" not in path.parts:
            names |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    found: dict[str, list[str]] = {}
    for name in sorted(names):
        for match in re.finditer(r"(?:^|_)(inj|nal|law)_([a-z]\d*|\d+)(?=_|$)", name.removeprefix("test")):
            found.setdefault(f"{match.group(1)}-{match.group(2)}".upper(), []).append(name)
    return found


def main() -> None:
    tests = rule_tests()
    lines = []
    for line in MATRIX.read_text().splitlines():
        match = ROW.match(line)
        if match:
            rule, status, where, _old = match.groups()
            listed = "<br>".join(f"`{name}`" for name in tests.get(rule, [])) or "—"
            line = f"| {rule} | {status.strip()} | {where.strip()} | {listed} |"
        lines.append(line)
    MATRIX.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
