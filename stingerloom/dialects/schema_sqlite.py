"""SQLite's schema SQL: tables rebuilt where ALTER TABLE cannot make a change, foreign keys inside
CREATE TABLE, ``INTEGER PRIMARY KEY AUTOINCREMENT``, and introspection through ``sqlite_master``
joined to the ``table_info``/``index_list``/``index_info``/``foreign_key_list`` pragma functions, in
five queries whatever the number of tables. Constraint names and CHECK expressions, which SQLite keeps
only in the CREATE TABLE text, are read from it (only for the tables whose text can hold them).
"""

from __future__ import annotations

import re
from typing import Any, Optional, Sequence

from ..schema import types
from ..schema.diff import AddColumn, AddIndex, DropIndex, RenameColumn, RenameTable
from ..schema.model import Check, Column, ForeignKey, Index, Schema, Table, deterministic_name
from ..schema.types import normalize_default, portable_type
from ..sqltext import blank_strings, create_table_body, paren_group, split_items
from .schema_base import SIMPLE_DEFAULT, SchemaImpl, enclosed, fk_action, is_history

#: the changes SQLite's ALTER TABLE makes in place (the others rebuild the table)
_IN_PLACE = (RenameTable, RenameColumn, AddIndex, DropIndex, AddColumn)


class SqliteSchema(SchemaImpl):
    name = "sqlite"
    # ALTER TABLE changes no column, key or constraint (https://www.sqlite.org/lang_altertable.html#otheralter):
    # such changes rebuild the table (schema.generate folds them into RebuildTable)
    alter_column_via_rebuild = True
    inline_fk_only = True  # ALTER TABLE cannot add a foreign key
    inline_autoincrement_pk = True  # AUTOINCREMENT exists only on an INTEGER PRIMARY KEY column

    # SQLite has one integer type (64-bit, INTEGER affinity), and AUTOINCREMENT demands its name.
    render_types = {
        "integer": "integer", "bigint": "integer", "smallint": "integer", "varchar": "varchar{args}",
        "text": "text", "boolean": "boolean", "date": "date", "timestamp": "timestamp",
        "numeric": "numeric{args}", "real": "real", "double": "double", "json": "text",
        "uuid": "char(36)", "blob": "blob",
    }
    type_aliases = {
        "int": "integer", "tinyint": "integer", "mediumint": "integer", "int2": "integer", "int8": "integer",
        "character varying": "varchar", "bool": "boolean", "double precision": "double", "decimal": "numeric",
    }
    portable_of = {"integer": "integer", "varchar": "varchar",
                   "text": "text", "boolean": "boolean", "date": "date", "timestamp": "timestamp",
                   "numeric": "numeric", "real": "real", "double": "double", "char(36)": "uuid", "blob": "blob"}

    # -- DDL ----------------------------------------------------------------------------------------
    def wrap_default(self, text: str) -> str:
        # now() and its kin, which the diff takes for CURRENT_TIMESTAMP, are no SQLite functions: a
        # DEFAULT (now()) is accepted and then fails every INSERT that leaves the column out
        same = normalize_default(text, "text", self.name)
        if same in ("current_timestamp", "current_date") and not re.search(r"\(\s*\d", text):
            return same.upper()
        # a default that is not a literal must be in parentheses (https://www.sqlite.org/lang_createtable.html)
        if not SIMPLE_DEFAULT.match(text) and not enclosed(text):
            return f"({text})"
        return text

    def needs_rebuild(self, op: Any) -> bool:
        if isinstance(op, AddColumn):  # ADD COLUMN takes no key, no NOT NULL without a default, and
            c = op.column             # only a constant default (https://www.sqlite.org/lang_altertable.html)
            dflt = None if c.default is None else str(c.default).strip()
            return (c.autoincrement or (not c.nullable and dflt is None)
                    or (dflt is not None and not SIMPLE_DEFAULT.match(dflt))
                    or (dflt is not None and dflt.lower().startswith("current_")))
        if isinstance(op, DropIndex):  # the automatic index of an inline UNIQUE cannot be dropped
            return op.index.constraint
        return not isinstance(op, _IN_PLACE)

    def render_modify_column(self, op: Any, inline_fks: dict) -> list[str]:  # pragma: no cover
        raise ValueError("SQLite column changes are rendered as table rebuilds")

    def render_rebuild_table(self, op: Any, inline_fks: dict) -> list[str]:
        name = op.table
        tmp = f"_stingerloom_new_{name}"
        new = op.new
        uniques = [ix for ix in new.indexes.values() if ix.constraint]
        out = [f"-- rebuild {name}: SQLite's ALTER TABLE cannot make this change "
               "(https://www.sqlite.org/lang_altertable.html#otheralter)",
               self.table_sql(new, tmp, list(new.foreign_keys.values()), uniques)]
        pairs = [(n, o) for n, o in op.colmap.items() if n in new.columns and o in op.old.columns]
        if pairs:
            out.append(f"INSERT INTO {self.q(tmp)} ({self.cols([n for n, _ in pairs])}) "
                       f"SELECT {self.cols([o for _, o in pairs])} FROM {self.q(name)}")
        out.append(f"DROP TABLE {self.q(name)}")
        out.append(f"ALTER TABLE {self.q(tmp)} RENAME TO {self.q(name)}")
        for ix in new.indexes.values():
            if not ix.constraint:
                out.append(self.index_sql(name, ix))
        return out

    # -- introspection --------------------------------------------------------------------------------
    def introspect(self, d: Any, history: str, schemas: Optional[Sequence[str]] = None) -> Schema:
        return _Reader(d, history).read()


