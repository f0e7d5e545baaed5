"""A strict model of the few SQLite statements most migrations consist of (see ``SqliteReplay``).

:meth:`SqliteModel.take` answers one question about a statement: is it CERTAIN that SQLite accepts
it on the database the model describes? True only when the statement is in a small grammar read
strictly, and every rule SQLite applies to it is decided here exactly; anything else (another form,
a rule not modelled, a statement SQLite would refuse) is False, and the replay then runs SQLite for
real. A False is therefore always safe; a wrong True would hide an error, so the grammar is kept
narrow and tests/lint/test_replay.py compares every True with real SQLite on random hostile input.

The grammar (printable ASCII only; no comment, no quoted name, no ``;``):

- ``CREATE TABLE name ( column [, column]... )``, nothing after the parenthesis;
- ``CREATE [UNIQUE] INDEX name ON table ( column [ASC|DESC] [, ...] )``;
- ``ALTER TABLE table ADD [COLUMN] column``;

where a name is an unquoted identifier that is no SQLite keyword (nor TRUE, FALSE, ROWID, OID,
_ROWID_, STRICT) and does not start with ``sqlite``; a column is ``name [type] [constraint]...`` with
a type of one to three such words, optionally followed by ``(n)`` or ``(n, m)``, and the constraints
``PRIMARY KEY [ASC|DESC] [AUTOINCREMENT]``, ``NOT NULL``, ``NULL``, ``UNIQUE``, ``DEFAULT`` (a
number, a string, NULL, TRUE, FALSE or CURRENT_TIME/DATE/TIMESTAMP) and ``COLLATE BINARY|NOCASE|RTRIM``,
each at most once.

The rules decided (else False): a new table or index takes a name no object has (case-insensitive;
tables, indexes, views and triggers alike); no two columns share a name; at most one PRIMARY KEY;
AUTOINCREMENT only on ``INTEGER PRIMARY KEY`` (type exactly INTEGER, no ASC/DESC); an index is on an
existing table, over distinct existing columns; ADD COLUMN to an existing table, of a new name,
without PRIMARY KEY or UNIQUE, without a CURRENT_* default, and NOT NULL only with a non-NULL default.
"""

from __future__ import annotations

import re

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
# word | number (not run into a word or a '.') | string | punctuation | SQLite whitespace | anything else
_TOKENS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|([0-9]{1,9}(?:\.[0-9]{1,9})?)(?![A-Za-z0-9_$.])|('(?:[^']|'')*')"
                     r"|([(),+-])|[ \t\r\n]+|(.)", re.S)
_COLLATIONS = frozenset({"BINARY", "NOCASE", "RTRIM"})
_CLOCK = frozenset({"CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"})
_MAX_COLUMNS = 100


class _Decline(Exception):
    """The statement is not in the grammar, or breaks a rule: not certain."""


class _Column:
    __slots__ = ("name", "type", "cons", "default")

    def __init__(self, name: str, type_: tuple, cons: set, default: str | None) -> None:
        self.name, self.type, self.cons, self.default = name, type_, cons, default


