"""SL812 require-primary-key-on-galera: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..bases import GaleraRule
from ..facts import (
    create_table_parts,
    rx,
    text_actions,
)


class SL812(GaleraRule):
    """A table without a primary key, under Galera (opt-in).

    ## What it does
    Finds `CREATE TABLE` without a primary key and `ALTER TABLE … DROP PRIMARY KEY` (temporary tables
    excepted). Enable it with `--select SL812` when the database is a Galera cluster.

    ## Why is this bad?
    Galera certifies and applies row changes by primary key: without one, a replicated `UPDATE` or
    `DELETE` scans the whole table on every other node, rows can be applied in a different order
    (MariaDB's docs warn of diverging data), and the cluster's flow control stalls writes.

    ## Example
    ```sql
    CREATE TABLE page_views (url text, at datetime);
    ```

    ## Use instead
    ```sql
    CREATE TABLE page_views (id bigint AUTO_INCREMENT PRIMARY KEY, url text, at datetime);
    ```
    """

    code, name = "SL812", "require-primary-key-on-galera"
    aliases = ("galera-no-primary-key",)  # its earlier name: --explain still takes it
    kinds = frozenset({"CreateStmt", "AlterTableStmt"})
    help = "give every table a primary key"

    def check_stmt(self, stmt, ctx) -> None:
        text = stmt.stripped
        if stmt.kind == "AlterTableStmt":
            for off, act in text_actions(stmt):
                if rx(r"DROP\s+PRIMARY\s+KEY\b").match(act) and not rx(r"\bADD\s+(?:CONSTRAINT\s+\S+\s+)?PRIMARY\s+KEY\b").search(text):
                    ctx.report(self, stmt, f"table {stmt.table!r} is left without a primary key", at=off)
            return
        if rx(r"\s*CREATE\s+(?:TEMP|TEMPORARY)\b").match(text) or rx(r"\bLIKE\b|\bAS\s+SELECT\b").search(text):
            return
        name, elems, _ = create_table_parts(stmt.sql)
        if elems and not rx(r"\bPRIMARY\s+KEY\b").search(text):
            ctx.report(self, stmt, f"table {name!r} has no primary key, which Galera needs to replicate rows")
