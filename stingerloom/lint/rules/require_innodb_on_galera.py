"""SL811 require-innodb-on-galera: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..bases import GaleraRule
from ..facts import (
    rx,
)


class SL811(GaleraRule):
    """A table on a storage engine other than InnoDB, under Galera (opt-in).

    ## What it does
    Finds `CREATE TABLE … ENGINE=` and `ALTER TABLE … ENGINE=` naming an engine other than InnoDB
    (MyISAM, Aria, MEMORY, …). Enable it with `--select SL811` (or `--select SL81`) when the database is
    a Galera cluster.

    ## Why is this bad?
    Galera replicates only InnoDB (transactional) tables: rows written to the table exist on one node
    only, and the nodes silently diverge.

    ## Example
    ```sql
    CREATE TABLE audit_log (id bigint PRIMARY KEY, msg text) ENGINE=MyISAM;
    ```

    ## Use instead
    ```sql
    CREATE TABLE audit_log (id bigint PRIMARY KEY, msg text) ENGINE=InnoDB;
    ```
    """

    code, name = "SL811", "require-innodb-on-galera"
    aliases = ("galera-non-innodb",)  # its earlier name: --explain still takes it
    kinds = frozenset({"CreateStmt", "AlterTableStmt"})
    help = "use ENGINE=InnoDB: Galera replicates nothing else"

    def check_stmt(self, stmt, ctx) -> None:
        m = rx(r"\bENGINE\s*=?\s*[`'\"]?(\w+)").search(stmt.stripped)
        if m and m.group(1).lower() != "innodb":
            ctx.report(self, stmt, f"Galera does not replicate {m.group(1)} tables: the nodes diverge",
                       at=m.start())
