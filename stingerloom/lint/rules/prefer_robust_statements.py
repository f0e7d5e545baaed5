"""SL304 prefer-robust-statements: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    pg_cmds,
)

_GUARD = {"CreateStmt": "if_not_exists", "IndexStmt": "if_not_exists", "DropStmt": "missing_ok"}


class SL304(Rule):
    """A non-transactional migration without `IF [NOT] EXISTS` guards.

    ## What it does
    In a `transaction: false` PostgreSQL migration, finds `CREATE TABLE`, `CREATE INDEX`, `DROP …`,
    `ADD COLUMN` and `DROP COLUMN` without `IF [NOT] EXISTS`. Transactional migrations are not checked
    (squawk's wider rule drew false-positive reports).

    ## Why is this bad?
    Without a transaction, a failure leaves the migration half applied; re-running it fails on what the
    first run already created, and a failed `CREATE INDEX CONCURRENTLY` leaves an INVALID index behind.

    ## Example
    ```yaml
    transaction: false
    up: CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
    ```
    """

    code, name, severity, dialects = "SL304", "prefer-robust-statements", "warning", ("postgres",)
    aliases = ("non-transactional-not-robust",)  # its earlier name: --explain still takes it
    kinds = frozenset({"CreateStmt", "IndexStmt", "DropStmt", "AlterTableStmt"})
    help = "add IF NOT EXISTS / IF EXISTS so that a re-run after a failure succeeds"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.transaction or ctx.in_explicit_tx:
            return
        n = stmt.node
        if stmt.kind in _GUARD:
            if not n.get(_GUARD[stmt.kind]):
                guard = "IF EXISTS" if stmt.kind == "DropStmt" else "IF NOT EXISTS"
                ctx.report(self, stmt, f"statement without {guard} in a non-transactional migration")
            return
        for c in pg_cmds(n):
            if c.get("subtype") in ("AT_AddColumn", "AT_DropColumn") and not c.get("missing_ok"):
                what = "ADD COLUMN" if c["subtype"] == "AT_AddColumn" else "DROP COLUMN"
                ctx.report(self, stmt, f"{what} without IF {'NOT ' if what[0] == 'A' else ''}EXISTS in a "
                           "non-transactional migration")
                return
