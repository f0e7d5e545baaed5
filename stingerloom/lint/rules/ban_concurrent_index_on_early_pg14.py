"""SL619 ban-concurrent-index-on-early-pg14: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    concurrent_param,
)


class SL619(Rule):
    """A concurrent index build for a PostgreSQL 14.0–14.3 target.

    ## What it does
    With `--target postgres=14.x` (x < 4), finds `CREATE INDEX CONCURRENTLY` and `REINDEX … CONCURRENTLY`.

    ## Why is this bad?
    A bug in PostgreSQL 14.0–14.3 can silently corrupt indexes built or rebuilt concurrently.

    ## Example
    ```sql
    CREATE INDEX CONCURRENTLY idx_users_email ON users (email);  -- on 14.2
    ```

    ## Use instead
    ```text
    Upgrade to PostgreSQL 14.4 or later first.
    ```
    """

    code, name, severity, dialects = "SL619", "ban-concurrent-index-on-early-pg14", "error", ("postgres",)
    aliases = ("concurrent-index-corruption-pg14",)  # its earlier name: --explain still takes it
    kinds = frozenset({"IndexStmt", "ReindexStmt"})
    help = "upgrade the server to PostgreSQL 14.4+ before building indexes concurrently"

    def check_stmt(self, stmt, ctx) -> None:
        t = ctx.target()
        if t is None or not ((14,) <= t < (14, 4)) or t == (14,):
            return
        conc = stmt.node.get("concurrent") if stmt.kind == "IndexStmt" else concurrent_param(stmt.node)
        if conc:
            ctx.report(self, stmt, f"concurrent index builds can corrupt indexes on PostgreSQL "
                       f"{'.'.join(map(str, t))}")
