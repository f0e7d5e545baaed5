"""SL313 ban-sqlite-pragma-in-transaction: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    rx,
)


class SL313(Rule):
    """`PRAGMA foreign_keys` inside a transactional SQLite migration.

    ## What it does
    Finds `PRAGMA foreign_keys = …` in a `transaction: true` migration.

    ## Why is this bad?
    SQLite ignores this pragma while a transaction is open: the statement is a silent no-op, so the
    12-step table rebuild it was meant to protect runs with foreign keys still enforced (or not).

    ## Example
    ```sql
    PRAGMA foreign_keys = off;
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: |
      PRAGMA foreign_keys = off;
      ...
    ```
    """

    code, name, severity, dialects = "SL313", "ban-sqlite-pragma-in-transaction", "error", ("sqlite",)
    aliases = ("sqlite-pragma-in-transaction",)  # its earlier name: --explain still takes it
    kinds = frozenset({"PragmaStmt"})
    help = "set `transaction: false`, or use `PRAGMA defer_foreign_keys = on`"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.transaction and rx(r"\s*PRAGMA\s+(?:\w+\.)?foreign_keys\s*=").match(stmt.stripped):
            ctx.report(self, stmt, "PRAGMA foreign_keys has no effect inside a transaction")
