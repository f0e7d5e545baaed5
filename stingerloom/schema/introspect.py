"""Read a live database into the canonical schema model (:class:`stingerloom.schema.model.Schema`).

* PostgreSQL: ``pg_catalog``, one or several schemas (table names are qualified ``schema.table``
  when more than one schema is read), in five queries whatever the number of tables.
* MySQL/MariaDB: ``information_schema`` of the current database, in five queries.
* SQLite: ``sqlite_master`` joined to the ``table_info``/``index_list``/``index_info``/
  ``foreign_key_list`` pragma functions, in five queries whatever the number of tables; constraint
  names and CHECK expressions, which SQLite keeps only in the CREATE TABLE text, are read from it
  (only for the tables whose text can hold them).

The migration history table is never part of the schema. Types are stored in portable form where
one maps to the native type (see :mod:`stingerloom.schema.types`).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Iterator, Optional, Sequence

from .model import Check, Column, ForeignKey, Index, Schema, Table, deterministic_name
from .types import normalize_default, paren_group, portable_type

_FK_ACTIONS = {"a": None, "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


@contextlib.contextmanager
def open_dialect(target: Any, history_table: str = "__migrations") -> Iterator[Any]:
    """A connected dialect for a URL, a DatabaseURL, an open connection, or a Dialect (kept open)."""
    from ..dialects.base import Dialect

    if isinstance(target, Dialect):
        if target.connection is None:
            target.connect()
        yield target
        return
    from ..dialects import get_dialect

    dialect = get_dialect(target, history_table=history_table)
    if dialect.connection is None:
        dialect.connect()
    try:
        yield dialect
    finally:
        dialect.close()


def introspect(target: Any, *, schemas: Optional[Sequence[str]] = None,
               history_table: str = "__migrations") -> Schema:
    """The schema of the live database ``target`` (URL, connection or dialect)."""
    with open_dialect(target, history_table) as dialect:
        history = getattr(dialect, "history_table", None) or history_table
        if dialect.name == "sqlite":
            out = _sqlite(dialect, history)
        elif dialect.name == "postgres":
            out = _postgres(dialect, history, schemas)
        elif dialect.name == "mysql":
            out = _mysql(dialect, history)
        else:  # pragma: no cover - guarded by get_dialect
            raise ValueError(dialect.name)
        out.dialect = dialect.name
        return out


def _is_history(name: str, history: str) -> bool:
    bare = name.split(".")[-1]
    return bare == history or bare.startswith(history + "_")


# -- SQLite -------------------------------------------------------------------------------------------
# Every table at once: the pragmas as table-valued functions joined to sqlite_master, so the cost is a
# handful of statements whatever the number of tables (one PRAGMA per table and index was ~2,500).
_SQLITE_TABLES = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
_SQLITE_COLUMNS = ('SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk FROM sqlite_master m '
                   f"JOIN pragma_table_info(m.name) p WHERE {_SQLITE_TABLES}")
_SQLITE_INDEXES = ('SELECT m.name, p.name, p."unique", p.origin FROM sqlite_master m '
                   f"JOIN pragma_index_list(m.name) p WHERE {_SQLITE_TABLES} AND p.origin <> 'pk'")
# index columns by index name (index names are unique in a database); cheaper than joining through
# index_list, and an index missing here is read on its own (see _sqlite)
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


def _sqlite(d: Any, history: str) -> Schema:
    schema = Schema()
    tables = schema.tables
    bodies: dict[str, str] = {}
    uppers: dict[str, Optional[str]] = {}
    for name, sql in d.execute(f"SELECT m.name, m.sql FROM sqlite_master m WHERE {_SQLITE_TABLES} ORDER BY m.name"):
        if not _is_history(name, history):
            tables[name] = Table(name=name)
            body = bodies[name] = _create_body(sql or "")
            uppers[name] = body.upper() if body.isascii() else None
    if not tables:
        return schema
    ptypes: dict[str, str] = {}
    defaults: dict[tuple[str, str], bool] = {}
    pks: dict[str, list[tuple[int, str]]] = {}
    for tname, cname, ctype, notnull, dflt, pkpos in d.execute(_SQLITE_COLUMNS):
        table = tables.get(tname)
        if table is None:
            continue
        ptype = ptypes.get(ctype)
        if ptype is None:
            ptype = ptypes[ctype] = portable_type(ctype, "sqlite") if ctype else ""
        if dflt is not None:
            keep = defaults.get((dflt, ptype))
            if keep is None:
                keep = defaults[(dflt, ptype)] = normalize_default(dflt, ptype, "sqlite") is not None
            if not keep:
                dflt = None
        table.columns[cname] = Column(cname, ptype, not notnull, dflt, False)
        if pkpos:
            pks.setdefault(tname, []).append((pkpos, cname))
    for tname, pk in pks.items():
        table = tables[tname]
        table.primary_key = tuple(c for _p, c in sorted(pk))
        for c in table.primary_key:
            table.columns[c].nullable = False
        if len(pk) == 1:
            body = bodies[tname]
            if _mentions(body, uppers[tname], "AUTOINCREMENT", _AUTOINCREMENT) and \
                    _AUTOINCREMENT.search(_strip_literals(body)):
                table.columns[table.primary_key[0]].autoincrement = True
    items = {name: _Items(body) for name, body in bodies.items()}
    index_rows = d.execute(_SQLITE_INDEXES)
    if index_rows:
        index_cols: dict[str, list] = {}
        for iname, cname in d.execute(_SQLITE_INDEX_COLUMNS):
            index_cols.setdefault(iname, []).append(cname)
        for tname, iname, unique, origin in index_rows:
            table = tables.get(tname)
            if table is None:
                continue
            cols = index_cols.get(iname)
            if cols is None:
                qi = '"' + iname.replace('"', '""') + '"'
                cols = [r[2] for r in sorted(d.execute(f"PRAGMA index_info({qi})"))]
            if None in cols:
                continue  # an expression index: not part of the declarative model
            cols = tuple(cols)
            constraint = origin == "u"
            if constraint:
                named = _may_name(bodies[tname], uppers[tname])
                name = _sqlite_unique_name(items[tname](), cols) if named else None
                iname = name or deterministic_name("uq", tname, cols)
            table.indexes[iname] = Index(iname, cols, bool(unique), constraint)
    fk_rows: dict[str, dict[int, list]] = {}
    for tname, fid, rtable, frm, to, on_update, on_delete in d.execute(_SQLITE_FKS):
        if tname in tables:
            fk_rows.setdefault(tname, {}).setdefault(fid, []).append((frm, to, rtable, on_update, on_delete))
    for tname, fks in fk_rows.items():
        table = tables[tname]
        names = _sqlite_fk_names(items[tname]()) if _may_name(bodies[tname], uppers[tname]) else {}
        for fid in sorted(fks):
            parts = fks[fid]
            cols = tuple(p[0] for p in parts)
            rtable = parts[0][2]
            rcols = tuple(p[1] for p in parts)
            if None in rcols:
                target = tables.get(rtable)
                rcols = (target.primary_key if target is not None else tuple(_sqlite_pk(d, rtable))) or rcols
            fname = names.get(cols) or deterministic_name("fk", tname, cols, rtable)
            table.foreign_keys[fname] = ForeignKey(fname, cols, rtable, rcols, _action(parts[0][4]),
                                                   _action(parts[0][3]))
    for tname, body in bodies.items():
        if _mentions(body, uppers[tname], "CHECK", _CHECK):
            table = tables[tname]
            for i, (cname, expr) in enumerate(_sqlite_checks(items[tname]()), 1):
                cname = cname or f"ck_{tname}_{i}"
                table.checks[cname] = Check(cname, expr)
    return schema


def _sqlite_pk(d: Any, table: str) -> list[str]:
    q = '"' + table.replace('"', '""') + '"'
    return [r[1] for r in sorted(d.execute(f"PRAGMA table_info({q})"), key=lambda r: r[5]) if r[5]]


def _action(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    v = value.lower().replace("_", " ")
    return None if v in ("no action", "restrict") else v


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


_LITERAL = re.compile(r"'(?:[^']|'')*'")


def _strip_literals(sql: str) -> str:
    """``sql`` with string literals blanked (same length), so keyword searches skip them."""
    return _LITERAL.sub(lambda m: "'" + " " * (len(m.group(0)) - 2) + "'", sql)


def _create_body(sql: str) -> str:
    start = sql.find("(")
    end = sql.rfind(")")
    return sql[start + 1:end] if start >= 0 and end > start else ""


_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|--[^\n]*|/\*.*?\*/|[(),]|[^'"`\[(),/-]+|[/-]""",
                    re.S)


