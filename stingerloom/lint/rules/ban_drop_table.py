"""SL501 ban-drop-table: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    drop_names,
    drop_type,
    rebuild_of,
)


class SL501(Rule):
    """`DROP TABLE`.

    ## What it does
    Finds `DROP TABLE` of a table that this migration did not create. The drop step of a table rebuild
    (SQLite's 12 steps: `CREATE TABLE new_t …; INSERT INTO new_t SELECT … FROM t; DROP TABLE t; ALTER
    TABLE new_t RENAME TO t`) keeps the data and is not reported (SL502 checks the columns it keeps).

    ## Why is this bad?
    The data is gone for good, and application code still deployed that reads the table breaks.

    ## Example
    ```sql
    DROP TABLE legacy_orders;
    ```

    ## Use instead
    ```sql
    -- release 1: stop using the table; release 2, after checking it is unused and empty:
    -- stingerloom:ignore SL501 -- unused since v4.2, verified empty
    DROP TABLE legacy_orders;
    ```
    """

    code, name, severity = "SL501", "ban-drop-table", "warning"
    aliases = ("drop-table",)  # its earlier name: --explain still takes it
    kinds = frozenset({"DropStmt"})
    help = "stop using the table in a release first; drop it in a later one"

    def check_stmt(self, stmt, ctx) -> None:
        if drop_type(stmt) != "OBJECT_TABLE":
            return
        names = [n for n in drop_names(stmt) if not ctx.is_new(n) and rebuild_of(ctx, stmt, n) is None]
        if names:
            ctx.report(self, stmt, f"DROP TABLE {', '.join(names)} loses its data and breaks code that still uses it")
