"""SL315 ban-sqlite-unsupported-alter: the rule's documentation is its class docstring."""

from __future__ import annotations

import re

from ..api import Rule
from ..facts import (
    text_actions,
)

# over the upper-cased action
_CHANGE = re.compile(r"(ALTER|MODIFY|CHANGE)\b")
_KEY_CHANGE = re.compile(r"(ADD|DROP)\s+(CONSTRAINT|PRIMARY|FOREIGN|UNIQUE|CHECK|INDEX|KEY)\b")
_DROP = re.compile(r"DROP\b")
_RENAME_COLUMN = re.compile(r"RENAME\s+(COLUMN\s+)?\w+\s+TO\b")
_RENAME_TABLE = re.compile(r"RENAME\s+TO\b")


class SL315(Rule):
    """`ALTER TABLE` that SQLite does not support.

    ## What it does
    Finds `ALTER COLUMN`, `ADD CONSTRAINT`/`DROP CONSTRAINT`, `MODIFY`, and, before SQLite 3.35 (`--target
    sqlite=3.31`), `DROP COLUMN` (3.25 for `RENAME COLUMN`).

    ## Why is this bad?
    SQLite's ALTER TABLE only renames tables and columns and adds or drops columns; the rest fails.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN name SET NOT NULL;
    ```

    ## Use instead
    ```sql
    -- the 12-step rebuild: CREATE TABLE users_new (...); INSERT INTO users_new SELECT ...;
    -- DROP TABLE users; ALTER TABLE users_new RENAME TO users;
    ```
    """

    code, name, severity, dialects = "SL315", "ban-sqlite-unsupported-alter", "error", ("sqlite",)
    aliases = ("sqlite-unsupported-alter",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "use the 12-step table rebuild (https://www.sqlite.org/lang_altertable.html#otheralter)"
    runs_on_errors = True

    def check_stmt(self, stmt, ctx) -> None:
        target = ctx.target() or (99,)
        for off, act in text_actions(stmt):
            a = act.upper()
            bad = None
            if _CHANGE.match(a):
                bad = a.split()[0] + " " + ("COLUMN" if a.split()[0] == "ALTER" else "")
            elif _KEY_CHANGE.match(a):
                bad = " ".join(a.split()[:2])
            elif _DROP.match(a) and target < (3, 35):
                bad = "DROP COLUMN before SQLite 3.35"
            elif _RENAME_COLUMN.match(a) and not _RENAME_TABLE.match(a) and target < (3, 25):
                bad = "RENAME COLUMN before SQLite 3.25"
            if bad:
                ctx.report(self, stmt, f"SQLite does not support {bad.strip()} in ALTER TABLE", at=off)
