"""SL406 require-rerunnable-repeatable: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import rx

_CREATE = (r"(?is)\s*CREATE\s+(OR\s+REPLACE\s+)?(?:(?:DEFINER\s*=\s*\S+|ALGORITHM\s*=\s*\w+|SQL\s+SECURITY\s+\w+"
           r"|TEMP(?:ORARY)?|UNIQUE|MATERIALIZED|RECURSIVE|CONSTRAINT)\s+)*"
           r"(VIEW|FUNCTION|PROCEDURE|TRIGGER|TABLE|INDEX|TYPE|SEQUENCE|EVENT)\b(\s+IF\s+NOT\s+EXISTS\b)?")


class SL406(Rule):
    """A repeatable migration that cannot run twice.

    ## What it does
    In a migration with `repeatable: true`, reports a `CREATE VIEW/FUNCTION/PROCEDURE/TRIGGER/...`
    that has neither `OR REPLACE` nor a `DROP` of the same kind of object before it in `up`, and a
    `CREATE ... IF NOT EXISTS`, which keeps the old definition.

    ## Why is this bad?
    A repeatable migration is re-applied every time it changes: a plain `CREATE` then fails with
    "already exists", and `IF NOT EXISTS` silently leaves the previous definition in place.

    ## Example
    ```yaml
    repeatable: true
    up: CREATE VIEW active_users AS SELECT * FROM users WHERE active;
    ```

    ## Use instead
    ```yaml
    repeatable: true
    up: CREATE OR REPLACE VIEW active_users AS SELECT * FROM users WHERE active;
    ```
    """

    code, name, severity = "SL406", "require-rerunnable-repeatable", "warning"
    aliases = ("repeatable-not-rerunnable",)  # its earlier name: --explain still takes it
    help = "write CREATE OR REPLACE, or DROP ... IF EXISTS before the CREATE"

    def check_migration(self, ctx) -> None:
        if not ctx.migration.repeatable:
            return
        dropped: set[str] = set()
        for st in ctx.up:
            drop = rx(r"(?is)\s*DROP\s+(?:MATERIALIZED\s+)?(\w+)\b").match(st.stripped)
            if drop:
                dropped.add(drop.group(1).upper())
                continue
            m = rx(_CREATE).match(st.stripped)
            if m is None or m.group(1):
                continue
            kind = m.group(2).upper()
            if m.group(3):
                ctx.report(self, st, f"CREATE {kind} IF NOT EXISTS in a repeatable migration keeps the old "
                                     "definition when it is re-applied")
            elif kind not in dropped:
                ctx.report(self, st, f"CREATE {kind} without OR REPLACE (or a DROP before it) fails when this "
                                     "repeatable migration is re-applied")
