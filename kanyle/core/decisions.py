"""The shape every rule returns: a yes/no with the rule IDs and messages of what is missing."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One unmet precondition: the catalog rule it comes from and a message for the user."""

    rule: str
    message: str


@dataclass(frozen=True)
class Decision:
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.findings

    def __bool__(self) -> bool:
        return self.ok

    @property
    def rules(self) -> list[str]:
        return [finding.rule for finding in self.findings]

    @property
    def messages(self) -> list[str]:
        return [f"{finding.message} ({finding.rule})" for finding in self.findings]

    @classmethod
    def allow(cls) -> Decision:
        return cls()

    @classmethod
    def deny(cls, rule: str, message: str) -> Decision:
        return cls((Finding(rule, str(message)),))

    def __add__(self, other: Decision) -> Decision:
        return Decision(self.findings + other.findings)
