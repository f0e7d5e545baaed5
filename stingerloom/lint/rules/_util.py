"""Small helpers shared by the rule modules."""

from __future__ import annotations

import re

from ..facts import pg_cmds, pg_constraints


def loc(node: dict | None) -> int | None:
    """A pglast node's location (offset in the statement), or None."""
    if not node:
        return None
    v = node.get("location")
    return v if isinstance(v, int) and v >= 0 else None


def cmd_loc(cmd: dict) -> int | None:
    d = cmd.get("def") or {}
    for key in ("ColumnDef", "Constraint", "PartitionCmd"):
        if key in d:
            return loc(d[key]) if key != "PartitionCmd" else loc(d[key].get("name"))
    return None


def word_at(stmt, pattern: str, start: int = 0) -> int | None:
    """Offset of ``pattern`` (case-insensitive regex) in the stripped statement text."""
    m = re.compile(pattern, re.I | re.S).search(stmt.stripped, start)
    return m.start() if m else None


def added_columns(stmt):
    """PostgreSQL ``ADD COLUMN`` definitions: (cmd, ColumnDef)."""
    for c in pg_cmds(stmt.node):
        if c.get("subtype") == "AT_AddColumn" and "ColumnDef" in (c.get("def") or {}):
            yield c, c["def"]["ColumnDef"]


def added_constraints(stmt, *contypes):
    for c in pg_cmds(stmt.node):
        if c.get("subtype") == "AT_AddConstraint":
            con = (c.get("def") or {}).get("Constraint")
            if con and (not contypes or con.get("contype") in contypes):
                yield c, con


def coldef_constraints(coldef: dict, *contypes):
    return [c for c in pg_constraints(coldef) if not contypes or c.get("contype") in contypes]


def text_actions(stmt):
    """MySQL/SQLite ALTER TABLE actions: [(offset, text)] (offset into the statement)."""
    from ..facts import alter_actions

    return alter_actions(stmt.sql)[1]


NEEDS_NO_TX_KINDS = frozenset({"IndexStmt", "DropStmt", "ReindexStmt", "AlterTableStmt", "VacuumStmt",
                               "CreatedbStmt", "DropdbStmt", "AlterSystemStmt"})


def needs_no_transaction(stmt) -> str | None:
    """Why a PostgreSQL statement cannot run in a transaction block, or None."""
    n, k = stmt.node, stmt.kind
    if n is None:
        return None
    if k == "IndexStmt" and n.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if k == "DropStmt" and n.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if k == "ReindexStmt" and any(p.get("DefElem", {}).get("defname") == "concurrently" for p in n.get("params", ()) or ()):
        return "REINDEX CONCURRENTLY"
    if k == "AlterTableStmt":
        for c in pg_cmds(n):
            if c.get("subtype") == "AT_DetachPartition" and (c.get("def") or {}).get("PartitionCmd", {}).get("concurrent"):
                return "DETACH PARTITION CONCURRENTLY"
        return None
    if k == "VacuumStmt" and n.get("is_vacuumcmd"):
        return "VACUUM"
    if k == "CreatedbStmt":
        return "CREATE DATABASE"
    if k == "DropdbStmt":
        return "DROP DATABASE"
    if k == "AlterSystemStmt":
        return "ALTER SYSTEM"
    return None


DDL_KINDS = frozenset({"CreateStmt", "AlterTableStmt", "IndexStmt", "DropStmt", "RenameStmt", "ViewStmt",
                       "CreateTrigStmt", "CreateFunctionStmt", "TruncateStmt", "CreateTableAsStmt", "CreatedbStmt",
                       "DropdbStmt", "Other"})
DML_KINDS = frozenset({"UpdateStmt", "DeleteStmt", "InsertStmt"})
LOCKING_KINDS = frozenset({"AlterTableStmt", "IndexStmt", "DropStmt", "RenameStmt", "TruncateStmt",
                           "CreateTrigStmt", "ReindexStmt", "ClusterStmt", "AlterEnumStmt"})


def has_key_words(stmt, words=("UNIQUE", "PRIMARY")) -> bool:
    """A cheap first test: could the statement define a unique or primary key at all?"""
    text = stmt.sql.upper()
    return any(w in text for w in words)


def added_keys(stmt, *contypes):
    """PostgreSQL ``ADD [CONSTRAINT] UNIQUE/PRIMARY KEY (…)`` and the same constraints written inside
    ``ADD COLUMN x … UNIQUE``: (constraint, [columns], the new ColumnDef or None)."""
    from ..facts import pg_names

    for _, con in added_constraints(stmt, *contypes):
        yield con, pg_names(con.get("keys")), None
    for _, cd in added_columns(stmt):
        for con in coldef_constraints(cd, *contypes):
            yield con, [cd.get("colname")], cd


def duplicates_impossible(ctx, table, cols) -> bool:
    """No duplicate can exist in ``cols`` of ``table``: a column of the key was added by this migration
    with NULL (or distinct) values, or the key contains an existing unique key."""
    if any(ctx.added_columns.get((table, c)) is False for c in cols):
        return True
    have = frozenset(cols)
    return bool(have) and any(u <= have for u in ctx.catalog.facts(table).uniques)


def tx_word(stmt) -> str:
    """BEGIN, COMMIT, ROLLBACK, PREPARE or OTHER for a TransactionStmt (any dialect)."""
    from ..facts import transaction_word

    if stmt.node is not None:
        return {"TRANS_STMT_BEGIN": "BEGIN", "TRANS_STMT_START": "BEGIN", "TRANS_STMT_COMMIT": "COMMIT",
                "TRANS_STMT_ROLLBACK": "ROLLBACK", "TRANS_STMT_PREPARE": "PREPARE"}.get(stmt.node.get("kind"), "OTHER")
    return transaction_word(stmt.sql)


def transaction_of(ctx) -> dict[int, int]:
    """``id(statement) -> number of the transaction it runs in``: the whole migration (0) when the runner
    wraps it, else each explicit ``BEGIN … COMMIT`` block (1, 2, …); statements outside any are absent."""
    if ctx.transaction:
        return {id(st): 0 for st in ctx.up}
    out, current, n = {}, None, 0
    for st in ctx.up:
        if st.kind == "TransactionStmt":
            w = tx_word(st)
            if w == "BEGIN" and current is None:
                n += 1
                current = n
            elif w in ("COMMIT", "ROLLBACK"):
                current = None
            continue
        if current is not None:
            out[id(st)] = current
    return out
