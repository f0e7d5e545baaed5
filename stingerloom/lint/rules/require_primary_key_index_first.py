"""SL610 require-primary-key-index-first: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    added_keys,
    has_key_words,
    loc,
)


class SL610(Rule):
    """`ADD PRIMARY KEY` that builds its index under a lock.

    ## What it does
    Finds `ADD PRIMARY KEY` without `USING INDEX` on an existing table.

    ## Why is this bad?
    It builds the index (and sets NOT NULL on the columns, scanning the table) under ACCESS EXCLUSIVE.

    ## Example
    ```sql
    ALTER TABLE events ADD PRIMARY KEY (id);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS events_pkey_idx ON events (id);
    -- next migration
    ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey_idx;
    ```
    """

    code, name, severity, dialects = "SL610", "require-primary-key-index-first", "warning", ("postgres",)
    aliases = ("primary-key-blocking",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "build a unique index CONCURRENTLY, then ADD PRIMARY KEY USING INDEX"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if not has_key_words(stmt, ("PRIMARY",)):
            return
        for con, _, col in added_keys(stmt, "CONSTR_PRIMARY"):
            if not con.get("indexname"):
                what = f"ADD COLUMN {col.get('colname')} … PRIMARY KEY" if col else "ADD PRIMARY KEY"
                ctx.report(self, stmt, f"{what} builds its index under ACCESS EXCLUSIVE", at=loc(con))
