"""SL801 ban-copy-algorithm-or-lock: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    rx,
)


class SL801(Rule):
    """`ALGORITHM=COPY` or `LOCK=SHARED/EXCLUSIVE`.

    ## What it does
    Finds MySQL DDL that forces a table copy or a blocking lock.

    ## Why is this bad?
    `ALGORITHM=COPY` blocks writes for the whole copy; `LOCK=SHARED` blocks writes and `LOCK=EXCLUSIVE`
    blocks reads and writes.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN phone varchar(20), ALGORITHM=COPY;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN phone varchar(20), ALGORITHM=INSTANT;
    ```
    """

    code, name, severity, dialects = "SL801", "ban-copy-algorithm-or-lock", "warning", ("mysql",)
    aliases = ("copy-algorithm-or-lock",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt", "IndexStmt", "DropStmt"})
    help = "use the default, or ALGORITHM=INPLACE/INSTANT, LOCK=NONE"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for m in rx(r"\bALGORITHM\s*=?\s*COPY\b|\bLOCK\s*=?\s*(?:SHARED|EXCLUSIVE)\b").finditer(stmt.stripped):
            ctx.report(self, stmt, f"{' '.join(m.group(0).split()).upper()} blocks writes (or reads) while the "
                       "table is rebuilt", at=m.start())
