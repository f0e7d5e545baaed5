"""SL201 require-valid-syntax: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import client_command, report_at_statement
from ..model import Finding


class SL201(Rule):
    """A statement does not parse in its dialect.

    ## What it does
    Parses every statement with the dialect's real parser: PostgreSQL with pglast (libpg_query, the
    server's own grammar; PL/pgSQL bodies with `parse_plpgsql`), SQLite with the stdlib `sqlite3` module
    in an in-memory database after replaying the earlier migrations. MySQL has no validating parser
    offline: there only what the statement splitter itself cannot read (an unterminated string or
    comment) is reported. The position is the real line and column in the YAML/TOML.
    Only a parser's verdict is an error: when a parser gives up without one (pglast's PL/pgSQL
    compiler on a header it does not model, e.g. `%TYPE` arguments), the finding is SL202 (info).

    ## Why is this bad?
    The apply fails at this statement, part way through the migration.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN phone text NOT NUL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN phone text NOT NULL DEFAULT '';
    ```
    """

    code, name, severity = "SL201", "require-valid-syntax", "error"
    aliases = ("syntax-error",)  # its earlier name: --explain still takes it
    help = "fix the SQL; the position is where the parser gave up"

    def check_migration(self, ctx) -> None:
        for block, source, exc in ctx.split_errors:
            if not client_command(exc):
                ctx.report_at(self, f"{block}: {exc.message}", source, exc.offset)
        for st in ctx.up + ctx.down:
            if st.error_from:
                report_at_statement(self, ctx, st, f"{st.error_from}: {st.error[0]}", st.error_at)

    @classmethod
    def replay_failed(cls, message: str, file, line, column, migration, dialect: str) -> Finding:
        """``--verify``: a statement failed on the scratch database (see lint/verify.py)."""
        return Finding(cls.code, cls.severity, message, file, line, column, migration, dialect)
