"""SL506 ban-rename-schema-or-enum-value: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL506(Rule):
    """Renaming a schema or an enum value.

    ## What it does
    Finds `ALTER SCHEMA … RENAME TO` and `ALTER TYPE … RENAME VALUE`.

    ## Why is this bad?
    Code and stored data that use the old name break.

    ## Example
    ```sql
    ALTER TYPE status RENAME VALUE 'canceled' TO 'cancelled';
    ```

    ## Use instead
    ```sql
    ALTER TYPE status ADD VALUE 'cancelled';
    -- migrate the rows, then stop using the old value
    ```
    """

    code, name, severity, dialects = "SL506", "ban-rename-schema-or-enum-value", "warning", ("postgres",)
    aliases = ("rename-schema-or-enum-value",)  # its earlier name: --explain still takes it
    kinds = frozenset({"RenameStmt", "AlterEnumStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if stmt.kind == "RenameStmt" and n.get("renameType") == "OBJECT_SCHEMA":
            ctx.report(self, stmt, f"renaming schema {n.get('subname')!r} breaks code that uses it")
        elif stmt.kind == "AlterEnumStmt" and n.get("oldVal"):
            ctx.report(self, stmt, f"renaming enum value {n['oldVal']!r} breaks code that uses it")
