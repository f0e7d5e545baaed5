"""SL607 require-validate-in-separate-transaction: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import AddConstraint, ValidateConstraint
from ..api import Rule
from ..facts import transaction_of


class SL607(Rule):
    """`VALIDATE CONSTRAINT` in the same transaction as its `NOT VALID`.

    ## What it does
    Finds `VALIDATE CONSTRAINT c` in the transaction that added `c` as `NOT VALID`: a transactional
    migration, or one explicit `BEGIN … COMMIT` of a `transaction: false` migration.

    ## Why is this bad?
    The lock taken by the `ADD CONSTRAINT` is held through the validation: `NOT VALID` buys nothing.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT fk;
    ```

    ## Use instead
    ```sql
    -- migration 1
    ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    -- migration 2
    ALTER TABLE orders VALIDATE CONSTRAINT fk;
    ```
    """

    code, name, severity, dialects = "SL607", "require-validate-in-separate-transaction", "warning", ("postgres",)
    aliases = ("validate-in-same-transaction",)  # its earlier name: --explain still takes it
    help = "move VALIDATE CONSTRAINT to a separate migration"

    def check_migration(self, ctx) -> None:
        if not any(st.kind == "AlterTableStmt" for st in ctx.up):
            return  # nothing is validated
        tx = transaction_of(ctx)
        if not tx:
            return
        not_valid = {}  # constraint -> transaction that added it
        for st in ctx.up:
            if st.kind != "AlterTableStmt" or not st.readable or id(st) not in tx:
                continue
            for a in st.actions:
                if isinstance(a, AddConstraint) and a.not_valid and a.name:
                    not_valid[a.name] = tx[id(st)]
            for a in st.actions:
                if isinstance(a, ValidateConstraint) and not_valid.get(a.name) == tx[id(st)]:
                    ctx.report(self, st, f"constraint {a.name!r} is validated in the transaction that added it")
