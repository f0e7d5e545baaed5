"""The real parsers, one per dialect, each statement parsed once and shared by every rule.

- PostgreSQL: pglast (libpg_query, the server's own grammar). ``parse_sql_json`` per statement; a
  ``ParseError`` carries a 0-based character offset into the statement. PL/pgSQL bodies (``DO``,
  ``LANGUAGE plpgsql`` functions) are opaque to the SQL grammar and checked with ``parse_plpgsql``,
  which gives no position.
- SQLite: the stdlib ``sqlite3`` module in ``:memory:`` (see :class:`SqliteReplay`).
- MySQL/MariaDB: no validating parser is available offline; a keyword classifier names the
  statement (unrecognised ones are SL202, info). Nothing here ever claims a MySQL syntax error.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass

from .facts import classify
from .sqlite_model import FAST_INDEX, FAST_TABLE, SqliteModel


@dataclass
class PgParse:
    kind: str
    node: dict | None
    error: tuple[str, int] | None = None  # (message, offset in statement)
    undecided: str | None = None  # the body parser could neither accept nor reject the statement


_PGLAST: tuple = ()  # (ParseError, parse_sql_json), imported on the first parse (pglast is big)
_SCAN = json.JSONDecoder().scan_once  # json.loads without its per-call Python layers (see _loads)


def _loads(text: str):
    """``json.loads(text)``: the C scanner straight away, for text that is one JSON value and nothing
    else (pglast's always is; anything else goes through json.loads, its errors included)."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def parse_pg(sql: str) -> list[PgParse]:
    """Parse one statement (the splitter may hand over more than one: all are returned)."""
    global _PGLAST
    if not _PGLAST:
        from pglast.parser import ParseError, parse_sql_json

        _PGLAST = (ParseError, parse_sql_json)
    ParseError, parse_sql_json = _PGLAST
    try:
        tree = _loads(parse_sql_json(sql))
    except ParseError as exc:
        msg = exc.args[0] if exc.args else str(exc)
        off = exc.args[1] if len(exc.args) > 1 and exc.args[1] is not None else 0
        out = [PgParse("Error", None, (str(msg), int(off)))]
    else:
        out = []
        for raw in tree.get("stmts", ()):
            ((kind, node),) = raw["stmt"].items()
            out.append(PgParse(kind, node))
        if not out:
            out = [PgParse("Empty", None)]
        if out[0].kind in ("DoStmt", "CreateFunctionStmt") and _is_plpgsql(out[0]):
            err = plpgsql_error(sql)
            if err:
                err = _retry_without_type_refs(sql, err)
            if err and _UNDECIDED.search(err):
                out[0].undecided = err
            elif err:
                out[0].error = (err, -1)
    return out


# pglast's PL/pgSQL entry point compiles the function header too, and gives up ("Not implemented") or
# errs on what it does not model (`%TYPE` in the arguments or return type, the array type of a VARIADIC
# argument): that is no verdict on the SQL, which the server's own grammar already accepted.
_UNDECIDED = re.compile(r"not implemented|not supported|VARIADIC parameter", re.I)
_TYPE_REF = re.compile(r"(?:\"[^\"]+\"|[\w$]+)(?:\s*\.\s*(?:\"[^\"]+\"|[\w$]+))*\s*%\s*(?:ROW)?TYPE\b", re.I)


def _retry_without_type_refs(sql: str, err: str) -> str | None:
    """Check the body again with each ``name%TYPE`` of the header (outside the body and comments)
    replaced by ``text``: the body's own syntax is what matters here."""
    from .facts import strip_sql

    stripped = strip_sql(sql)
    spans = [m.span() for m in _TYPE_REF.finditer(stripped)]
    if not spans:
        return err
    out, last = [], 0
    for a, b in spans:
        out.append(sql[last:a])
        out.append("text")
        last = b
    out.append(sql[last:])
    return plpgsql_error("".join(out))


def _is_plpgsql(p: PgParse) -> bool:
    opts = p.node.get("options" if p.kind == "CreateFunctionStmt" else "args", ()) or ()
    lang = None
    for o in opts:
        d = o.get("DefElem", {})
        if d.get("defname") == "language":
            lang = d.get("arg", {}).get("String", {}).get("sval")
    if p.kind == "DoStmt":
        return lang in (None, "plpgsql")
    return lang == "plpgsql"


def plpgsql_error(sql: str) -> str | None:
    import pglast

    try:
        pglast.parse_plpgsql(sql)
    except Exception as exc:  # pglast.parser.ParseError
        return str(exc.args[0]) if exc.args else str(exc)
    return None


# ---------------------------------------------------------------------------------------------------
# SQLite

_SQLITE_SYNTAX = re.compile(r"syntax error|incomplete input|unrecognized token|near \"", re.I)
_NEAR = re.compile(r'near "(.*)": syntax error', re.S)


class SqliteReplay:
    """SQLite's own parser and engine, in ``:memory:``, with the schema the earlier migrations built.

    Syntax errors come from SQLite's parser, which runs before any name is resolved, so the replay is
    not what keeps a "no such table" from being reported: only messages about the grammar become
    syntax errors. The replay is what lets `up` and `down` really run (SL402).

    One database for the whole manifest would be quadratic: every DDL statement makes SQLite re-read
    the schema. So each migration starts from an empty schema (a savepoint rolled back after it) seeded
    with just the objects it names (tables, with their indexes and triggers), taken from a mirror of
    the schema the earlier migrations left.

    What a schema query (or a down of plain ``DROP TABLE``) would return is worked out instead of
    queried when that is certain (:meth:`after_creating`, :meth:`after_dropping`).

    Lazy replay (:attr:`lazy`): SQLite runs only when the outcome is not certain. :meth:`begin` hands
    the seeds to a strict model of SQLite's grammar and rules (:class:`.sqlite_model.SqliteModel`:
    plain ``CREATE TABLE``, ``CREATE [UNIQUE] INDEX``, ``ALTER TABLE ... ADD COLUMN``, and the rules
    that decide whether SQLite accepts them); while the model is certain that each statement is
    accepted, :meth:`execute` only records it and works out its schema row. The first statement (or
    :meth:`snapshot`) it is not certain of builds the real database (savepoint, seeds, the recorded
    statements, in order) and from there everything runs for real, as before. A migration the model
    covers whole costs no SQLite call at all (no savepoint, seeds or rollback). Errors are never
    predicted: a statement SQLite might refuse always runs, so messages and syntax errors come from
    SQLite. tests/lint/test_replay.py checks each shortcut and the model against real SQLite.
    """

    _ORDER = {"table": 0, "index": 1, "view": 2, "trigger": 3}
    #: SQLite's ``sqlite_sequence`` table is made once, outside every migration's savepoint, rather
    #: than by the first ``AUTOINCREMENT`` table of nearly each migration (~20 us each time). Only SQL
    #: that names SQLite's internal tables (``sqlite_...``) or runs a pragma could tell it is there:
    #: from the first migration whose text (or a seeded object's) does, the replay uses a database
    #: without it, as before, for the rest of the run.
    keep_sequence = True
    #: Run SQLite only when the outcome is not certain (see the class); False: every statement runs,
    #: as before (the tests compare both).
    lazy = True

    def __init__(self) -> None:
        self.mirror: dict[str, tuple[str, str, str]] = {}  # lower(name) -> (type, lower(tbl_name), sql)
        self.by_table: dict[str, set[str]] = {}  # lower(tbl_name) -> names of the objects on it
        self.names: dict[str, str] = {}  # lower(name) -> name as SQLite stores it
        self.tables: dict[str, str] = {}  # lower(tbl_name) -> tbl_name as stored
        self.tbl_names: dict[str, str] = {}  # lower(name) -> its own tbl_name, as a query gives it
        self.norms: dict[str, str] = {}  # lower(name) -> " ".join(sql.split()) of its mirrored sql
        # lower(name) -> (its stored SQL, what the model read from it: SqliteModel.known) for the
        # objects a migration the model took whole left: seeding one whose SQL is unchanged needs no parse
        self.known: dict[str, tuple[str, tuple]] = {}
        self.conn: sqlite3.Connection | None = None
        # False once a PRAGMA ran (connection settings outlive the rollback: the engine says so) or a
        # statement left the replay's transaction: from then on nothing is worked out without running it
        self.predictable = True
        # while the model stands for the database (see `lazy`): the seeds and statements it took, and
        # the snapshot and tables (lower(name) -> name) after them, as after_creating works them out
        self._model: SqliteModel | None = None
        self._seeds: list[str] | None = None
        self._recorded: list[str] | None = None
        self._after: dict | None = None
        self._tables: dict[str, str] | None = None

    def begin(self, names: set[str], text: str | None = None) -> dict:
        """A fresh database holding the mirrored objects that ``names`` refer to; returns its
        :meth:`snapshot` (no query needed: it is what was just created). ``text``: the migration's
        SQL (see :attr:`keep_sequence`; None: not known, so no standing ``sqlite_sequence``).

        With :attr:`lazy`, when the model takes every seed, nothing runs yet (see the class)."""
        names = {n.lower() for n in names}
        mirror, by_table = self.mirror, self.by_table
        keys = {k for n in names for k in by_table.get(n, ())} | (names & mirror.keys())
        seeds = [(k, mirror[k]) for k in keys if k in mirror]
        if len(seeds) > 1:
            seeds.sort(key=lambda r: self._ORDER.get(r[1][0], 9))
        self._model = None
        if self.keep_sequence and (text is None or _sees_internals(text) or any(_sees_internals(r[1][2]) for r in seeds)):
            self.keep_sequence = False  # for good: this database now differs from the one that ran before
            if self.conn is not None:
                self.conn.close()
                self.conn = None
        if self.lazy and self.predictable:
            model = SqliteModel()
            known = self.known
            names, tables, norms, tbl_names = self.names, self.tables, self.norms, self.tbl_names
            # what the seeds give, each created without error (the model is certain of that); as
            # after_creating starts: a query gives an index's table as stored
            snap, after, made, recorded = {}, {}, {}, []
            for name, (typ, tbl, sql) in seeds:
                if not (model.seed(name, typ, known[name][1]) if known.get(name, (None,))[0] == sql else model.take(sql)):
                    break
                stored = names[name]
                snap[(typ, stored)] = (tables[tbl], norms[name], sql)
                after[(typ, stored)] = (tbl_names[name], norms[name], sql)
                if typ == "table":
                    made[name] = stored
                recorded.append(sql)
            else:
                self._model, self._seeds, self._recorded = model, recorded, []
                self._after, self._tables = after, made
                return snap
        self._open()
        snap = {}
        for name, (typ, tbl, sql) in seeds:
            try:
                self.conn.execute(sql)
            except sqlite3.Error:
                continue
            snap[(typ, self.names[name])] = (self.tables[tbl], " ".join(sql.split()), sql)
        return snap

    def _open(self) -> None:
        """An empty database in a savepoint: the last migration's rolled back, or a new connection."""
        if self.conn is None:
            self._connect()
        else:
            self.end()
        self.conn.execute("SAVEPOINT stingerloom_migration")

    def _materialize(self) -> None:
        """Build for real the database the model stood for (seeds, then the statements it took)."""
        seeds, recorded = self._seeds, self._recorded
        self._model = self._seeds = self._recorded = self._after = self._tables = None
        self._open()
        for sql in seeds + recorded:
            try:
                self.conn.execute(sql)
            except sqlite3.Error as exc:  # pragma: no cover - the model is proven against SQLite
                raise AssertionError(f"lint's SQLite model took {sql!r}, which SQLite refuses: {exc}") from None

    def _connect(self) -> None:
        self.conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        if self.keep_sequence:  # SQLite makes sqlite_sequence with the first AUTOINCREMENT table
            self.conn.execute("CREATE TABLE stingerloom_sequence (id INTEGER PRIMARY KEY AUTOINCREMENT)")
            self.conn.execute("DROP TABLE stingerloom_sequence")

    def end(self) -> None:
        """Forget this migration's database: back to an empty schema (cheap, since it is small)."""
        # The outermost SAVEPOINT is the transaction: ROLLBACK undoes all of it. Transaction control in
        # the migrations is never replayed, so nothing can have committed it part way.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        else:  # pragma: no cover - defensive: start again from an empty database
            self.conn.close()
            self._connect()

    def execute(self, sql: str) -> tuple[str, str] | None:
        """Run one statement: None, or (category, message) with category 'syntax' or 'other'.
        While the model stands for the database, a statement it takes is only recorded."""
        model = self._model
        if model is not None:
            m = model.take_fast(sql)
            if m is not None or model.take_read(sql):
                row = (_fast_row(sql, m, self._tables, self._after) if m is not None
                       else _created_row(sql, self._tables) or _added_column(sql, self._tables, self._after))
                if row is not None:
                    self._after[row[0]] = row[1]
                    self._recorded.append(sql)
                    return None
            self._materialize()
        try:
            cur = self.conn.execute(sql)
            cur.fetchall() if cur.description else None
            res = None
        except sqlite3.Warning as exc:  # more than one statement: the splitter disagrees
            res = "other", str(exc)
        except sqlite3.Error as exc:
            msg = str(exc)
            res = ("syntax" if _SQLITE_SYNTAX.search(msg) else "other"), msg
        if not self.conn.in_transaction:  # then anything may follow: see `predictable`
            self.predictable = False
        return res

    def snapshot(self) -> dict[tuple[str, str], tuple[str, str]]:
        if self._model is not None:
            self._materialize()
        rows = self.conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
        return {(t, n): (tbl, " ".join((sql or "").split()), sql) for t, n, tbl, sql in rows}

    def remember(self, before: dict, after: dict) -> None:
        """Update the mirror with what the migration changed (``before`` -> ``after``)."""
        mirror, by_table = self.mirror, self.by_table
        for _typ, name in before:
            old = mirror.pop(name.lower(), None)
            if old is not None:
                by_table.get(old[1], set()).discard(name.lower())
        model, kept = self._model, self.known
        norms, names, tables, tbl_names = self.norms, self.names, self.tables, self.tbl_names
        for (typ, name), (tbl, norm, sql) in after.items():
            key = name.lower()
            # ``after`` is the model's: keep what it read (see begin); an object seeded from what was
            # kept, its SQL unchanged, was read the same
            if model is not None and kept.get(key, (None,))[0] != sql:
                known = model.known(key)
                if known is not None:
                    kept[key] = (sql, known)
            if sql:
                low = tbl.lower()
                mirror[key] = (typ, low, sql)
                norms[key] = norm
                names[key] = name
                tables[low] = tbl
                tbl_names[key] = tbl
                by_table.setdefault(low, set()).add(key)

    def after_creating(self, before: dict, ups: list[str]) -> dict | None:
        """The :meth:`snapshot` after ``ups`` ran without error on the database :meth:`begin` gave
        (``before``), worked out without querying it; None unless that is certain.

        Certain when each statement is a plain ``CREATE TABLE name (...)``, ``CREATE [UNIQUE] INDEX
        name ON table (...)`` or ``ALTER TABLE name ADD [COLUMN] definition`` (unquoted ASCII names,
        no comment, no ``IF NOT EXISTS``, no schema; see :func:`_created_row`, :func:`_added_column`)
        and the database holds plain tables and indexes only. The rows SQLite adds itself
        (``sqlite_sequence``, automatic indexes) are not in a snapshot; nor is a name SQLite
        reserves, which is left to the query."""
        if not self.predictable:
            return None
        if self._model is not None and self._recorded == ups:  # worked out as they were taken
            return dict(self._after)
        after = {}
        for (typ, name), (_tbl, norm, sql) in before.items():
            if not sql.startswith(_PLAIN_STORED):  # e.g. a virtual table brings its shadow tables
                return None
            # as a query gives it: for an index, its table as stored (begin() spells it as last seen)
            after[(typ, name)] = (self.tbl_names[name.lower()], norm, sql)
        tables = {name.lower(): name for typ, name in before if typ == "table" and name.isascii()}
        for sql in ups:
            if not sql.isascii() or "--" in sql or "/*" in sql or "\f" in sql or "\v" in sql:
                return None
            row = _created_row(sql, tables) or _added_column(sql, tables, after)
            if row is None:
                return None
            after[row[0]] = row[1]
        return after

    def after_dropping(self, drops: list[str], ups: list[str], after: dict) -> dict | None:
        """The :meth:`snapshot` that running ``drops`` (each a plain ``DROP TABLE``) after ``ups`` (the
        statements that ran since :meth:`begin`, all without error) would give, ``after`` being the
        snapshot after ``ups``; worked out without running them. None unless that is certain.

        Certain when each names, in a way SQLite reads for sure, a distinct ordinary table of
        ``after`` and no temporary table can hide it: dropping a table then drops exactly the objects
        on it (its indexes and triggers, whose ``tbl_name`` is the table) and changes nothing else
        (views and other tables' triggers that mention it stay; foreign keys are off, as nothing
        turned them on, so no row is checked). An unquoted name must be spelt as in a ``CREATE
        TABLE`` of ``ups``, which SQLite read as that name (a keyword there would have failed)."""
        if not self.predictable:
            return None
        spelt = set()
        for sql in ups:
            if _TEMP.search(sql):
                return None
            m = _CREATE_TABLE_NAME.match(sql) if sql.isascii() else None
            if m:
                spelt.add(m.group(1))
        tables = {name.lower() for (typ, name), v in after.items()
                  if typ == "table" and name.isascii() and (v[2] or "").startswith("CREATE TABLE ")}
        gone = set()
        for sql in drops:
            m = _DROP_TABLE_SQL.match(sql) if sql.isascii() else None
            if m is None:
                return None
            tok = m.group(1)
            quoted = tok[0] in "\"`"
            if not quoted and tok not in spelt:
                return None
            key = (tok[1:-1] if quoted else tok).lower()
            if key in gone or key not in tables:
                return None
            gone.add(key)
        return {k: v for k, v in after.items() if not (v[0].isascii() and v[0].lower() in gone)}

    def in_transaction(self) -> bool:
        return self._model is None and self.conn.in_transaction

    def close(self) -> None:
        self._model = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None


_RESERVED = re.compile(r"sqlite", re.I)
_SEES_INTERNALS = re.compile(r"sqlite_|pragma", re.I)


def _sees_internals(sql: str) -> bool:
    """``_SEES_INTERNALS.search(sql)``; for ASCII text, two substring tests on the upper-cased text."""
    if sql.isascii():
        upper = sql.upper()
        return "SQLITE_" in upper or "PRAGMA" in upper
    return _SEES_INTERNALS.search(sql) is not None


_TEMP = re.compile(r"\btemp(?:orary)?\b", re.I | re.A)
# SQLite's whitespace only (Python's \s also takes other characters), ASCII letters only
_W = r"[ \t\r\n]"
_DROP_TABLE_SQL = re.compile(rf"{_W}*DROP{_W}+TABLE{_W}+(?:IF{_W}+EXISTS{_W}+)?"
                             rf"(\"[^\"]+\"|`[^`]+`|[A-Za-z_][A-Za-z0-9_]*){_W}*\Z", re.I | re.A)
_CREATE_TABLE_NAME = re.compile(rf"{_W}*CREATE{_W}+TABLE{_W}+(?:IF{_W}+NOT{_W}+EXISTS{_W}+)?"
                                rf"([A-Za-z_][A-Za-z0-9_]*)(?![\w$.])", re.I | re.A)

_NAME = r"([A-Za-z_][A-Za-z0-9_]*)"
_PLAIN_STORED = ("CREATE TABLE ", "CREATE INDEX ", "CREATE UNIQUE INDEX ")
_PLAIN_CREATE = re.compile(
    rf"CREATE{_W}+(?:TABLE{_W}+{_NAME}{_W}*\(|(UNIQUE{_W}+)?INDEX{_W}+{_NAME}{_W}+ON{_W}+{_NAME}{_W}*\()"
    r"[^;]*\)\Z", re.I | re.A)
# the column name (unquoted) starts the definition; the statement ends with it (no ';', no space)
_ADD_COLUMN = re.compile(rf"ALTER{_W}+TABLE{_W}+{_NAME}{_W}+ADD{_W}+(?>(?:COLUMN{_W}+)?)([A-Za-z_](?:[^;]*[^;\s])?)\Z",
                         re.I | re.A)
_STORED_TABLE_HEAD = re.compile(rf"CREATE TABLE (?:[A-Za-z_][A-Za-z0-9_$]*|\"(?:[^\"]|\"\")+\"){_W}*\(", re.A)
_COLUMN_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[(),]""")
_TABLE_CONSTRAINT = re.compile(rf"{_W}*(?:CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN)(?![A-Za-z0-9_$])", re.I | re.A)


def _created_row(sql: str, tables: dict[str, str]) -> tuple | None:
    """The schema row of a plain ``CREATE TABLE name (...)`` (no table option: the text ends at
    the closing parenthesis) or ``CREATE [UNIQUE] INDEX name ON table (...)``: SQLite stores
    ``CREATE TABLE `` (``CREATE INDEX ``, ``CREATE UNIQUE INDEX ``) followed by the statement's own
    text from the name on; an index's ``tbl_name`` is its table as stored (found in ``tables``,
    lower-cased name -> stored name, case-insensitively as SQLite does). A new table is added to
    ``tables``."""
    m = _PLAIN_CREATE.match(sql)
    if m is None:
        return None
    name = m.group(1) or m.group(3)
    if _RESERVED.match(name):  # sqlite_...: refused; sqliteX...: created, but not in a snapshot
        return None
    if m.group(1):
        typ, tbl, stored = "table", name, "CREATE TABLE " + sql[m.start(1):]
        tables[name.lower()] = name
    else:
        typ, tbl = "index", tables.get(m.group(4).lower())
        if tbl is None:  # not a table of this database (cannot be, after success)
            return None
        stored = ("CREATE UNIQUE INDEX " if m.group(2) else "CREATE INDEX ") + sql[m.start(3):]
    return (typ, name), (tbl, " ".join(stored.split()), stored)


def _fast_row(sql: str, m: re.Match, tables: dict[str, str], after: dict) -> tuple | None:
    """``_created_row(sql, tables) or _added_column(sql, tables, after)`` for a statement the model's
    fast path took (``m``, its head): a ``CREATE`` it takes is plain (no ``;``, no table option, no
    name starting with ``sqlite``), so its row is made from the match without reading it again."""
    if m.re is FAST_TABLE:
        name = m.group(1)
        stored = "CREATE TABLE " + sql[m.start(1):]
        tables[name.lower()] = name
        return ("table", name), (name, " ".join(stored.split()), stored)
    if m.re is FAST_INDEX:
        tbl = tables.get(m.group(3).lower())
        if tbl is None:  # not a table of this database (cannot be, after success)
            return None
        stored = ("CREATE UNIQUE INDEX " if m.group(1) else "CREATE INDEX ") + sql[m.start(2):]
        return ("index", m.group(2)), (tbl, " ".join(stored.split()), stored)
    return _added_column(sql, tables, after)


def _added_column(sql: str, tables: dict[str, str], after: dict) -> tuple | None:
    """The table's schema row after a plain ``ALTER TABLE name ADD [COLUMN] definition``: SQLite
    inserts ``, `` and the definition's text (from the column name to the end) into the stored
    ``CREATE TABLE`` where its column list ends (see :func:`_column_list_end`)."""
    m = _ADD_COLUMN.match(sql)
    tbl = tables.get(m.group(1).lower()) if m else None
    old = after.get(("table", tbl))
    if old is None:
        return None
    stored = old[2]
    if "--" in stored or "/*" in stored or "\f" in stored or "\v" in stored or not stored.isascii():
        return None
    end = _column_list_end(stored)
    if end is None:
        return None
    stored = stored[:end] + ", " + m.group(2) + stored[end:]
    return ("table", tbl), (tbl, " ".join(stored.split()), stored)


def _column_list_end(stored: str) -> int | None:
    """Where SQLite adds a column to the stored ``CREATE TABLE`` text: at the comma before the first
    table constraint, else at the parenthesis closing the column list."""
    m = _STORED_TABLE_HEAD.match(stored)
    if m is None:
        return None
    depth = 1
    for t in _COLUMN_TOKENS.finditer(stored, m.end()):
        c = t.group()
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return t.start()
        elif c == "," and depth == 1 and _TABLE_CONSTRAINT.match(stored, t.end()):
            return t.start()
    return None


_NAME_RE = re.compile(
    r"\b(?:TABLE|INDEX|VIEW|TRIGGER|ON|INTO|TO|EXISTS|FROM|UPDATE)\s+(?:\"((?:[^\"]|\"\")+)\"|`([^`]+)`|\[([^\]]+)\]|([A-Za-z_][\w$]*))",
    re.I)


_NOT_OBJECTS = ("IF", "NOT", "EXISTS", "TEMP", "TEMPORARY")
# the same, without re.I, for upper-cased ASCII text (re.I's matching is several times slower)
_NAME_UPPER_RE = re.compile(_NAME_RE.pattern)


def object_names(sql: str) -> set[str]:
    """Names that may be schema objects in ``sql`` (after TABLE, INDEX, ON, TO, ...)."""
    out = set()
    for m in _NAME_RE.finditer(sql):
        name = m.group(1) or m.group(2) or m.group(3) or m.group(4)
        if name.upper() not in _NOT_OBJECTS:
            out.add(name)
    return out


def object_keys(sql: str) -> set[str]:
    """``{name.lower() for name in object_names(sql)}`` (what :meth:`SqliteReplay.begin` reads): for
    ASCII text, the matches on the upper-cased text, where the keywords need no case-insensitive
    matching (upper-casing ASCII keeps every offset, word boundary and character class)."""
    if not sql.isascii():
        return {name.lower() for name in object_names(sql)}
    return {name.lower() for m in _NAME_UPPER_RE.findall(sql.upper())
            if (name := m[0] or m[1] or m[2] or m[3]) not in _NOT_OBJECTS}


def sqlite_error_offset(sql: str, message: str) -> int:
    """Best offset for ``near "X": syntax error``: the first occurrence of X as a token."""
    m = _NEAR.search(message)
    if not m:
        return 0 if "incomplete input" not in message else max(len(sql.rstrip()) - 1, 0)
    tok = m.group(1)
    rx = re.compile(r"(?<![\w$])" + re.escape(tok) + (r"(?![\w$])" if tok[-1:].isalnum() else ""))
    hit = rx.search(sql)
    return hit.start() if hit else 0


def classify_text(sql: str) -> str:
    return classify(sql)