# The same split by one regex for a body without comments: an item is a run of quoted tokens,
# other characters and parenthesised groups (nested up to 3 deep) up to a top-level comma. Atomic
# groups take each quoted token exactly as _TOKEN would. When the matches do not tile the body
# (deeper nesting, an unbalanced parenthesis, an unterminated quote), the token loop decides.
_ATOM = r"""(?>[^'"`\[(),]++|'[^']*+(?:''[^']*+)*+'|"[^"]*+(?:""[^"]*+)*+"|`[^`]*+(?:``[^`]*+)*+`|\[[^\]]*+\])"""
_GROUP = r"\((?:" + _ATOM + r"|,)*+\)"
for _ in range(2):
    _GROUP = r"\((?:" + _ATOM + "|,|" + _GROUP + r")*+\)"
_ITEMS = re.compile("((?:" + _ATOM + "|" + _GROUP + r")*+)(,|\Z)")


def _top_level_items(body: str) -> list[str]:
    """The comma-separated items of a CREATE TABLE body (columns and table constraints)."""
    if "--" not in body and "/*" not in body:
        parts = _ITEMS.findall(body)
        if sum(len(item) + len(comma) for item, comma in parts) == len(body):
            # an empty item counts before a comma, not at the end (as in the token loop)
            return [text for item, comma in parts if (text := item.strip()) or comma]
    return _top_level_items_tokens(body)