class _Reader:
    """One introspection of a SQLite database. Every table at once: the pragmas as table-valued
    functions joined to sqlite_master, so the cost is a handful of statements whatever the number of
    tables (one PRAGMA per table and index was ~2,500)."""

    def __init__(self, d: Any, history: str) -> None:
        self.d = d
        self.history = history
        self.schema = Schema()
        self.tables = self.schema.tables
        self.bodies: dict[str, str] = {}
        self.uppers: dict[str, Optional[str]] = {}
        self.items: dict[str, _Items] = {}

    def read(self) -> Schema:
        for kind, name, sql in self.d.execute(_SQLITE_OBJECTS):
            if kind != "table":  # a view, a trigger ("t on users"), a generated column ("users.total")
                self.schema.skipped.append(f"{kind} {name}")
            elif not is_history(name, self.history):
                self.tables[name] = Table(name=name)
                body = self.bodies[name] = create_table_body(sql or "", SqliteSchema.name)
                self.uppers[name] = body.upper() if body.isascii() else None
        if not self.tables:
            return self.schema
        self.read_columns()
        self.items = {name: _Items(body) for name, body in self.bodies.items()}
        self.read_indexes()
        self.read_foreign_keys()
        self.read_checks()
        return self.schema

    def may_name(self, tname: str) -> bool:
        return _may_name(self.bodies[tname], self.uppers[tname])

    def read_columns(self) -> None:
        ptypes: dict[str, str] = {}
        defaults: dict[tuple[str, str], bool] = {}
        pks: dict[str, list[tuple[int, str]]] = {}
        for tname, cname, ctype, notnull, dflt, pkpos in self.d.execute(_SQLITE_COLUMNS):
            table = self.tables.get(tname)
            if table is None:
                continue
            ptype = ptypes.get(ctype)
            if ptype is None:
                ptype = ptypes[ctype] = portable_type(ctype, SqliteSchema.name) if ctype else ""
            if dflt is not None:
                keep = defaults.get((dflt, ptype))
                if keep is None:
                    keep = defaults[(dflt, ptype)] = normalize_default(dflt, ptype, SqliteSchema.name) is not None
                if not keep:
                    dflt = None
            table.columns[cname] = Column(cname, ptype, not notnull, dflt, False)
            if pkpos:
                pks.setdefault(tname, []).append((pkpos, cname))
        for tname, pk in pks.items():
            self.set_primary_key(tname, pk)

    def set_primary_key(self, tname: str, pk: list[tuple[int, str]]) -> None:
        table = self.tables[tname]
        table.primary_key = tuple(c for _p, c in sorted(pk))
        for c in table.primary_key:
            table.columns[c].nullable = False
        if len(pk) == 1:
            body = self.bodies[tname]
            if _mentions(body, self.uppers[tname], "AUTOINCREMENT", _AUTOINCREMENT) and \
                    _AUTOINCREMENT.search(blank_strings(body)):
                table.columns[table.primary_key[0]].autoincrement = True

    def read_indexes(self) -> None:
        index_rows = self.d.execute(_SQLITE_INDEXES)
        if not index_rows:
            return
        index_cols: dict[str, list] = {}
        for iname, cname in self.d.execute(_SQLITE_INDEX_COLUMNS):
            index_cols.setdefault(iname, []).append(cname)
        for tname, iname, unique, origin, partial in index_rows:
            table = self.tables.get(tname)
            if table is None:
                continue
            cols = index_cols.get(iname)
            if cols is None:
                cols = [r[2] for r in sorted(self.d.execute(f"PRAGMA index_info({self.d.quote(iname)})"))]
            if None in cols or partial:  # not part of the declarative model (a partial one was read as whole)
                self.schema.skipped.append(f"{'partial' if partial else 'expression'} index {iname} on {tname}")
                continue
            cols = tuple(cols)
            constraint = origin == "u"
            if constraint:
                name = _sqlite_unique_name(self.items[tname](), cols) if self.may_name(tname) else None
                iname = name or deterministic_name("uq", tname, cols)
            table.indexes[iname] = Index(iname, cols, bool(unique), constraint)

    def read_foreign_keys(self) -> None:
        fk_rows: dict[str, dict[int, list]] = {}
        for tname, fid, rtable, frm, to, on_update, on_delete in self.d.execute(_SQLITE_FKS):
            if tname in self.tables:
                fk_rows.setdefault(tname, {}).setdefault(fid, []).append((frm, to, rtable, on_update, on_delete))
        for tname, fks in fk_rows.items():
            table = self.tables[tname]
            names = _sqlite_fk_names(self.items[tname]()) if self.may_name(tname) else {}
            for fid in sorted(fks):
                parts = fks[fid]
                cols = tuple(p[0] for p in parts)
                rtable = parts[0][2]
                rcols = tuple(p[1] for p in parts)
                if None in rcols:
                    target = self.tables.get(rtable)
                    rcols = (target.primary_key if target is not None else tuple(_sqlite_pk(self.d, rtable))) or rcols
                fname = names.get(cols) or deterministic_name("fk", tname, cols, rtable)
                table.foreign_keys[fname] = ForeignKey(fname, cols, rtable, rcols, fk_action(parts[0][4]),
                                                       fk_action(parts[0][3]))

    def read_checks(self) -> None:
        for tname, body in self.bodies.items():
            if _mentions(body, self.uppers[tname], "CHECK", _CHECK):
                table = self.tables[tname]
                for i, (cname, expr) in enumerate(_sqlite_checks(self.items[tname]()), 1):
                    cname = cname or f"ck_{tname}_{i}"
                    table.checks[cname] = Check(cname, expr)


