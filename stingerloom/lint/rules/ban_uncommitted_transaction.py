"""SL303 ban-uncommitted-transaction: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    tx_word,
)

_tx_word = tx_word


class SL303(Rule):
    """`BEGIN` with no `COMMIT` in a non-transactional migration.

    ## What it does
    In a `transaction: false` migration, finds a `BEGIN`/`START TRANSACTION` that is not followed by
    `COMMIT` or `ROLLBACK`.

    ## Why is this bad?
    The session ends with the transaction open and everything in it is rolled back: the migration
    "succeeds" but applies nothing (squawk #697 describes the production incident).

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE users ADD COLUMN phone text;
    COMMIT;
    ```
    """

    code, name, severity = "SL303", "ban-uncommitted-transaction", "error"
    aliases = ("uncommitted-transaction",)  # its earlier name: --explain still takes it
    help = "add COMMIT at the end"

    def check_migration(self, ctx) -> None:
        if ctx.transaction:
            return
        open_at = None
        for st in ctx.up:
            if st.kind != "TransactionStmt":
                continue
            w = _tx_word(st)
            if w == "BEGIN":
                open_at = st
            elif w in ("COMMIT", "ROLLBACK"):
                open_at = None
        if open_at is not None:
            ctx.report(self, open_at, "transaction started here is never committed")
