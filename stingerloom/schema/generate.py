"""Render diff operations as SQL: each operation's type picks a ``render_*`` method of the dialect's
SchemaImpl (``stingerloom/dialects/schema_*.py``), which owns the SQL; nothing here names a dialect.

Every identifier is quoted by the dialect (``"x"``; backticks on MySQL). Steps that can lose data are
preceded by a ``-- DESTRUCTIVE: ...`` comment and reported as warnings. Where the dialect alters
tables by rebuilding them (``alter_column_via_rebuild``: SQLite), a change ALTER TABLE cannot make
(column type, nullability or default, primary key, foreign keys, checks, dropping a column or an
inline UNIQUE) rebuilds the table with the documented procedure
(https://www.sqlite.org/lang_altertable.html#otheralter): create the new table, copy the rows, drop
the old one, rename the new one, recreate the indexes, all inside the migration's transaction.
SQLite runs it with ``PRAGMA foreign_keys`` off (its default, and stingerloom's connection setting);
with foreign keys on, the DROP TABLE would fire ON DELETE actions of child tables.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Optional, Sequence

from ..dialects import schema_impl
from ..dialects.schema_base import SchemaImpl
from .diff import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    CreateTable,
    DropCheck,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    ModifyColumn,
    Op,
    RebuildTable,
    RenameColumn,
    RenameTable,
    SchemaDiff,
    SetPrimaryKey,
)
from .model import ForeignKey

#: the impl method that renders each operation type (alembic's renderer registry)
RENDERERS: dict[type, str] = {
    CreateTable: "render_create_table", DropTable: "render_drop_table", RenameTable: "render_rename_table",
    RenameColumn: "render_rename_column", AddColumn: "render_add_column", DropColumn: "render_drop_column",
    ModifyColumn: "render_modify_column", SetPrimaryKey: "render_set_primary_key", AddIndex: "render_add_index",
    DropIndex: "render_drop_index", AddForeignKey: "render_add_foreign_key",
    DropForeignKey: "render_drop_foreign_key", AddCheck: "render_add_check", DropCheck: "render_drop_check",
    RebuildTable: "render_rebuild_table",
}


@dataclass
class Rendered:
    """The SQL of one direction, and the warnings about its destructive steps."""

    sql: str
    warnings: list[str] = field(default_factory=list)


class Renderer:
    """Turns operations into SQL statements for one dialect, through the dialect's SchemaImpl."""

    def __init__(self, dialect: str) -> None:
        self.impl = schema_impl(dialect)

    def render(self, ops: Sequence[Op]) -> Rendered:
        created = {op.table for op in ops if isinstance(op, CreateTable)}
        dropped = {op.table for op in ops if isinstance(op, DropTable)}
        inline_fks: dict[str, list[ForeignKey]] = {}
        if self.impl.inline_fk_only:  # a new table's foreign keys go inside its CREATE TABLE
            for op in ops:
                if isinstance(op, AddForeignKey) and op.table in created:
                    inline_fks.setdefault(op.table, []).append(op.fk)
        parts: list[str] = []
        warnings: list[str] = []
        for op in ops:
            if self._goes_with_table(op, created, dropped):
                continue
            why = op.destructive(self.impl.name)
            stmts = self.statements(op, inline_fks)
            if not stmts:
                continue
            block = ""
            if why:
                warnings.append(why)
                block += f"-- DESTRUCTIVE: {why}\n"
            block += "\n".join(s if s.startswith("--") else s + ";" for s in stmts)
            parts.append(block)
        return Rendered("\n".join(parts) + ("\n" if parts else ""), warnings)

    def _goes_with_table(self, op: Op, created: set, dropped: set) -> bool:
        """Whether ``op`` is part of its table's CREATE or DROP, with no statement of its own."""
        if isinstance(op, (DropIndex, DropCheck)) and op.table in dropped:
            return True
        if self.impl.inline_fk_only:
            if isinstance(op, DropForeignKey) and op.table in dropped:
                return True
            if isinstance(op, AddForeignKey) and op.table in created:
                return True
        return False

    def statements(self, op: Op, inline_fks: dict) -> list[str]:
        return getattr(self.impl, RENDERERS[type(op)])(op, inline_fks)


# -- dialects that alter by rebuilding (SQLite): fold what ALTER TABLE cannot do into rebuilds ----------
def rebuild_ops(diff: SchemaDiff, impl: SchemaImpl) -> list[Op]:
    """``diff.ops`` with each modified table that ``impl`` cannot alter in place turned into one
    RebuildTable (a renamed table is renamed first, then rebuilt under its new name)."""
    rebuild: dict[str, RebuildTable] = {}
    for td in diff.modified_tables:
        if any(impl.needs_rebuild(op) for op in td.ops if not isinstance(op, RenameTable)):
            old = copy.deepcopy(td.old)
            old.name = td.name
            rebuild[td.name] = RebuildTable(td.name, old, td.new, dict(td.colmap))
    out: list[Op] = []
    owner_of = {id(op): td.name for td in diff.modified_tables for op in td.ops}
    for op in diff.ops:
        owner = owner_of.get(id(op))
        if owner in rebuild:
            if isinstance(op, RenameTable):
                out.append(op)
            continue
        out.append(op)
    out.extend(rebuild.values())
    return sorted(out, key=lambda op: op.phase)


def ops_for(diff: SchemaDiff, dialect: str) -> list[Op]:
    """The operations to render for ``dialect``: the diff's, folded into rebuilds where the dialect
    alters tables that way."""
    impl = schema_impl(dialect)
    return rebuild_ops(diff, impl) if impl.alter_column_via_rebuild else diff.ops


def render_diff(diff: SchemaDiff, dialect: str) -> tuple[Rendered, Rendered]:
    """The ``up`` and ``down`` SQL of ``diff`` for ``dialect``."""
    ops = ops_for(diff, dialect)
    r = Renderer(dialect)
    up = r.render(ops)
    down = r.render([op.reverse() for op in reversed(ops)])
    return up, down


class SchemaDiffMigrationGenerator:
    """Turns a :class:`SchemaDiff` into migrations (``SqlMigration`` objects).

    ``generate(diff)`` returns one migration whose ``up``/``down`` hold SQL for each of
    ``dialects`` (default: the diff's own dialect); ``warnings`` lists its destructive steps.
    """

    def __init__(self, *, dialects: Optional[Sequence[str]] = None, id: str = "schema_changes",
                 description: Optional[str] = None) -> None:
        self.dialects = list(dialects) if dialects else None
        self.id = id
        self.description = description
        self.warnings: list[str] = []

    def generate(self, diff: SchemaDiff) -> list:
        from ..migration import SqlMigration, SqlSource

        if diff.is_empty:
            return []
        dialects = self.dialects or [diff.dialect]
        up, down = {}, {}
        self.warnings = []
        for d in dialects:
            u, dn = render_diff(diff, d)
            key = d  # keyed by dialect even when alone: the SQL is written for that server only
            up[key] = SqlSource(u.sql)
            down[key] = SqlSource(dn.sql)
            for w in u.warnings:
                label = f"{w} ({d})" if len(dialects) > 1 else w
                if label not in self.warnings:
                    self.warnings.append(label)
        m = SqlMigration(self.id, up=up, down=down,
                         description=self.description or "; ".join(diff.describe()[:3])
                         + (" ..." if len(diff.ops) > 3 else ""))
        m.warnings = list(self.warnings)
        return [m]
