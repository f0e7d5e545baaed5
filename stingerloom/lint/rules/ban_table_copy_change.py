"""SL802 ban-table-copy-change: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    rx,
    text_actions,
)


class SL802(Rule):
    """A MySQL change that copies the table.

    ## What it does
    Finds changes MySQL performs by copying the table: adding a FULLTEXT or SPATIAL index to an existing
    table, `CONVERT TO CHARACTER SET`, and `MODIFY`/`CHANGE` of an `ENUM`/`SET` column (reordering or
    removing values copies; only appending is instant). Planned: detecting the 256-value ENUM and
    8/16/24/32/64-member SET storage boundaries, which needs the previous definition.

    ## Why is this bad?
    A copy blocks writes for as long as it takes to rewrite the table.

    ## Example
    ```sql
    ALTER TABLE posts ADD FULLTEXT INDEX ft_body (body);
    ```

    ## Use instead
    ```text
    Use an online schema change tool (gh-ost, pt-online-schema-change) for large tables.
    ```
    """

    code, name, severity, dialects = "SL802", "ban-table-copy-change", "warning", ("mysql",)
    aliases = ("table-copy-change",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt", "IndexStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.kind == "IndexStmt":
            m = rx(r"\s*CREATE\s+(FULLTEXT|SPATIAL)\b").match(stmt.stripped)
            if m:
                ctx.report(self, stmt, f"a {m.group(1).upper()} index copies the table")
            return
        for off, act in text_actions(stmt):
            if rx(r"ADD\s+(FULLTEXT|SPATIAL)\b").match(act):
                ctx.report(self, stmt, "a FULLTEXT/SPATIAL index copies the table", at=off)
            elif rx(r"CONVERT\s+TO\s+(CHARACTER\s+SET|CHARSET)\b").match(act):
                ctx.report(self, stmt, "converting the character set copies the table", at=off)
            elif rx(r"(MODIFY|CHANGE)\b").match(act) and rx(r"\b(ENUM|SET)\s*\(").search(act):
                ctx.report(self, stmt, "changing ENUM/SET values copies the table unless values are only appended",
                           at=off)
