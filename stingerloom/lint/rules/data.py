"""SL7xx (data-dependent) and SL8xx (MySQL/MariaDB and SQLite specifics)."""

from __future__ import annotations

import re

from ..api import Rule
from ..facts import (
    added_columns,
    added_keys,
    coldef_constraints,
    create_table_parts,
    duplicates_impossible,
    has_key_words,
    loc,
    pg_default_repeats,
    pg_type,
    rx,
    rx_is,
    text_actions,
    text_alter_column,
    text_default_repeats,
    text_key_columns,
)


class SL701(Rule):
    """`ADD COLUMN … NOT NULL` without a default.

    ## What it does
    Finds a column added to an existing table as `NOT NULL` with no `DEFAULT` (identity, serial and
    generated columns are exempt).

    ## Why is this bad?
    On a non-empty table PostgreSQL and SQLite fail; MySQL silently fills in the type's zero value. Old
    code's INSERTs that do not name the column fail too.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN phone text NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN phone text NOT NULL DEFAULT '';
    ```
    """

    code, name, severity = "SL701", "add-required-column", "error"
    kinds = frozenset({"AlterTableStmt"})
    help = "make the column nullable, or give it a constant DEFAULT"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.node is not None:
            from ..facts import SERIAL_TYPES

            for _, cd in added_columns(stmt):
                cons = coldef_constraints(cd)
                kinds = {c.get("contype") for c in cons}
                if "CONSTR_NOTNULL" in kinds or "CONSTR_PRIMARY" in kinds:
                    if kinds & {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}:
                        continue
                    if pg_type(cd.get("typeName"))[0] in SERIAL_TYPES:
                        continue
                    ctx.report(self, stmt, f"NOT NULL column {cd.get('colname')!r} without a default fails on a "
                               "non-empty table", at=loc(cd))
            return
        for off, act in text_actions(stmt):
            if (rx(r"ADD\s+(?!(?:CONSTRAINT|INDEX|KEY|UNIQUE|PRIMARY|FOREIGN|FULLTEXT|SPATIAL|CHECK)\b)").match(act)
                    and rx(r"\bNOT\s+NULL\b").search(act)
                    and not rx(r"\b(DEFAULT|AUTO_INCREMENT|AS\s*\(|GENERATED)\b").search(act)):
                what = ("silently fills the zero value on MySQL" if ctx.dialect == "mysql"
                        else "fails on a non-empty table")
                ctx.report(self, stmt, f"NOT NULL column without a default {what}", at=off)