def _top_level_items_tokens(body: str) -> list[str]:
    items: list[str] = []
    cur: list[str] = []
    depth = 0
    for m in _TOKEN.finditer(body):
        tok = m.group(0)
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
        elif tok == "," and depth == 0:
            items.append("".join(cur).strip())
            cur = []
            continue
        elif tok.startswith("--") or tok.startswith("/*"):
            continue
        cur.append(tok)
    if "".join(cur).strip():
        items.append("".join(cur).strip())
    return items


def _cols(text: str) -> tuple[str, ...]:
    return tuple(_unquote(c) for c in text.split(","))


class _Items:
    """The top-level items of a CREATE TABLE body, split on first use and kept."""

    def __init__(self, body: str) -> None:
        self.body = body
        self._items: Optional[list[str]] = None

    def __call__(self) -> list[str]:
        if self._items is None:
            self._items = _top_level_items(self.body)
        return self._items


_FK_NAMED = re.compile(rf"\s*CONSTRAINT\s+({_IDENT})\s+FOREIGN\s+KEY\s*\(", re.I).match
_UNIQUE_NAMED = re.compile(rf"\s*CONSTRAINT\s+({_IDENT})\s+UNIQUE\s*\(", re.I).match
_CHECKS = re.compile(rf"(?:CONSTRAINT\s+({_IDENT})\s+)?\bCHECK\s*\(", re.I).finditer


def _sqlite_fk_names(items: list[str]) -> dict[tuple[str, ...], str]:
    out = {}
    for item in items:
        m = _FK_NAMED(item)
        if m:
            inner, _ = paren_group(item, m.end() - 1)
            out[_cols(inner)] = _unquote(m.group(1))
    return out


def _sqlite_unique_name(items: list[str], cols: tuple[str, ...]) -> Optional[str]:
    for item in items:
        m = _UNIQUE_NAMED(item)
        if m:
            inner, _ = paren_group(item, m.end() - 1)
            if _cols(inner) == cols:
                return _unquote(m.group(1))
    return None


def _sqlite_checks(items: list[str]) -> list[tuple[Optional[str], str]]:
    out: list[tuple[Optional[str], str]] = []
    for item in items:
        plain = _strip_literals(item)
        for m in _CHECKS(plain):
            expr, _ = paren_group(item, m.end() - 1)
            out.append((_unquote(m.group(1)) if m.group(1) else None, expr))
    return out


