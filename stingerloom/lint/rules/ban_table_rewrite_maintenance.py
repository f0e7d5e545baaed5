"""SL615 ban-table-rewrite-maintenance: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    pg_cmds,
)


def _full_on(defel: dict) -> bool:
    """``FULL`` in VACUUM's options, not turned off (``FULL FALSE``, ``FULL off``, ``FULL 0``)."""
    if defel.get("defname") != "full":
        return False
    arg = defel.get("arg")
    if not arg:
        return True
    if "Integer" in arg:
        return bool(arg["Integer"].get("ival", 0))
    return str(arg.get("String", {}).get("sval", "")).lower() not in ("false", "off", "no")


class SL615(Rule):
    """Maintenance commands that rewrite a table under ACCESS EXCLUSIVE.

    ## What it does
    Finds `VACUUM FULL`, `CLUSTER`, `ALTER TABLE … SET LOGGED/UNLOGGED` and `SET ACCESS METHOD`.

    ## Why is this bad?
    The whole table is rewritten while nobody can read or write it.

    ## Example
    ```sql
    VACUUM FULL orders;
    ```

    ## Use instead
    ```sql
    -- pg_repack, outside migrations (or REPACK (CONCURRENTLY) on PostgreSQL 19)
    ```
    """

    code, name, severity, dialects = "SL615", "ban-table-rewrite-maintenance", "warning", ("postgres",)
    aliases = ("table-rewrite-maintenance",)  # its earlier name: --explain still takes it
    kinds = frozenset({"VacuumStmt", "ClusterStmt", "AlterTableStmt"})
    help = "use pg_repack instead"

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if stmt.kind == "VacuumStmt":
            if any(_full_on(o.get("DefElem", {})) for o in n.get("options", ()) or ()):
                ctx.report(self, stmt, "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE")
        elif stmt.kind == "ClusterStmt":
            ctx.report(self, stmt, "CLUSTER rewrites the table under ACCESS EXCLUSIVE")
        elif not ctx.is_new(stmt.table):
            for c in pg_cmds(n):
                if c.get("subtype") in ("AT_SetLogged", "AT_SetUnLogged", "AT_SetAccessMethod"):
                    what = c["subtype"][3:].replace("UnLogged", "Unlogged")
                    ctx.report(self, stmt, f"{what} rewrites the table under ACCESS EXCLUSIVE")
