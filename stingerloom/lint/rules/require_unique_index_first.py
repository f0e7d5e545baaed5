"""SL609 require-unique-index-first: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    added_keys,
    has_key_words,
    loc,
)


class SL609(Rule):
    """`ADD UNIQUE` that builds its index under a lock.

    ## What it does
    Finds `ADD CONSTRAINT … UNIQUE` without `USING INDEX` on an existing table.

    ## Why is this bad?
    The unique index is built under ACCESS EXCLUSIVE: no reads or writes for the whole build.

    ## Example
    ```sql
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
    -- next migration
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;
    ```
    """

    code, name, severity, dialects = "SL609", "require-unique-index-first", "warning", ("postgres",)
    aliases = ("unique-constraint-blocking",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "build a unique index CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE USING INDEX"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if not has_key_words(stmt, ("UNIQUE",)):
            return
        for con, _, col in added_keys(stmt, "CONSTR_UNIQUE"):
            if not con.get("indexname"):
                what = f"ADD COLUMN {col.get('colname')} … UNIQUE" if col else "ADD UNIQUE"
                ctx.report(self, stmt, f"{what} builds its index under ACCESS EXCLUSIVE", at=loc(con))
