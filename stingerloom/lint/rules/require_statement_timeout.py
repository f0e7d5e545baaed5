"""SL306 require-statement-timeout: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..bases import TimeoutRule
from ..facts import LOCK_CANDIDATE_KINDS, is_setting, takes_locks


class SL306(TimeoutRule):
    """Lock-taking DDL with no statement timeout (opt-in).

    ## What it does
    Like SL305, for `statement_timeout`.

    ## Why is this bad?
    A runaway statement (a table rewrite, a backfill) can hold its locks indefinitely.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN id TYPE bigint;
    ```

    ## Use instead
    ```sql
    SET statement_timeout = '5min';
    ALTER TABLE users ALTER COLUMN id TYPE bigint;
    ```
    """

    code, name, severity, dialects, default_enabled = "SL306", "require-statement-timeout", "info", ("postgres",), False
    settings, what = ("statement_timeout",), "statement_timeout"

    def check_migration(self, ctx) -> None:
        for st in ctx.up:
            kind = st.kind
            if kind == "VariableSetStmt" and is_setting(st, self.settings):
                return
            if kind in LOCK_CANDIDATE_KINDS and takes_locks(st, ctx):
                ctx.report(self, st, "lock-taking statement with no statement_timeout set before it")
                return
