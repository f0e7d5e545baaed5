"""SL908 require-schema-qualified: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL908(Rule):
    """Tables created without a schema (opt-in).

    ## What it does
    Finds `CREATE TABLE` without a schema-qualified name.

    ## Why is this bad?
    The table lands in whatever schema `search_path` names first, which differs between sessions.

    ## Example
    ```sql
    CREATE TABLE users (id bigint);
    ```

    ## Use instead
    ```sql
    CREATE TABLE app.users (id bigint);
    ```
    """

    code, name, severity, dialects, default_enabled = "SL908", "require-schema-qualified", "info", ("postgres",), False
    kinds = frozenset({"CreateStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if not stmt.node.get("relation", {}).get("schemaname") and stmt.node.get("relation", {}).get("relpersistence") != "t":
            ctx.report(self, stmt, f"table {stmt.table!r} is not schema-qualified")