# -- PostgreSQL ---------------------------------------------------------------------------------------
def _postgres(d: Any, history: str, schemas: Optional[Sequence[str]]) -> Schema:
    if not schemas:
        schemas = [d.execute("SELECT current_schema()")[0][0] or "public"]
    schemas = list(schemas)
    qualify = len(schemas) > 1
    rels = d.execute(
        "SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY(%s) "
        "ORDER BY n.nspname, c.relname", (schemas,))
    schema = Schema()
    by_oid: dict[int, Table] = {}
    oids = []

    def tname(nsp: str, rel: str) -> str:
        return f"{nsp}.{rel}" if qualify or nsp not in schemas else rel

    for oid, nsp, rel in rels:
        if _is_history(rel, history):
            continue
        t = Table(name=tname(nsp, rel))
        schema.tables[t.name] = t
        by_oid[oid] = t
        oids.append(oid)
    if not oids:
        return schema
    attnames: dict[tuple[int, int], str] = {}
    for relid, num, name, typ, notnull, dflt, identity in d.execute(
            "SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
            "a.attnotnull, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attidentity "
            "FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef ad "
            "ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum "
            "WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attrelid, a.attnum", (oids,)):
        t = by_oid[relid]
        attnames[(relid, num)] = name
        auto = identity in ("a", "d")
        if dflt and dflt.startswith("nextval("):
            auto, dflt = True, None
        t.columns[name] = Column(name, portable_type(typ, "postgres"), not notnull, dflt, auto)
    # relation names for foreign key targets outside the read set
    names: dict[int, str] = {oid: by_oid[oid].name for oid in by_oid}
    cons = d.execute(
        "SELECT con.conrelid, con.conname, con.contype, con.conkey, con.confrelid, con.confkey, "
        "con.confdeltype, con.confupdtype, pg_catalog.pg_get_constraintdef(con.oid), rn.nspname, rc.relname "
        "FROM pg_catalog.pg_constraint con "
        "LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid "
        "LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace "
        "WHERE con.conrelid = ANY(%s) AND con.contype IN ('p', 'u', 'f', 'c') "
        "ORDER BY con.conrelid, con.conname", (oids,))
    unique_constraints: set[tuple[int, str]] = set()
    for relid, cname, ctype, conkey, frelid, fkey, deltype, updtype, cdef, rnsp, rrel in cons:
        t = by_oid[relid]
        cols = tuple(attnames[(relid, k)] for k in (conkey or []))
        if ctype == "p":
            t.primary_key, t.pk_name = cols, cname
        elif ctype == "u":
            unique_constraints.add((relid, cname))
            t.indexes[cname] = Index(cname, cols, True, True)
        elif ctype == "f":
            rname = names.get(frelid) or tname(rnsp, rrel)
            rcols = tuple(_pg_attname(d, attnames, frelid, k) for k in fkey)
            t.foreign_keys[cname] = ForeignKey(cname, cols, rname, rcols, _FK_ACTIONS.get(deltype),
                                               _FK_ACTIONS.get(updtype))
        elif ctype == "c":
            expr = cdef
            m = re.match(r"\s*CHECK\s*", expr, re.I)
            if m:
                expr, _ = paren_group(expr, m.end())
            expr = re.sub(r"\s+NOT VALID\s*$", "", expr)
            t.checks[cname] = Check(cname, expr)
    for relid, iname, unique, primary, keys, has_expr, has_pred in d.execute(
            "SELECT i.indrelid, ic.relname, i.indisunique, i.indisprimary, i.indkey::int2[], "
            "i.indexprs IS NOT NULL, i.indpred IS NOT NULL "
            "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
            "WHERE i.indrelid = ANY(%s) ORDER BY i.indrelid, ic.relname", (oids,)):
        if primary or (relid, iname) in unique_constraints or has_expr or has_pred:
            continue  # expression and partial indexes are outside the declarative model
        t = by_oid[relid]
        keys = keys if isinstance(keys, (list, tuple)) else [int(k) for k in str(keys).strip("{}").split(",") if k]
        t.indexes[iname] = Index(iname, tuple(attnames[(relid, k)] for k in keys if k), bool(unique))
    for t in by_oid.values():
        for c in t.primary_key:
            t.columns[c].nullable = False
    return schema


