"""Splitting a block of SQL into statements, with the offset of each.

``split_statements(sql, dialect)`` returns one :class:`Statement` per statement, in order.
``split_block(sql, dialect)`` does the same in one pass and also returns the comments after the
last statement and the offset of every comment standing between statements (lint's ignores).

The splitter is a single-pass scanner per dialect (``"postgres"``, ``"mysql"``, ``"sqlite"``):
a compiled regex jumps to the next character that matters (``;``, a quote, a comment, ``$``,
``\\``), so ordinary text is skipped in C. It understands:

* strings (``''`` escapes; backslash escapes in MySQL strings and PostgreSQL ``E'…'``),
  quoted identifiers (``"…"``, MySQL/SQLite backticks, SQLite ``[…]``), PostgreSQL
  ``$tag$ … $tag$`` dollar quotes (``$1`` parameters and ``a$b`` identifiers are not);
* ``--`` comments (MySQL: only when followed by whitespace), MySQL ``#`` comments, ``/* */``
  comments (nested in PostgreSQL). MySQL ``/*! … */`` and ``/*M! … */`` are executable, so
  they are statement text, never split inside;
* compound bodies in which ``;`` does not end the statement: SQLite ``CREATE TRIGGER … BEGIN …
  END``, PostgreSQL ``CREATE FUNCTION/PROCEDURE … BEGIN ATOMIC … END`` and the parenthesised
  actions of ``CREATE RULE``, MySQL/MariaDB ``CREATE TRIGGER/PROCEDURE/FUNCTION/EVENT`` bodies
  (nested ``BEGIN … END``, ``IF/CASE/LOOP/WHILE/REPEAT/FOR … END x``, labels, ``CASE … END``
  expressions) and MariaDB ``BEGIN NOT ATOMIC`` / top-level ``IF … END IF`` blocks. A bare
  ``BEGIN;``, ``START TRANSACTION;``, ``END;`` or ``COMMIT;`` is an ordinary statement.

Statement text runs from the first token to the last token: whitespace and comments after the
last token (before its ``;``) are not part of it; they stand before the next statement (its
``comments``) or after the last one (``trailing_comments``). Comments between the tokens of a
statement stay in its text. Offsets are 0-based character (not byte) offsets into ``sql``.

Problems raise :class:`SplitError` with the offset where they start: unterminated strings,
quoted identifiers, dollar quotes and block comments, a ``BEGIN`` block with no ``END``, MySQL
``DELIMITER`` lines, and client commands (psql ``\\x`` meta-commands, mysql ``\\x``, sqlite3
``.x`` dot-commands).

Assumptions (documented limitations): PostgreSQL ``standard_conforming_strings = on`` (the
default since 9.1); MySQL without ``NO_BACKSLASH_ESCAPES`` and without ``ANSI_QUOTES`` (``"…"``
is scanned as a string with backslash escapes, which only matters for a backslash inside a
double-quoted identifier). A ``;`` inside parentheses ends the statement (it is a syntax error
anyway, and splitting keeps an unclosed ``(`` from swallowing the rest of the block), except in
PostgreSQL ``CREATE RULE``. Block keywords are recognised heuristically (no grammar): a column
named ``begin``/``end`` used unqualified inside a compound body can confuse it.
"""

from __future__ import annotations

import re

from ._record import FrozenRecord  # not dataclasses: importing them pulls in inspect (~6 ms on `apply`)
from .dialects import ALIASES as _ALIASES
from .dialects import NAMES


class Statement(FrozenRecord):
    """``sql``: the statement text, from its first token to its last one (no ';', no trailing
    comment); ``offset``: 0-based character offset of ``sql`` in the block; ``comments``: raw
    comments between the previous statement and this one."""

    __slots__ = ("sql", "offset", "comments")
    _defaults = {"comments": ()}


class SplitError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class SplitResult(FrozenRecord):
    """Everything one scan of a block finds (see :func:`split_block`): the ``statements``;
    ``trailing_comments``, after the last statement (or all of them, when the block has no
    statement); ``comment_offsets``, (offset, raw text) of every comment outside statement text, in
    order: those in each Statement.comments followed by the trailing ones."""

    __slots__ = ("statements", "trailing_comments", "comment_offsets")
    _defaults = {"trailing_comments": (), "comment_offsets": ()}


DELIMITER_MESSAGE = (
    "DELIMITER is a mysql client command, not SQL: remove the DELIMITER lines; "
    "stingerloom splits BEGIN … END bodies itself"
)
_CLIENT_MESSAGES = {
    "postgres": (
        "psql meta-command {cmd} is not SQL: stingerloom sends each statement to the server "
        "itself, without psql; remove the line (use SQL such as SET or a DO block instead)"
    ),
    "mysql": (
        "mysql client command {cmd} is not SQL: stingerloom sends each statement to the server "
        "itself, without the mysql client; remove the line"
    ),
    "sqlite": (
        "sqlite3 shell command {cmd} is not SQL: stingerloom sends each statement to SQLite "
        "itself, without the sqlite3 shell; remove the line"
    ),
}


