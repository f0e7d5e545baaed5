"""A strict model of the few SQLite statements most migrations consist of (see ``SqliteReplay``).

:meth:`SqliteModel.take` answers one question about a statement: is it CERTAIN that SQLite accepts
it on the database the model describes? True only when the statement is in a small grammar read
strictly, and every rule SQLite applies to it is decided here exactly; anything else (another form,
a rule not modelled, a statement SQLite would refuse) is False, and the replay then runs SQLite for
real. A False is therefore always safe; a wrong True would hide an error, so the grammar is kept
narrow and tests/lint/test_replay.py compares every True with real SQLite on random hostile input.

The grammar (printable ASCII only; no comment, no quoted name, no ``;``):

- ``CREATE TABLE name ( column [, column]... [, table constraint]... )``, nothing after the
  parenthesis; a table constraint is ``PRIMARY KEY (columns)``, ``UNIQUE (columns)`` (each column
  maybe ASC or DESC) or ``FOREIGN KEY (columns) REFERENCES table [(columns)] [ON DELETE|UPDATE
  action]...``;
- ``CREATE [UNIQUE] INDEX name ON table ( column [ASC|DESC] [, ...] )``;
- ``ALTER TABLE table ADD [COLUMN] column``;

where a name is an unquoted identifier that is no SQLite keyword (nor TRUE, FALSE, ROWID, OID,
_ROWID_, STRICT) and does not start with ``sqlite``; a column is ``name [type] [constraint]...`` with
a type of one to three such words, optionally followed by ``(n)`` or ``(n, m)``, and the constraints
``PRIMARY KEY [ASC|DESC] [AUTOINCREMENT]``, ``NOT NULL``, ``NULL``, ``UNIQUE``, ``DEFAULT`` (a
number, a string, NULL, TRUE, FALSE or CURRENT_TIME/DATE/TIMESTAMP), ``COLLATE BINARY|NOCASE|RTRIM``
and ``REFERENCES table [(column)] [ON DELETE|UPDATE action]...``, each at most once.

The rules decided (else False): a new table or index takes a name no object has (case-insensitive;
tables, indexes, views and triggers alike); no two columns share a name; at most one PRIMARY KEY
(column or table constraint); a table constraint names distinct columns the table has, a foreign key
as many columns as it references (a column's: one at most; the table it references need not exist);
AUTOINCREMENT only on ``INTEGER PRIMARY KEY`` (type exactly INTEGER, no ASC/DESC); an index is on an
existing table, over distinct existing columns; ADD COLUMN to an existing table, of a new name,
without PRIMARY KEY, UNIQUE or REFERENCES, without a CURRENT_* default, and NOT NULL only with a
non-NULL default.

:meth:`SqliteModel.take` first tries a fast path (:meth:`SqliteModel.take_fast`): one compiled
pattern per statement kind reads the commonest plain forms (no DEFAULT, COLLATE, REFERENCES or table
constraint; at most one indexed column), then the rules above are checked in Python. It only ever
says "taken" or "cannot tell"; what it cannot tell, the tokenizer and grammar walk
(:meth:`SqliteModel.take_read`) decide. tests/lint/test_replay_model.py compares the two on random
hostile statements and fails if the fast path takes anything the walk declines.
"""

from __future__ import annotations

import re
import sys

# https://sqlite.org/lang_keywords.html (all 147; the test checks them against the linked SQLite)
KEYWORDS = frozenset("""
ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN BY
CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE
CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP
EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN
FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER
INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT
NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING
PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING
RIGHT ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER
UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT
""".split())
# not keywords, but words SQLite gives a meaning of their own
_NOT_NAMES = KEYWORDS | {"TRUE", "FALSE", "ROWID", "OID", "_ROWID_", "STRICT"}

_ODD = re.compile(r"[^\t\n\r -~]")  # anything but printable ASCII and tab, newline, carriage return
# a token (word | string | punctuation | number not run into a word or a '.') | SQLite whitespace | anything else
_TOKENS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*|'(?:[^']|'')*'|[(),+-]|[0-9]{1,9}(?:\.[0-9]{1,9})?(?![A-Za-z0-9_$.]))"
                     r"|[ \t\r\n]+|(.)", re.S)
_WORD_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGITS = frozenset("0123456789")
_COLLATIONS = frozenset({"BINARY", "NOCASE", "RTRIM"})
_CLOCK = frozenset({"CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"})
_COLUMN_END = frozenset({",", ")", ""})
_MAX_COLUMNS = 100