class SL702(Rule):
    """A unique index or constraint on existing data.

    ## What it does
    Finds `CREATE UNIQUE INDEX`, `ADD UNIQUE` and `ADD PRIMARY KEY` on a table this migration did not
    create. Not reported when duplicates are impossible: a column of the key was added by this
    migration without a DEFAULT (its rows are all NULL, and NULLs never collide), or the key contains
    every column of an existing unique index or constraint. `ADD COLUMN x … DEFAULT v UNIQUE` is
    reported: every row gets `v`.

    ## Why is this bad?
    The statement fails if the column already holds duplicates, possibly only in production.

    ## Example
    ```sql
    CREATE UNIQUE INDEX idx_users_email ON users (email);
    ```

    ## Use instead
    ```sql
    -- an earlier migration removes or merges the duplicates, then:
    CREATE UNIQUE INDEX idx_users_email ON users (email);
    ```
    """

    code, name, severity = "SL702", "unique-on-existing-data", "warning"
    kinds = frozenset({"IndexStmt", "AlterTableStmt"})
    help = "remove duplicates in an earlier migration (and check production data first)"

    def check_stmt(self, stmt, ctx) -> None:
        if not has_key_words(stmt):
            return
        t = stmt.table
        if ctx.is_new(t):
            return
        index_msg = "a unique index fails if the existing rows hold duplicates"
        con_msg = "a unique constraint fails if the existing rows hold duplicates"
        if stmt.node is not None:
            if stmt.kind == "IndexStmt":
                cols = [p.get("IndexElem", {}).get("name") for p in stmt.node.get("indexParams") or ()]
                if stmt.node.get("unique") and not duplicates_impossible(ctx, t, cols):
                    ctx.report(self, stmt, index_msg)
                return
            for con, cols, new_col in added_keys(stmt, "CONSTR_UNIQUE", "CONSTR_PRIMARY"):
                if con.get("indexname"):
                    continue
                if new_col is not None:  # ADD COLUMN x … UNIQUE: duplicates only if a DEFAULT fills every row
                    if not pg_default_repeats(new_col):
                        continue
                    ctx.report(self, stmt, f"{cols[0]} gets the same DEFAULT in every row: a unique key on it "
                               "fails on a table with more than one row", at=loc(con))
                elif not duplicates_impossible(ctx, t, cols):
                    ctx.report(self, stmt, con_msg, at=loc(con))
            return
        if stmt.kind == "IndexStmt":
            m = rx(r"\s*CREATE\s+UNIQUE\b[^(]*?\bON\s+\S+\s*(?=\()").match(stmt.stripped)
            if m and not duplicates_impossible(ctx, t, text_key_columns(stmt.stripped[m.end():])):
                ctx.report(self, stmt, index_msg)
            return
        for off, act in text_actions(stmt):
            col = text_alter_column(act)
            if col is not None:
                verb, _, cd = col
                if verb == "ADD" and rx(r"\b(?:UNIQUE|PRIMARY\s+KEY)\b").search(cd[3]) and text_default_repeats(cd[3]):
                    ctx.report(self, stmt, f"{cd[0]} gets the same DEFAULT in every row: a unique key on it fails "
                               "on a table with more than one row", at=off)
                continue
            m = rx(r"ADD\s+(?:CONSTRAINT\s+\S+\s+)?(?:UNIQUE|PRIMARY\s+KEY)\b[^(]*(?=\()").match(act)
            if m and not duplicates_impossible(ctx, t, text_key_columns(act[m.end():])):
                ctx.report(self, stmt, con_msg, at=off)


class SL801(Rule):
    """`ALGORITHM=COPY` or `LOCK=SHARED/EXCLUSIVE`.

    ## What it does
    Finds MySQL DDL that forces a table copy or a blocking lock.

    ## Why is this bad?
    `ALGORITHM=COPY` blocks writes for the whole copy; `LOCK=SHARED` blocks writes and `LOCK=EXCLUSIVE`
    blocks reads and writes.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN phone varchar(20), ALGORITHM=COPY;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN phone varchar(20), ALGORITHM=INSTANT;
    ```
    """

    code, name, severity, dialects = "SL801", "copy-algorithm-or-lock", "warning", ("mysql",)
    kinds = frozenset({"AlterTableStmt", "IndexStmt", "DropStmt"})
    help = "use the default, or ALGORITHM=INPLACE/INSTANT, LOCK=NONE"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for m in rx(r"\bALGORITHM\s*=?\s*COPY\b|\bLOCK\s*=?\s*(?:SHARED|EXCLUSIVE)\b").finditer(stmt.stripped):
            ctx.report(self, stmt, f"{' '.join(m.group(0).split()).upper()} blocks writes (or reads) while the "
                       "table is rebuilt", at=m.start())


