"""SL5xx: destructive and backward-incompatible changes (checked in `up` only)."""

from __future__ import annotations

import re

from ..api import Rule
from ..facts import (
    drop_columns,
    drop_names,
    pg_cmds,
    pg_type,
    rx,
    rx_is,
    split_top,
    text_actions,
    text_alter_column,
)


def _drop_type(stmt) -> str | None:
    if stmt.node is not None:
        return stmt.node.get("removeType")
    m = rx(r"\s*DROP\s+(?:TEMPORARY\s+)?(\w+)").match(stmt.stripped)
    return ("OBJECT_" + m.group(1).upper()) if m else None


class SL501(Rule):
    """`DROP TABLE`.

    ## What it does
    Finds `DROP TABLE` of a table that this migration did not create. The drop step of a table rebuild
    (SQLite's 12 steps: `CREATE TABLE new_t …; INSERT INTO new_t SELECT … FROM t; DROP TABLE t; ALTER
    TABLE new_t RENAME TO t`) keeps the data and is not reported (SL502 checks the columns it keeps).

    ## Why is this bad?
    The data is gone for good, and application code still deployed that reads the table breaks.

    ## Example
    ```sql
    DROP TABLE legacy_orders;
    ```

    ## Use instead
    ```sql
    -- release 1: stop using the table; release 2, after checking it is unused and empty:
    -- stingerloom:ignore SL501 -- unused since v4.2, verified empty
    DROP TABLE legacy_orders;
    ```
    """

    code, name, severity = "SL501", "drop-table", "warning"
    kinds = frozenset({"DropStmt"})
    help = "stop using the table in a release first; drop it in a later one"

    def check_stmt(self, stmt, ctx) -> None:
        if _drop_type(stmt) != "OBJECT_TABLE":
            return
        names = [n for n in drop_names(stmt) if not ctx.is_new(n) and rebuild_of(ctx, stmt, n) is None]
        if names:
            ctx.report(self, stmt, f"DROP TABLE {', '.join(names)} loses its data and breaks code that still uses it")


_RENAME_TO = r"\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\S+)\s+RENAME\s+TO\s+(\S+?)\s*;?\s*\Z"


def rebuild_of(ctx, drop, table: str):
    """``DROP TABLE table`` as a step of the table rebuild (SQLite's 12 steps, also usable elsewhere):
    a table this migration created is filled from ``table`` by ``INSERT … SELECT … FROM table`` before
    the drop, and renamed to ``table`` after it. Returns that new table's name, else None."""
    from ..facts import last_part

    i = next((k for k, st in enumerate(ctx.up) if st is drop), None)
    if i is None:
        return None
    for st in ctx.up[i + 1:]:
        m = rx_is(_RENAME_TO).match(st.stripped) if st.kind in ("AlterTableStmt", "RenameStmt") else None
        if not m or last_part(m.group(2)) != table or not ctx.is_new(last_part(m.group(1))):
            continue
        new = last_part(m.group(1))
        filled = any(p.kind == "InsertStmt" and p.table == new
                     and rx(r"\bFROM\s+(?:\w+\.)?[`\"\[]?" + re.escape(table) + r"\b").search(p.stripped)
                     for p in ctx.up[:i])
        return new if filled else None
    return None


def _columns_of(create_sql: str) -> list[str]:
    from ..facts import create_table_parts, text_coldef

    return [cd[0] for _, el in create_table_parts(create_sql)[1] if (cd := text_coldef(el))]


