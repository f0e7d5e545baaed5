"""SL914 ban-wide-index: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL914(Rule):
    """Non-unique indexes on more than three columns (opt-in).

    ## What it does
    Finds non-unique indexes with more than three columns.

    ## Why is this bad?
    Wide indexes are large and slow to maintain, and the trailing columns rarely help a query.

    ## Example
    ```sql
    CREATE INDEX idx_wide ON orders (a, b, c, d);
    ```

    ## Use instead
    ```sql
    CREATE INDEX idx_orders_a_b ON orders (a, b);
    ```
    """

    code, name, severity, dialects, default_enabled = "SL914", "ban-wide-index", "info", ("postgres",), False
    aliases = ("wide-index",)  # its earlier name: --explain still takes it
    kinds = frozenset({"IndexStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if not n.get("unique") and len(n.get("indexParams") or ()) > 3:
            ctx.report(self, stmt, f"non-unique index on {len(n['indexParams'])} columns")
