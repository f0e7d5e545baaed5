"""SL616 ban-create-trigger-on-existing-table: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL616(Rule):
    """`CREATE TRIGGER` on an existing table.

    ## What it does
    Finds `CREATE TRIGGER` on a table this migration did not create.

    ## Why is this bad?
    It takes SHARE ROW EXCLUSIVE on the table, which blocks writes while it waits for running queries.

    ## Example
    ```sql
    CREATE TRIGGER audit AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION audit();
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '2s';
    CREATE TRIGGER audit AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION audit();
    ```
    """

    code, name, severity, dialects = "SL616", "ban-create-trigger-on-existing-table", "info", ("postgres",)
    aliases = ("create-trigger-lock",)  # its earlier name: --explain still takes it
    kinds = frozenset({"CreateTrigStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if not ctx.is_new(stmt.table):
            ctx.report(self, stmt, f"CREATE TRIGGER takes SHARE ROW EXCLUSIVE on {stmt.table!r}, blocking writes")
