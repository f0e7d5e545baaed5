"""SL605 require-not-valid-foreign-key: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import AddColumn, AddConstraint
from ..api import Rule
from ..facts import rx


def _fk_checks_off(ctx, stmt) -> bool:
    """``SET [SESSION] foreign_key_checks = 0`` earlier in this migration (MySQL adds the key in place)."""
    off = False
    for st in ctx.up:
        if st is stmt:
            break
        m = rx(r"\s*SET\s+(?:SESSION\s+|@@(?:SESSION\.)?)?foreign_key_checks\s*(?:=|TO)\s*(\w+)").match(st.stripped)
        if m:
            off = m.group(1).upper() in ("0", "OFF", "FALSE")
    return off


class SL605(Rule):
    """A foreign key added without `NOT VALID`.

    ## What it does
    Finds `ADD CONSTRAINT … FOREIGN KEY` (and `ADD COLUMN … REFERENCES`) without `NOT VALID` on a table
    this migration did not create. MySQL/MariaDB: `ADD [CONSTRAINT] FOREIGN KEY` unless the migration
    sets `foreign_key_checks = 0` before it.

    ## Why is this bad?
    Validating scans the whole table under SHARE ROW EXCLUSIVE on both tables, blocking writes to both.
    MySQL has no `NOT VALID`: with `foreign_key_checks` on, InnoDB adds a foreign key only by copying the
    table, blocking writes for the whole copy.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    -- next migration:
    ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user;
    ```
    """

    code, name, severity, dialects = "SL605", "require-not-valid-foreign-key", "warning", ("postgres", "mysql")
    aliases = ("foreign-key-validating",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = ("add the foreign key NOT VALID, then VALIDATE CONSTRAINT in another migration (MySQL: "
            "SET foreign_key_checks = 0 first for an in-place add, or an online schema change tool)")

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        acts = stmt.actions
        fks = [a for a in acts if isinstance(a, AddConstraint) and a.kind == "foreign" and not a.not_valid]
        copies = ctx.traits.alter_algorithm
        if fks and copies and _fk_checks_off(ctx, stmt):
            fks = []  # MySQL adds it in place
        for a in fks:
            ctx.report(self, stmt, "adding a foreign key with foreign_key_checks on copies the table (ALGORITHM=COPY), "
                       "blocking writes" if copies else
                       "adding a foreign key validates every row while blocking writes on both tables", at=a.at)
        for a in acts:
            for at in a.references_at if isinstance(a, AddColumn) else ():
                ctx.report(self, stmt, "a column with REFERENCES locks both tables while the key is added", at=at)
