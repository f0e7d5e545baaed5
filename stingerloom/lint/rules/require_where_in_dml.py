"""SL308 require-where-in-dml: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import WriteRows
from ..api import Rule


class SL308(Rule):
    """`UPDATE` or `DELETE` without `WHERE`.

    ## What it does
    Finds `UPDATE` and `DELETE` statements without a `WHERE` clause.

    ## Why is this bad?
    It rewrites or empties the whole table, in one long transaction that holds row locks on every row.

    ## Example
    ```sql
    DELETE FROM sessions;
    ```

    ## Use instead
    ```sql
    DELETE FROM sessions WHERE expires_at < now();
    ```
    """

    code, name, severity = "SL308", "require-where-in-dml", "warning"
    aliases = ("dml-without-where",)  # its earlier name: --explain still takes it
    kinds = frozenset({"UpdateStmt", "DeleteStmt"})
    help = "add a WHERE clause, or batch the change"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        has_where = any(a.has_where for a in stmt.actions if isinstance(a, WriteRows))
        if not has_where:
            ctx.report(self, stmt, f"{'UPDATE' if stmt.kind == 'UpdateStmt' else 'DELETE'} without WHERE "
                       "touches every row")
