"""SL907 ban-long-identifier: the rule's documentation is its class docstring."""

from __future__ import annotations

import re

from ..api import Rule

_LONG = re.compile(r"(?<![^\s,;()])[^\s,;()]{64}")  # 64 word characters (tried where a word starts)


_WORD = re.compile(r"\"((?:[^\"]|\"\")+)\"|`([^`]+)`|\b([A-Za-z_][\w$]*)")


class SL907(Rule):
    """Identifiers longer than the server allows.

    ## What it does
    Finds identifiers longer than 63 bytes (PostgreSQL) or 64 characters (MySQL), read from the statement
    text (PostgreSQL's parser has already truncated them in the parse tree).

    ## Why is this bad?
    PostgreSQL silently truncates the name, so a later statement that uses the full name may hit another
    object, and two long names can collide; MySQL rejects it.

    ## Example
    ```sql
    CREATE INDEX index_on_users_email_address_and_created_at_and_team_id_and_status ON users (email);
    ```

    ## Use instead
    ```sql
    CREATE INDEX idx_users_email_created_team_status ON users (email);
    ```
    """

    code, name, severity, dialects = "SL907", "ban-long-identifier", "warning", ("postgres", "mysql")
    aliases = ("identifier-too-long",)  # its earlier name: --explain still takes it
    kinds = frozenset({"CreateStmt", "AlterTableStmt", "IndexStmt", "ViewStmt", "RenameStmt", "CreateTrigStmt",
                       "CreateFunctionStmt", "CreateSeqStmt", "CreateEnumStmt", "CreateSchemaStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        limit, in_bytes = ctx.traits.identifier_limit, ctx.traits.identifier_bytes
        text = stmt.stripped
        if text.isascii() and not _LONG.search(text):
            return
        for m in _WORD.finditer(text):
            name = m.group(1) or m.group(2) or m.group(3)
            size = len(name.encode()) if in_bytes else len(name)
            if size > limit:
                ctx.report(self, stmt, f"identifier {name[:20]}… is {size} {'bytes' if in_bytes else 'characters'}"
                           f" (limit {limit})", at=m.start())
                return
