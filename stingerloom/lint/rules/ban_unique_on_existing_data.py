"""SL702 ban-unique-on-existing-data: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import AddColumn, AddConstraint, CreateIndex
from ..api import Rule
from ..facts import duplicates_impossible, has_key_words


class SL702(Rule):
    """A unique index or constraint on existing data.

    ## What it does
    Finds `CREATE UNIQUE INDEX`, `ADD UNIQUE` and `ADD PRIMARY KEY` on a table this migration did not
    create. Not reported when duplicates are impossible: a column of the key was added by this
    migration without a DEFAULT (its rows are all NULL, and NULLs never collide), or the key contains
    every column of an existing unique index or constraint. `ADD COLUMN x … DEFAULT v UNIQUE` is
    reported: every row gets `v`.

    ## Why is this bad?
    The statement fails if the column already holds duplicates, possibly only in production.

    ## Example
    ```sql
    CREATE UNIQUE INDEX idx_users_email ON users (email);
    ```

    ## Use instead
    ```sql
    -- an earlier migration removes or merges the duplicates, then:
    CREATE UNIQUE INDEX idx_users_email ON users (email);
    ```
    """

    code, name, severity = "SL702", "ban-unique-on-existing-data", "warning"
    aliases = ("unique-on-existing-data",)  # its earlier name: --explain still takes it
    kinds = frozenset({"IndexStmt", "AlterTableStmt"})
    help = "remove duplicates in an earlier migration (and check production data first)"

    def check_stmt(self, stmt, ctx) -> None:
        if not has_key_words(stmt):
            return
        t = stmt.table
        if ctx.is_new(t):
            return
        for a in stmt.actions:
            if isinstance(a, CreateIndex):
                if a.unique and not duplicates_impossible(ctx, t, a.columns):
                    ctx.report(self, stmt, "a unique index fails if the existing rows hold duplicates")
            elif isinstance(a, AddConstraint):
                if a.kind in ("unique", "primary") and not a.using_index and not duplicates_impossible(ctx, t, a.columns):
                    ctx.report(self, stmt, "a unique constraint fails if the existing rows hold duplicates", at=a.at)
            elif isinstance(a, AddColumn) and a.default_repeats:  # duplicates only if a DEFAULT fills every row
                for at in a.unique_at:
                    ctx.report(self, stmt, f"{a.column.name} gets the same DEFAULT in every row: a unique key on it "
                               "fails on a table with more than one row", at=at)
