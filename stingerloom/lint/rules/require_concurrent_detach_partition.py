"""SL604 require-concurrent-detach-partition: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    loc,
    pg_cmds,
)


class SL604(Rule):
    """`DETACH PARTITION` without `CONCURRENTLY`.

    ## What it does
    Finds `ALTER TABLE … DETACH PARTITION` without `CONCURRENTLY` (when the target is PostgreSQL 14 or
    later, or unknown).

    ## Why is this bad?
    It takes ACCESS EXCLUSIVE on the partitioned table.

    ## Example
    ```sql
    ALTER TABLE measurements DETACH PARTITION measurements_2023;
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY;
    ```
    """

    code, name, severity, dialects = "SL604", "require-concurrent-detach-partition", "warning", ("postgres",)
    aliases = ("detach-partition-not-concurrent",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "use DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+) with `transaction: false`"

    def check_stmt(self, stmt, ctx) -> None:
        t = ctx.target()
        if t is not None and t < (14,):
            return
        for c in pg_cmds(stmt.node):
            if c.get("subtype") == "AT_DetachPartition":
                pc = (c.get("def") or {}).get("PartitionCmd", {})
                if not pc.get("concurrent"):
                    ctx.report(self, stmt, "DETACH PARTITION takes ACCESS EXCLUSIVE on the partitioned table",
                               at=loc(pc.get("name")))
