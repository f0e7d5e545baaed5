"""SL509 ban-truncate-cascade: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL509(Rule):
    """`TRUNCATE … CASCADE`.

    ## What it does
    Finds `TRUNCATE … CASCADE`.

    ## Why is this bad?
    It also empties every table with a foreign key pointing at the truncated ones, recursively (the
    Linear incident of January 2024).

    ## Example
    ```sql
    TRUNCATE users CASCADE;
    ```

    ## Use instead
    ```sql
    TRUNCATE sessions, users;
    ```
    """

    code, name, severity, dialects = "SL509", "ban-truncate-cascade", "error", ("postgres",)
    aliases = ("truncate-cascade",)  # its earlier name: --explain still takes it
    kinds = frozenset({"TruncateStmt"})
    help = "name every table to truncate explicitly"

    def check_stmt(self, stmt, ctx) -> None:
        if stmt.node.get("behavior") == "DROP_CASCADE":
            ctx.report(self, stmt, "TRUNCATE … CASCADE empties every table that references these, recursively")
