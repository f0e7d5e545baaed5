"""Facts about statements that the rules share.

PostgreSQL facts come from pglast's JSON parse tree (the real grammar; the JSON form is ~25x faster to
build than pglast's Python node objects). MySQL and SQLite facts come from small, lexer-aware helpers
over the statement text. sqlglot was tried and left out: it is slow and, by its maintainers' own
account, not a validator (it accepts invalid SQL and falls back to opaque commands on valid SQL).
"""

from __future__ import annotations

import re
from functools import lru_cache

# ---------------------------------------------------------------------------------------------------
# text helpers


@lru_cache(maxsize=None)
def rx(pattern: str) -> re.Pattern:
    """``pattern`` compiled case-insensitively, once (rules call this in their hot paths)."""
    return re.compile(pattern, re.I)


@lru_cache(maxsize=None)
def rx_is(pattern: str) -> re.Pattern:
    """Like :func:`rx`, with ``.`` matching newlines too."""
    return re.compile(pattern, re.I | re.S)


_STRIP_RE = re.compile(
    r"--[^\n]*|#[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\$([A-Za-z_]\w*)?\$.*?\$\1\$",
    re.S,
)


def strip_sql(sql: str, *, hash_comments: bool = False) -> str:
    """``sql`` with comments and string literals blanked out (same length, so offsets still hold)."""

    def blank(m: re.Match) -> str:
        s = m.group(0)
        if s.startswith("#") and not hash_comments:
            return s
        if s.startswith("'"):
            return "'" + " " * (len(s) - 2) + "'"
        return "".join("\n" if c == "\n" else " " for c in s)

    return _STRIP_RE.sub(blank, sql)


_LEAD_RE = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)


def lead_len(sql: str) -> int:
    """Length of the whitespace and comments at the start of ``sql``."""
    return _LEAD_RE.match(sql).end()


_SPECIAL = re.compile(r"[(),'\"`]")


def split_top(text: str, sep: str = ",") -> list[tuple[int, str]]:
    """Split on ``sep`` (``,``) outside parentheses and quotes: ``[(offset, part)]``."""
    out, depth, start, quote = [], 0, 0, None
    for m in _SPECIAL.finditer(text):
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


def norm_ident(name: str | None) -> str | None:
    if name is None:
        return None
    name = name.strip()
    if len(name) >= 2 and name[0] in "`\"[" and name[-1] in "`\"]":
        return name[1:-1]
    return name.lower()


def last_part(name: str) -> str:
    parts = re.split(r"\.(?=(?:[^`\"]*[`\"][^`\"]*[`\"])*[^`\"]*$)", name)
    return norm_ident(parts[-1]) or ""


_IDENT = r"(?:`[^`]+`|\"[^\"]+\"|\[[^\]]+\]|[\w$]+)(?:\s*\.\s*(?:`[^`]+`|\"[^\"]+\"|[\w$]+))?"

# ---------------------------------------------------------------------------------------------------
# statement classification for MySQL and SQLite (pglast names the PostgreSQL kinds itself)

