"""SL911 require-index-on-foreign-key: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import CreateIndex, CreateTable
from ..api import Rule
from ..facts import (
    added_columns,
    added_constraints,
    coldef_constraints,
    loc,
    pg_names,
)


def _fks(stmt):
    """(table, first fk column, Constraint) for FKs defined by a CREATE/ALTER TABLE."""
    t = stmt.table
    if stmt.kind == "CreateStmt":
        for el in stmt.node.get("tableElts", ()) or ():
            if "ColumnDef" in el:
                for con in coldef_constraints(el["ColumnDef"], "CONSTR_FOREIGN"):
                    yield t, el["ColumnDef"].get("colname"), con
            elif el.get("Constraint", {}).get("contype") == "CONSTR_FOREIGN":
                con = el["Constraint"]
                cols = pg_names(con.get("fk_attrs"))
                yield t, cols[0] if cols else None, con
    else:
        for _, con in added_constraints(stmt, "CONSTR_FOREIGN"):
            cols = pg_names(con.get("fk_attrs"))
            yield t, cols[0] if cols else None, con
        for _, cd in added_columns(stmt):
            for con in coldef_constraints(cd, "CONSTR_FOREIGN"):
                yield t, cd.get("colname"), con


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
            if st.node is None:
                continue
            if st.kind in ("CreateStmt", "AlterTableStmt"):
                for t, col, con in _fks(st):
                    pending.append((t, col, con, st))
            for a in st.actions:
                if isinstance(a, CreateTable):
                    indexed.update((st.table, c.name) for c in a.columns if c.unique)
                    indexed.update((st.table, key[0]) for key in a.keys if key)
                elif isinstance(a, CreateIndex) and a.columns and a.columns[0]:
                    indexed.add((st.table, a.columns[0]))
        for t, col, con, st in pending:
            if col and (t, col) not in indexed and (t, col) not in known:
                ctx.report(self, st, f"foreign key {t}.{col} has no index starting with {col!r}", at=loc(con))
