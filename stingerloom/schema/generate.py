"""Render diff operations as SQL, one renderer method per operation and dialect.

Every identifier is quoted (``"x"``; backticks on MySQL). Steps that can lose data are preceded by
a ``-- DESTRUCTIVE: ...`` comment and reported as warnings. On SQLite, a change ALTER TABLE cannot
make (column type, nullability or default, primary key, foreign keys, checks, dropping a column or
an inline UNIQUE) rebuilds the table with the documented procedure
(https://www.sqlite.org/lang_altertable.html#otheralter): create the new table, copy the rows, drop
the old one, rename the new one, recreate the indexes, all inside the migration's transaction.
SQLite runs it with ``PRAGMA foreign_keys`` off (its default, and stingerloom's connection setting);
with foreign keys on, the DROP TABLE would fire ON DELETE actions of child tables.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

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
from .model import Column, ForeignKey, Table
from .types import normalize_default, render_type

_SIMPLE_DEFAULT = re.compile(
    r"^(?:[+-]?\d+(?:\.\d+)?|'(?:[^']|'')*'|null|true|false|current_timestamp|current_date|current_time)$", re.I)


def quote(ident: str, dialect: str) -> str:
    if dialect == "mysql":
        return "`" + ident.replace("`", "``") + "`"
    return '"' + ident.replace('"', '""') + '"'


def table_ref(name: str, dialect: str) -> str:
    """A quoted table reference; ``schema.table`` is qualified on PostgreSQL."""
    if dialect == "postgres" and "." in name:
        nsp, rel = name.split(".", 1)
        return quote(nsp, dialect) + "." + quote(rel, dialect)
    return quote(name, dialect)


def _bare_name(name: str, dialect: str) -> str:
    return name.split(".", 1)[1] if dialect == "postgres" and "." in name else name


def _cols(cols: Sequence[str], dialect: str) -> str:
    return ", ".join(quote(c, dialect) for c in cols)


@dataclass
class Rendered:
    """The SQL of one direction, and the warnings about its destructive steps."""

    sql: str
    warnings: list[str] = field(default_factory=list)


class Renderer:
    """Turns operations into SQL statements for one dialect."""

    def __init__(self, dialect: str) -> None:
        self.d = dialect

    # -- entry point ------------------------------------------------------------------------------
    def render(self, ops: Sequence[Op]) -> Rendered:
        created = {op.table for op in ops if isinstance(op, CreateTable)}
        dropped = {op.table for op in ops if isinstance(op, DropTable)}
        inline_fks: dict[str, list[ForeignKey]] = {}
        if self.d == "sqlite":
            for op in ops:
                if isinstance(op, AddForeignKey) and op.table in created:
                    inline_fks.setdefault(op.table, []).append(op.fk)
        parts: list[str] = []
        warnings: list[str] = []
        for op in ops:
            if isinstance(op, (DropIndex, DropCheck)) and op.table in dropped:
                continue  # goes with the table
            if self.d == "sqlite":
                if isinstance(op, DropForeignKey) and op.table in dropped:
                    continue
                if isinstance(op, AddForeignKey) and op.table in created:
                    continue
            why = op.destructive(self.d)
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

    def statements(self, op: Op, inline_fks: dict) -> list[str]:
        method = getattr(self, "_" + re.sub(r"(?<!^)([A-Z])", r"_\1", type(op).__name__).lower())
        return method(op, inline_fks)

    # -- pieces ---------------------------------------------------------------------------------------
    def t(self, name: str) -> str:
        return table_ref(name, self.d)

    def q(self, ident: str) -> str:
        return quote(ident, self.d)

    def default_sql(self, col: Column) -> Optional[str]:
        if col.default is None or normalize_default(col.default, col.type, self.d) is None:
            return None
        text = str(col.default).strip()
        if self.d in ("sqlite", "mysql") and not _SIMPLE_DEFAULT.match(text) and not (
                text.startswith("(") and text.endswith(")")):
            if self.d == "sqlite" or re.search(r"\(", text) and not re.match(r"(?i)current_timestamp", text):
                return f"({text})"
        return text

    def column_def(self, col: Column, *, inline_pk: bool = False) -> str:
        parts = [self.q(col.name), render_type(col.type, self.d)]
        if col.autoincrement and self.d == "postgres":
            parts.append("GENERATED BY DEFAULT AS IDENTITY")
        if not col.nullable:
            parts.append("NOT NULL")
        if inline_pk:
            parts.append("PRIMARY KEY AUTOINCREMENT")
        dflt = self.default_sql(col)
        if dflt is not None and not (col.autoincrement and self.d == "postgres"):
            parts.append(f"DEFAULT {dflt}")
        if col.autoincrement and self.d == "mysql":
            parts.append("AUTO_INCREMENT")
        return " ".join(parts)

    def fk_clause(self, fk: ForeignKey) -> str:
        out = (f"CONSTRAINT {self.q(fk.name)} FOREIGN KEY ({_cols(fk.columns, self.d)}) "
               f"REFERENCES {self.t(fk.ref_table)} ({_cols(fk.ref_columns, self.d)})")
        if fk.on_delete:
            out += f" ON DELETE {fk.on_delete.upper()}"
        if fk.on_update:
            out += f" ON UPDATE {fk.on_update.upper()}"
        return out

    def create_table(self, table: Table, name: str, fks: Sequence[ForeignKey] = (),
                     uniques: Sequence = ()) -> str:
        pk = tuple(table.primary_key)
        sqlite_auto = (self.d == "sqlite" and len(pk) == 1 and table.columns[pk[0]].autoincrement)
        lines = [self.column_def(c, inline_pk=sqlite_auto and c.name == pk[0]) for c in table.columns.values()]
        if pk and not sqlite_auto:
            lines.append(f"PRIMARY KEY ({_cols(pk, self.d)})")
        for ix in uniques:
            lines.append(f"CONSTRAINT {self.q(ix.name)} UNIQUE ({_cols(ix.columns, self.d)})")
        for ck in table.checks.values():
            lines.append(f"CONSTRAINT {self.q(ck.name)} CHECK ({ck.expression})")
        for fk in fks:
            lines.append(self.fk_clause(fk))
        return f"CREATE TABLE {self.t(name)} (\n  " + ",\n  ".join(lines) + "\n)"

    def create_index(self, table: str, ix) -> str:
        if ix.constraint and self.d == "postgres":
            return f"ALTER TABLE {self.t(table)} ADD CONSTRAINT {self.q(ix.name)} UNIQUE ({_cols(ix.columns, self.d)})"
        unique = "UNIQUE " if ix.unique else ""
        name = self.q(ix.name)
        return f"CREATE {unique}INDEX {name} ON {self.t(table)} ({_cols(ix.columns, self.d)})"

    # -- one method per operation --------------------------------------------------------------------
    def _create_table(self, op: CreateTable, inline_fks: dict) -> list[str]:
        return [self.create_table(op.definition, op.table, inline_fks.get(op.table, ()))]

    def _drop_table(self, op: DropTable, inline_fks: dict) -> list[str]:
        return [f"DROP TABLE {self.t(op.table)}"]

    def _rename_table(self, op: RenameTable, inline_fks: dict) -> list[str]:
        if self.d == "mysql":
            return [f"RENAME TABLE {self.t(op.table)} TO {self.t(op.new_name)}"]
        return [f"ALTER TABLE {self.t(op.table)} RENAME TO {self.q(_bare_name(op.new_name, self.d))}"]

    def _rename_column(self, op: RenameColumn, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} RENAME COLUMN {self.q(op.old_name)} TO {self.q(op.new_name)}"]

    def _add_column(self, op: AddColumn, inline_fks: dict) -> list[str]:
        out = []
        if not op.column.nullable and op.column.default is None and not op.column.autoincrement:
            out.append(f"-- note: {op.table}.{op.column.name} is NOT NULL without a default: "
                       "this fails if the table has rows")
        out.append(f"ALTER TABLE {self.t(op.table)} ADD COLUMN {self.column_def(op.column)}")
        return out

    def _drop_column(self, op: DropColumn, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} DROP COLUMN {self.q(op.column.name)}"]

    def _modify_column(self, op: ModifyColumn, inline_fks: dict) -> list[str]:
        t = self.t(op.table)
        if self.d == "mysql":
            return [f"ALTER TABLE {t} MODIFY COLUMN {self.column_def(op.new)}"]
        if self.d == "sqlite":  # pragma: no cover - replaced by RebuildTable before rendering
            raise ValueError("SQLite column changes are rendered as table rebuilds")
        c = self.q(op.new.name)
        changes = op.changes(self.d)
        out = []
        alter = f"ALTER TABLE {t} ALTER COLUMN {c}"
        if "autoincrement" in changes and op.old.autoincrement:
            out.append(f"{alter} DROP IDENTITY IF EXISTS")
        if ("default" in changes or "type" in changes) and op.old.default is not None and not op.old.autoincrement:
            out.append(f"{alter} DROP DEFAULT")
        if "type" in changes:
            typ = render_type(op.new.type, self.d)
            out.append(f"{alter} TYPE {typ} USING {c}::{typ}")
        dflt = self.default_sql(op.new)
        if ("default" in changes or "type" in changes) and dflt is not None and not op.new.autoincrement:
            out.append(f"{alter} SET DEFAULT {dflt}")
        if "nullable" in changes:
            out.append(f"{alter} {'DROP' if op.new.nullable else 'SET'} NOT NULL")
        if "autoincrement" in changes and op.new.autoincrement:
            out.append(f"{alter} ADD GENERATED BY DEFAULT AS IDENTITY")
        return out

    def _set_primary_key(self, op: SetPrimaryKey, inline_fks: dict) -> list[str]:
        t = self.t(op.table)
        if self.d == "mysql":
            parts = []
            if op.old:
                parts.append("DROP PRIMARY KEY")
            if op.new:
                parts.append(f"ADD PRIMARY KEY ({_cols(op.new, self.d)})")
            return [f"ALTER TABLE {t} " + ", ".join(parts)]
        out = []
        if op.old:
            name = op.old_name or f"{_bare_name(op.table, self.d)}_pkey"
            out.append(f"ALTER TABLE {t} DROP CONSTRAINT {self.q(name)}")
        if op.new:
            named = f"CONSTRAINT {self.q(op.new_name)} " if op.new_name else ""
            out.append(f"ALTER TABLE {t} ADD {named}PRIMARY KEY ({_cols(op.new, self.d)})")
        return out

    def _add_index(self, op: AddIndex, inline_fks: dict) -> list[str]:
        return [self.create_index(op.table, op.index)]

    def _drop_index(self, op: DropIndex, inline_fks: dict) -> list[str]:
        ix = op.index
        if self.d == "postgres":
            if ix.constraint:
                return [f"ALTER TABLE {self.t(op.table)} DROP CONSTRAINT {self.q(ix.name)}"]
            if "." in op.table:
                return [f"DROP INDEX {self.q(op.table.split('.', 1)[0])}.{self.q(ix.name)}"]
            return [f"DROP INDEX {self.q(ix.name)}"]
        if self.d == "mysql":
            if op.fk_guard is not None:  # keep an index for the foreign key, as InnoDB requires
                return [f"ALTER TABLE {self.t(op.table)} DROP INDEX {self.q(ix.name)}, "
                        f"ADD INDEX {self.q(op.fk_guard.name)} ({_cols(op.fk_guard.columns, self.d)})"]
            return [f"DROP INDEX {self.q(ix.name)} ON {self.t(op.table)}"]
        return [f"DROP INDEX {self.q(ix.name)}"]

    def _add_foreign_key(self, op: AddForeignKey, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} ADD {self.fk_clause(op.fk)}"]

    def _drop_foreign_key(self, op: DropForeignKey, inline_fks: dict) -> list[str]:
        t = self.t(op.table)
        if self.d == "mysql":
            out = [f"ALTER TABLE {t} DROP FOREIGN KEY {self.q(op.fk.name)}"]
            if not op.covered:  # the index InnoDB created for the key stays behind otherwise
                out.append(f"DROP INDEX {self.q(op.fk.name)} ON {t}")
            return out
        return [f"ALTER TABLE {t} DROP CONSTRAINT {self.q(op.fk.name)}"]

    def _add_check(self, op: AddCheck, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} ADD CONSTRAINT {self.q(op.check.name)} CHECK ({op.check.expression})"]

    def _drop_check(self, op: DropCheck, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} DROP CONSTRAINT {self.q(op.check.name)}"]

    def _rebuild_table(self, op: RebuildTable, inline_fks: dict) -> list[str]:
        name = op.table
        tmp = f"_stingerloom_new_{name}"
        new = op.new
        uniques = [ix for ix in new.indexes.values() if ix.constraint]
        out = [f"-- rebuild {name}: SQLite's ALTER TABLE cannot make this change "
               "(https://www.sqlite.org/lang_altertable.html#otheralter)",
               self.create_table(new, tmp, list(new.foreign_keys.values()), uniques)]
        pairs = [(n, o) for n, o in op.colmap.items() if n in new.columns and o in op.old.columns]
        if pairs:
            out.append(f"INSERT INTO {self.q(tmp)} ({_cols([n for n, _ in pairs], self.d)}) "
                       f"SELECT {_cols([o for _, o in pairs], self.d)} FROM {self.q(name)}")
        out.append(f"DROP TABLE {self.q(name)}")
        out.append(f"ALTER TABLE {self.q(tmp)} RENAME TO {self.q(name)}")
        for ix in new.indexes.values():
            if not ix.constraint:
                out.append(self.create_index(name, ix))
        return out


# -- SQLite: fold what ALTER TABLE cannot do into rebuilds --------------------------------------------
_SQLITE_NATIVE = (RenameTable, RenameColumn, AddIndex, DropIndex, AddColumn)


def _sqlite_needs_rebuild(op: Op) -> bool:
    if isinstance(op, AddColumn):
        c = op.column
        dflt = c.default
        return (c.autoincrement or (not c.nullable and dflt is None)
                or (dflt is not None and not _SIMPLE_DEFAULT.match(str(dflt).strip()))
                or (dflt is not None and str(dflt).strip().lower().startswith("current_")))
    if isinstance(op, DropIndex):
        return op.index.constraint
    return not isinstance(op, _SQLITE_NATIVE)


def sqlite_ops(diff: SchemaDiff) -> list[Op]:
    """``diff.ops`` with each modified table that needs it turned into one RebuildTable."""
    rebuild: dict[str, RebuildTable] = {}
    for td in diff.modified_tables:
        if any(_sqlite_needs_rebuild(op) for op in td.ops if not isinstance(op, RenameTable)):
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
    return sqlite_ops(diff) if dialect == "sqlite" else diff.ops


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