_KINDS = [
    (r"CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\b", "IndexStmt"),
    (r"CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY)\s+)?TABLE\b[^(]*\bAS\s+SELECT\b", "CreateTableAsStmt"),
    (r"CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY)\s+)?(?:VIRTUAL\s+)?TABLE\b", "CreateStmt"),
    (r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:SQL\s+SECURITY\s+\w+\s+)?(?:TEMP\s+|TEMPORARY\s+)?VIEW\b", "ViewStmt"),
    (r"CREATE\s+(?:DEFINER\s*=\s*\S+\s+)?(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\b", "CreateTrigStmt"),
    (r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:FUNCTION|PROCEDURE)\b", "CreateFunctionStmt"),
    (r"CREATE\s+(?:DATABASE|SCHEMA)\b", "CreatedbStmt"),
    (r"CREATE\s+(?:DEFINER\s*=\s*\S+\s+)?EVENT\b", "Other"),
    (r"ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\b", "AlterTableStmt"),
    (r"DROP\s+(?:DATABASE|SCHEMA)\b", "DropdbStmt"),
    (r"DROP\s+", "DropStmt"),
    (r"RENAME\s+TABLE\b", "RenameStmt"),
    (r"TRUNCATE\b", "TruncateStmt"),
    (r"(?:WITH\b.*?\)\s*)?UPDATE\b", "UpdateStmt"),
    (r"(?:WITH\b.*?\)\s*)?DELETE\b", "DeleteStmt"),
    (r"(?:INSERT|REPLACE)\b", "InsertStmt"),
    (r"(?:BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK|END|SAVEPOINT|RELEASE)\b", "TransactionStmt"),
    (r"SET\b", "VariableSetStmt"),
    (r"PRAGMA\b", "PragmaStmt"),
    (r"(?:DELIMITER\b|\\)", "ClientCommand"),
    (r"(?:SELECT|WITH|VALUES|EXPLAIN|SHOW|DESCRIBE|CALL|DO)\b", "SelectStmt"),
    (r"VACUUM\b", "VacuumStmt"),
    (r"(?:REINDEX|ANALYZE|OPTIMIZE|ALTER|GRANT|REVOKE|LOCK|UNLOCK|FLUSH|USE|ATTACH|DETACH|LOAD|HANDLER)\b", "Other"),
]
_KINDS_RE = [(re.compile(p, re.I | re.S), k) for p, k in _KINDS]
_BEGIN_BLOCK = re.compile(r"BEGIN\s+(?:NOT\s+ATOMIC\b|\w+\s*:)", re.I)


def classify(sql: str) -> str:
    body = sql[lead_len(sql):]
    if not body.strip():
        return "Empty"
    if body.startswith("\\"):
        return "ClientCommand"
    for rx, kind in _KINDS_RE:
        if rx.match(body):
            if kind == "TransactionStmt" and _BEGIN_BLOCK.match(body):
                return "Other"  # MariaDB anonymous block
            return kind
    return "Unknown"


def transaction_word(sql: str) -> str:
    """BEGIN/COMMIT/ROLLBACK/... for a TransactionStmt (text form)."""
    body = sql[lead_len(sql):].upper()
    if body.startswith("START"):
        return "BEGIN"
    if body.startswith("END"):
        return "COMMIT"
    w = body.split(None, 1)[0] if body else ""
    if w == "ROLLBACK" and re.match(r"ROLLBACK\s+TO\b", body):
        return "SAVEPOINT"
    return w.rstrip(";")


# ---------------------------------------------------------------------------------------------------
# MySQL/SQLite structure

_ALTER_HEAD = re.compile(r"\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(?:IF\s+EXISTS\s+)?(" + _IDENT + r")\s*", re.I | re.S)


@lru_cache(maxsize=2048)
def alter_actions(sql: str) -> tuple[str | None, list[tuple[int, str]]]:
    """``ALTER TABLE t a1, a2`` -> (``t``, [(offset, action)]) from stripped text."""
    text = strip_sql(sql)
    start = lead_len(text)
    m = _ALTER_HEAD.match(text, start)
    if not m:
        return None, []
    table = last_part(m.group(1))
    acts = []
    for off, part in split_top(text[m.end():]):
        lead = len(part) - len(part.lstrip())
        if part.strip():
            acts.append((m.end() + off + lead, part.strip()))
    return table, acts


_PARENS = re.compile(r"[()]")
_CT_HEAD = re.compile(
    r"\s*CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY)\s+)?(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(" + _IDENT + r")\s*\(",
    re.I | re.S,
)