def _pg_attname(d: Any, attnames: dict, relid: int, num: int) -> str:
    name = attnames.get((relid, num))
    if name is None:
        rows = d.execute("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = %s AND attnum = %s",
                         (relid, num))
        name = rows[0][0]
        attnames[(relid, num)] = name
    return name


# -- MySQL / MariaDB ----------------------------------------------------------------------------------
def _mysql(d: Any, history: str) -> Schema:
    version = d.execute("SELECT VERSION()")[0][0] or ""
    mariadb = "mariadb" in version.lower()
    schema = Schema()
    for (name,) in d.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                             "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"):
        if not _is_history(name, history):
            schema.tables[name] = Table(name=name)
    tables = schema.tables
    if not tables:
        return schema
    json_cols: set[tuple[str, str]] = set()
    checks: list[tuple[str, str, str]] = []
    if mariadb:
        rows = d.execute("SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL FROM information_schema.CHECK_CONSTRAINTS "
                         "WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME")
        for tname_, cname, clause, level in rows:
            m = re.fullmatch(r"\s*json_valid\(`((?:[^`]|``)+)`\)\s*", clause or "", re.I)
            if level == "Column" and m:
                json_cols.add((tname_, m.group(1).replace("``", "`")))
            elif level != "Column":
                checks.append((tname_, cname, clause))
    else:
        checks = list(d.execute(
            "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE FROM information_schema.TABLE_CONSTRAINTS tc "
            "JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA "
            "AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME WHERE tc.TABLE_SCHEMA = DATABASE() "
            "AND tc.CONSTRAINT_TYPE = 'CHECK' ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME"))
    for tname_, name, ctype, nullable, dflt, extra in d.execute(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA "
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            "ORDER BY TABLE_NAME, ORDINAL_POSITION"):
        t = tables.get(tname_)
        if t is None:
            continue
        extra = (extra or "").lower()
        if isinstance(ctype, bytes):
            ctype = ctype.decode()
        if (tname_, name) in json_cols and ctype.lower() == "longtext":
            ctype = "json"
        ptype = portable_type(ctype, "mysql")
        if dflt is not None and not mariadb and "default_generated" not in extra:
            from .types import is_numeric_type

            if not is_numeric_type(ptype, "mysql") and not dflt.upper().startswith("CURRENT_TIMESTAMP"):
                dflt = "'" + dflt.replace("'", "''") + "'"
        if dflt is not None and dflt.upper() == "NULL":
            dflt = None
        t.columns[name] = Column(name, ptype, nullable == "YES", dflt, "auto_increment" in extra)
    idx: dict[tuple[str, str], list] = {}
    for tname_, iname, non_unique, _seq, col in d.execute(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"):
        if tname_ in tables:
            idx.setdefault((tname_, iname), [not int(non_unique)]).append(col)
    fk_rows = d.execute(
        "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, "
        "r.UPDATE_RULE, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
        "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
        "AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME "
        "WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL "
        "ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION")
    for tname_, cname, col, rtable, rcol, upd, dele in fk_rows:
        t = tables.get(tname_)
        if t is None:
            continue
        fk = t.foreign_keys.get(cname)
        if fk is None:
            t.foreign_keys[cname] = ForeignKey(cname, (col,), rtable, (rcol,), _action(dele), _action(upd))
        else:
            fk.columns += (col,)
            fk.ref_columns += (rcol,)
    for (tname_, iname), (unique, *cols) in idx.items():
        t = tables[tname_]
        if iname == "PRIMARY":
            t.primary_key = tuple(cols)
            continue
        fk = t.foreign_keys.get(iname)
        if fk is not None and tuple(cols[:len(fk.columns)]) == fk.columns and not unique:
            continue  # the index InnoDB made for the foreign key of the same name
        t.indexes[iname] = Index(iname, tuple(cols), bool(unique))
    for tname_, cname, clause in checks:
        if tname_ in tables:
            tables[tname_].checks[cname] = Check(cname, clause)
    for t in tables.values():
        for c in t.primary_key:
            t.columns[c].nullable = False
    return schema
