"""SL601 require-concurrent-index-creation: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL601(Rule):
    """`CREATE INDEX` without `CONCURRENTLY`.

    ## What it does
    Finds `CREATE INDEX` without `CONCURRENTLY` on a table that this migration did not create.

    ## Why is this bad?
    A plain index build takes a SHARE lock: every INSERT, UPDATE and DELETE on the table waits for the
    whole build.

    ## Example
    ```yaml
    up: CREATE INDEX idx_users_email ON users (email);
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
    ```
    """

    code, name, severity, dialects = "SL601", "require-concurrent-index-creation", "warning", ("postgres",)
    aliases = ("index-not-concurrent",)  # its earlier name: --explain still takes it
    kinds = frozenset({"IndexStmt"})
    help = "use CREATE INDEX CONCURRENTLY IF NOT EXISTS in a `transaction: false` migration"

    def check_stmt(self, stmt, ctx) -> None:
        if not stmt.node.get("concurrent") and not ctx.is_new(stmt.table):
            ctx.report(self, stmt, f"CREATE INDEX on {stmt.table!r} blocks writes while the index builds")
