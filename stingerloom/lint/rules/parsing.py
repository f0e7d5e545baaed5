"""SL2xx: parsing (checked by the engine with the real parsers, see :mod:`..parse`)."""

from __future__ import annotations

from ..model import Rule


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
