"""SL311 require-non-transactional-statement-alone: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import NEEDS_NO_TX_KINDS, needs_no_transaction


class SL311(Rule):
    """A statement that must run outside a transaction shares its migration with others.

    ## What it does
    Reports other statements (except `SET`/`RESET`) next to a `CONCURRENTLY`/`VACUUM`-style statement.

    ## Why is this bad?
    With `transaction: false` each statement commits on its own; if the concurrent build fails, the
    earlier statements stay applied and the migration is half done.

    ## Example
    ```yaml
    transaction: false
    up: |
      ALTER TABLE users ADD COLUMN email text;
      CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
    ```

    ## Use instead
    ```yaml
    # one migration for the column, one for the index
    transaction: false
    up: CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
    ```
    """

    code, name, severity, dialects = "SL311", "require-non-transactional-statement-alone", "warning", ("postgres",)
    aliases = ("non-tx-with-siblings",)  # its earlier name: --explain still takes it
    help = "keep the concurrent statement alone in its migration"

    def check_migration(self, ctx) -> None:
        special = [st for st in ctx.up if st.kind in NEEDS_NO_TX_KINDS and needs_no_transaction(st)]
        if not special:
            return
        others = [st for st in ctx.up if st.kind not in ("VariableSetStmt",) and st not in special]
        if special and others:
            ctx.report(self, special[0], f"{needs_no_transaction(special[0])} shares its migration with "
                       f"{len(others)} other statement{'s' * (len(others) != 1)}")
