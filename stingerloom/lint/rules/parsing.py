"""SL2xx: parsing. The engine parses every statement once per dialect with the real parsers (see
:mod:`..parse`) and records each parser's verdict on the statement; these rules report it."""

from __future__ import annotations

from ..api import Rule
from ..facts import client_command
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

    code, name, severity = "SL201", "syntax-error", "error"
    help = "fix the SQL; the position is where the parser gave up"

    def check_migration(self, ctx) -> None:
        for block, source, exc in ctx.split_errors:
            if not client_command(exc):
                ctx.report_at(self, f"{block}: {exc.message}", source, exc.offset)
        for st in ctx.up + ctx.down:
            if st.error_from:
                _report(self, ctx, st, f"{st.error_from}: {st.error[0]}", st.error_at)

    @classmethod
    def replay_failed(cls, message: str, file, line, column, migration, dialect: str) -> Finding:
        """``--verify``: a statement failed on the scratch database (see schema/verify.py)."""
        return Finding(cls.code, cls.severity, message, file, line, column, migration, dialect)


class SL202(Rule):
    """The safety rules cannot see inside this statement.

    ## What it does
    Reports statements that no rule can analyse: PostgreSQL `DO` blocks and function bodies, MySQL
    statements the classifier does not know, and statements a parser could neither accept nor reject
    (info level: never fails CI).

    ## Why is this bad?
    No safety rule ran on it: a `DO` block that drops a column passes every check.

    ## Example
    ```sql
    DO $$ BEGIN EXECUTE 'ALTER TABLE users DROP COLUMN phone'; END $$;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users DROP COLUMN phone;
    ```
    """

    code, name, severity, dialects = "SL202", "unanalyzable-statement", "info", ("postgres", "mysql")
    help = "review this statement by hand"

    def check_migration(self, ctx) -> None:
        prev = None
        for st in ctx.up + ctx.down:
            chunk_part = prev is not None and prev.source is st.source and prev.offset == st.offset
            prev = st
            if ctx.dialect == "mysql":
                if st.kind == "Unknown":
                    _report(self, ctx, st, "no rule could analyse this statement; review it by hand")
            elif st.error_from or chunk_part:
                continue  # a verdict (SL201), or the rest of a chunk the splitter left together
            elif st.undecided:
                _report(self, ctx, st, f"PL/pgSQL body: the parser could not decide ({st.undecided}); this is "
                        "not a syntax error, review the statement by hand")
            elif st.kind in ("DoStmt", "CreateFunctionStmt") and st.block == "up":
                _report(self, ctx, st, f"the body of this {'DO block' if st.kind == 'DoStmt' else 'function'} "
                        "is not analysed by the safety rules; review it by hand")


def _report(rule, ctx, st, message: str, at: int | None = None) -> None:
    ctx.run.add(rule, message, st.source.file, *st.pos(at), ctx.migration, ctx.dialect)