# Every table at once: the pragmas as table-valued functions joined to sqlite_master, so the cost is a
# handful of statements whatever the number of tables (one PRAGMA per table and index was ~2,500).
_SQLITE_TABLES = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
# tables, then what the model leaves out: views, triggers, generated columns (hidden from table_info)
_SQLITE_OBJECTS = (f"SELECT 'table', m.name, m.sql FROM sqlite_master m WHERE {_SQLITE_TABLES} "
                   "UNION ALL SELECT type, CASE type WHEN 'trigger' THEN name || ' on ' || tbl_name ELSE name END, NULL "
                   "FROM sqlite_master WHERE type IN ('view', 'trigger') "
                   "UNION ALL SELECT 'generated column', m.name || '.' || p.name || ' (not dumped)', NULL "
                   f"FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE {_SQLITE_TABLES} AND p.hidden IN (2, 3) "
                   "ORDER BY 1 DESC, 2")
_SQLITE_COLUMNS = ('SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk FROM sqlite_master m '
                   f"JOIN pragma_table_info(m.name) p WHERE {_SQLITE_TABLES}")
_SQLITE_INDEXES = ('SELECT m.name, p.name, p."unique", p.origin, p.partial FROM sqlite_master m '
                   f"JOIN pragma_index_list(m.name) p WHERE {_SQLITE_TABLES} AND p.origin <> 'pk'")
# index columns by index name (index names are unique in a database); cheaper than joining through
# index_list, and an index missing here is read on its own (see _Reader.read_indexes)
_SQLITE_INDEX_COLUMNS = ("SELECT m.name, p.name FROM sqlite_master m JOIN pragma_index_info(m.name) p "
                         "WHERE m.type = 'index'")