@lru_cache(maxsize=2048)
def create_table_parts(sql: str) -> tuple[str | None, list[tuple[int, str]], str]:
    """``CREATE TABLE t (e1, e2) opts`` -> (t, [(offset, element)], options text)."""
    text = strip_sql(sql)
    m = _CT_HEAD.match(text, lead_len(text))
    if not m:
        return None, [], ""
    depth, i = 1, len(text) + 1
    for pm in _PARENS.finditer(text, m.end()):
        depth += 1 if pm.group() == "(" else -1
        if depth == 0:
            i = pm.end()
            break
    inner = text[m.end(): i - 1]
    elems = []
    for off, part in split_top(inner):
        lead = len(part) - len(part.lstrip())
        if part.strip():
            elems.append((m.end() + off + lead, part.strip()))
    return last_part(m.group(1)), elems, text[i:]


_DML_TABLE = {
    "UpdateStmt": re.compile(r"UPDATE\s+(?:LOW_PRIORITY\s+|IGNORE\s+|OR\s+\w+\s+)*(" + _IDENT + ")", re.I),
    "DeleteStmt": re.compile(r"DELETE\s+(?:LOW_PRIORITY\s+|QUICK\s+|IGNORE\s+)*FROM\s+(" + _IDENT + ")", re.I),
    "InsertStmt": re.compile(r"(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+|LOW_PRIORITY\s+|IGNORE\s+|DELAYED\s+)*(?:INTO\s+)?(" + _IDENT + ")", re.I),
    "TruncateStmt": re.compile(r"TRUNCATE\s+(?:TABLE\s+)?(" + _IDENT + ")", re.I),
    "IndexStmt": re.compile(r"CREATE\s+.*?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?" + _IDENT + r"\s+ON\s+(" + _IDENT + ")", re.I | re.S),
    "CreateTrigStmt": re.compile(r"CREATE\s.*?TRIGGER\s.*?\bON\s+(" + _IDENT + ")", re.I | re.S),
}


def text_table(sql: str, kind: str) -> str | None:
    rx = _DML_TABLE.get(kind)
    if rx is None:
        return None
    text = strip_sql(sql)
    m = rx.search(text, lead_len(text))
    return last_part(m.group(1)) if m else None


def has_word(text: str, pattern: str) -> re.Match | None:
    return re.search(pattern, text, re.I | re.S)


# ---------------------------------------------------------------------------------------------------
# PostgreSQL (pglast JSON) helpers


def pg_rel(rangevar: dict | None) -> str | None:
    if not rangevar:
        return None
    return rangevar.get("relname")


def pg_cmds(node: dict) -> list[dict]:
    return [c["AlterTableCmd"] for c in node.get("cmds", ()) if "AlterTableCmd" in c]


def pg_names(items) -> list[str]:
    return [i["String"]["sval"] for i in items or () if "String" in i]


def pg_type(type_name: dict | None) -> tuple[str, list]:
    """TypeName -> (last name, typmods)."""
    if not type_name:
        return "", []
    names = pg_names(type_name.get("names"))
    mods = []
    for m in type_name.get("typmods", ()) or ():
        val = m.get("A_Const", {}).get("ival", {})
        mods.append(val.get("ival", 0) if isinstance(val, dict) else None)
    return (names[-1] if names else ""), mods


def pg_constraints(coldef: dict) -> list[dict]:
    return [c["Constraint"] for c in coldef.get("constraints", ()) or () if "Constraint" in c]


def pg_walk(node, key=None):
    """Yield ``(key, dict)`` for every dict in a JSON tree."""
    stack = [(key, node)]
    while stack:
        k, n = stack.pop()
        if isinstance(n, dict):
            yield k, n
            for kk, v in n.items():
                if isinstance(v, (dict, list)):
                    stack.append((kk, v))
        elif isinstance(n, list):
            for v in n:
                stack.append((k, v))


def pg_defel_names(options) -> set[str]:
    out = set()
    for o in options or ():
        d = o.get("DefElem")
        if d:
            out.add(d.get("defname", "").lower())
    return out


SERIAL_TYPES = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}
