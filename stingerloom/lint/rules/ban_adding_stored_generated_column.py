"""SL612 ban-adding-stored-generated-column: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    added_columns,
    coldef_constraints,
    loc,
    rx,
    text_actions,
)


class SL612(Rule):
    """Adding a `GENERATED … STORED` column.

    ## What it does
    Finds `ADD COLUMN … GENERATED ALWAYS AS (…) STORED` on an existing table.

    ## Why is this bad?
    Every row must be computed and written: a full table rewrite under ACCESS EXCLUSIVE (MySQL: a copy).

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * qty) STORED;
    ```

    ## Use instead
    ```sql
    -- PostgreSQL: a trigger-maintained column, backfilled in batches; MySQL: a VIRTUAL column
    ALTER TABLE orders ADD COLUMN total numeric AS (price * qty) VIRTUAL;
    ```
    """

    code, name, severity, dialects = "SL612", "ban-adding-stored-generated-column", "warning", ("postgres", "mysql")
    aliases = ("stored-generated-column",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "use a trigger-maintained column (PostgreSQL) or a VIRTUAL generated column (MySQL)"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.node is None:
            for off, act in text_actions(stmt):
                if rx(r"ADD\b").match(act) and rx(r"\bSTORED\b").search(act):
                    ctx.report(self, stmt, "a STORED generated column copies the table", at=off)
            return
        for _, cd in added_columns(stmt):
            for con in coldef_constraints(cd, "CONSTR_GENERATED"):
                ctx.report(self, stmt, f"stored generated column {cd.get('colname')!r} rewrites the table",
                           at=loc(con))