# only a CREATE TABLE text with the REFERENCES keyword can declare a foreign key
_SQLITE_FKS = ('SELECT m.name, p.id, p."table", p."from", p."to", p.on_update, p.on_delete FROM sqlite_master m '
               f"JOIN pragma_foreign_key_list(m.name) p WHERE {_SQLITE_TABLES} "
               "AND instr(upper(m.sql), 'REFERENCES') > 0")
_AUTOINCREMENT = re.compile(r"\bAUTOINCREMENT\b", re.I)
_CHECK = re.compile(r"\bCHECK\b", re.I)
_CONSTRAINT = re.compile("CONSTRAINT", re.I)


def _mentions(body: str, upper: Optional[str], word: str, rx: Any) -> bool:
    """``rx`` (case-insensitive, always containing ``word``) occurs in ``body``. For ASCII text the
    upper-cased copy rules most tables out by a plain substring test before the regex runs."""
    return (upper is None or word in upper) and rx.search(body) is not None


def _may_name(body: str, upper: Optional[str]) -> bool:
    """Whether an item can start with CONSTRAINT: the word is in the text, or a comment, which the
    item split removes, could join one from its pieces."""
    return "/*" in body or "--" in body or _mentions(body, upper, "CONSTRAINT", _CONSTRAINT)


def _sqlite_pk(d: Any, table: str) -> list[str]:
    q = d.quote(table)
    return [r[1] for r in sorted(d.execute(f"PRAGMA table_info({q})"), key=lambda r: r[5]) if r[5]]


_IDENT = r'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_$]*)'


def _unquote(ident: str) -> str:
    ident = ident.strip()
    if ident[:1] == '"' and ident[-1:] == '"':
        return ident[1:-1].replace('""', '"')
    if ident[:1] == "`" and ident[-1:] == "`":
        return ident[1:-1].replace("``", "`")
    if ident[:1] == "[" and ident[-1:] == "]":
        return ident[1:-1]
    return ident


def _cols(text: str) -> tuple[str, ...]:
    return tuple(_unquote(c) for c in split_items(text, SqliteSchema.name))


class _Items:
    """The top-level items of a CREATE TABLE body, split on first use and kept."""

    def __init__(self, body: str) -> None:
        self.body = body
        self._items: Optional[list[str]] = None

    def __call__(self) -> list[str]:
        if self._items is None:
            self._items = split_items(self.body, SqliteSchema.name)
        return self._items


_FK_NAMED = re.compile(rf"\s*CONSTRAINT\s+({_IDENT})\s+FOREIGN\s+KEY\s*\(", re.I).match
_UNIQUE_NAMED = re.compile(rf"\s*CONSTRAINT\s+({_IDENT})\s+UNIQUE\s*\(", re.I).match
_CHECKS = re.compile(rf"(?:CONSTRAINT\s+({_IDENT})\s+)?\bCHECK\s*\(", re.I).finditer


def _sqlite_fk_names(items: list[str]) -> dict[tuple[str, ...], str]:
    out = {}
    for item in items:
        m = _FK_NAMED(item)
        if m:
            inner, _ = paren_group(item, m.end() - 1, SqliteSchema.name)
            out[_cols(inner)] = _unquote(m.group(1))
    return out


def _sqlite_unique_name(items: list[str], cols: tuple[str, ...]) -> Optional[str]:
    for item in items:
        m = _UNIQUE_NAMED(item)
        if m:
            inner, _ = paren_group(item, m.end() - 1, SqliteSchema.name)
            if _cols(inner) == cols:
                return _unquote(m.group(1))
    return None


def _sqlite_checks(items: list[str]) -> list[tuple[Optional[str], str]]:
    out: list[tuple[Optional[str], str]] = []
    for item in items:
        # blank_strings and types.paren_group know '…' literals only: a quote inside a quoted name
        # upsets them, a quirk tests/schema/test_introspect_sqlite_fast.py pins (the former reader's)
        plain = blank_strings(item)
        for m in _CHECKS(plain):
            expr, _ = types.paren_group(item, m.end() - 1)
            out.append((_unquote(m.group(1)) if m.group(1) else None, expr))
    return out


