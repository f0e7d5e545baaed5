"""Plain data: findings, the rule base class, the result of a run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from .engine import MigrationCheck, Stmt

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
ALL_DIALECTS = ("postgres", "mysql", "sqlite")


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


_SECTION = re.compile(r"^## (.+)$", re.M)


class Rule:
    """Base class of every rule.

    Class attributes are the metadata; the docstring (ruff style: "## What it does", "## Why is this
    bad?", "## Example", "## Use instead") is the documentation shown by ``--explain``, in SARIF and in
    ``docs/rules.md``.

    A rule either handles single statements of given kinds (``kinds`` plus :meth:`check_stmt`, called
    for ``up`` statements in order) or looks at a whole migration (:meth:`check_migration`).
    """

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[str] = "warning"
    dialects: ClassVar[tuple[str, ...]] = ALL_DIALECTS
    default_enabled: ClassVar[bool] = True
    #: statement kinds (pglast node names, shared by the keyword classifier for MySQL/SQLite)
    kinds: ClassVar[frozenset[str]] = frozenset()
    #: one-line advice shown under a finding
    help: ClassVar[str | None] = None
    #: also run on statements the dialect's parser rejected (text-based rules that explain the error)
    runs_on_errors: ClassVar[bool] = False
    #: also run on repeatable migrations (SPEC §10); the SL4xx reversibility rules do not, since a
    #: repeatable's rollback re-applies its previous definition rather than running its down
    for_repeatable: ClassVar[bool] = True
    #: a rule that needs a facility we do not have yet: documented, never run
    planned: ClassVar[str | None] = None

    def check_stmt(self, stmt: "Stmt", ctx: "MigrationCheck") -> None:  # pragma: no cover
        pass

    def check_migration(self, ctx: "MigrationCheck") -> None:  # pragma: no cover
        pass

    # documentation ---------------------------------------------------------------------------
    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def sections(cls) -> dict[str, str]:
        text = cls.doc()
        parts = _SECTION.split(text)
        out = {"summary": parts[0].strip()}
        for title, body in zip(parts[1::2], parts[2::2]):
            out[title.strip()] = body.strip()
        return out

    @classmethod
    def short(cls) -> str:
        s = cls.sections()
        what = s.get("What it does") or s.get("summary") or cls.name
        return what.split("\n\n")[0].replace("\n", " ").strip()

    @classmethod
    def explain(cls) -> str:
        head = f"{cls.code} {cls.name} ({cls.severity}; dialects: {', '.join(cls.dialects)}"
        if not cls.default_enabled:
            head += "; opt-in, enable with --select " + cls.code
        head += ")"
        if cls.planned:
            head += f"\nPLANNED, not checked yet: {cls.planned}"
        return head + "\n\n" + cls.doc() + "\n"


def iter_codes(spec: Iterable[str] | None) -> list[str]:
    """``["SL601,SL602", "SL9"]`` -> ``["SL601", "SL602", "SL9"]`` (prefixes are allowed)."""
    out: list[str] = []
    for item in spec or ():
        out.extend(p.strip().upper() for p in item.split(",") if p.strip())
    return out
