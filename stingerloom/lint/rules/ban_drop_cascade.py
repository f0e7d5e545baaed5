"""SL318 ban-drop-cascade: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    pg_cmds,
)


class SL318(Rule):
    """`DROP … CASCADE`.

    ## What it does
    Finds `DROP … CASCADE` on any object, and `ALTER TABLE … DROP COLUMN/CONSTRAINT … CASCADE`.

    ## Why is this bad?
    CASCADE silently drops every dependent object (views, foreign keys, …), which the author may not
    know about.

    ## Example
    ```sql
    DROP TABLE users CASCADE;
    ```

    ## Use instead
    ```sql
    DROP VIEW active_users;
    DROP TABLE users;
    ```
    """

    code, name, severity, dialects = "SL318", "ban-drop-cascade", "warning", ("postgres",)
    aliases = ("drop-cascade",)  # its earlier name: --explain still takes it
    kinds = frozenset({"DropStmt", "AlterTableStmt"})
    help = "drop the dependent objects explicitly, then drop without CASCADE"

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if stmt.kind == "DropStmt":
            if n.get("behavior") == "DROP_CASCADE":
                ctx.report(self, stmt, "DROP … CASCADE also drops every dependent object")
            return
        for c in pg_cmds(n):
            if c.get("behavior") == "DROP_CASCADE" and c.get("subtype") in ("AT_DropColumn", "AT_DropConstraint"):
                ctx.report(self, stmt, "DROP … CASCADE also drops every dependent object")
                return