class _Reader:
    """The tokens of one statement: ('w', WORD upper-cased, as written) / ('n' | 's' | 'p', text)."""

    __slots__ = ("toks", "i")

    def __init__(self, sql: str) -> None:
        if _ODD.search(sql):
            raise _Decline
        toks = []
        for w, n, s, p, bad in _TOKENS.findall(sql):
            if bad:
                raise _Decline
            if w:
                toks.append(("w", w.upper(), w))
            elif n:
                toks.append(("n", n, n))
            elif s:
                toks.append(("s", s, s))
            elif p:
                toks.append(("p", p, p))
        self.toks, self.i = toks, 0

    def peek(self) -> str | None:
        """The next word (upper-cased) or punctuation, None at the end or for a number/string."""
        if self.i < len(self.toks):
            kind, up, _ = self.toks[self.i]
            return up if kind in "wp" else None
        return None

    def take(self, *words: str) -> None:
        for w in words:
            if self.peek() != w:
                raise _Decline
            self.i += 1

    def accept(self, word: str) -> bool:
        if self.peek() == word:
            self.i += 1
            return True
        return False

    def name(self) -> str:
        """An unquoted, non-keyword name, lower-cased (SQLite compares names case-insensitively)."""
        if self.i >= len(self.toks):
            raise _Decline
        kind, up, raw = self.toks[self.i]
        if kind != "w" or up in _NOT_NAMES or up.startswith("SQLITE"):
            raise _Decline
        self.i += 1
        return raw.lower()

    def end(self) -> None:
        if self.i != len(self.toks):
            raise _Decline

    def column(self) -> _Column:
        name = self.name()
        type_ = []
        while self.i < len(self.toks) and self.toks[self.i][0] == "w" and self.toks[self.i][1] not in _NOT_NAMES:
            type_.append(self.toks[self.i][1])
            self.i += 1
        if len(type_) > 3:
            raise _Decline
        if type_ and self.accept("("):
            self._unsigned()
            if self.accept(","):
                self._unsigned()
            self.take(")")
            type_.append("()")
        cons: set[str] = set()
        default = None
        while self.i < len(self.toks) and (word := self.peek()) not in (",", ")"):
            kind = word if word != "NOT" else "NOT NULL"
            if kind in cons or (kind in ("NULL", "NOT NULL") and {"NULL", "NOT NULL"} & cons):
                raise _Decline
            self.i += 1
            if word == "PRIMARY":
                self.take("KEY")
                if self.accept("ASC") or self.accept("DESC"):
                    cons.add("ORDERED")
                if self.accept("AUTOINCREMENT"):
                    cons.add("AUTOINCREMENT")
            elif word == "NOT":
                self.take("NULL")
            elif word == "DEFAULT":
                default = self._default()
            elif word == "COLLATE":
                if self.peek() not in _COLLATIONS:
                    raise _Decline
                self.i += 1
            elif word not in ("NULL", "UNIQUE"):
                raise _Decline
            cons.add(kind)
        return _Column(name, tuple(type_), cons, default)

    def _unsigned(self) -> None:
        if self.i >= len(self.toks) or self.toks[self.i][0] != "n" or "." in self.toks[self.i][1]:
            raise _Decline
        self.i += 1

    def _default(self) -> str:
        """The default's kind: 'NULL', 'CLOCK' or 'VALUE' (a number, string, TRUE or FALSE)."""
        if self.i >= len(self.toks):
            raise _Decline
        kind, up, _ = self.toks[self.i]
        if kind == "p" and up in "+-":
            self.i += 1
            if self.i >= len(self.toks) or self.toks[self.i][0] != "n":
                raise _Decline
            kind = "n"
        self.i += 1
        if kind in "ns" or up in ("TRUE", "FALSE"):
            return "VALUE"
        if up == "NULL":
            return "NULL"
        if up in _CLOCK:
            return "CLOCK"
        raise _Decline


class SqliteModel:
    """The schema of one migration's database as far as the grammar goes: each object's type by
    lower-cased name, each table's lower-cased column names."""

    __slots__ = ("objects", "columns")

    def __init__(self) -> None:
        self.objects: dict[str, str] = {}
        self.columns: dict[str, set[str]] = {}

    def take(self, sql: str) -> bool:
        """True when SQLite certainly accepts ``sql`` on this schema (which then includes its effect);
        False when that is not certain (the schema is then unusable: the caller runs SQLite)."""
        try:
            r = _Reader(sql)
            word = r.peek()
            r.i += 1
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
        except _Decline:
            return False
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
        while r.accept(","):
            cols.append(r.column())
        r.take(")")
        r.end()
        names = {c.name for c in cols}
        if len(names) != len(cols) or len(cols) > _MAX_COLUMNS:
            raise _Decline
        if sum("PRIMARY" in c.cons for c in cols) > 1:
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

    def _add_column(self, r: _Reader) -> None:
        table = r.name()
        r.take("ADD")
        r.accept("COLUMN")
        col = r.column()
        r.end()
        have = self.columns.get(table)
        if have is None or col.name in have or col.cons & {"PRIMARY", "UNIQUE"} or col.default == "CLOCK":
            raise _Decline
        if "NOT NULL" in col.cons and col.default in (None, "NULL"):
            raise _Decline
        have.add(col.name)
