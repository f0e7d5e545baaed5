"""SL910 require-index-name: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL910(Rule):
    """Indexes without an explicit name (opt-in).

    ## What it does
    Finds `CREATE INDEX` without a name.

    ## Why is this bad?
    The generated name differs between servers and versions, so a later `DROP INDEX` cannot refer to it
    reliably.

    ## Example
    ```sql
    CREATE INDEX ON users (email);
    ```

    ## Use instead
    ```sql
    CREATE INDEX idx_users_email ON users (email);
    ```
    """

    code, name, severity, dialects, default_enabled = "SL910", "require-index-name", "info", ("postgres",), False
    aliases = ("index-explicit-name",)  # its earlier name: --explain still takes it
    kinds = frozenset({"IndexStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if not stmt.node.get("idxname"):
            ctx.report(self, stmt, "index has no explicit name")
