"""SL613 ban-adding-auto-increment-column: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    SERIAL_TYPES,
    added_columns,
    coldef_constraints,
    loc,
    pg_type,
    rx,
    text_actions,
)


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
        if stmt.node is None:
            for off, act in text_actions(stmt):
                if rx(r"ADD\b").match(act) and rx(r"\bAUTO_?INCREMENT\b|\bSERIAL\b").search(act):
                    ctx.report(self, stmt, "adding an auto-increment column rewrites every row", at=off)
            return
        for _, cd in added_columns(stmt):
            tname, _ = pg_type(cd.get("typeName"))
            if tname in SERIAL_TYPES or coldef_constraints(cd, "CONSTR_IDENTITY"):
                ctx.report(self, stmt, f"adding auto-increment column {cd.get('colname')!r} rewrites the table",
                           at=loc(cd))