#: what each dialect's scanner understands (a table, so that the scanner never compares names)
_TRAITS = {
    "postgres": {"dollar_quotes": True, "nested_comments": True, "escape_strings": True, "rule_head": True,
                 "begin_atomic": True, "backslash_commands_anywhere": True},
    "mysql": {"backticks": True, "hash_comments": True, "exec_comments": True, "mysql_dash": True,
              "backslash_strings": True, "end_names_block": True, "nested_begin": True,
              "delimiter_command": True},
    "sqlite": {"backticks": True, "brackets": True, "dot_commands": True},
}
_FLAGS = ("nested_comments", "hash_comments", "exec_comments", "mysql_dash", "escape_strings", "rule_head",
          "begin_atomic", "nested_begin", "end_names_block", "backslash_commands_anywhere", "delimiter_command",
          "dot_commands")
_BLOCK_WORDS = {"postgres": "BEGIN|CASE|END", "mysql": "BEGIN|END|CASE|IF|LOOP|WHILE|REPEAT|FOR|THEN|DO",
                "sqlite": "BEGIN|CASE|END"}


def _block_head(name: str, s: str) -> str:
    """The start of a statement that may hold a compound body (``s``: one or more separators)."""
    return {
        "postgres": rf"CREATE{s}(?:OR{s}REPLACE{s})?(?:(FUNCTION|PROCEDURE)|(RULE))\b",
        "mysql": (
            rf"(CREATE{s}(?:OR{s}REPLACE{s})?(?:DEFINER\s*=\s*\S+{s})?(?:AGGREGATE{s})?"
            rf"(?:TRIGGER|PROCEDURE|FUNCTION|EVENT)\b"
            rf"|BEGIN{s}NOT{s}ATOMIC\b|(?:IF|WHILE|LOOP|REPEAT|CASE)\b)"
        ),
        "sqlite": rf"(CREATE{s}(?:TEMP{s}|TEMPORARY{s})?TRIGGER\b)",
    }[name]


class _Dialect:
    """The compiled scanner tables of one dialect."""

    def __init__(self, name: str) -> None:
        self.name = name
        t = _TRAITS[name]
        for flag in _FLAGS:
            setattr(self, flag, t.get(flag, False))
        bs = t.get("backslash_strings", False)
        self.dquote_what = "string" if bs else "quoted identifier"
        specials = (";'\"\\\\" + ("$" if t.get("dollar_quotes") else "") + ("#" if self.hash_comments else "")
                    + ("`" if t.get("backticks") else "") + ("[" if t.get("brackets") else ""))
        dash = r"--(?=[\x00-\x20]|\Z)" if self.mysql_dash else "--"
        plain = rf"[{specials}]|{dash}|/\*"
        self.plain_re = re.compile(plain)
        self.block_re = re.compile(rf"{plain}|[()]|(?<![\w$.])(?:{_BLOCK_WORDS[name]})(?![\w$])", re.IGNORECASE)
        sq = r"'[^'\\]*(?:(?:''|\\.)[^'\\]*)*'"
        self.squote_re = re.compile(sq if bs else r"'[^']*(?:''[^']*)*'", re.DOTALL)
        self.estring_re = re.compile(sq, re.DOTALL)
        self.dquote_re = re.compile(
            r'"[^"\\]*(?:(?:""|\\.)[^"\\]*)*"' if bs else r'"[^"]*(?:""[^"]*)*"', re.DOTALL
        )
        self.bquote_re = re.compile(r"`[^`]*(?:``[^`]*)*`")
        line_comment = r"--[^\r\n]*|#[^\r\n]*" if self.hash_comments else r"--[^\r\n]*"
        sep = rf"(?:\s|{line_comment}|/\*.*?\*/)"
        self.peek_re = re.compile(rf"{sep}*([A-Za-z_]\w*|\S)?", re.DOTALL)
        self.head_re = re.compile(_block_head(name, rf"{sep}+"), re.IGNORECASE | re.DOTALL)


#: each dialect's tables, compiled on first use (a run splits for one dialect: ~2 ms less at start)
_DIALECTS: dict[str, _Dialect] = {}
_WS_RE = re.compile(r"\s*")
_NEST_RE = re.compile(r"/\*|\*/")
_LINE_END_RE = re.compile(r"[\r\n]|\Z")
_DOLLAR_RE = re.compile(r"\$(?:[^\W\d]\w*)?\$")
_OPENERS = {"IF", "LOOP", "WHILE", "REPEAT", "CASE", "FOR"}
_IF_FUNCTION_BEFORE = re.compile(
    r"(?:(?<![\w$])(?:WHEN|ELSEIF|IF|WHILE|UNTIL|RETURN|AND|OR|NOT|XOR|SELECT)|[=<>+\-*/,%&|^!~])\s*$", re.IGNORECASE
)
_NOT_FOR_LOOP = {"EACH", "UPDATE", "SHARE", "SYSTEM_TIME", "PORTION", "SQLEXCEPTION"}


