"""SL608 require-not-null-check-first: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    pg_cmds,
)


class SL608(Rule):
    """`SET NOT NULL` on an existing column.

    ## What it does
    Finds `ALTER COLUMN … SET NOT NULL` on a table this migration did not create, unless a validated
    `CHECK (column IS NOT NULL)` on that column exists (added in an earlier migration, or earlier in
    this one): PostgreSQL 12+ then skips the scan (`--target postgres=11` still reports it).

    ## Why is this bad?
    PostgreSQL scans the table under ACCESS EXCLUSIVE to check for NULLs, and the statement fails if
    one exists.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD CONSTRAINT email_not_null CHECK (email IS NOT NULL) NOT VALID;
    -- next migration
    ALTER TABLE users VALIDATE CONSTRAINT email_not_null;
    -- next migration (PostgreSQL 12+ uses the check and skips the scan)
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ALTER TABLE users DROP CONSTRAINT email_not_null;
    ```
    """

    code, name, severity, dialects = "SL608", "require-not-null-check-first", "warning", ("postgres",)
    aliases = ("set-not-null",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+)"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        target = ctx.target()
        for c in pg_cmds(stmt.node):
            if c.get("subtype") != "AT_SetNotNull":
                continue
            if c.get("name") in ctx.catalog.facts(stmt.table).not_null and (target is None or target >= (12,)):
                continue  # PostgreSQL 12+ proves NOT NULL from the validated CHECK: no scan
            ctx.report(self, stmt, f"SET NOT NULL on {stmt.table}.{c.get('name')} scans the table under "
                       "ACCESS EXCLUSIVE")
