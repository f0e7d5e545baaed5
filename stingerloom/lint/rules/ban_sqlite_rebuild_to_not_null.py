"""SL851 ban-sqlite-rebuild-to-not-null: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    NOT_COLUMN_WORD,
    create_table_parts,
    rx,
    rx_is,
)


def _not_null_columns(sql: str) -> dict[str, bool]:
    """Column name -> NOT NULL without a DEFAULT, from a CREATE TABLE text."""
    _, elems, _ = create_table_parts(sql)
    out = {}
    for _off, el in elems:
        if NOT_COLUMN_WORD.match(el):
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

    code, name, severity, dialects = "SL851", "ban-sqlite-rebuild-to-not-null", "warning", ("sqlite",)
    aliases = ("sqlite-not-null-rebuild",)  # its earlier name: --explain still takes it
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