def _dialect(dialect: str) -> _Dialect:
    d = _DIALECTS.get(dialect)
    if d is not None:
        return d
    try:
        name = dialect if dialect in NAMES else _ALIASES[dialect.lower()]
    except (KeyError, AttributeError):
        raise ValueError(f"unknown SQL dialect {dialect!r}: expected postgres, mysql or sqlite") from None
    d = _DIALECTS.get(name)
    if d is None:
        d = _DIALECTS[name] = _Dialect(name)
    return d


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or ch == "$"


def _skip_comment(sql: str, i: int, d: _Dialect) -> int:
    """End of the comment starting at ``i`` (``--``, ``#`` or ``/*``); raises if unterminated."""
    if sql[i] != "/":
        return _LINE_END_RE.search(sql, i).start()
    if not d.nested_comments:
        j = sql.find("*/", i + 2)
        if j < 0:
            raise SplitError("unterminated /* comment", i)
        return j + 2
    depth = 1
    pos = i + 2
    while depth:
        m = _NEST_RE.search(sql, pos)
        if m is None:
            raise SplitError("unterminated /* comment", i)
        depth += 1 if sql[m.start()] == "/" else -1
        pos = m.end()
    return pos


def _comment_at(sql: str, i: int, d: _Dialect) -> bool:
    """Whether a comment (not statement text) starts at ``i``."""
    c = sql[i]
    if c == "-":
        if not sql.startswith("--", i):
            return False
        return not d.mysql_dash or i + 2 == len(sql) or sql[i + 2] <= " "
    if c == "/":
        if not sql.startswith("/*", i):
            return False
        return not (d.exec_comments and (sql.startswith("!", i + 2) or sql.startswith("M!", i + 2)))
    return c == "#" and d.hash_comments


_COMMAND_RE = re.compile(r"[\\.]?[^\s;\\]*")


def _client_command(sql: str, i: int, d: _Dialect) -> SplitError:
    m = _COMMAND_RE.match(sql, i)
    cmd = m.group() if m.end() > i else sql[i]
    if d.delimiter_command and (cmd.startswith("\\d") and len(cmd) == 2 or cmd.lower() == "\\delimiter"):
        return SplitError(DELIMITER_MESSAGE, i)
    return SplitError(_CLIENT_MESSAGES[d.name].format(cmd=cmd), i)


def _at_line_start(sql: str, i: int) -> bool:
    line_start = max(sql.rfind("\n", 0, i), sql.rfind("\r", 0, i)) + 1
    return not sql[line_start:i].strip(" \t")


def _check_start(sql: str, i: int, d: _Dialect) -> None:
    """Reject client commands at the start of a statement."""
    c = sql[i]
    if c == "\\":
        raise _client_command(sql, i, d)
    if c in "dD" and sql[i : i + 9].upper() == "DELIMITER" and (i + 9 == len(sql) or sql[i + 9].isspace()):
        raise SplitError(DELIMITER_MESSAGE, i)
    if c == "." and d.dot_commands and sql[i + 1 : i + 2].isalpha():
        raise _client_command(sql, i, d)


def _skip_string(sql: str, i: int, d: _Dialect, spans: list) -> int:
    """End of the ``'…'`` string at ``i`` (a PostgreSQL ``E'…'`` takes backslash escapes)."""
    if d.escape_strings and i and sql[i - 1] in "eE" and (i == 1 or not _is_ident_char(sql[i - 2])):
        q = d.estring_re.match(sql, i)
        if q is None:
            raise SplitError("unterminated escape string (missing ')", i - 1)
        return q.end()
    q = d.squote_re.match(sql, i)
    if q is None:
        raise SplitError("unterminated string (missing ')", i)
    return q.end()


def _skip_dquote(sql: str, i: int, d: _Dialect, spans: list) -> int:
    q = d.dquote_re.match(sql, i)
    if q is None:
        raise SplitError(f'unterminated {d.dquote_what} (missing ")', i)
    return q.end()


def _skip_commentish(sql: str, i: int, d: _Dialect, spans: list) -> int:
    """A comment (its span goes to ``spans``) or a MySQL ``/*! … */`` executable comment (statement
    text)."""
    end = _skip_comment(sql, i, d)
    if _comment_at(sql, i, d):
        spans.append((i, end))
    return end


def _skip_dollar(sql: str, i: int, d: _Dialect, spans: list) -> int:
    """A ``$tag$ … $tag$`` dollar quote; ``$1`` and ``a$b`` are ordinary text."""
    q = _DOLLAR_RE.match(sql, i)
    if q is None or (i and _is_ident_char(sql[i - 1])):
        return i + 1
    tag = q.group()
    j = sql.find(tag, q.end())
    if j < 0:
        raise SplitError(f"unterminated dollar-quoted string (missing {tag})", i)
    return j + len(tag)