class _Decline(Exception):
    """The statement is not in the grammar, or breaks a rule: not certain."""


class _Column:
    __slots__ = ("name", "type", "cons", "default")

    def __init__(self, name: str, type_: tuple, cons: set, default: str | None) -> None:
        self.name, self.type, self.cons, self.default = name, type_, cons, default


class _Reader:
    """The tokens of one statement, upper-cased: a word starts with a letter or '_', a number with a
    digit, a string with a quote; anything SQLite reads otherwise is "\\0" (never in the grammar);
    "" (twice) ends the list."""

    __slots__ = ("toks", "i")

    def __init__(self, sql: str) -> None:
        if _ODD.search(sql):
            raise _Decline
        self.toks = [tok.upper() if tok else "\0" for tok, bad in _TOKENS.findall(sql) if tok or bad]
        self.toks += ("", "")  # two, so that looking one token past the end is safe
        self.i = 0

    def take(self, word: str) -> None:
        if self.toks[self.i] != word:
            raise _Decline
        self.i += 1

    def accept(self, word: str) -> bool:
        if self.toks[self.i] == word:
            self.i += 1
            return True
        return False

    def name(self) -> str:
        """An unquoted, non-keyword name, lower-cased (SQLite compares names case-insensitively)."""
        name = _name_at(self.toks, self.i)
        self.i += 1
        return name

    def end(self) -> None:
        if self.toks[self.i] != "":
            raise _Decline

    def column(self) -> _Column:
        name = self.name()
        toks = self.toks
        i, type_ = _type(toks, self.i)
        cons: set[str] = set()
        default = None
        while (word := toks[i]) not in _COLUMN_END:
            i, word, extra, value = _constraint(toks, i + 1, word)
            if word in cons or (word in ("NULL", "NOT NULL") and ("NULL" in cons or "NOT NULL" in cons)):
                raise _Decline
            cons.add(word)
            cons |= extra
            default = value or default
        self.i = i
        return _Column(name, type_, cons, default)


def _type(toks: list[str], i: int) -> tuple[int, tuple]:
    """After the column's type (one to three words, then maybe ``(n)`` or ``(n, m)``), and the type."""
    start = i
    while toks[i][:1] in _WORD_START and toks[i] not in _NOT_NAMES:
        i += 1
    type_ = toks[start:i]
    if len(type_) > 3:
        raise _Decline
    if type_ and toks[i] == "(":
        i = _unsigned(toks, i + 1)
        if toks[i] == ",":
            i = _unsigned(toks, i + 1)
        if toks[i] != ")":
            raise _Decline
        i += 1
        type_.append("()")
    return i, tuple(type_)


def _constraint(toks: list[str], i: int, word: str) -> tuple[int, str, set, str | None]:
    """After the column constraint that ``word`` (before ``i``) starts; its kind, what PRIMARY KEY
    adds ('ORDERED', 'AUTOINCREMENT') and a DEFAULT's kind (see :func:`_default`)."""
    extra: set[str] = set()
    default = None
    if word == "PRIMARY":
        if toks[i] != "KEY":
            raise _Decline
        i += 1
        if toks[i] in ("ASC", "DESC"):
            i += 1
            extra.add("ORDERED")
        if toks[i] == "AUTOINCREMENT":
            i += 1
            extra.add("AUTOINCREMENT")
    elif word == "NOT":
        if toks[i] != "NULL":
            raise _Decline
        i += 1
        word = "NOT NULL"
    elif word == "DEFAULT":
        i, default = _default(toks, i)
    elif word == "COLLATE":
        if toks[i] not in _COLLATIONS:
            raise _Decline
        i += 1
    elif word == "REFERENCES":
        i, count = _references(toks, i)
        if count > 1:  # a column's foreign key references one column
            raise _Decline
    elif word not in ("NULL", "UNIQUE"):
        raise _Decline
    return i, word, extra, default


def _name_at(toks: list[str], i: int) -> str:
    tok = toks[i]
    if tok[:1] not in _WORD_START or tok in _NOT_NAMES or tok.startswith("SQLITE"):
        raise _Decline
    return tok.lower()


def _names(toks: list[str], i: int, ordered: bool) -> tuple[int, list[str]]:
    """After ``( name [ASC|DESC], ... )`` (ASC/DESC only where ``ordered``), and the distinct names."""
    if toks[i] != "(":
        raise _Decline
    out = []
    while True:
        out.append(_name_at(toks, i + 1))
        i += 2
        if ordered and toks[i] in ("ASC", "DESC"):
            i += 1
        if toks[i] != ",":
            break
    if toks[i] != ")" or len(set(out)) != len(out):
        raise _Decline
    return i + 1, out


