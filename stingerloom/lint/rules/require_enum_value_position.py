"""SL618 require-enum-value-position: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL618(Rule):
    """`ALTER TYPE … ADD VALUE` without `BEFORE`/`AFTER`.

    ## What it does
    Finds enum values added without a position.

    ## Why is this bad?
    The value goes to the end of the enum's sort order, which silently changes the result of `<`, `>`
    and `ORDER BY` on the column.

    ## Example
    ```sql
    ALTER TYPE size ADD VALUE 'medium';
    ```

    ## Use instead
    ```sql
    ALTER TYPE size ADD VALUE 'medium' AFTER 'small';
    ```
    """

    code, name, severity, dialects = "SL618", "require-enum-value-position", "info", ("postgres",)
    aliases = ("enum-value-unordered",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterEnumStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if not n.get("oldVal") and not n.get("newValNeighbor"):
            ctx.report(self, stmt, f"enum value {n.get('newVal')!r} is added at the end of the sort order")
