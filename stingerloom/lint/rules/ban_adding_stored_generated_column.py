"""SL612 ban-adding-stored-generated-column: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import AddColumn
from ..api import Rule


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
        for a in stmt.actions:
            if not isinstance(a, AddColumn):
                continue
            for at in a.stored_at:
                msg = ("a STORED generated column copies the table" if ctx.traits.alter_algorithm
                       else f"stored generated column {a.column.name!r} rewrites the table")
                ctx.report(self, stmt, msg, at=at)
