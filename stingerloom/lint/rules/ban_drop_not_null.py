"""SL507 ban-drop-not-null: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    pg_cmds,
)


class SL507(Rule):
    """`DROP NOT NULL`.

    ## What it does
    Finds `ALTER COLUMN … DROP NOT NULL`.

    ## Why is this bad?
    Code (and PL/pgSQL) written for the column may not expect NULLs.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
    ```

    ## Use instead
    ```sql
    -- make sure every reader handles NULL first, then:
    -- stingerloom:ignore SL507 -- readers handle NULL since v5
    ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
    ```
    """

    code, name, severity, dialects = "SL507", "ban-drop-not-null", "warning", ("postgres",)
    aliases = ("drop-not-null",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for c in pg_cmds(stmt.node):
            if c.get("subtype") == "AT_DropNotNull":
                ctx.report(self, stmt, f"column {c.get('name')!r} may now hold NULL, which old code may not expect")
