"""SL603 require-concurrent-reindex: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    concurrent_param,
)


class SL603(Rule):
    """`REINDEX` without `CONCURRENTLY`.

    ## What it does
    Finds `REINDEX` without `CONCURRENTLY` (only when the target is PostgreSQL 12 or later, or unknown).

    ## Why is this bad?
    A plain REINDEX blocks writes to the table and reads that use the index.

    ## Example
    ```sql
    REINDEX INDEX idx_users_email;
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: REINDEX INDEX CONCURRENTLY idx_users_email;
    ```
    """

    code, name, severity, dialects = "SL603", "require-concurrent-reindex", "warning", ("postgres",)
    aliases = ("reindex-not-concurrent",)  # its earlier name: --explain still takes it
    kinds = frozenset({"ReindexStmt"})
    help = "use REINDEX … CONCURRENTLY (PostgreSQL 12+) with `transaction: false`"

    def check_stmt(self, stmt, ctx) -> None:
        t = ctx.target()
        if t is not None and t < (12,):
            return
        if not concurrent_param(stmt.node):
            ctx.report(self, stmt, "REINDEX blocks writes (and reads through the index) while it runs")
