"""SL312 prefer-one-ddl-per-mysql-migration: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    DDL_KINDS,
    DML_KINDS,
)


class SL312(Rule):
    """Several DDL statements, or DDL mixed with DML, in one MySQL/MariaDB migration.

    ## What it does
    Counts the DDL and DML statements of each MySQL migration.

    ## Why is this bad?
    MySQL commits every DDL statement implicitly. If the second statement fails, the first stays applied
    and the migration is left `dirty` (SPEC §4), needing `stingerloom repair`.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN phone varchar(20);
    CREATE INDEX idx_users_phone ON users (phone);
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN phone varchar(20), ADD INDEX idx_users_phone (phone);
    ```
    """

    code, name, severity, dialects = "SL312", "prefer-one-ddl-per-mysql-migration", "warning", ("mysql",)
    aliases = ("mysql-ddl-not-atomic",)  # its earlier name: --explain still takes it
    help = "one DDL statement per migration (combine ALTER TABLE clauses), or make each statement idempotent"

    def check_migration(self, ctx) -> None:
        ddl = [st for st in ctx.up if st.kind in DDL_KINDS and st.kind != "Other"]
        dml = [st for st in ctx.up if st.kind in DML_KINDS]
        if len(ddl) > 1:
            ctx.report(self, ddl[1], f"{len(ddl)} DDL statements in one MySQL migration: each commits on its own")
        elif ddl and dml:
            ctx.report(self, ddl[0], "DDL mixed with DML in one MySQL migration: the DDL commits on its own")