def _skip_backtick(sql: str, i: int, d: _Dialect, spans: list) -> int:
    q = d.bquote_re.match(sql, i)
    if q is None:
        raise SplitError("unterminated quoted identifier (missing `)", i)
    return q.end()


def _skip_bracket(sql: str, i: int, d: _Dialect, spans: list) -> int:
    j = sql.find("]", i + 1)
    if j < 0:
        raise SplitError("unterminated quoted identifier (missing ])", i)
    return j + 1


def _skip_backslash(sql: str, i: int, d: _Dialect, spans: list) -> int:
    if d.backslash_commands_anywhere or _at_line_start(sql, i):
        raise _client_command(sql, i, d)
    return i + 1


#: what the scanner does at each special character it jumps to: returns the offset after the token
_SKIP = {
    "'": _skip_string,
    '"': _skip_dquote,
    "-": _skip_commentish,
    "#": _skip_commentish,
    "/": _skip_commentish,
    "$": _skip_dollar,
    "`": _skip_backtick,
    "[": _skip_bracket,
    "\\": _skip_backslash,
}


def _scan_statement(sql: str, start: int, d: _Dialect, mode: int, spans: list) -> int:
    """Scan one statement from ``start``; return the offset of its ``;`` (or ``len(sql)``).

    ``mode`` is 0 for an ordinary statement, 1 for one that may hold a compound body, 2 for a
    PostgreSQL CREATE RULE (where ``;`` inside parentheses does not end it). The (start, end) of
    each comment met is appended to ``spans``.
    """
    if mode:
        return _Block(sql, start, d, mode, spans).scan()
    search = d.plain_re.search
    skip = _SKIP
    pos = start
    while True:
        m = search(sql, pos)
        if m is None:
            return len(sql)
        i = m.start()
        c = sql[i]
        if c == ";":
            return i
        pos = skip[c](sql, i, d, spans)


class _Block:
    """The scan of a statement that may hold a compound body: the open blocks (``[kind, offset]``;
    kinds ending in ``?`` are an unconfirmed IF/FOR) and the parenthesis depth."""

    __slots__ = ("sql", "start", "d", "mode", "spans", "stack", "parens")

    def __init__(self, sql: str, start: int, d: _Dialect, mode: int, spans: list) -> None:
        self.sql, self.start, self.d, self.mode, self.spans = sql, start, d, mode, spans
        self.stack: list[list] = []
        self.parens = 0

    def scan(self) -> int:
        sql, d, spans, skip = self.sql, self.d, self.spans, _SKIP
        words, opener = _WORDS, _Block._opener
        search = d.block_re.search
        pos = self.start
        while True:
            m = search(sql, pos)
            if m is None:
                break
            i = m.start()
            c = sql[i]
            if c == ";":
                if self._ends_at_semicolon():
                    return i
                pos = i + 1
            elif c in skip:
                pos = skip[c](sql, i, d, spans)
            elif c == "(":
                self.parens += 1
                pos = i + 1
            elif c == ")":
                self.parens -= 1 if self.parens else 0
                pos = i + 1
            elif self.parens:
                pos = m.end()
            else:
                word = m.group().upper()
                pos = words.get(word, opener)(self, word, i, m.end())
        self._check_closed()
        return len(sql)

    def _ends_at_semicolon(self) -> bool:
        if self.stack:
            self.stack = [e for e in self.stack if e[0][-1] != "?"]
        return not self.stack and (self.mode == 1 or self.parens == 0)

    def _check_closed(self) -> None:
        open_blocks = [e for e in self.stack if e[0][-1] != "?"]
        if open_blocks:
            kind, offset = open_blocks[0]
            what = "BEGIN ATOMIC" if kind == "BEGIN" and self.d.begin_atomic else kind
            closer = "END" if kind in ("BEGIN", "CASE") else f"END {kind}"
            raise SplitError(f"{what} block is not closed: missing {closer} before the end of the SQL", offset)

    def _peek(self, pos: int):
        """The word (or character) after ``pos``, past whitespace and comments."""
        return self.d.peek_re.match(self.sql, pos)

    def _close(self, kinds, pos: int) -> int:
        """Close the innermost open block of one of ``kinds`` (and every block inside it)."""
        stack = self.stack
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0].rstrip("?") in kinds:
                del stack[k:]
                break
        return pos

    def _end(self, word: str, i: int, pos: int) -> int:
        if not self.stack:
            return pos
        if self.d.end_names_block:  # MySQL: END IF, END LOOP, END WHILE, …
            p = self._peek(pos)
            nxt = (p.group(1) or "").upper()
            if nxt in _OPENERS:
                return self._close((nxt,), p.end())
        return self._close(("BEGIN", "CASE"), pos)

    def _begin(self, word: str, i: int, pos: int) -> int:
        if self.d.begin_atomic:  # PostgreSQL: only BEGIN ATOMIC opens a body
            p = self._peek(pos)
            if (p.group(1) or "").upper() == "ATOMIC":
                self.stack.append(["BEGIN", i])
                return p.end()
        elif self.d.nested_begin or not self.stack:
            self.stack.append(["BEGIN", i])
        return pos

    def _case(self, word: str, i: int, pos: int) -> int:
        if self.stack or self.d.nested_begin:
            self.stack.append(["CASE", i])
        return pos

    def _confirm(self, word: str, i: int, pos: int) -> int:
        """THEN confirms an IF statement, DO a FOR loop."""
        if self.stack and self.stack[-1][0] == _CONFIRMS[word]:
            self.stack[-1][0] = self.stack[-1][0][:-1]
        return pos

    def _if(self, word: str, i: int, pos: int) -> int:
        # IF after WHEN, ELSEIF, an operator…: the IF() function, not an IF statement
        if not _IF_FUNCTION_BEFORE.search(self.sql, max(self.start, i - 12), i):
            self.stack.append(["IF?", i])
        return pos

    def _for(self, word: str, i: int, pos: int) -> int:
        if (self._peek(pos).group(1) or "").upper() not in _NOT_FOR_LOOP:
            self.stack.append(["FOR?", i])
        return pos

    def _repeat(self, word: str, i: int, pos: int) -> int:
        if self._peek(pos).group(1) != "(":
            self.stack.append(["REPEAT", i])
        return pos

    def _opener(self, word: str, i: int, pos: int) -> int:  # LOOP, WHILE
        self.stack.append([word, i])
        return pos


