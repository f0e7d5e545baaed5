"""SL302 ban-transaction-nesting: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL302(Rule):
    """Transaction control inside a migration the runner already wraps in a transaction.

    ## What it does
    Finds `BEGIN`, `START TRANSACTION`, `COMMIT`, `ROLLBACK`, `END` and MySQL `SET autocommit` in a
    `transaction: true` migration, and `ROLLBACK` or `SET autocommit` in any migration; in a
    `transaction: false` one, also a `BEGIN` while an explicit transaction is already open and a
    `COMMIT` with none open.

    ## Why is this bad?
    The runner opens the transaction and writes the history row in it. A `COMMIT` inside commits the
    DDL apart from the history row, a `ROLLBACK` undoes the work while the history says applied.
    `stingerloom apply` refuses such a migration before anything runs. PostgreSQL only warns about a
    nested `BEGIN` (and MySQL commits the open transaction): the author's transaction is not the one
    that runs.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE users ADD COLUMN phone text;
    COMMIT;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN phone text;
    ```
    """

    code, name, severity = "SL302", "ban-transaction-nesting", "error"
    aliases = ("transaction-nesting",)  # its earlier name: --explain still takes it
    kinds = frozenset({"TransactionStmt", "VariableSetStmt"})
    help = "remove the transaction control, or set `transaction: false`"

    def check_stmt(self, stmt, ctx) -> None:
        from ...sqltext import transaction_control  # what `apply` refuses, by the same test

        word = transaction_control(stmt.sql)
        if word is None:
            return
        if ctx.transaction:
            ctx.report(self, stmt, f"{word} inside a migration that already runs in a transaction")
        elif word in ("ROLLBACK", "SET autocommit", "PREPARE TRANSACTION"):
            ctx.report(self, stmt, f"{word} would undo or hide statements the history counts as committed")
        elif word == "BEGIN" and ctx.in_explicit_tx:
            ctx.report(self, stmt, "BEGIN while the transaction begun earlier is still open")
        elif word == "COMMIT" and not ctx.in_explicit_tx:
            ctx.report(self, stmt, "COMMIT with no transaction open (one COMMIT too many?)")