class SL802(Rule):
    """A MySQL change that copies the table.

    ## What it does
    Finds changes MySQL performs by copying the table: adding a FULLTEXT or SPATIAL index to an existing
    table, `CONVERT TO CHARACTER SET`, and `MODIFY`/`CHANGE` of an `ENUM`/`SET` column (reordering or
    removing values copies; only appending is instant). Planned: detecting the 256-value ENUM and
    8/16/24/32/64-member SET storage boundaries, which needs the previous definition.

    ## Why is this bad?
    A copy blocks writes for as long as it takes to rewrite the table.

    ## Example
    ```sql
    ALTER TABLE posts ADD FULLTEXT INDEX ft_body (body);
    ```

    ## Use instead
    ```text
    Use an online schema change tool (gh-ost, pt-online-schema-change) for large tables.
    ```
    """

    code, name, severity, dialects = "SL802", "table-copy-change", "warning", ("mysql",)
    kinds = frozenset({"AlterTableStmt", "IndexStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.kind == "IndexStmt":
            m = rx(r"\s*CREATE\s+(FULLTEXT|SPATIAL)\b").match(stmt.stripped)
            if m:
                ctx.report(self, stmt, f"a {m.group(1).upper()} index copies the table")
            return
        for off, act in text_actions(stmt):
            if rx(r"ADD\s+(FULLTEXT|SPATIAL)\b").match(act):
                ctx.report(self, stmt, "a FULLTEXT/SPATIAL index copies the table", at=off)
            elif rx(r"CONVERT\s+TO\s+(CHARACTER\s+SET|CHARSET)\b").match(act):
                ctx.report(self, stmt, "converting the character set copies the table", at=off)
            elif rx(r"(MODIFY|CHANGE)\b").match(act) and rx(r"\b(ENUM|SET)\s*\(").search(act):
                ctx.report(self, stmt, "changing ENUM/SET values copies the table unless values are only appended",
                           at=off)


_NOT_COLUMN = re.compile(r"(CONSTRAINT|PRIMARY|FOREIGN|UNIQUE|KEY|INDEX|CHECK|FULLTEXT|SPATIAL)\b", re.I)


class SL803(Rule):
    """A column-level `REFERENCES` on MySQL.

    ## What it does
    Finds `REFERENCES` written in a column definition (`user_id int REFERENCES users (id)`) in
    `CREATE TABLE` or `ADD COLUMN`.

    ## Why is this bad?
    MySQL parses and ignores it (before 8.0.??, and MariaDB): no foreign key is created, and nobody notices.

    ## Example
    ```sql
    CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (id int PRIMARY KEY, user_id int,
                         FOREIGN KEY (user_id) REFERENCES users (id));
    ```
    """

    code, name, severity, dialects = "SL803", "inline-references-ignored", "error", ("mysql",)
    kinds = frozenset({"CreateStmt", "AlterTableStmt"})
    help = "write an explicit FOREIGN KEY (col) REFERENCES … clause"

    def check_stmt(self, stmt, ctx) -> None:
        if stmt.kind == "CreateStmt":
            _, elems, _ = create_table_parts(stmt.sql)
        else:
            elems = [(off, re.sub(r"^ADD\s+(COLUMN\s+)?", "", act, flags=re.I)) for off, act in text_actions(stmt)
                     if rx(r"ADD\b").match(act)]
        for off, el in elems:
            if _NOT_COLUMN.match(el):
                continue
            m = rx(r"\bREFERENCES\b").search(el)
            if m:
                ctx.report(self, stmt, "MySQL ignores a column-level REFERENCES: no foreign key is created",
                           at=off + (len(stmt.stripped[off:]) - len(stmt.stripped[off:].lstrip())) + m.start()
                           if stmt.kind == "CreateStmt" else off)


def _not_null_columns(sql: str) -> dict[str, bool]:
    """Column name -> NOT NULL without a DEFAULT, from a CREATE TABLE text."""
    _, elems, _ = create_table_parts(sql)
    out = {}
    for _off, el in elems:
        if _NOT_COLUMN.match(el):
            continue
        name = el.split()[0].strip('`"[]').lower()
        required = bool(rx(r"\bNOT\s+NULL\b").search(el)) and not rx(r"\bDEFAULT\b").search(el)
        if rx(r"\bPRIMARY\s+KEY\b").search(el) and rx(r"\bINTEGER\b").search(el):
            required = False  # INTEGER PRIMARY KEY is the rowid: never NULL, filled in
        out[name] = required
    return out


class SL851(Rule):
    """Making a SQLite column NOT NULL through a table rebuild.

    ## What it does
    Finds the 12-step rebuild (`CREATE TABLE new (…)` then `INSERT INTO new … SELECT … FROM old`) in
    which a column that is nullable in the old table (as the earlier migrations left it, read from the
    SQLite replay) becomes `NOT NULL` without a `DEFAULT`.

    ## Why is this bad?
    The copy fails on the first NULL ("NOT NULL constraint failed"), and on a large table the rebuild
    holds the write lock for long.

    ## Example
    ```sql
    CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
    INSERT INTO users_new SELECT id, email FROM users;
    ```

    ## Use instead
    ```sql
    UPDATE users SET email = '' WHERE email IS NULL;  -- an earlier migration
    CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL DEFAULT '');
    INSERT INTO users_new SELECT id, email FROM users;
    ```
    """

    code, name, severity, dialects = "SL851", "sqlite-not-null-rebuild", "warning", ("sqlite",)
    help = "backfill the NULLs in an earlier migration, or give the column a DEFAULT"

    def check_migration(self, ctx) -> None:
        created = {st.table: st for st in ctx.up if st.kind == "CreateStmt" and st.table}
        if not created or not ctx.sqlite_before:
            return
        old_tables = {name.lower(): v[2] for (typ, name), v in ctx.sqlite_before.items() if typ == "table"}
        for st in ctx.up:
            if st.kind != "InsertStmt" or st.table not in created:
                continue
            m = rx_is(r"\bSELECT\b.*?\bFROM\s+(\"[^\"]+\"|`[^`]+`|\[[^\]]+\]|[\w$]+)").search(st.stripped)
            old = m and m.group(1).strip('`"[]').lower()
            if not old or old not in old_tables:
                continue
            new_cols = _not_null_columns(created[st.table].sql)
            old_cols = _not_null_columns(old_tables[old])
            for col, required in new_cols.items():
                if required and col in old_cols and not old_cols[col]:
                    ctx.report(self, st, f"column {col!r} is nullable in {old!r} but NOT NULL in {st.table!r}: "
                               "the copy fails on the first NULL")


# ---------------------------------------------------------------------------------------------------
# Galera Cluster (MariaDB Galera, Percona XtraDB Cluster): opt-in, for MySQL manifests that run on one


class _Galera(Rule):
    severity, dialects, default_enabled = "warning", ("mysql",), False


class SL811(_Galera):
    """A table on a storage engine other than InnoDB, under Galera (opt-in).

    ## What it does
    Finds `CREATE TABLE … ENGINE=` and `ALTER TABLE … ENGINE=` naming an engine other than InnoDB
    (MyISAM, Aria, MEMORY, …). Enable it with `--select SL811` (or `--select SL81`) when the database is
    a Galera cluster.

    ## Why is this bad?
    Galera replicates only InnoDB (transactional) tables: rows written to the table exist on one node
    only, and the nodes silently diverge.

    ## Example
    ```sql
    CREATE TABLE audit_log (id bigint PRIMARY KEY, msg text) ENGINE=MyISAM;
    ```

    ## Use instead
    ```sql
    CREATE TABLE audit_log (id bigint PRIMARY KEY, msg text) ENGINE=InnoDB;
    ```
    """

    code, name = "SL811", "galera-non-innodb"
    kinds = frozenset({"CreateStmt", "AlterTableStmt"})
    help = "use ENGINE=InnoDB: Galera replicates nothing else"

    def check_stmt(self, stmt, ctx) -> None:
        m = rx(r"\bENGINE\s*=?\s*[`'\"]?(\w+)").search(stmt.stripped)
        if m and m.group(1).lower() != "innodb":
            ctx.report(self, stmt, f"Galera does not replicate {m.group(1)} tables: the nodes diverge",
                       at=m.start())


class SL812(_Galera):
    """A table without a primary key, under Galera (opt-in).

    ## What it does
    Finds `CREATE TABLE` without a primary key and `ALTER TABLE … DROP PRIMARY KEY` (temporary tables
    excepted). Enable it with `--select SL812` when the database is a Galera cluster.

    ## Why is this bad?
    Galera certifies and applies row changes by primary key: without one, a replicated `UPDATE` or
    `DELETE` scans the whole table on every other node, rows can be applied in a different order
    (MariaDB's docs warn of diverging data), and the cluster's flow control stalls writes.

    ## Example
    ```sql
    CREATE TABLE page_views (url text, at datetime);
    ```

    ## Use instead
    ```sql
    CREATE TABLE page_views (id bigint AUTO_INCREMENT PRIMARY KEY, url text, at datetime);
    ```
    """

    code, name = "SL812", "galera-no-primary-key"
    kinds = frozenset({"CreateStmt", "AlterTableStmt"})
    help = "give every table a primary key"

    def check_stmt(self, stmt, ctx) -> None:
        text = stmt.stripped
        if stmt.kind == "AlterTableStmt":
            for off, act in text_actions(stmt):
                if rx(r"DROP\s+PRIMARY\s+KEY\b").match(act) and not rx(r"\bADD\s+(?:CONSTRAINT\s+\S+\s+)?PRIMARY\s+KEY\b").search(text):
                    ctx.report(self, stmt, f"table {stmt.table!r} is left without a primary key", at=off)
            return
        if rx(r"\s*CREATE\s+(?:TEMP|TEMPORARY)\b").match(text) or rx(r"\bLIKE\b|\bAS\s+SELECT\b").search(text):
            return
        name, elems, _ = create_table_parts(stmt.sql)
        if elems and not rx(r"\bPRIMARY\s+KEY\b").search(text):
            ctx.report(self, stmt, f"table {name!r} has no primary key, which Galera needs to replicate rows")


class SL813(_Galera):
    """`LOCK TABLES` or `FLUSH TABLES WITH READ LOCK`, under Galera (opt-in).

    ## What it does
    Finds `LOCK TABLES`, `FLUSH TABLES … WITH READ LOCK` and `GET_LOCK()`. Enable it with `--select
    SL813` when the database is a Galera cluster.

    ## Why is this bad?
    Explicit table locks are local to one node: Galera does not replicate them (MariaDB documents
    `LOCK TABLES` as unsupported), so writes on the other nodes go on and the lock protects nothing.

    ## Example
    ```sql
    LOCK TABLES accounts WRITE;
    UPDATE accounts SET balance = 0 WHERE id = 1;
    UNLOCK TABLES;
    ```

    ## Use instead
    ```sql
    START TRANSACTION;
    SELECT balance FROM accounts WHERE id = 1 FOR UPDATE;
    UPDATE accounts SET balance = 0 WHERE id = 1;
    COMMIT;
    ```
    """

    code, name = "SL813", "galera-lock-tables"
    kinds = frozenset({"Other", "SelectStmt", "UpdateStmt", "InsertStmt", "DeleteStmt"})
    help = "use a transaction with SELECT … FOR UPDATE instead of table locks"

    def check_stmt(self, stmt, ctx) -> None:
        text = stmt.stripped
        m = (rx(r"\s*(LOCK\s+TABLES?\b|FLUSH\s+TABLES?\b[^;]*\bWITH\s+READ\s+LOCK\b)").match(text)
             or rx(r"\bGET_LOCK\s*\(").search(text))
        if m:
            ctx.report(self, stmt, "table locks are local to one Galera node: the other nodes keep writing",
                       at=m.start(m.lastindex or 0))


class SL814(_Galera):
    """`SET wsrep_on = OFF`, under Galera (opt-in).

    ## What it does
    Finds `SET [SESSION|GLOBAL] wsrep_on = OFF` (or `0`). Enable it with `--select SL814` when the
    database is a Galera cluster.

    ## Why is this bad?
    With `wsrep_on` off, what the session writes is not replicated: it exists on one node only, the
    cluster's nodes diverge, and a later conflicting write can make nodes leave the cluster.

    ## Example
    ```sql
    SET SESSION wsrep_on = OFF;
    DELETE FROM sessions WHERE expires_at < NOW();
    ```

    ## Use instead
    ```sql
    DELETE FROM sessions WHERE expires_at < NOW() LIMIT 10000;  -- replicated, in batches
    ```
    """

    code, name = "SL814", "galera-wsrep-off"
    kinds = frozenset({"VariableSetStmt"})
    help = "leave wsrep_on on in migrations: every change must reach every node"

    def check_stmt(self, stmt, ctx) -> None:
        m = rx(r"(?:@@(?:SESSION\.|GLOBAL\.)?|\b)wsrep_on\s*(?:=|:=|TO)\s*[`'\"]?(OFF|0|FALSE)\b").search(stmt.stripped)
        if m:
            ctx.report(self, stmt, "changes made with wsrep_on off are not replicated to the other nodes",
                       at=m.start())