_CONFIRMS = {"THEN": "IF?", "DO": "FOR?"}
_WORDS = {"END": _Block._end, "BEGIN": _Block._begin, "CASE": _Block._case, "THEN": _Block._confirm,
          "DO": _Block._confirm, "IF": _Block._if, "FOR": _Block._for, "REPEAT": _Block._repeat}


def _gap(sql: str, pos: int, d: _Dialect, pending: list) -> int:
    """Skip whitespace, comments and empty statements from ``pos``; return the next token's offset."""
    n = len(sql)
    ws = _WS_RE.match
    while True:
        pos = ws(sql, pos).end()
        if pos >= n:
            return n
        c = sql[pos]
        if c == ";":
            pos += 1
        elif (c == "-" or c == "/" or c == "#") and _comment_at(sql, pos, d):
            end = _skip_comment(sql, pos, d)
            pending.append((pos, sql[pos:end]))
            pos = end
        else:
            return pos


def split_block(sql: str, dialect: str) -> SplitResult:
    """Split ``sql`` into statements in one pass; see the module documentation."""
    d = _dialect(dialect)
    simple = _split_simple(sql, d)
    return SplitResult(simple, (), ()) if simple is not None else _split_full(sql, d)


#: the text of a statement up to its ``;``, in a block the full scanner would read the same way in
#: every dialect: ``'…'`` strings without backslashes (its string pattern then means the same in all
#: three), and outside them no other quote, comment, dollar quote, ``#`` or backslash (a superset:
#: ``#``, ``$`` and ``--x`` are plain text in some dialects)
_SIMPLE_STATEMENT = re.compile(
    r"""[^;'"`\[\\$#/-]*(?:(?:'[^'\\]*(?:''[^'\\]*)*'|-(?!-)|/(?!\*))[^;'"`\[\\$#/-]*)*"""
)
_SIMPLE_GAP = re.compile(r"[\s;]*")


def _split_simple(sql: str, d: _Dialect) -> list[Statement] | None:
    """:func:`_split_full`'s statements, found faster, for a block of statements that
    ``_SIMPLE_STATEMENT`` reads to their ``;`` (most migrations); None where the full scanner must
    decide: anything else (a comment, a quoted identifier, an unterminated string…) or a statement
    that may hold a compound body (``CREATE TRIGGER`` …). Client commands are refused as there."""
    n = len(sql)
    statements: list[Statement] = []
    gap = _SIMPLE_GAP.match
    body = _SIMPLE_STATEMENT.match
    head = d.head_re.match
    pos = gap(sql, 0).end()
    while pos < n:
        _check_start(sql, pos, d)
        if head(sql, pos) is not None:
            return None
        end = body(sql, pos).end()
        if end < n and sql[end] != ";":
            return None
        statements.append(Statement(sql[pos:end].rstrip(), pos, ()))
        pos = gap(sql, end).end()
    return statements


