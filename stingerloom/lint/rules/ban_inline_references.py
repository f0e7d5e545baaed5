"""SL803 ban-inline-references: the rule's documentation is its class docstring."""

from __future__ import annotations

import re

from ..api import Rule
from ..facts import (
    NOT_COLUMN_WORD,
    create_table_parts,
    rx,
    text_actions,
)


class SL803(Rule):
    """A column-level `REFERENCES` on MySQL.

    ## What it does
    Finds `REFERENCES` written in a column definition (`user_id int REFERENCES users (id)`) in
    `CREATE TABLE` or `ADD COLUMN`.

    ## Why is this bad?
    MySQL parses and ignores it (before 8.0.??, and MariaDB): no foreign key is created, and nobody notices.

    ## Example
    ```sql
    CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users (id));
    ```

    ## Use instead
    ```sql
    CREATE TABLE orders (id int PRIMARY KEY, user_id int,
                         FOREIGN KEY (user_id) REFERENCES users (id));
    ```
    """

    code, name, severity, dialects = "SL803", "ban-inline-references", "error", ("mysql",)
    aliases = ("inline-references-ignored",)  # its earlier name: --explain still takes it
    kinds = frozenset({"CreateStmt", "AlterTableStmt"})
    help = "write an explicit FOREIGN KEY (col) REFERENCES … clause"

    def check_stmt(self, stmt, ctx) -> None:
        if "REFERENCES" not in stmt.upper:
            return  # the regex below needs the word
        if stmt.kind == "CreateStmt":
            _, elems, _ = create_table_parts(stmt.sql)
        else:
            elems = [(off, re.sub(r"^ADD\s+(COLUMN\s+)?", "", act, flags=re.I)) for off, act in text_actions(stmt)
                     if rx(r"ADD\b").match(act)]
        for off, el in elems:
            if NOT_COLUMN_WORD.match(el):
                continue
            m = rx(r"\bREFERENCES\b").search(el)
            if m:
                ctx.report(self, stmt, "MySQL ignores a column-level REFERENCES: no foreign key is created",
                           at=off + (len(stmt.stripped[off:]) - len(stmt.stripped[off:].lstrip())) + m.start()
                           if stmt.kind == "CreateStmt" else off)