class SL502(Rule):
    """`DROP COLUMN`.

    ## What it does
    Finds `ALTER TABLE … DROP [COLUMN]` on an existing table, and, on SQLite, a table rebuild (create
    a new table, copy, drop the old one, rename) whose new table lacks a column of the old one.

    ## Why is this bad?
    The column's data is lost, and running code that still selects or inserts the column fails.

    ## Example
    ```sql
    ALTER TABLE users DROP COLUMN phone;
    ```

    ## Use instead
    ```sql
    -- release 1: the application ignores the column; release 2:
    -- stingerloom:ignore SL502 -- ignored by the app since v4.2
    ALTER TABLE users DROP COLUMN phone;
    ```
    """

    code, name, severity = "SL502", "drop-column", "warning"
    kinds = frozenset({"AlterTableStmt"})
    help = "make the application ignore the column, deploy, then drop it"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for col, off in drop_columns(stmt):
            ctx.report(self, stmt, f"dropping column {col!r} of {stmt.table!r} loses data and breaks old code", at=off)

    def check_migration(self, ctx) -> None:
        """SQLite: a table rebuild whose new table lacks a column of the old one drops it silently.
        The replay knows both schemas (before this migration, after its up)."""
        if ctx.dialect != "sqlite" or not ctx.sqlite_after:
            return
        for st in ctx.up:
            if st.kind != "DropStmt" or _drop_type(st) != "OBJECT_TABLE":
                continue
            for table in drop_names(st):
                if rebuild_of(ctx, st, table) is None:
                    continue
                old = next((v[2] for (typ, name), v in ctx.sqlite_before.items()
                            if typ == "table" and name.lower() == table), None)
                new = next((v[2] for (typ, name), v in ctx.sqlite_after.items()
                            if typ == "table" and name.lower() == table), None)
                if not old or not new:
                    continue
                lost = [c for c in _columns_of(old) if c not in set(_columns_of(new))]
                if lost:
                    ctx.report(self, st, f"the rebuild of {table!r} drops column{'s' * (len(lost) > 1)} "
                               f"{', '.join(repr(c) for c in lost)} (the new table does not have "
                               f"{'them' if len(lost) > 1 else 'it'}): the data is lost")