def _split_full(sql: str, d: _Dialect) -> SplitResult:
    """The scanner for every block (see the module documentation)."""
    n = len(sql)
    statements: list[Statement] = []
    all_comments: list[tuple[int, str]] = []
    pending: list[tuple[int, str]] = []
    head = d.head_re.match
    pos = 0
    while True:
        pos = _gap(sql, pos, d, pending)
        if pos >= n:
            break
        start = pos
        _check_start(sql, start, d)
        mode = 0
        h = head(sql, start)
        if h is not None:
            mode = 2 if d.rule_head and h.group(2) else 1
        spans: list[tuple[int, int]] = []
        end = _scan_statement(sql, start, d, mode, spans)
        # the statement ends at its last token: peel trailing whitespace and comments
        text = sql[start:end].rstrip()
        stop = start + len(text)
        peeled: list[tuple[int, str]] = []
        while spans and spans[-1][1] == stop:
            s, e = spans.pop()
            peeled.append((s, sql[s:e]))
            text = sql[start:s].rstrip()
            stop = start + len(text)
        statements.append(Statement(text, start, tuple(t for _, t in pending)))
        all_comments.extend(pending)
        pending = peeled[::-1]
        pos = end + 1
    all_comments.extend(pending)
    return SplitResult(statements, tuple(t for _, t in pending), tuple(all_comments))


def split_statements(sql: str, dialect: str) -> list[Statement]:
    """The statements of ``sql`` in order; raises :class:`SplitError` on unsplittable SQL."""
    d = _dialect(dialect)
    simple = _split_simple(sql, d)
    return simple if simple is not None else _split_full(sql, d).statements


def trailing_comments(sql: str, dialect: str) -> tuple[str, ...]:
    """The comments after the last statement (all comments when there is no statement)."""
    return split_block(sql, dialect).trailing_comments


def is_blank(sql: str, dialect: str = "postgres") -> bool:
    """True when ``sql`` holds only whitespace, comments and empty statements (``;``).

    Never raises :class:`SplitError`: an unterminated comment makes the block *not* blank (the
    rest would otherwise silently become a no-op); :func:`split_statements` reports it.
    """
    try:
        return _gap(sql, 0, _dialect(dialect), []) >= len(sql)
    except SplitError:
        return False


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of the 0-based character ``offset`` in ``text``.

    Lines end at ``\\n`` (so ``\\r\\n`` counts once); the offset is clamped to ``[0, len(text)]``.
    """
    offset = max(0, min(offset, len(text)))
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


_TX_CONTROL = re.compile(
    r"""(?ix)\A(?:
      (?P<begin>BEGIN(?!\s+(?:NOT\s+)?ATOMIC\b)(?:\s+(?:WORK|TRANSACTION|DEFERRED|IMMEDIATE|EXCLUSIVE|ISOLATION|READ)\b.*)?\Z
        |START\s+TRANSACTION\b)
     |(?P<commit>(?:COMMIT|END)(?!\s+PREPARED\b)(?:\s+(?:WORK|TRANSACTION|AND)\b.*)?\Z)
     |(?P<rollback>(?:ROLLBACK|ABORT)(?!\s+PREPARED\b)(?!\s+(?:WORK\s+|TRANSACTION\s+)?TO\b)(?:\s+(?:WORK|TRANSACTION|AND)\b.*)?\Z)
     |(?P<twophase>PREPARE\s+TRANSACTION\b|(?:COMMIT|ROLLBACK)\s+PREPARED\b|XA\s)
     |(?P<autocommit>SET\s+(?:(?:SESSION|LOCAL|GLOBAL)\s+|@@(?:SESSION\.|LOCAL\.)?)?autocommit\b)
    )""",
    re.S,
)


def transaction_control(sql: str) -> str | None:
    """What a top-level statement does to the transaction, or None for any other statement:
    ``"BEGIN"`` (``START TRANSACTION``, SQLite ``BEGIN IMMEDIATE``), ``"COMMIT"`` (``END``),
    ``"ROLLBACK"`` (``ABORT``; not ``ROLLBACK TO SAVEPOINT``), ``"PREPARE TRANSACTION"`` (two-phase
    commit, MySQL ``XA``) or ``"SET autocommit"``. ``sql`` is one statement as split by
    :func:`split_statements`, so ``BEGIN`` inside a PL/pgSQL body, a trigger or ``BEGIN ATOMIC``
    never reaches here; MariaDB's ``BEGIN NOT ATOMIC`` block is not transaction control."""
    m = _TX_CONTROL.match(sql.strip())
    if m is None:
        return None
    return {"begin": "BEGIN", "commit": "COMMIT", "rollback": "ROLLBACK", "twophase": "PREPARE TRANSACTION",
            "autocommit": "SET autocommit"}[m.lastgroup]


def has_compound_body(sql: str, dialect: str) -> bool:
    """Whether ``sql`` (one statement, as split) holds a compound body with ``;`` inside it: a MySQL
    trigger/procedure/function/event, a ``BEGIN NOT ATOMIC`` or ``IF`` block, a SQLite trigger, a
    PostgreSQL ``BEGIN ATOMIC`` body. A client splitting at ``;`` (``mariadb``) would cut it."""
    d = _dialect(dialect)
    start = _gap(sql, 0, d, [])
    return ";" in sql and d.head_re.match(sql, start) is not None


# ---------------------------------------------------------------------------------------------------
# Lexing for the tools that read statements already split (lint): the same quoting and comment rules
# as the splitter, in the form those tools need (offsets kept, text blanked, top-level separators).

