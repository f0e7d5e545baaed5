"""SL508 ban-drop-constraint: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import DropConstraint
from ..api import Rule


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

    code, name, severity, dialects = "SL508", "ban-drop-constraint", "info", ("postgres", "mysql")
    aliases = ("drop-constraint",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for a in stmt.actions:
            if isinstance(a, DropConstraint):
                what = "a constraint" if a.name is None else f"constraint {a.name!r}"
                ctx.report(self, stmt, f"dropping {what} removes an integrity check", at=a.at)