def _references(toks: list[str], i: int) -> tuple[int, int]:
    """After ``table [(columns)] [ON DELETE|UPDATE action]...`` (each event once), and the number of
    columns named (0: none)."""
    _name_at(toks, i)
    i += 1
    count = 0
    if toks[i] == "(":
        i, cols = _names(toks, i, False)
        count = len(cols)
    seen = set()
    while toks[i] == "ON":
        event = toks[i + 1]
        if event not in ("DELETE", "UPDATE") or event in seen:
            raise _Decline
        seen.add(event)
        i += 2
        if toks[i] in ("CASCADE", "RESTRICT"):
            i += 1
        elif (toks[i], toks[i + 1]) in (("SET", "NULL"), ("SET", "DEFAULT"), ("NO", "ACTION")):
            i += 2
        else:
            raise _Decline
    return i, count


def _table_constraint(r: _Reader) -> tuple[str, list[str]]:
    """``PRIMARY KEY (columns)``, ``UNIQUE (columns)`` or ``FOREIGN KEY (columns) REFERENCES ...``
    (as many columns referenced as named, or none): its kind and columns."""
    toks, i = r.toks, r.i
    kind = toks[i]
    i += 1
    if kind in ("PRIMARY", "FOREIGN"):
        if toks[i] != "KEY":
            raise _Decline
        i += 1
    elif kind != "UNIQUE":
        raise _Decline
    i, cols = _names(toks, i, kind != "FOREIGN")
    if kind == "FOREIGN":
        if toks[i] != "REFERENCES":
            raise _Decline
        i, count = _references(toks, i + 1)
        if count and count != len(cols):
            raise _Decline
    r.i = i
    return kind, cols


def _unsigned(toks: list[str], i: int) -> int:
    if toks[i][:1] not in _DIGITS or "." in toks[i]:
        raise _Decline
    return i + 1


def _default(toks: list[str], i: int) -> tuple[int, str]:
    """After the default, and its kind: 'NULL', 'CLOCK' or 'VALUE' (a number, string, TRUE or FALSE)."""
    tok = toks[i]
    if tok in ("+", "-"):
        if toks[i + 1][:1] not in _DIGITS:
            raise _Decline
        return i + 2, "VALUE"
    if tok[:1] in _DIGITS or tok[:1] == "'" or tok in ("TRUE", "FALSE"):
        return i + 1, "VALUE"
    if tok == "NULL":
        return i + 1, "NULL"
    if tok in _CLOCK:
        return i + 1, "CLOCK"
    raise _Decline


# The fast path (:meth:`SqliteModel.take_fast`): the commonest plain forms read by one compiled pattern,
# the rules then checked in Python; anything else (or any doubt) goes to the tokenizer and grammar
# walk above, which stay the reference (tests/lint/test_replay_model.py compares the two). Names and
# keywords are separated by SQLite whitespace, only ASCII matches (re.A), so what it reads is exactly
# the tokens the tokenizer would read. A column here is ``name [type [(n[, m])]]`` with the
# constraints ``PRIMARY KEY [ASC|DESC] [AUTOINCREMENT]``, ``NOT NULL`` or ``NULL``, and ``UNIQUE``,
# each at most once and in that order; no type word may start a constraint (the model would read it
# as one), and every type word that is a keyword is left to the model.
_S = r"[ \t\r\n]"
_W = r"[A-Za-z_][A-Za-z0-9_]*"
# groups: 1 name, 2 type words, 3 (n[, m]), 4 PRIMARY KEY..., 5 ASC|DESC, 6 AUTOINCREMENT, 7 [NOT] NULL, 8 UNIQUE
_COLUMN = (
    rf"{_S}*({_W})"
    rf"(?:((?:{_S}+(?!(?:PRIMARY|NOT|NULL|UNIQUE|DEFAULT|COLLATE|REFERENCES|CONSTRAINT|CHECK|GENERATED|AS)"
    rf"(?![A-Za-z0-9_])){_W}){{1,3}})({_S}*\({_S}*[0-9]{{1,9}}{_S}*(?:,{_S}*[0-9]{{1,9}}{_S}*)?\))?)?"
    rf"({_S}+PRIMARY{_S}+KEY(?:{_S}+(ASC|DESC))?(?:{_S}+(AUTOINCREMENT))?)?"
    rf"(?:{_S}+(NOT{_S}+NULL|NULL))?(?:{_S}+(UNIQUE))?{_S}*")