#: a comment or a literal: ``--``/``#`` line comments, ``/* */`` comments, ``'…'`` strings,
#: PostgreSQL dollar quotes (``#`` is blanked only for MySQL: see :func:`blank_literals`)
_LITERAL_RE = re.compile(r"--[^\n]*|#[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\$([A-Za-z_]\w*)?\$.*?\$\1\$", re.S)
_LEAD_RE = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)
_SPECIAL_RE = re.compile(r"[(),'\"`]")


def comments_and_literals(sql: str):
    """Each comment and literal of one statement, in order (``re.Match`` objects)."""
    return _LITERAL_RE.finditer(sql)


def _blank(m: re.Match, hash_comments: bool) -> str:
    s = m.group(0)
    if s[0] == "#" and not hash_comments:
        return s
    if s[0] == "'":
        return "'" + " " * (len(s) - 2) + "'"
    return "".join("\n" if c == "\n" else " " for c in s)


def blank_literals(sql: str, *, hash_comments: bool = False) -> str:
    """``sql`` with comments and string literals blanked out (same length, so offsets still hold);
    ``#`` comments too with ``hash_comments`` (MySQL)."""
    return _LITERAL_RE.sub(lambda m: _blank(m, hash_comments), sql)


def leading_len(sql: str) -> int:
    """Length of the whitespace and comments at the start of ``sql``."""
    return _LEAD_RE.match(sql).end()


def split_top(text: str, sep: str = ",") -> list[tuple[int, str]]:
    """Split on ``sep`` (``,``) outside parentheses and quotes: ``[(offset, part)]``."""
    out, depth, start, quote = [], 0, 0, None
    for m in _SPECIAL_RE.finditer(text):
        c = m.group()
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"`":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == sep and depth == 0:
            i = m.start()
            out.append((start, text[start:i]))
            start = i + 1
    out.append((start, text[start:]))
    return out


# ---------------------------------------------------------------------------------------------------
# Item lists and keyword searches for the schema tools (SQLite's CREATE TABLE reader): the splitter's
# quoting and comment rules of each dialect, over the text of one statement.


class _ItemLexer:
    """The compiled tables of :func:`split_items` for one dialect."""

    def __init__(self, d: _Dialect) -> None:
        t = _TRAITS[d.name]
        self.d = d
        bs = t.get("backslash_strings", False)
        quotes = "'\"" + ("`" if t.get("backticks") else "") + ("[" if t.get("brackets") else "")
        jump = "(),'\"" + quotes[2:] + ("$" if t.get("dollar_quotes") else "") + ("#" if d.hash_comments else "")
        self.jump_re = re.compile("[" + re.escape(jump) + r"]|--|/\*")
        # text in which no comment, dollar quote or escape string can start: one regex splits it (below)
        self.hard_marks = ("--", "/*") + (("#",) if d.hash_comments else ()) + (("$", "\\") if d.escape_strings else ())
        # an atom is a run of ordinary characters or one quoted token, matched possessively (as the
        # splitter's quote regexes do); an item is a run of atoms and parenthesised groups (nested up
        # to 3 deep) up to a top-level comma
        atoms = [rf"[^{re.escape(quotes)}(),]++", _quoted_re("'", bs), _quoted_re('"', bs)]
        if t.get("backticks"):
            atoms.append(_quoted_re("`", False))
        if t.get("brackets"):
            atoms.append(r"\[[^\]]*+\]")
        atom = "(?>" + "|".join(atoms) + ")"
        group = r"\((?:" + atom + r"|,)*+\)"
        for _ in range(2):
            group = r"\((?:" + atom + "|,|" + group + r")*+\)"
        self.items_re = re.compile("((?:" + atom + "|" + group + r")*+)(,|\Z)", re.S)
        self.group_re = re.compile(group, re.S)
        self.head_re = re.compile("(?:" + atom + r"|[,)])*+", re.S)  # up to the first '(' outside quotes

    def hard(self, text: str) -> bool:
        """Whether a comment, dollar quote or escape string may start in ``text``."""
        for mark in self.hard_marks:
            if mark in text:
                return True
        return False

    def tokens(self, text: str, pos: int = 0):
        """``(start, end, kind)`` of each parenthesis and comma (kind: the character) and comment
        (``c``) of ``text`` outside quotes, from ``pos``. An unterminated quote or comment is ordinary text (SQLite
        keeps only the text of statements it could parse)."""
        d, search, n = self.d, self.jump_re.search, len(text)
        while (m := search(text, pos)) is not None:
            i = pos = m.start()
            c = text[i]
            if c in "(),":
                yield i, i + 1, c
                pos = i + 1
                continue
            try:
                pos, kind = self._token(text, i, c, d, n)
            except SplitError:
                pos = i + 1
                continue
            if kind:
                yield i, pos, kind

    @staticmethod
    def _token(text: str, i: int, c: str, d: _Dialect, n: int) -> tuple[int, str]:
        """End and kind of the token at ``i`` (kind ``""``: ordinary text, such as a ``-`` or a MySQL
        ``/*! … */`` executable comment)."""
        if c in "-/#":
            if not _comment_at(text, i, d):
                return (i + 1, "") if c == "-" else (_skip_comment(text, i, d), "")
            if c == "/":
                return _skip_comment(text, i, d), "c"
            j = text.find("\n", i)  # a line comment ends at the newline (\r is whitespace before it)
            return (n if j < 0 else j), "c"
        return _SKIP[c](text, i, d, []), ""  # a quoted token


