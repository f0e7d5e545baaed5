"""Plain data: findings and the result of a run (the rule API is :mod:`.api`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
from ..dialects import NAMES as ALL_DIALECTS  # noqa: E402, F401  (the one list)


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    migration: str | None = None
    dialect: str | None = None
    help: str | None = None
    end_line: int | None = None
    end_column: int | None = None

    def sort_key(self):
        return (self.file or "", self.line or 0, self.column or 0, self.rule, self.message)

    def as_json(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "migration": self.migration,
            "dialect": self.dialect,
            "help": self.help,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    unusable: bool = False  # a manifest could not be read at all (exit 2)
    notes: list[str] = field(default_factory=list)  # messages for the user (e.g. --verify unavailable)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def infos(self) -> int:
        return sum(1 for f in self.findings if f.severity == "info")

    def summary(self) -> dict:
        return {"errors": self.errors, "warnings": self.warnings, "infos": self.infos, "files": self.files}


def iter_codes(spec: Iterable[str] | None) -> list[str]:
    """``["SL601,SL602", "SL9"]`` -> ``["SL601", "SL602", "SL9"]`` (prefixes are allowed)."""
    out: list[str] = []
    for item in spec or ():
        out.extend(p.strip().upper() for p in item.split(",") if p.strip())
    return out
