"""SL405 ban-lossy-rollback: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL405(Rule):
    """`up` changes data that `down` cannot restore.

    ## What it does
    Reports a reversible migration whose `up` has `UPDATE`, `DELETE` or `TRUNCATE`.

    ## Why is this bad?
    The `down` restores the schema but not the rows: a rollback silently loses data.

    ## Example
    ```yaml
    up: DELETE FROM sessions WHERE created_at < '2020-01-01';
    down: SELECT 1;
    ```

    ## Use instead
    ```yaml
    irreversible: true
    up: DELETE FROM sessions WHERE created_at < '2020-01-01';
    ```
    """

    code, name, severity = "SL405", "ban-lossy-rollback", "info"
    aliases = ("lossy-rollback",)  # its earlier name: --explain still takes it
    # a repeatable's rollback re-applies its previous definition: its down is not the undo
    for_repeatable = False
    kinds = frozenset({"UpdateStmt", "DeleteStmt", "TruncateStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.migration.irreversible or not ctx.down or ctx.is_new(stmt.table):
            return
        ctx.report(self, stmt, "down cannot restore the rows this statement changes; declare irreversible or explain")
