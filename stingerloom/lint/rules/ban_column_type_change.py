"""SL510 ban-column-type-change: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import AlterColumnType
from ..api import Rule
from ..facts import (
    rx,
    text_actions,
    text_alter_column,
)

_TEXTLIKE = {"text", "citext"}


_PRECISION_TYPES = {"timestamp", "timestamptz", "time", "timetz"}


def _safe_change(old: tuple[str, list] | None, new: tuple[str, list]) -> bool:
    """PostgreSQL changes that are binary-coercible or only relax a limit: no rewrite, no scan."""
    if old is None:
        return False
    (ot, om), (nt, nm) = old, new
    if ot in _TEXTLIKE | {"varchar"} and (nt in _TEXTLIKE or (nt == "varchar" and not nm)):
        return True  # text, citext and unlimited varchar share one representation
    if ot == "varchar" and nt == "varchar":
        return bool(om) and nm[0] >= om[0]
    if ot in _PRECISION_TYPES and nt == ot:
        return not nm or (bool(om) and nm[0] >= om[0])  # no precision is the maximum (6)
    if ot == "interval" and nt == "interval":
        if not nm:
            return True
        return len(om) == len(nm) == 2 and om[0] == nm[0] and nm[1] >= om[1]  # same fields, more precision
    if ot == "numeric" and nt == "numeric":
        if not nm:
            return True  # unconstrained numeric holds any value
        return bool(om) and nm[0] >= om[0] and (om[1:] or [0]) == (nm[1:] or [0])
    if ot == "cidr" and nt == "inet":
        return True
    return False


# MySQL: bytes per character of the character sets (unknown: the 4 of utf8mb4, the default)
_CHARSET_BYTES = {"latin1": 1, "ascii": 1, "binary": 1, "utf8": 3, "utf8mb3": 3, "ucs2": 2, "utf16": 4,
                  "utf32": 4, "utf8mb4": 4}


def _mysql_in_place(ctx, table: str, verb_col, cd) -> bool:
    """MySQL changes InnoDB does in place: VARCHAR growth that keeps the length prefix size (1 byte up to
    255 bytes, 2 above)."""
    facts = ctx.catalog.facts(table)
    old = facts.columns.get(verb_col)
    if old is None:
        return False
    (ot, om, orest), (nt, nm, nrest) = old, cd[1:]
    if not (ot == nt == "varchar" and om and nm and nm[0] >= om[0]):
        return False

    def width(rest: str) -> int:
        m = rx(r"\b(?:CHARSET|CHARACTER\s+SET)\s+(\w+)").search(rest)
        cs = (m.group(1) if m else facts.charset or "utf8mb4").lower()
        return _CHARSET_BYTES.get(cs, 4)

    before, after = om[0] * width(orest), nm[0] * width(nrest)
    return (before <= 255) == (after <= 255)


class SL510(Rule):
    """Changing a column's type.

    ## What it does
    Finds `ALTER COLUMN … TYPE` (MySQL `MODIFY`/`CHANGE` with a type). Not reported: a column added
    by the same migration, and changes known to need no rewrite when the old type is known from
    earlier migrations. PostgreSQL: `varchar(n)` to a wider `varchar`; any of `text`, `citext`,
    `varchar` to `text`, `citext` or unlimited `varchar`; `timestamp`/`timestamptz`/`time`/`timetz`
    and `interval` to a higher (or no) precision; `numeric` to more precision at the same scale, or to
    unconstrained `numeric`; `cidr` to `inet`. MySQL: `VARCHAR` growth that keeps the length prefix
    size (both at most 255 bytes in the column's character set, or both above), and any change with
    `ALGORITHM=INPLACE`/`INSTANT`/`NOCOPY` (MySQL refuses rather than copies).

    ## Why is this bad?
    PostgreSQL rewrites the table under ACCESS EXCLUSIVE; MySQL copies it. Readers that expect the old
    type can break.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN id TYPE bigint;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN id_new bigint;
    -- dual-write with a trigger, backfill in batches, then swap the columns
    ```
    """

    code, name, severity, dialects = "SL510", "ban-column-type-change", "warning", ("postgres", "mysql")
    aliases = ("change-column-type",)  # its earlier name: --explain still takes it
    kinds = frozenset({"AlterTableStmt"})
    help = "add a new column with the new type, dual-write, backfill, then switch"

    def check_stmt(self, stmt, ctx) -> None:
        table = stmt.table
        if ctx.is_new(table):
            return
        if ctx.traits.alter_algorithm:
            self._check_copy(stmt, ctx, table)
            return
        for a in stmt.actions:
            if not isinstance(a, AlterColumnType) or (table, a.column) in ctx.added_columns:
                continue
            if not _safe_change(ctx.catalog.columns.get((table, a.column)), (a.type, list(a.mods))):
                ctx.report(self, stmt, f"changing the type of {table}.{a.column} to {a.type} rewrites the "
                           "table under ACCESS EXCLUSIVE", at=a.at)

    def _check_copy(self, stmt, ctx, table) -> None:
        """MySQL: MODIFY/CHANGE copies the table unless it can be done in place."""
        acts = text_actions(stmt)
        if any(rx(r"ALGORITHM\s*=?\s*(?:INPLACE|INSTANT|NOCOPY)\b").match(a) for _, a in acts):
            return  # MySQL refuses the statement rather than copy the table
        for off, act in acts:
            if not rx(r"(MODIFY|CHANGE)\b").match(act):
                continue
            col = text_alter_column(act)
            if col is not None:
                name = col[1] or col[2][0]
                if (table, name) in ctx.added_columns or _mysql_in_place(ctx, table, name, col[2]):
                    continue
            ctx.report(self, stmt, "MODIFY/CHANGE of a column copies the table unless MySQL can do it in place",
                       at=off)
