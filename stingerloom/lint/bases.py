"""Base classes shared by a family of rules (the rules themselves live in :mod:`.rules`, one per file)."""

from __future__ import annotations

from .api import Rule
from .facts import COLUMN_KINDS, LOCK_CANDIDATE_KINDS, column_types, is_setting, loc, takes_locks


class GaleraRule(Rule):
    severity, dialects, default_enabled = "warning", ("mysql",), False


class TypeRule(Rule):
    dialects = ("postgres",)
    kinds = COLUMN_KINDS
    types: frozenset = frozenset()
    message = ""

    def applies(self, tname: str, mods: list, cd: dict) -> bool:
        return tname in self.types

    def check_stmt(self, stmt, ctx) -> None:
        for cd, tname, mods in column_types(stmt):
            if self.applies(tname, mods, cd):
                ctx.report(self, stmt, self.message.format(col=cd.get("colname"), type=tname),
                           at=loc(cd.get("typeName")) or loc(cd))


class TimeoutRule(Rule):
    settings: tuple[str, ...] = ()
    what = ""

    def check_migration(self, ctx) -> None:
        names = ctx.traits.lock_timeout_settings or self.settings
        for st in ctx.up:
            kind = st.kind
            if kind == "VariableSetStmt" and is_setting(st, names):
                return
            if kind in LOCK_CANDIDATE_KINDS and takes_locks(st, ctx):
                ctx.report(self, st, f"lock-taking statement with no {self.what} set before it")
                return
