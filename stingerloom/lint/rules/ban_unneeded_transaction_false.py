"""SL310 ban-unneeded-transaction-false: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    needs_no_transaction,
)


class SL310(Rule):
    """`transaction: false` although no statement needs it.

    ## What it does
    On PostgreSQL and SQLite, reports a `transaction: false` migration in which nothing needs to run
    outside a transaction (`CONCURRENTLY`, `VACUUM`, `PRAGMA foreign_keys`, …).

    ## Why is this bad?
    Atomicity is lost for nothing: a failure leaves the migration half applied.

    ## Example
    ```yaml
    transaction: false
    up: ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```yaml
    up: ALTER TABLE users ADD COLUMN phone text;
    ```
    """

    code, name, severity, dialects = "SL310", "ban-unneeded-transaction-false", "warning", ("postgres", "sqlite")
    aliases = ("transaction-false-unneeded",)  # its earlier name: --explain still takes it
    help = "remove `transaction: false`"

    def check_migration(self, ctx) -> None:
        if ctx.transaction or not ctx.up:
            return
        for st in ctx.up:
            if st.kind in ("TransactionStmt", "Error", "Unknown", "ClientCommand") or st.error:
                return
            if needs_no_transaction(st) or st.kind in ctx.traits.no_transaction_kinds:
                return
        ctx.report_migration(self, "transaction: false but no statement needs to run outside a transaction")
