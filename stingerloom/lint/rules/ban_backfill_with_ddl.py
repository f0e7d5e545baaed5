"""SL307 ban-backfill-with-ddl: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import WriteRows
from ..api import Rule
from ..facts import (
    DML_KINDS,
)


def _insert_select(stmt) -> bool:
    return any(a.from_query for a in stmt.actions if isinstance(a, WriteRows))


class SL307(Rule):
    """A backfill in the same transaction as DDL on the same table.

    ## What it does
    In a transactional migration, finds `UPDATE`, `DELETE` or `INSERT … SELECT` on a table that the same
    migration alters (PostgreSQL and SQLite; MySQL commits each DDL statement, see SL312).

    ## Why is this bad?
    The DDL's lock (ACCESS EXCLUSIVE on PostgreSQL) is held until the transaction ends, so the table stays
    locked for the whole backfill.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN active boolean;
    UPDATE users SET active = true;
    ```

    ## Use instead
    ```sql
    -- migration 1
    ALTER TABLE users ADD COLUMN active boolean;
    -- migration 2 (transaction: false), batched
    UPDATE users SET active = true WHERE id BETWEEN 1 AND 10000;
    ```
    """

    code, name, severity, dialects = "SL307", "ban-backfill-with-ddl", "warning", ("postgres", "sqlite")
    aliases = ("backfill-with-ddl",)  # its earlier name: --explain still takes it
    help = "move the backfill to its own migration with `transaction: false`, in batches"

    def check_migration(self, ctx) -> None:
        if not ctx.transaction or ctx.traits.ddl_commits:
            return
        altered = None
        for st in ctx.up:
            if st.kind == "AlterTableStmt" and st.table and st.table not in ctx.created_tables:
                altered = altered or {}
                altered[st.table] = st
            elif altered and st.kind in DML_KINDS and st.table in altered:
                if st.kind == "InsertStmt" and not _insert_select(st):
                    continue
                ctx.report(self, st, f"backfill of {st.table!r} in the same transaction as its ALTER TABLE")
