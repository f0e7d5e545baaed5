"""Compare the live schema with the declared one, as a list of operations.

Each operation has ``reverse()``, so the ``down`` of a generated migration is the ``up`` reversed
(alembic's autogenerate design). :attr:`SchemaDiff.ops` orders them safely: foreign keys, indexes
and checks are dropped first, renames happen before anything refers to the new names, tables are
created before the foreign keys that point at them, and tables are dropped after their dependants.

Matching rules (what counts as "the same"):

* tables and columns by name; a rename only when declared with ``renamed_from:``;
* column types through :func:`stingerloom.schema.types.native_type` (``varchar(100)`` =
  ``character varying(100)``), defaults through :func:`normalize_default`;
* indexes and foreign keys by name, then by definition (an index the database named itself, e.g.
  ``users_email_key`` or SQLite's automatic index, matches a declared one with the same columns);
* checks by name only: databases rewrite CHECK expressions (``(email)::text <> ''::text``), so an
  expression change is not detected; give the changed check a new name.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional, Sequence

from .model import Check, Column, ForeignKey, Index, Schema, Table
from .types import is_narrowing, native_type, normalize_default


# -- operations ---------------------------------------------------------------------------------------
@dataclass
class Op:
    #: position in the safe order (lower runs first in ``up``)
    phase: ClassVar[int] = 0
    table: str

    def reverse(self) -> "Op":  # pragma: no cover - abstract
        raise NotImplementedError

    def destructive(self, dialect: str) -> Optional[str]:
        """Why this step can lose data (or None)."""
        return None

    def describe(self) -> str:
        return f"{type(self).__name__} {self.table}"


@dataclass
class DropForeignKey(Op):
    phase: ClassVar[int] = 1
    fk: ForeignKey = None  # type: ignore[assignment]
    covered: bool = True  # an index or the primary key starts with the FK columns (MySQL)

    def reverse(self) -> Op:
        return AddForeignKey(self.table, self.fk, self.covered)

    def describe(self) -> str:
        return f"drop foreign key {self.fk.name} on {self.table}"


@dataclass
class DropIndex(Op):
    phase: ClassVar[int] = 2
    index: Index = None  # type: ignore[assignment]
    #: MySQL: a foreign key that only this index serves; InnoDB refuses to drop it without another
    fk_guard: Optional[ForeignKey] = None

    def reverse(self) -> Op:
        return AddIndex(self.table, self.index, self.fk_guard)

    def describe(self) -> str:
        return f"drop index {self.index.name} on {self.table}"


@dataclass
class DropCheck(Op):
    phase: ClassVar[int] = 3
    check: Check = None  # type: ignore[assignment]

    def reverse(self) -> Op:
        return AddCheck(self.table, self.check)

    def describe(self) -> str:
        return f"drop check {self.check.name} on {self.table}"


@dataclass
class RenameTable(Op):
    phase: ClassVar[int] = 4
    new_name: str = ""

    def reverse(self) -> Op:
        return RenameTable(self.new_name, self.table)

    def describe(self) -> str:
        return f"rename table {self.table} to {self.new_name}"


@dataclass
class RenameColumn(Op):
    phase: ClassVar[int] = 5
    old_name: str = ""
    new_name: str = ""

    def reverse(self) -> Op:
        return RenameColumn(self.table, self.new_name, self.old_name)

    def describe(self) -> str:
        return f"rename column {self.table}.{self.old_name} to {self.new_name}"


@dataclass
class CreateTable(Op):
    """A table with its columns, primary key and checks; its indexes and FKs are separate ops."""

    phase: ClassVar[int] = 6
    definition: Table = None  # type: ignore[assignment]

    def reverse(self) -> Op:
        return DropTable(self.table, self.definition)

    def describe(self) -> str:
        return f"create table {self.table}"


@dataclass
class AddColumn(Op):
    phase: ClassVar[int] = 7
    column: Column = None  # type: ignore[assignment]

    def reverse(self) -> Op:
        return DropColumn(self.table, self.column)

    def describe(self) -> str:
        return f"add column {self.table}.{self.column.name}"


@dataclass
class ModifyColumn(Op):
    phase: ClassVar[int] = 8
    old: Column = None  # type: ignore[assignment]
    new: Column = None  # type: ignore[assignment]

    def reverse(self) -> Op:
        return ModifyColumn(self.table, self.new, self.old)

    def changes(self, dialect: str) -> list[str]:
        out = []
        if native_type(self.old.type, dialect) != native_type(self.new.type, dialect):
            out.append("type")
        if self.old.nullable != self.new.nullable:
            out.append("nullable")
        if (normalize_default(self.old.default, self.old.type, dialect)
                != normalize_default(self.new.default, self.new.type, dialect)):
            out.append("default")
        if self.old.autoincrement != self.new.autoincrement:
            out.append("autoincrement")
        return out

    def destructive(self, dialect: str) -> Optional[str]:
        if is_narrowing(self.old.type, self.new.type, dialect):
            return (f"narrows {self.table}.{self.new.name} from {self.old.type} to {self.new.type}: "
                    "values that do not fit are rejected or truncated")
        if self.old.nullable and not self.new.nullable:
            return f"makes {self.table}.{self.new.name} NOT NULL: fails if the column holds NULLs"
        return None

    def describe(self) -> str:
        return f"modify column {self.table}.{self.new.name}"


@dataclass
class SetPrimaryKey(Op):
    phase: ClassVar[int] = 9
    old: tuple = ()
    new: tuple = ()
    old_name: Optional[str] = None
    new_name: Optional[str] = None

    def reverse(self) -> Op:
        return SetPrimaryKey(self.table, self.new, self.old, self.new_name, self.old_name)

    def describe(self) -> str:
        return f"change primary key of {self.table} to ({', '.join(self.new)})"


@dataclass
class DropColumn(Op):
    phase: ClassVar[int] = 10
    column: Column = None  # type: ignore[assignment]

    def reverse(self) -> Op:
        return AddColumn(self.table, self.column)

    def destructive(self, dialect: str) -> Optional[str]:
        return f"drops column {self.table}.{self.column.name} and its data"

    def describe(self) -> str:
        return f"drop column {self.table}.{self.column.name}"


@dataclass
class DropTable(Op):
    phase: ClassVar[int] = 11
    definition: Table = None  # type: ignore[assignment]

    def reverse(self) -> Op:
        return CreateTable(self.table, self.definition)

    def destructive(self, dialect: str) -> Optional[str]:
        return f"drops table {self.table} and all its rows"

    def describe(self) -> str:
        return f"drop table {self.table}"


@dataclass
class AddCheck(Op):
    phase: ClassVar[int] = 12
    check: Check = None  # type: ignore[assignment]

    def reverse(self) -> Op:
        return DropCheck(self.table, self.check)

    def describe(self) -> str:
        return f"add check {self.check.name} on {self.table}"


@dataclass
class AddIndex(Op):
    phase: ClassVar[int] = 13
    index: Index = None  # type: ignore[assignment]
    fk_guard: Optional[ForeignKey] = None  # see DropIndex

    def reverse(self) -> Op:
        return DropIndex(self.table, self.index, self.fk_guard)

    def describe(self) -> str:
        return f"add {'unique ' if self.index.unique else ''}index {self.index.name} on {self.table}"


@dataclass
class AddForeignKey(Op):
    phase: ClassVar[int] = 14
    fk: ForeignKey = None  # type: ignore[assignment]
    covered: bool = True

    def reverse(self) -> Op:
        return DropForeignKey(self.table, self.fk, self.covered)

    def describe(self) -> str:
        return f"add foreign key {self.fk.name} on {self.table}"


@dataclass
class RebuildTable(Op):
    """SQLite: recreate a table whose change ALTER TABLE cannot make (the 12-step procedure).

    ``old``/``new`` are the whole table before and after; ``colmap`` maps each new column to the
    old column its data comes from (columns absent from it start empty or at their default).
    """

    phase: ClassVar[int] = 8
    old: Table = None  # type: ignore[assignment]
    new: Table = None  # type: ignore[assignment]
    colmap: dict = field(default_factory=dict)

    def reverse(self) -> Op:
        return RebuildTable(self.table, self.new, self.old, {v: k for k, v in self.colmap.items()})

    def destructive(self, dialect: str) -> Optional[str]:
        lost = [c for c in self.old.columns if c not in self.colmap.values()]
        if lost:
            return f"rebuilds {self.table} without column(s) {', '.join(lost)}: their data is dropped"
        for new, old in self.colmap.items():
            if is_narrowing(self.old.columns[old].type, self.new.columns[new].type, dialect):
                return f"rebuilds {self.table} narrowing {new} to {self.new.columns[new].type}"
            if self.old.columns[old].nullable and not self.new.columns[new].nullable:
                return f"rebuilds {self.table} with {new} NOT NULL: fails if the column holds NULLs"
        return None

    def describe(self) -> str:
        return f"rebuild table {self.table}"


# -- the diff -----------------------------------------------------------------------------------------
@dataclass
class TableDiff:
    """A table present on both sides. ``old`` is the live table (as named in the database),
    ``new`` the declared one; ``ops`` are the changes, ``colmap`` new column -> old column."""

    name: str
    old: Table
    new: Table
    ops: list[Op] = field(default_factory=list)
    colmap: dict = field(default_factory=dict)
    renamed_from: Optional[str] = None


class SchemaDiff:
    """The difference between a live database and a declared schema.

    ``SchemaDiff.compare(connection_or_url, schema)`` introspects and compares;
    ``added_tables``/``dropped_tables`` are :class:`Table` objects, ``modified_tables`` are
    :class:`TableDiff` objects, ``ops`` the whole change in a safe order.
    """

    def __init__(self, live: Schema, declared: Schema, dialect: str) -> None:
        self.live = live
        self.declared = declared
        self.dialect = dialect
        self.added_tables: list[Table] = []
        self.dropped_tables: list[Table] = []
        self.modified_tables: list[TableDiff] = []
        self._ops: list[Op] = []
        self._compare()

    @classmethod
    def compare(cls, connection_or_url: Any, schema: Any, *, schemas: Optional[Sequence[str]] = None,
                history_table: str = "__migrations") -> "SchemaDiff":
        """Introspect ``connection_or_url`` (URL, DB-API connection or dialect) and compare it with
        ``schema`` (a :class:`SchemaFile`, its dict, a resolved :class:`Schema`, or a file path)."""
        from .introspect import introspect

        declared = as_schema(schema)
        live = introspect(connection_or_url, schemas=schemas, history_table=history_table)
        if live.qualifier:  # one schema, not the session's: a declared bare name is a table of it
            declared = _qualified(declared, live.qualifier, live.dialect or "sqlite")
        return cls(live, declared, live.dialect or "sqlite")

    # -- results -----------------------------------------------------------------------------------
    @property
    def ops(self) -> list[Op]:
        return list(self._ops)

    @property
    def is_empty(self) -> bool:
        return not self._ops

    def __bool__(self) -> bool:
        return not self.is_empty

    def describe(self) -> list[str]:
        return [op.describe() for op in self._ops]

    def warnings(self, dialect: Optional[str] = None) -> list[str]:
        d = dialect or self.dialect
        return [w for w in (op.destructive(d) for op in self._ops) if w]

    # -- comparison -------------------------------------------------------------------------------
    def _compare(self) -> None:
        live, declared, d = self.live.tables, self.declared.tables, self.dialect
        matched: dict[str, str] = {}  # declared name -> live name
        for name, table in declared.items():
            if name in live:
                matched[name] = name
            elif table.renamed_from and table.renamed_from in live and table.renamed_from not in declared:
                matched[name] = table.renamed_from
        table_renames = {old: new for new, old in matched.items() if old != new}
        self._ref_renames = self._ref_column_renames()
        ops: list[Op] = []
        for name, table in declared.items():
            if name not in matched:
                self.added_tables.append(table)
                ops.append(CreateTable(name, _bare(table)))
                for ix in table.indexes.values():
                    ops.append(AddIndex(name, ix))
                for fk in table.foreign_keys.values():
                    ops.append(AddForeignKey(name, fk, _covered(table, fk)))
        used = set(matched.values())
        for name, table in live.items():
            if name in used:
                continue
            self.dropped_tables.append(table)
            for fk in table.foreign_keys.values():
                ops.append(DropForeignKey(name, fk, _covered(table, fk)))
            for ix in table.indexes.values():
                ops.append(DropIndex(name, ix))
            ops.append(DropTable(name, _bare(table)))
        for name, table in declared.items():
            if name not in matched:
                continue
            td = self._compare_table(live[matched[name]], table, table_renames, d)
            if td.ops:
                self.modified_tables.append(td)
                ops.extend(td.ops)
        self._ops = sorted(ops, key=lambda op: op.phase)  # stable: keeps table order within a phase

    def _compare_table(self, old: Table, new: Table, table_renames: dict, d: str) -> TableDiff:
        td = TableDiff(new.name, old, new, renamed_from=old.name if old.name != new.name else None)
        ops = td.ops
        if old.name != new.name:
            ops.append(RenameTable(old.name, new.name))
        td.colmap = _column_map(old, new)
        rename = {o: n for n, o in td.colmap.items()}
        _compare_columns(ops, old, new, td.colmap, rename, d)
        old_pk = tuple(rename.get(c, c) for c in old.primary_key)
        if old_pk != tuple(new.primary_key):
            ops.append(SetPrimaryKey(new.name, old_pk, tuple(new.primary_key), old.pk_name, new.pk_name))
        _compare_indexes(ops, old, new, rename)
        self._compare_foreign_keys(ops, old, new, rename, table_renames)
        _set_fk_guards(ops, old, new)
        # checks: by name
        for cname, ck in new.checks.items():
            if cname not in old.checks:
                ops.append(AddCheck(new.name, ck))
        for cname, ck in old.checks.items():
            if cname not in new.checks:
                ops.append(DropCheck(old.name, ck))
        return td

    def _compare_foreign_keys(self, ops: list, old: Table, new: Table, rename: dict, table_renames: dict) -> None:
        """Foreign keys: by name, then by definition."""
        def fdef(fk: ForeignKey, mapping: dict, tables: dict) -> tuple:
            sig = list(fk.signature())
            sig[0] = tuple(mapping.get(c, c) for c in fk.columns)
            sig[1] = tables.get(fk.ref_table, fk.ref_table)
            if sig[1] == new.name and fk.ref_table in (old.name, new.name):
                sig[2] = tuple(mapping.get(c, c) for c in fk.ref_columns)
            return tuple(sig)

        ref_col_renames = self._ref_renames
        old_fk = dict(old.foreign_keys)
        for fname, fk in new.foreign_keys.items():
            o = old_fk.pop(fname, None)
            if o is None:
                o = next((x for x in old_fk.values()
                          if _fk_match(fdef(x, rename, table_renames), fdef(fk, {}, {}), ref_col_renames)), None)
                if o is not None:
                    del old_fk[o.name]
                    continue
            elif _fk_match(fdef(o, rename, table_renames), fdef(fk, {}, {}), ref_col_renames):
                continue
            if o is not None:
                ops.append(DropForeignKey(old.name, o, _covered(old, o)))
            ops.append(AddForeignKey(new.name, fk, _covered(new, fk)))
        for o in old_fk.values():
            ops.append(DropForeignKey(old.name, o, _covered(old, o)))

    def _ref_column_renames(self) -> dict:
        """(declared table, old column) -> new column, for FKs pointing at renamed columns."""
        out = {}
        for t in self.declared.tables.values():
            for c in t.columns.values():
                if c.renamed_from:
                    out[(t.name, c.renamed_from)] = c.name
        return out


def _column_map(old: Table, new: Table) -> dict:
    """New column -> the old column it is (same name, or declared ``renamed_from``)."""
    colmap: dict[str, str] = {}
    for cname, col in new.columns.items():
        if cname in old.columns:
            colmap[cname] = cname
        elif col.renamed_from and col.renamed_from in old.columns and col.renamed_from not in new.columns:
            colmap[cname] = col.renamed_from
    return colmap


def _compare_columns(ops: list, old: Table, new: Table, colmap: dict, rename: dict, d: str) -> None:
    for n, o in colmap.items():
        if n != o:
            ops.append(RenameColumn(new.name, o, n))
    for cname, col in new.columns.items():
        if cname not in colmap:
            ops.append(AddColumn(new.name, col))
            continue
        before = copy.copy(old.columns[colmap[cname]])
        before.name = cname
        before.renamed_from = None
        after = copy.copy(col)
        after.renamed_from = None
        mc = ModifyColumn(new.name, before, after)
        if mc.changes(d):
            ops.append(mc)
    for cname, col in old.columns.items():
        if cname not in rename:
            ops.append(DropColumn(new.name, col))


def _compare_indexes(ops: list, old: Table, new: Table, rename: dict) -> None:
    """Indexes: by name, then by definition."""
    def idef(ix: Index, mapping: dict) -> tuple:
        return (tuple(mapping.get(c, c) for c in ix.columns), ix.unique)

    old_ix = dict(old.indexes)
    pairs: list[tuple[Index, Index]] = []
    unmatched_new = []
    for iname, ix in new.indexes.items():
        if iname in old_ix:
            pairs.append((old_ix.pop(iname), ix))
        else:
            unmatched_new.append(ix)
    for ix in unmatched_new:
        same = next((o for o in old_ix.values() if idef(o, rename) == idef(ix, {})), None)
        if same is not None:
            del old_ix[same.name]
            continue
        ops.append(AddIndex(new.name, ix))
    for o, n in pairs:
        if idef(o, rename) != idef(n, {}):
            ops.append(DropIndex(old.name, o))
            ops.append(AddIndex(new.name, n))
    for o in old_ix.values():
        ops.append(DropIndex(old.name, o))


def _fk_match(old_sig: tuple, new_sig: tuple, ref_renames: dict) -> bool:
    if old_sig == new_sig:
        return True
    cols, rtable, rcols, *rest = old_sig
    rcols = tuple(ref_renames.get((rtable, c), c) for c in rcols)
    return (cols, rtable, rcols, *rest) == new_sig


def _set_fk_guards(ops: list, old: Table, new: Table) -> None:
    """Mark index drops that would leave a foreign key without an index (MySQL needs one)."""
    dropped_ix = {op.index.name for op in ops if isinstance(op, DropIndex)}
    dropped_fk = {op.fk.name for op in ops if isinstance(op, DropForeignKey)}
    added_fk = {op.fk.name for op in ops if isinstance(op, AddForeignKey)}
    for op in ops:
        if isinstance(op, DropIndex):  # state before up's additions: old indexes, old FKs kept
            others = [ix for ix in old.indexes.values() if ix.name not in dropped_ix]
            fks = [fk for fk in old.foreign_keys.values() if fk.name not in dropped_fk]
            op.fk_guard = _only_cover(op.index, others, old.primary_key, fks)
        elif isinstance(op, AddIndex):  # its reverse runs against the new table
            others = [ix for ix in new.indexes.values() if ix.name != op.index.name]
            kept = [fk for fk in new.foreign_keys.values() if fk.name not in added_fk]  # down drops the others first
            op.fk_guard = _only_cover(op.index, others, new.primary_key, kept)


def _only_cover(index: Index, others: list, pk: tuple, fks: list) -> Optional[ForeignKey]:
    for fk in fks:
        n = len(fk.columns)
        if tuple(index.columns[:n]) != fk.columns:
            continue
        if tuple(pk[:n]) == fk.columns or any(tuple(ix.columns[:n]) == fk.columns for ix in others):
            continue
        return fk
    return None


def _bare(table: Table) -> Table:
    """``table`` without indexes and foreign keys (they are separate operations)."""
    t = copy.copy(table)
    t.indexes = {}
    t.foreign_keys = {}
    return t


def _covered(table: Table, fk: ForeignKey) -> bool:
    n = len(fk.columns)
    if tuple(table.primary_key[:n]) == fk.columns:
        return True
    return any(tuple(ix.columns[:n]) == fk.columns for ix in table.indexes.values())


def _qualified(schema: Schema, qualifier: str, dialect: str) -> Schema:
    """``schema`` with each table name that names no schema (and each reference to one) in ``qualifier``."""
    from ..dialects import schema_impl

    split = schema_impl(dialect).dialect.split_name

    def q(name: Optional[str]) -> Optional[str]:
        return name if name is None or split(name)[0] is not None else f"{qualifier}.{name}"

    out = Schema(dialect=schema.dialect)
    for name, table in schema.tables.items():
        t = copy.deepcopy(table)
        t.name, t.renamed_from = q(name), q(t.renamed_from)
        for fk in t.foreign_keys.values():
            fk.ref_table = q(fk.ref_table)
        out.tables[t.name] = t
    return out


def as_schema(schema: Any) -> Schema:
    """A resolved :class:`Schema` from a SchemaFile, a dict, a Schema, or a file path."""
    from .model import SchemaFile, load_schema_file, resolve

    if isinstance(schema, Schema):
        return schema
    if isinstance(schema, (str, bytes)) or hasattr(schema, "__fspath__"):
        return resolve(load_schema_file(str(schema)))
    if isinstance(schema, (SchemaFile, dict)):
        return resolve(schema)
    raise TypeError(f"not a schema: {type(schema).__name__}")
