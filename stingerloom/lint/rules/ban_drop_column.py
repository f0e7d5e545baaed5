"""SL502 ban-drop-column: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    drop_columns,
    drop_names,
    drop_type,
    rebuild_of,
)


def _columns_of(create_sql: str) -> list[str]:
    from ..facts import create_table_parts, text_coldef

    return [cd[0] for _, el in create_table_parts(create_sql)[1] if (cd := text_coldef(el))]


class SL502(Rule):
    """`DROP COLUMN`.

    ## What it does
    Finds `ALTER TABLE … DROP [COLUMN]` on an existing table, and, on SQLite, a table rebuild (create
    a new table, copy, drop the old one, rename) whose new table lacks a column of the old one.

    ## Why is this bad?
    The column's data is lost, and running code that still selects or inserts the column fails.

    ## Example
    ```sql
    ALTER TABLE users DROP COLUMN phone;
    ```

    ## Use instead
    ```sql
    -- release 1: the application ignores the column; release 2:
    -- stingerloom:ignore SL502 -- ignored by the app since v4.2
    ALTER TABLE users DROP COLUMN phone;
    ```
    """

    code, name, severity = "SL502", "ban-drop-column", "warning"
    aliases = ("drop-column",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "make the application ignore the column, deploy, then drop it"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for col, off in drop_columns(stmt):
            ctx.report(self, stmt, f"dropping column {col!r} of {stmt.table!r} loses data and breaks old code", at=off)

    def check_migration(self, ctx) -> None:
        """SQLite: a table rebuild whose new table lacks a column of the old one drops it silently.
        The replay knows both schemas (before this migration, after its up)."""
        if not ctx.traits.replays or not ctx.sqlite_after:
            return
        for st in ctx.up:
            if st.kind != "DropStmt" or drop_type(st) != "OBJECT_TABLE":
                continue
            for table in drop_names(st):
                if rebuild_of(ctx, st, table) is None:
                    continue
                old = next((v[2] for (typ, name), v in ctx.sqlite_before.items()
                            if typ == "table" and name.lower() == table), None)
                new = next((v[2] for (typ, name), v in ctx.sqlite_after.items()
                            if typ == "table" and name.lower() == table), None)
                if not old or not new:
                    continue
                lost = [c for c in _columns_of(old) if c not in set(_columns_of(new))]
                if lost:
                    ctx.report(self, st, f"the rebuild of {table!r} drops column{'s' * (len(lost) > 1)} "
                               f"{', '.join(repr(c) for c in lost)} (the new table does not have "
                               f"{'them' if len(lost) > 1 else 'it'}): the data is lost")
