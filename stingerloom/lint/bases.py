"""Base classes shared by a family of rules (the rules themselves live in :mod:`.rules`, one per file)."""

from __future__ import annotations

from .api import Rule
from .facts import COLUMN_KINDS, coldefs, is_setting, loc, pg_type, takes_locks


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
        for cd in coldefs(stmt):
            tname, mods = pg_type(cd.get("typeName"))
            if self.applies(tname, mods, cd):
                ctx.report(self, stmt, self.message.format(col=cd.get("colname"), type=tname),
                           at=loc(cd.get("typeName")) or loc(cd))


class TimeoutRule(Rule):
    settings: tuple[str, ...] = ()
    what = ""

    def check_migration(self, ctx) -> None:
        names = ctx.traits.lock_timeout_settings or self.settings
        for st in ctx.up:
            if is_setting(st, names):
                return
            if takes_locks(st, ctx):
                ctx.report(self, st, f"lock-taking statement with no {self.what} set before it")
                return
