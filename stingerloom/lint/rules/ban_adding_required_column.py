"""SL701 ban-adding-required-column: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    added_columns,
    coldef_constraints,
    loc,
    pg_type,
    rx,
    text_actions,
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

    code, name, severity = "SL701", "ban-adding-required-column", "error"
    aliases = ("add-required-column",)  # its earlier name: --explain still takes it
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
                what = ("silently fills the zero value on MySQL" if ctx.traits.zero_fills_not_null
                        else "fails on a non-empty table")
                ctx.report(self, stmt, f"NOT NULL column without a default {what}", at=off)
