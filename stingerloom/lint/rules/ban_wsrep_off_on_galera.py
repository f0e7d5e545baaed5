"""SL814 ban-wsrep-off-on-galera: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..bases import GaleraRule
from ..facts import (
    rx,
)


class SL814(GaleraRule):
    """`SET wsrep_on = OFF`, under Galera (opt-in).

    ## What it does
    Finds `SET [SESSION|GLOBAL] wsrep_on = OFF` (or `0`). Enable it with `--select SL814` when the
    database is a Galera cluster.

    ## Why is this bad?
    With `wsrep_on` off, what the session writes is not replicated: it exists on one node only, the
    cluster's nodes diverge, and a later conflicting write can make nodes leave the cluster.

    ## Example
    ```sql
    SET SESSION wsrep_on = OFF;
    DELETE FROM sessions WHERE expires_at < NOW();
    ```

    ## Use instead
    ```sql
    DELETE FROM sessions WHERE expires_at < NOW() LIMIT 10000;  -- replicated, in batches
    ```
    """

    code, name = "SL814", "ban-wsrep-off-on-galera"
    aliases = ("galera-wsrep-off",)  # its earlier name: --explain still takes it
    kinds = frozenset({"VariableSetStmt"})
    help = "leave wsrep_on on in migrations: every change must reach every node"

    def check_stmt(self, stmt, ctx) -> None:
        m = rx(r"(?:@@(?:SESSION\.|GLOBAL\.)?|\b)wsrep_on\s*(?:=|:=|TO)\s*[`'\"]?(OFF|0|FALSE)\b").search(stmt.stripped)
        if m:
            ctx.report(self, stmt, "changes made with wsrep_on off are not replicated to the other nodes",
                       at=m.start())
