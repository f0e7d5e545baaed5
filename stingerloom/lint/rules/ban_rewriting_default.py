"""SL611 ban-rewriting-default: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    added_columns,
    coldef_constraints,
    loc,
    pg_walk,
    rx,
    text_actions,
)

_STABLE_FUNCS = {"now", "current_timestamp", "transaction_timestamp", "statement_timestamp", "current_date",
                 "current_user", "session_user", "localtimestamp", "current_time", "localtime"}


def _volatile(expr: dict) -> str | None:
    for _key, node in pg_walk(expr):
        if "FuncCall" in node:
            names = [n["String"]["sval"] for n in node["FuncCall"].get("funcname", ()) if "String" in n]
            name = names[-1] if names else "?"
            if name.lower() not in _STABLE_FUNCS:
                return name
    return None


class SL611(Rule):
    """`ADD COLUMN … DEFAULT` that rewrites the table.

    ## What it does
    Finds `ADD COLUMN` with a volatile default (`gen_random_uuid()`, `random()`, `clock_timestamp()`, …)
    on PostgreSQL, or any default when the target is before PostgreSQL 11 (`--target postgres=10`); on
    MySQL, an expression default `DEFAULT (…)`.

    ## Why is this bad?
    The table is rewritten under ACCESS EXCLUSIVE (MySQL: copied) to fill in a value per row. Constant
    defaults are stored in the catalogue on PostgreSQL 11+ and are instant.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN token uuid;
    ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();
    -- backfill existing rows in batches in a later migration
    ```
    """

    code, name, severity, dialects = "SL611", "ban-rewriting-default", "warning", ("postgres", "mysql")
    aliases = ("rewriting-default",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "add the column without the default, SET DEFAULT separately, then backfill in batches"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.node is None:
            if "DEFAULT" not in stmt.upper:
                return  # the regex below needs the word
            for off, act in text_actions(stmt):
                if rx(r"ADD\b").match(act) and rx(r"\bDEFAULT\s*\(").search(act):
                    ctx.report(self, stmt, "an expression DEFAULT on a new column copies the table", at=off)
            return
        old = (ctx.target() or (99,)) < (11,)
        for _, cd in added_columns(stmt):
            for con in coldef_constraints(cd, "CONSTR_DEFAULT"):
                fn = _volatile(con.get("raw_expr") or {})
                if fn:
                    ctx.report(self, stmt, f"volatile default {fn}() rewrites the whole table", at=loc(con))
                elif old:
                    ctx.report(self, stmt, "before PostgreSQL 11 any DEFAULT on ADD COLUMN rewrites the table",
                               at=loc(con))
