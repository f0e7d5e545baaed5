"""SL614 ban-adding-exclusion-constraint: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    added_constraints,
    loc,
)


class SL614(Rule):
    """Adding an exclusion constraint.

    ## What it does
    Finds `ADD CONSTRAINT … EXCLUDE` on an existing table.

    ## Why is this bad?
    Every row is checked while reads and writes are blocked, and exclusion constraints cannot be added
    `NOT VALID`.

    ## Example
    ```sql
    ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
    ```

    ## Use instead
    ```sql
    -- add it while the table is small, or during a maintenance window
    -- stingerloom:ignore SL614 -- maintenance window 2026-03-01
    ```
    """

    code, name, severity, dialects = "SL614", "ban-adding-exclusion-constraint", "warning", ("postgres",)
    aliases = ("exclusion-constraint",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for _, con in added_constraints(stmt, "CONSTR_EXCLUSION"):
            ctx.report(self, stmt, "an exclusion constraint checks every row under ACCESS EXCLUSIVE", at=loc(con))
