"""SL314 ban-enum-add-value-in-transaction: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL314(Rule):
    """`ALTER TYPE … ADD VALUE` inside a transaction.

    ## What it does
    Finds `ALTER TYPE … ADD VALUE` in a transactional migration: before PostgreSQL 12 (`--target
    postgres=11`) it fails; from 12 on, it is reported only when a later statement of the same migration
    uses the new value.

    ## Why is this bad?
    Before 12: "ALTER TYPE … ADD cannot run inside a transaction block". From 12: "unsafe use of new
    value" when the value is used before the transaction commits.

    ## Example
    ```sql
    ALTER TYPE mood ADD VALUE 'ecstatic';
    UPDATE people SET mood = 'ecstatic' WHERE id = 1;
    ```

    ## Use instead
    ```sql
    ALTER TYPE mood ADD VALUE 'ecstatic';
    -- use the value in a later migration
    ```
    """

    code, name, severity, dialects = "SL314", "ban-enum-add-value-in-transaction", "warning", ("postgres",)
    aliases = ("enum-add-value-in-transaction",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterEnumStmt"})
    help = "use the new value in a later migration (before PostgreSQL 12: `transaction: false`)"

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if n.get("oldVal") or not ctx.transaction:
            return
        target = ctx.target()
        if target is not None and target < (12,):
            ctx.report(self, stmt, "ALTER TYPE … ADD VALUE cannot run inside a transaction before PostgreSQL 12")
            return
        lit = "'" + n.get("newVal", "").replace("'", "''") + "'"
        later = ctx.up[ctx.up.index(stmt) + 1:] if stmt in ctx.up else []
        for st in later:
            if lit in st.sql:
                ctx.report(self, st, f"the new enum value {lit} is used in the transaction that adds it")
                return
