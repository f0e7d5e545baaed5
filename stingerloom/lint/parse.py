"""The real parsers, one per dialect, each statement parsed once and shared by every rule.

- PostgreSQL: pglast (libpg_query, the server's own grammar). ``parse_sql_json`` per statement; a
  ``ParseError`` carries a 0-based character offset into the statement. PL/pgSQL bodies (``DO``,
  ``LANGUAGE plpgsql`` functions) are opaque to the SQL grammar and checked with ``parse_plpgsql``,
  which gives no position.
- SQLite: the stdlib ``sqlite3`` module in ``:memory:`` (see :class:`SqliteReplay`).
- MySQL/MariaDB: no validating parser is available offline; a keyword classifier names the
  statement and sqlglot is asked only where a rule needs structure. Nothing here ever claims a MySQL
  syntax error.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass

from .facts import classify


@dataclass
class PgParse:
    kind: str
    node: dict | None
    error: tuple[str, int] | None = None  # (message, offset in statement)


_PG_CACHE: dict[str, list[PgParse]] = {}


def parse_pg(sql: str) -> list[PgParse]:
    """Parse one statement (the splitter may hand over more than one: all are returned)."""
    hit = _PG_CACHE.get(sql)
    if hit is not None:
        return hit
    from pglast.parser import ParseError, parse_sql_json

    try:
        tree = json.loads(parse_sql_json(sql))
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
                out[0].error = (err, -1)
    if len(_PG_CACHE) < 50000:
        _PG_CACHE[sql] = out
    return out


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
    """One ``:memory:`` database per manifest: migrations run in order, so every statement meets the
    schema the earlier migrations built. Only the error *messages* that are about the grammar become
    syntax errors; "no such table" and the like mean missing context (an earlier statement failed, or
    the table comes from outside the manifest) and are not findings.
    """

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self.broken = False  # a statement of this migration failed: the up/down comparison is off

    def execute(self, sql: str) -> tuple[str, str] | None:
        """Run one statement: None, or (category, message) with category 'syntax' or 'other'."""
        try:
            cur = self.conn.execute(sql)
            cur.fetchall() if cur.description else None
        except sqlite3.Warning as exc:  # more than one statement: the splitter disagrees
            return "other", str(exc)
        except sqlite3.Error as exc:
            msg = str(exc)
            if _SQLITE_SYNTAX.search(msg):
                return "syntax", msg
            return "other", msg
        return None

    def snapshot(self) -> dict[tuple[str, str], str]:
        rows = self.conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return {(t, n): re.sub(r"\s+", " ", s or "").strip() for t, n, s in rows}

    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def close(self) -> None:
        self.conn.close()


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
