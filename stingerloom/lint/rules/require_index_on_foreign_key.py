"""SL911 require-index-on-foreign-key: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import AddColumn, AddConstraint, CreateIndex, CreateTable
from ..api import Rule


def _fks(stmt):
    """(first column, at) of each foreign key a CREATE/ALTER TABLE defines (table-level ones first on
    ALTER TABLE, as written on CREATE TABLE)."""
    acts = stmt.actions
    for a in acts:
        if isinstance(a, CreateTable):
            yield from a.foreign_keys
    for a in acts:
        if isinstance(a, AddConstraint) and a.kind == "foreign":
            yield (a.columns[0] if a.columns else None), a.at
    for a in acts:
        if isinstance(a, AddColumn):
            for at in a.references_at:
                yield a.column.name, at


class SL911(Rule):
    """A foreign key without an index on its column.

    ## What it does
    Finds foreign keys whose first column is not the first column of any index, primary key or unique
    constraint created in this migration or an earlier one.

    ## Why is this bad?
    Every DELETE or key UPDATE in the parent table scans the child table to check the reference.

    ## Example
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
    CREATE INDEX idx_orders_user_id ON orders (user_id);
    ```
    """

    code, name, severity, dialects = "SL911", "require-index-on-foreign-key", "warning", ("postgres",)
    aliases = ("fk-needs-index",)  # its earlier name: --explain still takes it
    help = "create an index whose first column is the foreign key column"

    def check_migration(self, ctx) -> None:
        if not any(st.kind in ("CreateStmt", "AlterTableStmt") and "REFERENCES" in st.stripped.upper() for st in ctx.up):
            return
        known = ctx.catalog.index_first_cols  # earlier migrations (not copied: it grows with the manifest)
        indexed: set = set()  # this migration
        pending = []
        for st in ctx.up:
            if not st.readable:  # pglast could not parse it: nothing here is known for sure
                continue
            if st.kind in ("CreateStmt", "AlterTableStmt"):
                pending.extend((st.table, col, at, st) for col, at in _fks(st))
            for a in st.actions:
                if isinstance(a, CreateTable):
                    indexed.update((st.table, c.name) for c in a.columns if c.unique)
                    indexed.update((st.table, key[0]) for key in a.keys if key)
                elif isinstance(a, CreateIndex) and a.columns and a.columns[0]:
                    indexed.add((st.table, a.columns[0]))
        for t, col, at, st in pending:
            if col and (t, col) not in indexed and (t, col) not in known:
                ctx.report(self, st, f"foreign key {t}.{col} has no index starting with {col!r}", at=at)
