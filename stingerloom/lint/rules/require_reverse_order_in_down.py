"""SL403 require-reverse-order-in-down: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import drop_names, drop_type


class SL403(Rule):
    """`down` does not reverse `up`'s order.

    ## What it does
    On PostgreSQL, reports a `down` that drops a table and afterwards touches an object on it (an index,
    a column, a constraint), or drops tables in the order `up` created them.

    ## Why is this bad?
    Objects that depend on others must go first; otherwise the rollback fails half way.

    ## Example
    ```yaml
    up: |
      CREATE TABLE teams (id int PRIMARY KEY);
      CREATE TABLE users (id int, team_id int REFERENCES teams (id));
    down: |
      DROP TABLE teams;
      DROP TABLE users;
    ```

    ## Use instead
    ```yaml
    down: |
      DROP TABLE users;
      DROP TABLE teams;
    ```
    """

    code, name, severity, dialects = "SL403", "require-reverse-order-in-down", "warning", ("postgres",)
    aliases = ("down-order",)  # its earlier name: --explain still takes it
    # a repeatable's rollback re-applies its previous definition: its down is not the undo
    for_repeatable = False
    help = "write down in the reverse order of up"

    def check_migration(self, ctx) -> None:
        if not ctx.down or any(st.error for st in ctx.down):
            return
        dropped_order = []
        dropped = set()
        for st in ctx.down:
            if not st.readable:
                continue
            if st.kind == "DropStmt" and drop_type(st) == "OBJECT_TABLE":
                for name in drop_names(st):
                    dropped_order.append((name, st))
                    dropped.add(name)
            elif st.kind in ("AlterTableStmt", "IndexStmt") and st.table in dropped:
                ctx.report(self, st, f"{st.table!r} was already dropped earlier in down")
                return
        if len(dropped_order) < 2:
            return  # no order to get wrong
        created = [st.table for st in ctx.up if st.kind == "CreateStmt" and st.table]
        pos = {name: i for i, name in enumerate(created)}
        seq = [(pos[n], st) for n, st in dropped_order if n in pos]
        for (a, _), (b, st) in zip(seq, seq[1:]):
            if b > a:
                ctx.report(self, st, "down drops the tables in the order up created them; reverse it")
                return
