"""SL504 ban-rename-table: the rule's documentation is its class docstring."""

from __future__ import annotations

import re

from ..api import Rule
from ..facts import (
    renames_in,
)


class SL504(Rule):
    """Renaming a table.

    ## What it does
    Finds `ALTER TABLE … RENAME TO` and MySQL `RENAME TABLE`, unless the same migration creates a view
    under the old name.

    ## Why is this bad?
    Application code still deployed uses the old name and fails until the new release is out.

    ## Example
    ```sql
    ALTER TABLE users RENAME TO accounts;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users RENAME TO accounts;
    CREATE VIEW users AS SELECT * FROM accounts;
    ```
    """

    code, name, severity = "SL504", "ban-rename-table", "warning"
    aliases = ("rename-table",)  # its earlier name: --explain still takes it
    kinds = frozenset({"RenameStmt", "AlterTableStmt"})
    help = "expand/contract: keep a view under the old name until no code uses it"

    def check_stmt(self, stmt, ctx) -> None:
        for kind, old, new, off in renames_in(stmt):
            if kind != "table" or ctx.is_new(old):
                continue
            views = [s for s in ctx.up if s.kind == "ViewStmt" and re.search(
                r"\bVIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?[`\"]?" + re.escape(old or "") + r"\b", s.stripped, re.I)]
            if not views:
                ctx.report(self, stmt, f"renaming table {old!r} to {new!r} breaks code that uses the old name", at=off)