class SL503(Rule):
    """`DROP SCHEMA` or `DROP DATABASE`.

    ## What it does
    Finds `DROP SCHEMA` and `DROP DATABASE`.

    ## Why is this bad?
    Everything inside is lost at once.

    ## Example
    ```sql
    DROP SCHEMA reporting CASCADE;
    ```

    ## Use instead
    ```sql
    -- drop the objects one by one, each reviewed, or do it by hand outside migrations
    ```
    """

    code, name, severity, dialects = "SL503", "drop-schema-or-database", "error", ("postgres", "mysql")
    kinds = frozenset({"DropStmt", "DropdbStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if stmt.kind == "DropdbStmt" or _drop_type(stmt) == "OBJECT_SCHEMA":
            ctx.report(self, stmt, "dropping a schema or database loses everything in it")


def _renames(stmt):
    """(kind, old, new, offset) for table and column renames."""
    if stmt.node is not None:
        n = stmt.node
        rt = n.get("renameType")
        if rt == "OBJECT_TABLE":
            yield "table", n["relation"]["relname"], n.get("newname"), None
        elif rt == "OBJECT_COLUMN" and n.get("relationType") == "OBJECT_TABLE":
            yield "column", n.get("subname"), n.get("newname"), None
        return
    if stmt.kind == "RenameStmt":
        for off, part in split_top(
                re.sub(r"^\s*RENAME\s+TABLE\s+", lambda m: " " * len(m.group(0)), stmt.stripped, flags=re.I)):
            m = rx(r"\s*(\S+)\s+TO\s+(\S+)").match(part)
            if m:
                yield "table", m.group(1).strip('`"').lower(), m.group(2).strip('`"').lower(), off
        return
    for off, act in text_actions(stmt):
        m = rx(r"RENAME\s+(?:TO|AS)\s+(\S+)").match(act)
        if m:
            yield "table", stmt.table, m.group(1).strip('`"').lower(), off
            continue
        m = rx(r"RENAME\s+(?:COLUMN\s+)?(\S+)\s+TO\s+(\S+)").match(act)
        if m and m.group(1).upper() not in ("INDEX", "KEY"):
            yield "column", m.group(1).strip('`"'), m.group(2).strip('`"'), off
            continue
        m = rx(r"CHANGE\s+(?:COLUMN\s+)?(\S+)\s+(\S+)").match(act)
        if m and m.group(1).strip('`"').lower() != m.group(2).strip('`"').lower():
            yield "column", m.group(1).strip('`"'), m.group(2).strip('`"'), off


class SL504(Rule):
    """Renaming a table.

    ## What it does
    Finds `ALTER TABLE … RENAME TO` and MySQL `RENAME TABLE`, unless the same migration creates a view
    under the old name.

    ## Why is this bad?
    Application code still deployed uses the old name and fails until the new release is out.

    ## Example
    ```sql
    ALTER TABLE users RENAME TO accounts;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users RENAME TO accounts;
    CREATE VIEW users AS SELECT * FROM accounts;
    ```
    """

    code, name, severity = "SL504", "rename-table", "warning"
    kinds = frozenset({"RenameStmt", "AlterTableStmt"})
    help = "expand/contract: keep a view under the old name until no code uses it"

    def check_stmt(self, stmt, ctx) -> None:
        for kind, old, new, off in _renames(stmt):
            if kind != "table" or ctx.is_new(old):
                continue
            views = [s for s in ctx.up if s.kind == "ViewStmt" and re.search(
                r"\bVIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?[`\"]?" + re.escape(old or "") + r"\b", s.stripped, re.I)]
            if not views:
                ctx.report(self, stmt, f"renaming table {old!r} to {new!r} breaks code that uses the old name", at=off)


class SL505(Rule):
    """Renaming a column.

    ## What it does
    Finds `RENAME COLUMN` (and MySQL `CHANGE old new`) on an existing table.

    ## Why is this bad?
    Application code still deployed uses the old name and fails.

    ## Example
    ```sql
    ALTER TABLE users RENAME COLUMN name TO full_name;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN full_name text;
    -- dual-write, backfill, switch the readers, then drop the old column later
    ```
    """

    code, name, severity = "SL505", "rename-column", "warning"
    kinds = frozenset({"RenameStmt", "AlterTableStmt"})
    help = "add the new column, dual-write, backfill, switch readers, drop the old one later"

    def check_stmt(self, stmt, ctx) -> None:
        table = stmt.table
        if ctx.is_new(table):
            return
        for kind, old, new, off in _renames(stmt):
            if kind == "column":
                ctx.report(self, stmt, f"renaming column {old!r} to {new!r} breaks code that uses the old name", at=off)


class SL506(Rule):
    """Renaming a schema or an enum value.

    ## What it does
    Finds `ALTER SCHEMA … RENAME TO` and `ALTER TYPE … RENAME VALUE`.

    ## Why is this bad?
    Code and stored data that use the old name break.

    ## Example
    ```sql
    ALTER TYPE status RENAME VALUE 'canceled' TO 'cancelled';
    ```

    ## Use instead
    ```sql
    ALTER TYPE status ADD VALUE 'cancelled';
    -- migrate the rows, then stop using the old value
    ```
    """

    code, name, severity, dialects = "SL506", "rename-schema-or-enum-value", "warning", ("postgres",)
    kinds = frozenset({"RenameStmt", "AlterEnumStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if stmt.kind == "RenameStmt" and n.get("renameType") == "OBJECT_SCHEMA":
            ctx.report(self, stmt, f"renaming schema {n.get('subname')!r} breaks code that uses it")
        elif stmt.kind == "AlterEnumStmt" and n.get("oldVal"):
            ctx.report(self, stmt, f"renaming enum value {n['oldVal']!r} breaks code that uses it")


class SL507(Rule):
    """`DROP NOT NULL`.

    ## What it does
    Finds `ALTER COLUMN … DROP NOT NULL`.

    ## Why is this bad?
    Code (and PL/pgSQL) written for the column may not expect NULLs.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
    ```

    ## Use instead
    ```sql
    -- make sure every reader handles NULL first, then:
    -- stingerloom:ignore SL507 -- readers handle NULL since v5
    ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
    ```
    """

    code, name, severity, dialects = "SL507", "drop-not-null", "warning", ("postgres",)
    kinds = frozenset({"AlterTableStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for c in pg_cmds(stmt.node):
            if c.get("subtype") == "AT_DropNotNull":
                ctx.report(self, stmt, f"column {c.get('name')!r} may now hold NULL, which old code may not expect")


class SL508(Rule):
    """Dropping a constraint.

    ## What it does
    Finds `DROP CONSTRAINT`, and MySQL `DROP FOREIGN KEY`/`DROP CHECK`/`DROP PRIMARY KEY`.

    ## Why is this bad?
    Integrity that the application relies on is lost without any error.

    ## Example
    ```sql
    ALTER TABLE orders DROP CONSTRAINT fk_orders_user;
    ```

    ## Use instead
    ```sql
    -- document why the constraint is no longer needed
    -- stingerloom:ignore SL508 -- orders are archived, see ADR-12
    ALTER TABLE orders DROP CONSTRAINT fk_orders_user;
    ```
    """

    code, name, severity, dialects = "SL508", "drop-constraint", "info", ("postgres", "mysql")
    kinds = frozenset({"AlterTableStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.node is not None:
            for c in pg_cmds(stmt.node):
                if c.get("subtype") == "AT_DropConstraint":
                    ctx.report(self, stmt, f"dropping constraint {c.get('name')!r} removes an integrity check")
            return
        for off, act in text_actions(stmt):
            if rx(r"DROP\s+(CONSTRAINT|FOREIGN\s+KEY|CHECK|PRIMARY\s+KEY)\b").match(act):
                ctx.report(self, stmt, "dropping a constraint removes an integrity check", at=off)


class SL509(Rule):
    """`TRUNCATE … CASCADE`.

    ## What it does
    Finds `TRUNCATE … CASCADE`.

    ## Why is this bad?
    It also empties every table with a foreign key pointing at the truncated ones, recursively (the
    Linear incident of January 2024).

    ## Example
    ```sql
    TRUNCATE users CASCADE;
    ```

    ## Use instead
    ```sql
    TRUNCATE sessions, users;
    ```
    """

    code, name, severity, dialects = "SL509", "truncate-cascade", "error", ("postgres",)
    kinds = frozenset({"TruncateStmt"})
    help = "name every table to truncate explicitly"

    def check_stmt(self, stmt, ctx) -> None:
        if stmt.node.get("behavior") == "DROP_CASCADE":
            ctx.report(self, stmt, "TRUNCATE … CASCADE empties every table that references these, recursively")


_TEXTISH = {"varchar", "text", "bpchar"}


_TEXTLIKE = {"text", "citext"}
_PRECISION_TYPES = {"timestamp", "timestamptz", "time", "timetz"}


def _safe_change(old: tuple[str, list] | None, new: tuple[str, list]) -> bool:
    """PostgreSQL changes that are binary-coercible or only relax a limit: no rewrite, no scan."""
    if old is None:
        return False
    (ot, om), (nt, nm) = old, new
    if ot in _TEXTLIKE | {"varchar"} and (nt in _TEXTLIKE or (nt == "varchar" and not nm)):
        return True  # text, citext and unlimited varchar share one representation
    if ot == "varchar" and nt == "varchar":
        return bool(om) and nm[0] >= om[0]
    if ot in _PRECISION_TYPES and nt == ot:
        return not nm or (bool(om) and nm[0] >= om[0])  # no precision is the maximum (6)
    if ot == "interval" and nt == "interval":
        if not nm:
            return True
        return len(om) == len(nm) == 2 and om[0] == nm[0] and nm[1] >= om[1]  # same fields, more precision
    if ot == "numeric" and nt == "numeric":
        if not nm:
            return True  # unconstrained numeric holds any value
        return bool(om) and nm[0] >= om[0] and (om[1:] or [0]) == (nm[1:] or [0])
    if ot == "cidr" and nt == "inet":
        return True
    return False


# MySQL: bytes per character of the character sets (unknown: the 4 of utf8mb4, the default)
_CHARSET_BYTES = {"latin1": 1, "ascii": 1, "binary": 1, "utf8": 3, "utf8mb3": 3, "ucs2": 2, "utf16": 4,
                  "utf32": 4, "utf8mb4": 4}


def _mysql_in_place(ctx, table: str, verb_col, cd) -> bool:
    """MySQL changes InnoDB does in place: VARCHAR growth that keeps the length prefix size (1 byte up to
    255 bytes, 2 above)."""
    facts = ctx.catalog.facts(table)
    old = facts.columns.get(verb_col)
    if old is None:
        return False
    (ot, om, orest), (nt, nm, nrest) = old, cd[1:]
    if not (ot == nt == "varchar" and om and nm and nm[0] >= om[0]):
        return False

    def width(rest: str) -> int:
        m = rx(r"\b(?:CHARSET|CHARACTER\s+SET)\s+(\w+)").search(rest)
        cs = (m.group(1) if m else facts.charset or "utf8mb4").lower()
        return _CHARSET_BYTES.get(cs, 4)

    before, after = om[0] * width(orest), nm[0] * width(nrest)
    return (before <= 255) == (after <= 255)


class SL510(Rule):
    """Changing a column's type.

    ## What it does
    Finds `ALTER COLUMN … TYPE` (MySQL `MODIFY`/`CHANGE` with a type). Not reported: a column added
    by the same migration, and changes known to need no rewrite when the old type is known from
    earlier migrations. PostgreSQL: `varchar(n)` to a wider `varchar`; any of `text`, `citext`,
    `varchar` to `text`, `citext` or unlimited `varchar`; `timestamp`/`timestamptz`/`time`/`timetz`
    and `interval` to a higher (or no) precision; `numeric` to more precision at the same scale, or to
    unconstrained `numeric`; `cidr` to `inet`. MySQL: `VARCHAR` growth that keeps the length prefix
    size (both at most 255 bytes in the column's character set, or both above), and any change with
    `ALGORITHM=INPLACE`/`INSTANT`/`NOCOPY` (MySQL refuses rather than copies).

    ## Why is this bad?
    PostgreSQL rewrites the table under ACCESS EXCLUSIVE; MySQL copies it. Readers that expect the old
    type can break.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN id TYPE bigint;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN id_new bigint;
    -- dual-write with a trigger, backfill in batches, then swap the columns
    ```
    """

    code, name, severity, dialects = "SL510", "change-column-type", "warning", ("postgres", "mysql")
    kinds = frozenset({"AlterTableStmt"})
    help = "add a new column with the new type, dual-write, backfill, then switch"

    def check_stmt(self, stmt, ctx) -> None:
        table = stmt.table
        if ctx.is_new(table):
            return
        if stmt.node is not None:
            for c in pg_cmds(stmt.node):
                if c.get("subtype") != "AT_AlterColumnType" or (table, c.get("name")) in ctx.added_columns:
                    continue
                cd = (c.get("def") or {}).get("ColumnDef", {})
                new = pg_type(cd.get("typeName"))
                old = ctx.catalog.columns.get((table, c.get("name")))
                if not _safe_change(old, new):
                    ctx.report(self, stmt, f"changing the type of {table}.{c.get('name')} to {new[0]} rewrites the "
                               "table under ACCESS EXCLUSIVE", at=cd.get("location"))
            return
        if ctx.dialect != "mysql":
            return
        acts = text_actions(stmt)
        if any(rx(r"ALGORITHM\s*=?\s*(?:INPLACE|INSTANT|NOCOPY)\b").match(a) for _, a in acts):
            return  # MySQL refuses the statement rather than copy the table
        for off, act in acts:
            if not rx(r"(MODIFY|CHANGE)\b").match(act):
                continue
            col = text_alter_column(act)
            if col is not None:
                name = col[1] or col[2][0]
                if (table, name) in ctx.added_columns or _mysql_in_place(ctx, table, name, col[2]):
                    continue
            ctx.report(self, stmt, "MODIFY/CHANGE of a column copies the table unless MySQL can do it in place",
                       at=off)
