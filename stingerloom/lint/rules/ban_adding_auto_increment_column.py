"""SL613 ban-adding-auto-increment-column: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import AddColumn, of_type
from ..api import Rule


class SL613(Rule):
    """Adding an auto-increment column to an existing table.

    ## What it does
    Finds `ADD COLUMN` with `serial`/`bigserial`, `GENERATED … AS IDENTITY`, `AUTO_INCREMENT` or
    `AUTOINCREMENT`.

    ## Why is this bad?
    Every row gets a value: PostgreSQL rewrites the table, MySQL copies it, and with statement-based
    replication replicas can number the rows differently.

    ## Example
    ```sql
    ALTER TABLE events ADD COLUMN id bigserial;
    ```

    ## Use instead
    ```sql
    -- create a new table with the key, copy the rows in batches, swap the tables
    ```
    """

    code, name, severity = "SL613", "ban-adding-auto-increment-column", "warning"
    aliases = ("add-auto-increment-column",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "create a new table with the column and copy the rows in batches"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for a in of_type(stmt.actions, AddColumn):
            if a.column.auto_increment:
                ctx.report(self, stmt, f"adding auto-increment column {a.column.name!r} rewrites the table", at=a.at)
