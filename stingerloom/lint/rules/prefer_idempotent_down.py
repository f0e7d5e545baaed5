"""SL404 prefer-idempotent-down: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import Drop
from ..api import Rule


class SL404(Rule):
    """A non-transactional or MySQL `down` without `IF EXISTS`.

    ## What it does
    In a `down` of several statements that runs without a transaction (`transaction: false`, or any
    MySQL migration), finds `DROP TABLE/VIEW/…` without `IF EXISTS`.

    ## Why is this bad?
    If the rollback fails part way, re-running it fails on what was already dropped: the down migration
    must be idempotent.

    ## Example
    ```sql
    -- MySQL down
    DROP TABLE audit_log;
    DROP TABLE users;
    ```

    ## Use instead
    ```sql
    DROP TABLE IF EXISTS audit_log;
    DROP TABLE IF EXISTS users;
    ```
    """

    code, name, severity, dialects = "SL404", "prefer-idempotent-down", "warning", ("postgres", "mysql")
    aliases = ("down-not-idempotent",)  # its earlier name: --explain still takes it
    # a repeatable's rollback re-applies its previous definition: its down is not the undo
    for_repeatable = False
    help = "add IF EXISTS"

    def check_migration(self, ctx) -> None:
        if ctx.traits.rolls_back_ddl and ctx.transaction:
            return
        if len([st for st in ctx.down if st.kind not in ("VariableSetStmt", "Empty")]) < 2:
            return  # a single statement cannot be half applied
        for st in ctx.down:
            if st.error:
                continue
            for a in st.actions if st.kind == "DropStmt" else ():
                if not isinstance(a, Drop):
                    continue
                # a DROP INDEX that cannot say IF EXISTS is as idempotent as the dialect allows
                if not (a.if_exists or (a.kind == "OBJECT_INDEX" and not ctx.traits.drop_index_if_exists)):
                    ctx.report(self, st, "DROP without IF EXISTS in a down that runs without a transaction")
