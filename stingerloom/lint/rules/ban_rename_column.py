"""SL505 ban-rename-column: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    renames_in,
)


class SL505(Rule):
    """Renaming a column.

    ## What it does
    Finds `RENAME COLUMN` (and MySQL `CHANGE old new`) on an existing table.

    ## Why is this bad?
    Application code still deployed uses the old name and fails.

    ## Example
    ```sql
    ALTER TABLE users RENAME COLUMN name TO full_name;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN full_name text;
    -- dual-write, backfill, switch the readers, then drop the old column later
    ```
    """

    code, name, severity = "SL505", "ban-rename-column", "warning"
    aliases = ("rename-column",)  # its earlier name: --explain still takes it
    kinds = frozenset({"RenameStmt", "AlterTableStmt"})
    help = "add the new column, dual-write, backfill, switch readers, drop the old one later"

    def check_stmt(self, stmt, ctx) -> None:
        table = stmt.table
        if ctx.is_new(table):
            return
        for kind, old, new, off in renames_in(stmt):
            if kind == "column":
                ctx.report(self, stmt, f"renaming column {old!r} to {new!r} breaks code that uses the old name", at=off)
