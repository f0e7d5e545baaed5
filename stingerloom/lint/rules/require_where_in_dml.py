"""SL308 require-where-in-dml: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    rx,
)


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
        if stmt.node is not None:
            has_where = bool(stmt.node.get("whereClause"))
        else:
            has_where = bool(rx(r"\bWHERE\b").search(stmt.stripped))
        if not has_where:
            ctx.report(self, stmt, f"{'UPDATE' if stmt.kind == 'UpdateStmt' else 'DELETE'} without WHERE "
                       "touches every row")