_FAST_COLUMN = re.compile(rf"{_COLUMN}(?:,|(\))\Z)", re.I | re.A)  # group 9: the last column
_FAST_LAST_COLUMN = re.compile(rf"{_COLUMN}\Z", re.I | re.A)
FAST_TABLE = re.compile(rf"CREATE{_S}+TABLE{_S}+({_W}){_S}*\(", re.I | re.A)
FAST_INDEX = re.compile(rf"CREATE{_S}+(UNIQUE{_S}+)?INDEX{_S}+({_W}){_S}+ON{_S}+({_W}){_S}*\({_S}*({_W})"
                         rf"(?:{_S}+(?:ASC|DESC))?{_S}*\)\Z", re.I | re.A)
FAST_ADD = re.compile(rf"ALTER{_S}+TABLE{_S}+({_W}){_S}+ADD{_S}+(?:COLUMN{_S}+)?", re.I | re.A)


def _fast_name(word: str) -> str | None:
    """``word`` lower-cased when the model reads it as a name (see :func:`_name_at`), else None."""
    up = word.upper()
    if up in _NOT_NAMES or up.startswith("SQLITE"):
        return None
    return word.lower()


def _fast_column(c: re.Match) -> str | None:
    """The name of the column ``c`` matched, when the model reads it as the fast path does: no type
    word is a keyword (the model's type would end there), AUTOINCREMENT only on ``INTEGER PRIMARY
    KEY`` without ASC or DESC (else the model declines)."""
    name, words, paren, _key, order, autoincrement = c.groups()[:6]
    up = name.upper()
    if up in _NOT_NAMES or up.startswith("SQLITE"):
        return None
    if words is not None:
        type_ = words.upper().split()
        if not _NOT_NAMES.isdisjoint(type_) or autoincrement and (order or paren or type_ != ["INTEGER"]):
            return None
    elif autoincrement:
        return None
    return name.lower()


