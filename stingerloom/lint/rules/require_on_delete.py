"""SL912 require-on-delete: the rule's documentation is its class docstring."""

from __future__ import annotations

import re

from ..api import Rule
from ..facts import (
    rx,
)


class SL912(Rule):
    """Foreign keys without `ON DELETE` (opt-in).

    ## What it does
    Finds `REFERENCES` clauses without an `ON DELETE` action.

    ## Why is this bad?
    The default (`NO ACTION`) is rarely a decision: say what deleting the parent does.

    ## Example
    ```sql
    ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
    ```
    """

    code, name, severity, default_enabled = "SL912", "require-on-delete", "info", False
    aliases = ("fk-needs-on-delete",)  # its earlier name: --explain still takes it
    kinds = frozenset({"CreateStmt", "AlterTableStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        text = stmt.stripped
        for m in rx(r"\bREFERENCES\b").finditer(text):
            nxt = rx(r"\bREFERENCES\b").search(text[m.end():])
            segment = text[m.end(): m.end() + nxt.start() if nxt else len(text)]
            seg = re.split(r",\s*(?=(?:CONSTRAINT|FOREIGN|\w+\s+\w+))", segment, maxsplit=1)[0]
            if not rx(r"\bON\s+DELETE\b").search(seg):
                ctx.report(self, stmt, "foreign key without ON DELETE", at=m.start())
