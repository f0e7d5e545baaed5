"""SL911 require-index-on-foreign-key: the rule's documentation is its class docstring."""

from __future__ import annotations

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
                if st.kind == "CreateStmt":
                    for el in st.node.get("tableElts", ()) or ():
                        cd = el.get("ColumnDef")
                        if cd and coldef_constraints(cd, "CONSTR_PRIMARY", "CONSTR_UNIQUE"):
                            indexed.add((st.table, cd.get("colname")))
                        con = el.get("Constraint")
                        if con and con.get("contype") in ("CONSTR_PRIMARY", "CONSTR_UNIQUE") and con.get("keys"):
                            indexed.add((st.table, pg_names(con["keys"])[0]))
                for t, col, con in _fks(st):
                    pending.append((t, col, con, st))
            elif st.kind == "IndexStmt":
                params = st.node.get("indexParams") or ()
                if params and params[0].get("IndexElem", {}).get("name"):
                    indexed.add((st.table, params[0]["IndexElem"]["name"]))
        for t, col, con, st in pending:
            if col and (t, col) not in indexed and (t, col) not in known:
                ctx.report(self, st, f"foreign key {t}.{col} has no index starting with {col!r}", at=loc(con))
