"""SL602 require-concurrent-index-deletion: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    drop_names,
)


class SL602(Rule):
    """`DROP INDEX` without `CONCURRENTLY`.

    ## What it does
    Finds `DROP INDEX` without `CONCURRENTLY` (of an index this migration did not create).

    ## Why is this bad?
    It takes ACCESS EXCLUSIVE on the index's table, blocking reads and writes, and waits behind every
    running query on it.

    ## Example
    ```sql
    DROP INDEX idx_users_email;
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;
    ```
    """

    code, name, severity, dialects = "SL602", "require-concurrent-index-deletion", "warning", ("postgres",)
    aliases = ("drop-index-not-concurrent",)  # its earlier name: --explain still takes it
    kinds = frozenset({"DropStmt"})
    help = "use DROP INDEX CONCURRENTLY IF EXISTS in a `transaction: false` migration"

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if n.get("removeType") != "OBJECT_INDEX" or n.get("concurrent"):
            return
        names = [x for x in drop_names(stmt) if x not in ctx.created_indexes]
        if names:
            ctx.report(self, stmt, f"DROP INDEX {', '.join(names)} takes ACCESS EXCLUSIVE on the table")
