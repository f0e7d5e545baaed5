"""SL701 ban-adding-required-column: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import AddColumn, of_type
from ..api import Rule


class SL701(Rule):
    """`ADD COLUMN … NOT NULL` without a default.

    ## What it does
    Finds a column added to an existing table as `NOT NULL` with no `DEFAULT` (identity, serial and
    generated columns are exempt).

    ## Why is this bad?
    On a non-empty table PostgreSQL and SQLite fail; MySQL silently fills in the type's zero value. Old
    code's INSERTs that do not name the column fail too.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN phone text NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN phone text NOT NULL DEFAULT '';
    ```
    """

    code, name, severity = "SL701", "ban-adding-required-column", "error"
    aliases = ("add-required-column",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "make the column nullable, or give it a constant DEFAULT"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        what = "silently fills the zero value on MySQL" if ctx.traits.zero_fills_not_null else "fails on a non-empty table"
        for a in of_type(stmt.actions, AddColumn):
            if a.column.not_null and not a.column.filled:
                ctx.report(self, stmt, f"NOT NULL column {a.column.name!r} without a default {what}", at=a.at)
