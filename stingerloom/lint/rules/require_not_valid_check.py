"""SL606 require-not-valid-check: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import AddConstraint
from ..api import Rule


class SL606(Rule):
    """A `CHECK` constraint added without `NOT VALID`.

    ## What it does
    Finds `ADD CONSTRAINT … CHECK (…)` without `NOT VALID` on an existing table (MySQL/MariaDB: any
    `ADD [CONSTRAINT] CHECK`).

    ## Why is this bad?
    The whole table is scanned under ACCESS EXCLUSIVE: no reads, no writes. MySQL validates a new CHECK
    constraint by copying the table (ALGORITHM=COPY), blocking writes.

    ## Example
    ```sql
    ALTER TABLE users ADD CONSTRAINT ck_age CHECK (age >= 0);
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD CONSTRAINT ck_age CHECK (age >= 0) NOT VALID;
    -- next migration:
    ALTER TABLE users VALIDATE CONSTRAINT ck_age;
    ```
    """

    code, name, severity, dialects = "SL606", "require-not-valid-check", "warning", ("postgres", "mysql")
    aliases = ("check-validating",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = ("add the check NOT VALID, then VALIDATE CONSTRAINT in another migration (MySQL: an online "
            "schema change tool)")

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for a in stmt.actions:
            if isinstance(a, AddConstraint) and a.kind == "check" and not a.not_valid:
                ctx.report(self, stmt, _COPIES if ctx.traits.alter_algorithm else _SCANS, at=a.at)


_COPIES = "adding a CHECK constraint copies the table (ALGORITHM=COPY) to validate it, blocking writes"
_SCANS = "adding a CHECK constraint scans the table under ACCESS EXCLUSIVE"
