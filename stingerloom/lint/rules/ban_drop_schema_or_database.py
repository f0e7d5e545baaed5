"""SL503 ban-drop-schema-or-database: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    drop_type,
)


class SL503(Rule):
    """`DROP SCHEMA` or `DROP DATABASE`.

    ## What it does
    Finds `DROP SCHEMA` and `DROP DATABASE`.

    ## Why is this bad?
    Everything inside is lost at once.

    ## Example
    ```sql
    DROP SCHEMA reporting CASCADE;
    ```

    ## Use instead
    ```sql
    -- drop the objects one by one, each reviewed, or do it by hand outside migrations
    ```
    """

    code, name, severity, dialects = "SL503", "ban-drop-schema-or-database", "error", ("postgres", "mysql")
    aliases = ("drop-schema-or-database",)  # its earlier name: --explain still takes it
    kinds = frozenset({"DropStmt", "DropdbStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if stmt.kind == "DropdbStmt" or drop_type(stmt) == "OBJECT_SCHEMA":
            ctx.report(self, stmt, "dropping a schema or database loses everything in it")
