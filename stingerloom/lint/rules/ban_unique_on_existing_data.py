"""SL702 ban-unique-on-existing-data: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    added_keys,
    duplicates_impossible,
    has_key_words,
    loc,
    pg_default_repeats,
    rx,
    text_actions,
    text_alter_column,
    text_default_repeats,
    text_key_columns,
)


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

    code, name, severity = "SL702", "ban-unique-on-existing-data", "warning"
    aliases = ("unique-on-existing-data",)  # its earlier name: --explain still takes it
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