class SqliteModel:
    """The schema of one migration's database as far as the grammar goes: each object's type by
    lower-cased name, each table's lower-cased column names."""

    __slots__ = ("objects", "columns", "indexes")

    def __init__(self) -> None:
        self.objects: dict[str, str] = {}
        self.columns: dict[str, set[str]] = {}
        self.indexes: dict[str, tuple[str, frozenset]] = {}  # index -> (its table, its columns)

    def take(self, sql: str) -> bool:
        """True when SQLite certainly accepts ``sql`` on this schema (which then includes its effect);
        False when that is not certain (the schema is then unusable: the caller runs SQLite)."""
        return self.take_fast(sql) is not None or self.take_read(sql)

    def take_fast(self, sql: str) -> re.Match | None:
        """:meth:`take` by the fast path alone: the match of the statement's head (``FAST_TABLE``,
        ``FAST_INDEX`` or ``FAST_ADD``) when it takes ``sql``; None when it cannot tell (nothing
        changed: :meth:`take_read` decides)."""
        head = sql[:1]
        if head in "Cc":
            m = FAST_TABLE.match(sql)
            if m is not None:
                return m if self._fast_table(sql, m) else None
            m = FAST_INDEX.match(sql)
            return m if m is not None and self._fast_index(m) else None
        if head in "Aa":
            m = FAST_ADD.match(sql)
            return m if m is not None and self._fast_add(sql, m) else None
        return None

    def _fast_table(self, sql: str, m: re.Match) -> bool:
        name = _fast_name(m.group(1))
        if name is None or name in self.objects:
            return False
        names: set[str] = set()
        keys = 0
        match = _FAST_COLUMN.match
        c = match(sql, m.end())
        while c is not None:
            col = _fast_column(c)
            if col is None or col in names:
                return False
            names.add(col)
            keys += c.group(4) is not None
            if c.group(9):  # the closing parenthesis, at the end
                if keys > 1 or len(names) > _MAX_COLUMNS:
                    return False
                self.objects[name] = "table"
                self.columns[name] = names
                return True
            c = match(sql, c.end())
        return False

    def _fast_index(self, m: re.Match) -> bool:
        name, table, col = _fast_name(m.group(2)), _fast_name(m.group(3)), _fast_name(m.group(4))
        have = self.columns.get(table)
        if name is None or name in self.objects or col is None or have is None or col not in have:
            return False
        self.objects[name] = "index"
        self.indexes[name] = (table, frozenset((col,)))
        return True

    def _fast_add(self, sql: str, m: re.Match) -> bool:
        """ADD COLUMN of a new column, without PRIMARY KEY or UNIQUE, nor NOT NULL (it has no default)."""
        c = _FAST_LAST_COLUMN.match(sql, m.end())
        if c is None or c.group(4) or c.group(8) or c.group(7) and c.group(7).upper() != "NULL":
            return False
        table, col = _fast_name(m.group(1)), _fast_column(c)
        have = self.columns.get(table)
        if have is None or col is None or col in have:
            return False
        have.add(col)
        return True

    def take_read(self, sql: str) -> bool:
        """:meth:`take` by the tokenizer and grammar walk (the reference the fast path is tested against)."""
        try:
            r = _Reader(sql)
            word = r.toks[0]
            r.i = 1
            if word == "CREATE":
                unique = r.accept("UNIQUE")
                if not unique and r.accept("TABLE"):
                    self._create_table(r)
                else:
                    r.take("INDEX")
                    self._create_index(r)
            elif word == "ALTER":
                r.take("TABLE")
                self._add_column(r)
            else:
                return False
        except (_Decline, IndexError):  # IndexError: read past the end (cannot be: declined all the same)
            return False
        return True

    def known(self, name: str) -> tuple | None:
        """What the model read from the statement that made ``name`` (a table's columns, or an index's
        table and columns, as a tuple of interned names: kept for every table of a manifest);
        :meth:`seed` takes it again without reading that statement."""
        if self.objects.get(name) == "table":
            return tuple(map(sys.intern, self.columns[name]))
        if name in self.indexes:
            table, cols = self.indexes[name]
            return (sys.intern(table), *map(sys.intern, cols))
        return None

    def seed(self, name: str, kind: str, known: tuple) -> bool:
        """Take again a table or index (``kind``) that :meth:`known` described, its statement
        unchanged since: True when SQLite certainly re-creates it here (as :meth:`take` would say)."""
        if name in self.objects:
            return False
        if kind == "index":
            cols = frozenset(known[1:])
            if not self.columns.get(known[0], set()).issuperset(cols):
                return False
            self.indexes[name] = (known[0], cols)
        else:
            self.columns[name] = set(known)
        self.objects[name] = kind
        return True

    def _new_name(self, r: _Reader) -> str:
        name = r.name()
        if name in self.objects:
            raise _Decline
        return name

    def _create_table(self, r: _Reader) -> None:
        name = self._new_name(r)
        r.take("(")
        cols = [r.column()]
        keys = []
        while r.accept(","):
            if keys or r.toks[r.i] in ("PRIMARY", "UNIQUE", "FOREIGN"):  # no column after a table constraint
                keys.append(_table_constraint(r))
            else:
                cols.append(r.column())
        r.take(")")
        r.end()
        names = {c.name for c in cols}
        if len(names) != len(cols) or len(cols) > _MAX_COLUMNS:
            raise _Decline
        if any(not names.issuperset(key) for _kind, key in keys):
            raise _Decline
        if sum("PRIMARY" in c.cons for c in cols) + sum(kind == "PRIMARY" for kind, _key in keys) > 1:
            raise _Decline
        for c in cols:
            if "AUTOINCREMENT" in c.cons and (c.type != ("INTEGER",) or "ORDERED" in c.cons):
                raise _Decline
        self.objects[name] = "table"
        self.columns[name] = names

    def _create_index(self, r: _Reader) -> None:
        name = self._new_name(r)
        r.take("ON")
        table = r.name()
        r.take("(")
        cols = []
        while True:
            cols.append(r.name())
            if not r.accept("ASC"):
                r.accept("DESC")
            if not r.accept(","):
                break
        r.take(")")
        r.end()
        have = self.columns.get(table)
        if have is None or len(set(cols)) != len(cols) or not have.issuperset(cols):
            raise _Decline
        self.objects[name] = "index"
        self.indexes[name] = (table, frozenset(cols))

    def _add_column(self, r: _Reader) -> None:
        table = r.name()
        r.take("ADD")
        r.accept("COLUMN")
        col = r.column()
        r.end()
        have = self.columns.get(table)
        if have is None or col.name in have or col.cons & {"PRIMARY", "UNIQUE", "REFERENCES"} or col.default == "CLOCK":
            raise _Decline
        if "NOT NULL" in col.cons and col.default in (None, "NULL"):
            raise _Decline
        have.add(col.name)
