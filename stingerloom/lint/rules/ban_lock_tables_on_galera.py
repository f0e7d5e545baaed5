"""SL813 ban-lock-tables-on-galera: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..bases import GaleraRule
from ..facts import (
    rx,
)


class SL813(GaleraRule):
    """`LOCK TABLES` or `FLUSH TABLES WITH READ LOCK`, under Galera (opt-in).

    ## What it does
    Finds `LOCK TABLES`, `FLUSH TABLES … WITH READ LOCK` and `GET_LOCK()`. Enable it with `--select
    SL813` when the database is a Galera cluster.

    ## Why is this bad?
    Explicit table locks are local to one node: Galera does not replicate them (MariaDB documents
    `LOCK TABLES` as unsupported), so writes on the other nodes go on and the lock protects nothing.

    ## Example
    ```sql
    LOCK TABLES accounts WRITE;
    UPDATE accounts SET balance = 0 WHERE id = 1;
    UNLOCK TABLES;
    ```

    ## Use instead
    ```sql
    START TRANSACTION;
    SELECT balance FROM accounts WHERE id = 1 FOR UPDATE;
    UPDATE accounts SET balance = 0 WHERE id = 1;
    COMMIT;
    ```
    """

    code, name = "SL813", "ban-lock-tables-on-galera"
    aliases = ("galera-lock-tables",)  # its earlier name: --explain still takes it
    kinds = frozenset({"Other", "SelectStmt", "UpdateStmt", "InsertStmt", "DeleteStmt"})
    help = "use a transaction with SELECT … FOR UPDATE instead of table locks"

    def check_stmt(self, stmt, ctx) -> None:
        text = stmt.stripped
        m = (rx(r"\s*(LOCK\s+TABLES?\b|FLUSH\s+TABLES?\b[^;]*\bWITH\s+READ\s+LOCK\b)").match(text)
             or rx(r"\bGET_LOCK\s*\(").search(text))
        if m:
            ctx.report(self, stmt, "table locks are local to one Galera node: the other nodes keep writing",
                       at=m.start(m.lastindex or 0))
