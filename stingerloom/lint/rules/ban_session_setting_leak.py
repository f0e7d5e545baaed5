"""SL317 ban-session-setting-leak: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import SetVariable
from ..api import Rule

_SESSION = ("search_path", "lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout", "role",
            "session_authorization", "lock_wait_timeout", "sql_mode", "foreign_key_checks", "unique_checks")


class SL317(Rule):
    """A session setting in a non-transactional migration leaks into later migrations.

    ## What it does
    In a `transaction: false` migration, finds a plain `SET` of a session setting (`search_path`,
    `lock_timeout`, `statement_timeout`, MySQL `foreign_key_checks`, …) that is not `RESET` later.

    ## Why is this bad?
    The runner uses one connection for the whole run: the setting stays in force for every later
    migration, which was not written for it.

    ## Example
    ```yaml
    transaction: false
    up: |
      SET lock_timeout = '2s';
      CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: |
      SET lock_timeout = '2s';
      CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);
      RESET lock_timeout;
    ```
    """

    code, name, severity, dialects = "SL317", "ban-session-setting-leak", "warning", ("postgres", "mysql")
    aliases = ("session-setting-leak",)  # its earlier name: --explain still takes it
    help = "RESET the setting at the end (or use SET LOCAL in a transactional migration)"

    def check_migration(self, ctx) -> None:
        if ctx.transaction:
            return
        pending: dict[str, object] = {}
        for st in ctx.up:
            if st.kind != "VariableSetStmt":
                continue
            for a in st.actions:
                if not isinstance(a, SetVariable):
                    continue
                if a.reset:
                    if a.name is None:  # RESET ALL
                        pending.clear()
                    pending.pop(a.name, None)
                elif a.name in _SESSION and not a.local:
                    pending[a.name] = st
        for name, st in pending.items():
            ctx.report(self, st, f"SET {name} stays in force for the migrations that run after this one")
