"""SL916 ban-duplicate-column: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    loc,
    pg_names,
)


def _targets(items) -> list[tuple[str, int | None, bool]]:
    """ResTargets: (column, location, assigned through a field or subscript). ``SET a.x = 1, a.y = 2``
    and ``SET a[1] = 1, a[2] = 2`` are valid; ``SET a = 1, a[1] = 2`` is not."""
    return [(t["ResTarget"].get("name"), loc(t["ResTarget"]), bool(t["ResTarget"].get("indirection")))
            for t in items or () if "ResTarget" in t]


def _view_columns(node: dict) -> list[tuple[str, int | None, bool]]:
    """The output column names of a view's query, where PostgreSQL's choice is certain."""
    out = []
    for t in (node.get("query") or {}).get("SelectStmt", {}).get("targetList") or ():
        rt = t.get("ResTarget", {})
        name = rt.get("name")
        if name is None:
            ref = (rt.get("val") or {}).get("ColumnRef")
            fields = pg_names(ref.get("fields")) if ref else []
            if not fields or len(fields) != len(ref.get("fields")):  # a.* or *
                continue
            name = fields[-1]
        out.append((name, loc(rt), False))
    return out


class SL916(Rule):
    """The same column declared or assigned twice.

    ## What it does
    Finds a column named twice in `CREATE TABLE`, in a view's column list or output columns, in an
    `INSERT` column list, in `UPDATE … SET`, `ON CONFLICT DO UPDATE SET` and `MERGE`. Assignments to
    different fields or elements of one column (`SET a.x = 1, a.y = 2`, `SET a[1] = 1, a[2] = 2`) are
    valid and not reported.

    ## Why is this bad?
    The parser accepts it, the server rejects it at run time: the apply fails.

    ## Example
    ```sql
    UPDATE users SET name = 'a', name = 'b' WHERE id = 1;
    ```

    ## Use instead
    ```sql
    UPDATE users SET name = 'b' WHERE id = 1;
    ```
    """

    code, name, severity, dialects = "SL916", "ban-duplicate-column", "error", ("postgres",)
    aliases = ("duplicate-column",)  # its earlier name: --explain still takes it
    kinds = frozenset({"CreateStmt", "UpdateStmt", "ViewStmt", "InsertStmt", "MergeStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if stmt.kind == "CreateStmt":
            names = [el["ColumnDef"].get("colname") for el in n.get("tableElts", ()) or () if "ColumnDef" in el]
            if len(set(names)) == len(names):
                return  # every column once (the common case: no need for their locations)
            groups = [[(el["ColumnDef"].get("colname"), loc(el["ColumnDef"]), False)
                       for el in n.get("tableElts", ()) or () if "ColumnDef" in el]]
        elif stmt.kind == "ViewStmt":
            groups = [[(x, None, False) for x in pg_names(n.get("aliases"))] or _view_columns(n)]
        elif stmt.kind == "InsertStmt":
            groups = [_targets(n.get("cols")), _targets((n.get("onConflictClause") or {}).get("targetList"))]
        elif stmt.kind == "MergeStmt":
            groups = [_targets(w.get("MergeWhenClause", {}).get("targetList")) for w in n.get("mergeWhenClauses") or ()]
        else:
            groups = [_targets(n.get("targetList"))]
        for names in groups:
            whole, parts = set(), set()  # assigned as a whole / through a field or subscript
            for name, at, partial in names:
                if name in whole or (not partial and name in parts):
                    ctx.report(self, stmt, f"column {name!r} appears twice", at=at)
                (parts if partial else whole).add(name)
