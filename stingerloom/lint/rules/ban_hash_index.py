"""SL915 ban-hash-index: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL915(Rule):
    """Hash indexes (opt-in).

    ## What it does
    Finds `CREATE INDEX … USING hash`.

    ## Why is this bad?
    Before PostgreSQL 10 hash indexes were not WAL-logged (lost on crash, not replicated); they still
    support only equality and no uniqueness.

    ## Example
    ```sql
    CREATE INDEX idx_users_token ON users USING hash (token);
    ```

    ## Use instead
    ```sql
    CREATE INDEX idx_users_token ON users (token);
    ```
    """

    code, name, severity, dialects, default_enabled = "SL915", "ban-hash-index", "info", ("postgres",), False
    aliases = ("hash-index",)  # its earlier name: --explain still takes it
    kinds = frozenset({"IndexStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if stmt.node.get("accessMethod") == "hash":
            ctx.report(self, stmt, "hash index; prefer btree")