def _quoted_re(q: str, backslashes: bool) -> str:
    """A possessive regex of one ``q``-quoted token (doubled ``q`` escapes; backslash escapes too)."""
    if backslashes:
        return rf"{q}[^{q}\\]*+(?:(?:{q}{q}|\\.)[^{q}\\]*+)*+{q}"
    return rf"{q}[^{q}]*+(?:{q}{q}[^{q}]*+)*+{q}"


_ITEM_LEXERS: dict[str, _ItemLexer] = {}


def _item_lexer(dialect: str) -> _ItemLexer:
    lx = _ITEM_LEXERS.get(dialect)
    if lx is None:
        lx = _ITEM_LEXERS[dialect] = _ItemLexer(_dialect(dialect))
    return lx


def split_items(text: str, dialect: str) -> list[str]:
    """The items of ``text`` separated by top-level commas (outside parentheses, quotes and comments),
    with the quoting and comment rules of ``dialect``: the columns and table constraints of a CREATE
    TABLE body. Comments are dropped and each item is stripped; an empty item before a comma is kept
    (``"a,,b"`` gives ``["a", "", "b"]``), an empty last one is not."""
    lx = _item_lexer(dialect)
    if not lx.hard(text):
        if "," not in text:
            return [s] if (s := text.strip()) else []
        parts = lx.items_re.findall(text)
        if sum(len(item) + len(comma) for item, comma in parts) == len(text):
            return [s for item, comma in parts if (s := item.strip()) or comma]
    # comments, or a text the regex does not tile (deeper nesting, an unbalanced parenthesis)
    items: list[str] = []
    pieces: list[str] = []
    depth = seg = 0
    for i, end, kind in lx.tokens(text):
        if kind == "(":
            depth += 1
        elif kind == ")":
            depth -= 1
        elif kind == "c" or (kind == "," and depth == 0):
            pieces.append(text[seg:i])
            seg = end
            if kind == ",":
                items.append("".join(pieces).strip())
                pieces = []
    pieces.append(text[seg:])
    last = "".join(pieces).strip()
    return items + [last] if last else items


_STRING_RE = re.compile(r"'(?:[^']|'')*'")


def blank_strings(sql: str) -> str:
    """``sql`` with each ``'…'`` literal blanked (same length, quotes kept), found by a plain scan that
    knows neither comments nor quoted identifiers: a keyword in a comment stays, and a quote inside
    an identifier (``"it's"``) starts a literal. SQLite's CREATE TABLE reader searches the result
    for AUTOINCREMENT and CHECK, quirks included (tests/schema/test_introspect_sqlite_fast.py pins
    them: its model reproduces the former per-pragma reader's)."""
    return _STRING_RE.sub(lambda m: _blank(m, False), sql) if "'" in sql else sql


def paren_group(text: str, start: int, dialect: str) -> tuple[str, int]:
    """The text inside the parenthesis opening at or after ``start`` (outside quotes and comments, with
    the rules of ``dialect``), stripped, and the offset just after its closing parenthesis; the rest
    of ``text`` and ``len(text)`` when it is not closed."""
    lx = _item_lexer(dialect)
    if not lx.hard(text):
        i = lx.head_re.match(text, start).end()
        m = lx.group_re.match(text, i)
        if m is not None:
            return text[i + 1:m.end() - 1].strip(), m.end()
    depth, i = 0, -1
    for s, end, kind in lx.tokens(text, start):
        if kind == "(":
            i = s if depth == 0 and i < 0 else i
            depth += 1
        elif kind == ")" and depth:
            depth -= 1
            if depth == 0:
                return text[i + 1:s].strip(), end
    return text[i + 1:].strip(), len(text)


def create_table_body(sql: str, dialect: str) -> str:
    """The parenthesised body of a CREATE TABLE (or CREATE VIRTUAL TABLE … USING m(…)) statement,
    stripped, or ``""`` when it has none: :func:`paren_group` of the first ``(`` outside quotes. Only
    table options (no parenthesis) follow the body, so without comments its end is the last ``)``."""
    lx = _item_lexer(dialect)
    if lx.hard(sql):
        return paren_group(sql, 0, dialect)[0] if "(" in sql else ""
    start = lx.head_re.match(sql).end()
    end = sql.rfind(")")
    return sql[start + 1:end].strip() if start < len(sql) and end > start else ""
