"""SL301 require-transaction-false: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    NEEDS_NO_TX_KINDS,
    needs_no_transaction,
)


class SL301(Rule):
    """A statement that cannot run inside a transaction block, in a transactional migration.

    ## What it does
    Finds `CREATE/DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`, `DETACH PARTITION … CONCURRENTLY`,
    `VACUUM`, `CREATE/DROP DATABASE` and `ALTER SYSTEM` in a migration with `transaction: true` (the
    default) or after an explicit `BEGIN`.

    ## Why is this bad?
    PostgreSQL refuses them with "cannot run inside a transaction block": the apply fails.

    ## Example
    ```yaml
    up: CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
    ```
    """

    code, name, severity, dialects = "SL301", "require-transaction-false", "error", ("postgres",)
    aliases = ("needs-no-transaction",)  # its earlier name: --explain still takes it
    kinds = NEEDS_NO_TX_KINDS
    help = "set `transaction: false` and keep the statement alone in its migration"

    def check_stmt(self, stmt, ctx) -> None:
        why = needs_no_transaction(stmt)
        if why and (ctx.transaction or ctx.in_explicit_tx):
            where = "transaction: true" if ctx.transaction else "an explicit BEGIN"
            ctx.report(self, stmt, f"{why} cannot run inside a transaction block ({where})")
