"""Facts about statements that the rules share.

PostgreSQL facts come from pglast's JSON parse tree (the real grammar; the JSON form is ~25x faster to
build than pglast's Python node objects). MySQL and SQLite facts come from small, lexer-aware helpers
over the statement text. sqlglot was tried and left out: it is slow and, by its maintainers' own
account, not a validator (it accepts invalid SQL and falls back to opaque commands on valid SQL).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from stingerloom.errors import InputError

# the lexing is sqltext's (one lexer for the splitter and lint); these names are what the rules import
from stingerloom.sqltext import blank_literals, split_top
from stingerloom.sqltext import leading_len as lead_len  # noqa: F401

from .actions import CreateIndex, Drop, DropColumn, Lock, Rename, SetVariable, Transaction

# ---------------------------------------------------------------------------------------------------
# text helpers


def strip_sql(sql: str, *, hash_comments: bool = False) -> str:
    """:func:`~stingerloom.sqltext.blank_literals`: ``sql`` with comments and string literals blanked
    (offsets kept). Text without any character a comment or literal starts with is returned as it is
    (most DDL: the regex would scan it for nothing)."""
    if "'" in sql or "-" in sql or "/" in sql or "#" in sql or "$" in sql:
        return blank_literals(sql, hash_comments=hash_comments)
    return sql


@lru_cache(maxsize=None)
def rx(pattern: str) -> re.Pattern:
    """``pattern`` compiled case-insensitively, once (rules call this in their hot paths)."""
    return re.compile(pattern, re.I)


@lru_cache(maxsize=None)
def rx_is(pattern: str) -> re.Pattern:
    """Like :func:`rx`, with ``.`` matching newlines too."""
    return re.compile(pattern, re.I | re.S)


def keyword_text(text: str) -> str:
    """``text`` upper-cased for a cheap keyword test before a case-insensitive regex: every keyword such
    a pattern can find in ``text`` is in it (``upper()`` maps each character re's IGNORECASE matches
    to an ASCII letter onto that letter, but for U+0130 and U+212A, replaced by ``I`` and ``K``)."""
    up = text.upper()
    if not up.isascii():
        up = up.replace("\u0130", "I").replace("\u212a", "K")
    return up


def norm_ident(name: str | None) -> str | None:
    if name is None:
        return None
    name = name.strip()
    if len(name) >= 2 and name[0] in "`\"[" and name[-1] in "`\"]":
        return name[1:-1]
    return name.lower()


def last_part(name: str) -> str:
    if "." not in name:  # one part (the split below would return it whole)
        return norm_ident(name) or ""
    parts = re.split(r"\.(?=(?:[^`\"]*[`\"][^`\"]*[`\"])*[^`\"]*$)", name)
    return norm_ident(parts[-1]) or ""


_IDENT = r"(?:`[^`]+`|\"[^\"]+\"|\[[^\]]+\]|[\w$]+)(?:\s*\.\s*(?:`[^`]+`|\"[^\"]+\"|[\w$]+))?"

# ---------------------------------------------------------------------------------------------------
# statement classification for MySQL and SQLite (pglast names the PostgreSQL kinds itself)

# (pattern, kind, the words a statement it matches can start with: see classify)
_KINDS = [
    (r"CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\b", "IndexStmt", "CREATE"),
    (r"CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY)\s+)?TABLE\b[^(]*\bAS\s+SELECT\b", "CreateTableAsStmt", "CREATE"),
    (r"CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY)\s+)?(?:VIRTUAL\s+)?TABLE\b", "CreateStmt", "CREATE"),
    (r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:SQL\s+SECURITY\s+\w+\s+)?(?:TEMP\s+|TEMPORARY\s+)?VIEW\b", "ViewStmt", "CREATE"),
    (r"CREATE\s+(?:DEFINER\s*=\s*\S+\s+)?(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\b", "CreateTrigStmt", "CREATE"),
    (r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:FUNCTION|PROCEDURE)\b", "CreateFunctionStmt", "CREATE"),
    (r"CREATE\s+(?:DATABASE|SCHEMA)\b", "CreatedbStmt", "CREATE"),
    (r"CREATE\s+(?:DEFINER\s*=\s*\S+\s+)?EVENT\b", "Other", "CREATE"),
    (r"ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\b", "AlterTableStmt", "ALTER"),
    (r"DROP\s+(?:DATABASE|SCHEMA)\b", "DropdbStmt", "DROP"),
    (r"DROP\s+", "DropStmt", "DROP"),
    (r"RENAME\s+TABLE\b", "RenameStmt", "RENAME"),
    (r"TRUNCATE\b", "TruncateStmt", "TRUNCATE"),
    (r"(?:WITH\b.*?\)\s*)?UPDATE\b", "UpdateStmt", "WITH UPDATE"),
    (r"(?:WITH\b.*?\)\s*)?DELETE\b", "DeleteStmt", "WITH DELETE"),
    (r"(?:INSERT|REPLACE)\b", "InsertStmt", "INSERT REPLACE"),
    (r"(?:BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK|END|SAVEPOINT|RELEASE)\b", "TransactionStmt", "BEGIN START COMMIT ROLLBACK END SAVEPOINT RELEASE"),
    (r"SET\b", "VariableSetStmt", "SET"),
    (r"PRAGMA\b", "PragmaStmt", "PRAGMA"),
    (r"(?:DELIMITER\b|\\)", "ClientCommand", "DELIMITER"),
    (r"(?:SELECT|WITH|VALUES|EXPLAIN|SHOW|DESCRIBE|CALL|DO)\b", "SelectStmt", "SELECT WITH VALUES EXPLAIN SHOW DESCRIBE CALL DO"),
    (r"VACUUM\b", "VacuumStmt", "VACUUM"),
    (r"(?:REINDEX|ANALYZE|OPTIMIZE|ALTER|GRANT|REVOKE|LOCK|UNLOCK|FLUSH|USE|ATTACH|DETACH|LOAD|HANDLER)\b", "Other", "REINDEX ANALYZE OPTIMIZE ALTER GRANT REVOKE LOCK UNLOCK FLUSH USE ATTACH DETACH LOAD HANDLER"),
]
_KINDS_RE = [(re.compile(p, re.I | re.S), k) for p, k, _ in _KINDS]
# first word (upper case) -> the patterns that can match a statement starting with it, in order
_KINDS_BY_WORD: dict[str, list[tuple[re.Pattern, str]]] = {}
for (_rx, _kind), (_, _, _words) in zip(_KINDS_RE, _KINDS):
    for _w in _words.split():
        _KINDS_BY_WORD.setdefault(_w, []).append((_rx, _kind))
del _rx, _kind, _words, _w
_BEGIN_BLOCK = re.compile(r"BEGIN\s+(?:NOT\s+ATOMIC\b|\w+\s*:)", re.I)
_FIRST_WORD = re.compile(r"\w*")


def classify(sql: str) -> str:
    """The kind of a MySQL/SQLite statement, by the first of ``_KINDS`` that matches it. Each pattern
    starts with one of a few words (followed by a space, a word boundary or ``(``), so only the patterns
    for the statement's first word are tried: the word's letters are those the case-insensitive
    pattern matched, upper-cased as :func:`keyword_text` does."""
    if sql[:1].isalpha():  # (the splitter's statements start at their first word: nothing to skip)
        body = sql
    else:
        body = sql[lead_len(sql):]
        if not body.strip():
            return "Empty"
        if body.startswith("\\"):
            return "ClientCommand"
    for rx, kind in _KINDS_BY_WORD.get(keyword_text(_FIRST_WORD.match(body).group()), ()):
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
    start = m.end()
    for off, part in split_top(text[start:]):
        rest = part.lstrip()
        if rest:
            acts.append((start + off + len(part) - len(rest), rest.rstrip()))
    return table, acts


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
    start = m.end()
    i = _after_close(text, start)
    elems = []
    for off, part in split_top(text[start: i - 1]):
        rest = part.lstrip()
        if rest:
            elems.append((start + off + len(part) - len(rest), rest.rstrip()))
    return last_part(m.group(1)), elems, text[i:]


@lru_cache(maxsize=2048)
def create_table_head(sql: str) -> tuple[str | None, bool]:
    """:func:`create_table_parts`' table name, and whether it finds any element, without splitting the
    elements (``table`` and SL913, which read every CREATE TABLE, need no more): an element is any
    character between the parentheses but whitespace and a top-level comma, and every character but
    those (a quote, a parenthesis, a letter) is in some element."""
    text = strip_sql(sql)
    m = _CT_HEAD.match(text, lead_len(text))
    if not m:
        return None, False
    start = m.end()
    return last_part(m.group(1)), bool(text[start: _after_close(text, start) - 1].replace(",", "").strip())


def _after_close(text: str, pos: int) -> int:
    """The offset just past the ``)`` that closes a ``(`` opened before ``pos`` (parentheses in between
    nest), else ``len(text) + 1``."""
    depth = 1
    close = text.find(")", pos)
    while close >= 0:
        opening = text.find("(", pos, close)
        if opening >= 0:  # the next parenthesis opens
            depth += 1
            pos = opening + 1
            continue
        depth -= 1
        if depth == 0:
            return close + 1
        pos = close + 1
        close = text.find(")", pos)
    return len(text) + 1


_DML_TABLE = {
    "UpdateStmt": re.compile(r"UPDATE\s+(?:LOW_PRIORITY\s+|IGNORE\s+|OR\s+\w+\s+)*(" + _IDENT + ")", re.I),
    "DeleteStmt": re.compile(r"DELETE\s+(?:LOW_PRIORITY\s+|QUICK\s+|IGNORE\s+)*FROM\s+(" + _IDENT + ")", re.I),
    "InsertStmt": re.compile(r"(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+|LOW_PRIORITY\s+|IGNORE\s+|DELAYED\s+)*(?:INTO\s+)?(" + _IDENT + ")", re.I),
    "TruncateStmt": re.compile(r"TRUNCATE\s+(?:TABLE\s+)?(" + _IDENT + ")", re.I),
    "IndexStmt": re.compile(r"CREATE\s+.*?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?" + _IDENT + r"\s+ON\s+(" + _IDENT + ")", re.I | re.S),
    "CreateTrigStmt": re.compile(r"CREATE\s.*?TRIGGER\s.*?\bON\s+(" + _IDENT + ")", re.I | re.S),
}


def text_table(sql: str, kind: str, text: str | None = None) -> str | None:
    """The table a MySQL/SQLite statement of ``kind`` works on; ``text``: ``strip_sql(sql)`` when the
    caller has it."""
    rx = _DML_TABLE.get(kind)
    if rx is None:
        return None
    if text is None:
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
    last = ""
    for i in reversed(type_name.get("names") or ()):  # the last String of the name
        if "String" in i:
            last = i["String"]["sval"]
            break
    typmods = type_name.get("typmods")
    if not typmods:
        return last, []
    mods = []
    for m in typmods:
        val = m.get("A_Const", {}).get("ival", {})
        mods.append(val.get("ival", 0) if isinstance(val, dict) else None)
    return last, mods


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


# ---------------------------------------------------------------------------------------------------
# MySQL/SQLite column definitions (text)

_NOT_COLUMN = frozenset({"PRIMARY", "KEY", "UNIQUE", "INDEX", "CONSTRAINT", "FOREIGN", "CHECK", "FULLTEXT",
                         "SPATIAL", "PERIOD", "LIKE", "EXCLUDE"})
_COLDEF_RE = re.compile(
    r"(`[^`]+`|\"[^\"]+\"|\[[^\]]+\]|[\w$]+)\s+([A-Za-z_]\w*(?:\s+(?:varying|precision|unsigned))?)\s*(?:\(([^)]*)\))?",
    re.I | re.S)


def text_coldef(text: str) -> tuple[str, str, tuple[int, ...], str] | None:
    """``name type(mods) rest`` (one element of a stripped CREATE TABLE, or the text after ``ADD
    COLUMN``/``MODIFY``) -> (lower-cased name, lower-cased type, integer mods, rest), or None for a
    table constraint."""
    m = _COLDEF_RE.match(text)
    if not m or m.group(1).upper() in _NOT_COLUMN:
        return None
    g3 = m.group(3)
    mods = tuple(int(x) for x in _DIGITS.findall(g3)) if g3 else ()
    return norm_ident(m.group(1)) or "", " ".join(m.group(2).lower().split()), mods, text[m.end():]


_DIGITS = re.compile(r"\d+")
_OPEN_PAREN = re.compile(r"\s*\(")
_OLD_NAME = re.compile(r"(`[^`]+`|\"[^\"]+\"|[\w$]+)\s+")
_ALTER_COL_RE = re.compile(r"(ADD|MODIFY|CHANGE)(?:\s+COLUMN)?(?:\s+IF\s+(?:NOT\s+)?EXISTS)?\s+", re.I)


def text_alter_column(action: str) -> tuple[str, str | None, tuple | None] | None:
    """An ALTER TABLE action that defines a column: (verb, old name for CHANGE, coldef), else None."""
    m = _ALTER_COL_RE.match(action)
    if not m:
        return None
    verb, rest = m.group(1).upper(), action[m.end():]
    if verb == "ADD" and _OPEN_PAREN.match(rest):
        return None
    old = None
    if verb == "CHANGE":
        om = _OLD_NAME.match(rest)
        if not om:
            return None
        old, rest = norm_ident(om.group(1)), rest[om.end():]
    cd = text_coldef(rest)
    if cd is None:
        return None
    return verb, old, cd


def text_key_columns(text: str) -> list[str]:
    """``(a, b(10), `c` DESC)`` at the start of ``text`` -> ["a", "b", "c"]."""
    m = re.match(r"\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", text)
    if not m:
        return []
    out = []
    for _, part in split_top(m.group(1)):
        w = part.strip().split("(")[0].split()
        if w:
            out.append(norm_ident(w[0]) or "")
    return out


_DISTINCT_DEFAULT = re.compile(
    r"\s*(?:NULL\b|nextval\s*\(|gen_random_uuid\s*\(|uuid_generate_v4\s*\(|uuid\s*\(|\(\s*uuid\s*\()", re.I)


def text_default_repeats(rest: str) -> bool:
    """The rest of a MySQL/SQLite column definition added to a full table: does every existing row get
    the same non-NULL value (a constant DEFAULT)?"""
    if rx(r"\bAUTO_?INCREMENT\b").search(rest):
        return False
    m = rx(r"\bDEFAULT\b").search(rest)
    return bool(m) and not _DISTINCT_DEFAULT.match(rest, m.end())


def pg_default_repeats(cd: dict) -> bool:
    """A PostgreSQL ColumnDef added to an existing table: does every row get the same non-NULL value?"""
    if pg_type(cd.get("typeName"))[0] in SERIAL_TYPES:
        return False
    for c in pg_constraints(cd):
        if c.get("contype") == "CONSTR_IDENTITY":
            return False
        if c.get("contype") == "CONSTR_DEFAULT":
            expr = c.get("raw_expr") or {}
            if "A_Const" in expr and expr["A_Const"].get("isnull"):
                return False
            if "FuncCall" in expr:
                fn = (pg_names(expr["FuncCall"].get("funcname")) or [""])[-1]
                if fn in ("nextval", "gen_random_uuid", "uuid_generate_v4", "uuidv4", "uuidv7"):
                    return False
            return True
    return False


def client_command(exc) -> bool:
    """A ``SplitError`` that is a client command (``DELIMITER``, ``\\set``: SL316), not a syntax error."""
    return "DELIMITER" in exc.message or "command" in exc.message


# ---------------------------------------------------------------------------------------------------
# statement helpers the rules share (parse-tree locations, added columns and keys, transactions)


def loc(node: dict | None) -> int | None:
    """A pglast node's location (offset in the statement), or None."""
    if not node:
        return None
    v = node.get("location")
    return v if isinstance(v, int) and v >= 0 else None


def cmd_loc(cmd: dict) -> int | None:
    d = cmd.get("def") or {}
    for key in ("ColumnDef", "Constraint", "PartitionCmd"):
        if key in d:
            return loc(d[key]) if key != "PartitionCmd" else loc(d[key].get("name"))
    return None


def word_at(stmt, pattern: str, start: int = 0) -> int | None:
    """Offset of ``pattern`` (case-insensitive regex) in the stripped statement text."""
    m = re.compile(pattern, re.I | re.S).search(stmt.stripped, start)
    return m.start() if m else None


def added_columns(stmt):
    """PostgreSQL ``ADD COLUMN`` definitions: (cmd, ColumnDef)."""
    for c in pg_cmds(stmt.node):
        if c.get("subtype") == "AT_AddColumn" and "ColumnDef" in (c.get("def") or {}):
            yield c, c["def"]["ColumnDef"]


def added_constraints(stmt, *contypes):
    for c in pg_cmds(stmt.node):
        if c.get("subtype") == "AT_AddConstraint":
            con = (c.get("def") or {}).get("Constraint")
            if con and (not contypes or con.get("contype") in contypes):
                yield c, con


def coldef_constraints(coldef: dict, *contypes):
    return [c for c in pg_constraints(coldef) if not contypes or c.get("contype") in contypes]


def text_actions(stmt):
    """MySQL/SQLite ALTER TABLE actions: [(offset, text)] (offset into the statement)."""
    return alter_actions(stmt.sql)[1]


NEEDS_NO_TX_KINDS = frozenset({"IndexStmt", "DropStmt", "ReindexStmt", "AlterTableStmt", "VacuumStmt",
                               "CreatedbStmt", "DropdbStmt", "AlterSystemStmt"})


def needs_no_transaction(stmt) -> str | None:
    """Why a PostgreSQL statement cannot run in a transaction block, or None."""
    n, k = stmt.node, stmt.kind
    if n is None:
        return None
    if k == "IndexStmt" and n.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if k == "DropStmt" and n.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if k == "ReindexStmt" and any(p.get("DefElem", {}).get("defname") == "concurrently" for p in n.get("params", ()) or ()):
        return "REINDEX CONCURRENTLY"
    if k == "AlterTableStmt":
        for c in pg_cmds(n):
            if c.get("subtype") == "AT_DetachPartition" and (c.get("def") or {}).get("PartitionCmd", {}).get("concurrent"):
                return "DETACH PARTITION CONCURRENTLY"
        return None
    if k == "VacuumStmt" and n.get("is_vacuumcmd"):
        return "VACUUM"
    if k == "CreatedbStmt":
        return "CREATE DATABASE"
    if k == "DropdbStmt":
        return "DROP DATABASE"
    if k == "AlterSystemStmt":
        return "ALTER SYSTEM"
    return None


DDL_KINDS = frozenset({"CreateStmt", "AlterTableStmt", "IndexStmt", "DropStmt", "RenameStmt", "ViewStmt",
                       "CreateTrigStmt", "CreateFunctionStmt", "TruncateStmt", "CreateTableAsStmt", "CreatedbStmt",
                       "DropdbStmt", "Other"})
DML_KINDS = frozenset({"UpdateStmt", "DeleteStmt", "InsertStmt"})
LOCKING_KINDS = frozenset({"AlterTableStmt", "IndexStmt", "DropStmt", "RenameStmt", "TruncateStmt",
                           "CreateTrigStmt", "ReindexStmt", "ClusterStmt", "AlterEnumStmt"})


def has_key_words(stmt, words=("UNIQUE", "PRIMARY")) -> bool:
    """A cheap first test: could the statement define a unique or primary key at all?"""
    text = stmt.sql.upper()
    return any(w in text for w in words)


def added_keys(stmt, *contypes):
    """PostgreSQL ``ADD [CONSTRAINT] UNIQUE/PRIMARY KEY (…)`` and the same constraints written inside
    ``ADD COLUMN x … UNIQUE``: (constraint, [columns], the new ColumnDef or None)."""
    for _, con in added_constraints(stmt, *contypes):
        yield con, pg_names(con.get("keys")), None
    for _, cd in added_columns(stmt):
        for con in coldef_constraints(cd, *contypes):
            yield con, [cd.get("colname")], cd


def duplicates_impossible(ctx, table, cols) -> bool:
    """No duplicate can exist in ``cols`` of ``table``: a column of the key was added by this migration
    with NULL (or distinct) values, or the key contains an existing unique key."""
    if any(ctx.added_columns.get((table, c)) is False for c in cols):
        return True
    have = frozenset(cols)
    return bool(have) and any(u <= have for u in ctx.catalog.facts(table).uniques)


def tx_word(stmt) -> str:
    """BEGIN, COMMIT, ROLLBACK, PREPARE or OTHER for a TransactionStmt (any dialect)."""
    return next((a.word for a in stmt.actions if isinstance(a, Transaction)), "OTHER")


def transaction_of(ctx) -> dict[int, int]:
    """``id(statement) -> number of the transaction it runs in``: the whole migration (0) when the runner
    wraps it, else each explicit ``BEGIN … COMMIT`` block (1, 2, …); statements outside any are absent."""
    if ctx.transaction:
        return {id(st): 0 for st in ctx.up}
    out, current, n = {}, None, 0
    for st in ctx.up:
        if st.kind == "TransactionStmt":
            w = tx_word(st)
            if w == "BEGIN" and current is None:
                n += 1
                current = n
            elif w in ("COMMIT", "ROLLBACK"):
                current = None
            continue
        if current is not None:
            out[id(st)] = current
    return out


def drop_names(stmt) -> list[str]:
    """The objects a ``DROP`` statement names (the last part of each name)."""
    return [n for a in stmt.actions if isinstance(a, Drop) for n in a.names]


def drop_columns(stmt) -> list[tuple[str, int | None]]:
    """The columns an ``ALTER TABLE … DROP [COLUMN]`` drops, with their offsets (None: not known)."""
    return [(a.column, a.at) for a in stmt.actions if isinstance(a, DropColumn)]


# ---------------------------------------------------------------------------------------------------
# the manifest file itself, and as it was at a git ref (``--base``)

#: a YAML manifest that is only ``migrations:`` (and ``stingerloom: N``) listing plain file names, one
#: per line: its entries are the names as written (a plain scalar ending in ``.yaml``, ``.yml`` or
#: ``.toml``, of these characters, is a string to YAML), read without parsing YAML (and importing it)
_PLAIN_MANIFEST = re.compile(r"(?:stingerloom: [0-9]+\n)?migrations:\n"
                             r"((?:  - [A-Za-z0-9_][A-Za-z0-9_./-]*\.(?:yaml|yml|toml)\n)+)")


@lru_cache(maxsize=64)
def manifest_entries(path: str) -> tuple[str, list[str]]:
    """Raw text and the raw ``migrations`` entries of a manifest (for positions)."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except OSError:
        return "", ()
    plain = None if path.endswith(".toml") else _PLAIN_MANIFEST.fullmatch(raw)
    if plain is not None:
        return raw, tuple(line[4:] for line in plain.group(1).splitlines())
    return raw, _parsed_entries(raw, toml=path.endswith(".toml"))


def _parsed_entries(raw: str, toml: bool) -> tuple[str, ...]:
    """The string entries of ``migrations`` in the manifest text ``raw``, parsed (none if it is not
    valid)."""
    try:
        if toml:
            import tomllib

            data = tomllib.loads(raw)
        else:
            import yaml

            data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:
        return ()
    entries = data.get("migrations") if isinstance(data, dict) else None
    return tuple(e for e in entries or () if isinstance(e, str))


def git(args: list[str], cwd: Path) -> bytes | None:
    try:
        res = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout if res.returncode == 0 else None


MAX_BASE_BYTES = 200 * 1024 * 1024  # the manifest's folder at the git ref, as a tar


def extract_folder(root: Path, ref: str, folder: str, into: Path) -> None:
    """The files of ``folder`` at ``ref`` written under ``into`` (tar's "data" filter: no links out,
    no devices, no absolute paths); nothing when git cannot or the folder is too big."""
    import io
    import tarfile

    data = git(["archive", "--format=tar", ref, "--", folder], root)
    if not data or len(data) > MAX_BASE_BYTES:
        return
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            tf.extractall(into, filter="data")
    except (tarfile.TarError, OSError):
        return


def load_at_ref(manifest_path: str, ref: str):
    """The manifest as it was at ``ref`` (None if it did not exist there). Raises InputError when
    there is no repository or ``ref`` does not resolve (e.g. a shallow CI clone)."""
    mpath = Path(manifest_path).resolve()
    top = git(["rev-parse", "--show-toplevel"], mpath.parent)
    if top is None:
        raise InputError(f"--base {ref}: {manifest_path} is not inside a git repository (or git is not installed)",
                         hint="run lint from a git checkout, or drop --base")
    root = Path(top.decode().strip())
    rel = mpath.relative_to(root)
    if git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root) is None:
        shallow = (git(["rev-parse", "--is-shallow-repository"], root) or b"").strip() == b"true"
        raise InputError(
            f"--base {ref}: git cannot resolve {ref!r} in {root}"
            + (" (this clone is shallow)" if shallow else ""),
            hint="fetch the history first (e.g. `git fetch origin main`, or `fetch-depth: 0` with "
                 "actions/checkout); without it the edited-migration checks cannot run")
    text = git(["show", f"{ref}:{rel.as_posix()}"], root)
    if text is None:
        return None  # the manifest is new since REF
    import posixpath

    from stingerloom.manifest import read_manifest

    # The old files go to a throwaway folder, which is deleted once they are loaded (the loaded
    # migrations hold their SQL in memory), and never into the manifest cache.
    with tempfile.TemporaryDirectory(prefix="stingerloom-base-") as tmpdir:
        tmp = Path(tmpdir)
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_bytes(text)
        _, entries = manifest_entries(str(tmp / rel))
        # the manifest's whole folder as it was: includes, `directory:` entries and {file: x.sql}
        # blocks read files that the list does not name
        extract_folder(root, ref, rel.parent.as_posix() or ".", tmp)
        for e in entries:
            target = posixpath.normpath((rel.parent / e).as_posix())
            if posixpath.isabs(target) or target == ".." or target.startswith("../"):
                continue  # outside the repository: git has no such file, and it must not be written
            data = git(["show", f"{ref}:{target}"], root)
            if data is not None:
                out = tmp / target
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
        manifest, _problems = read_manifest(tmp / rel, use_cache=False)
    return manifest


# ---------------------------------------------------------------------------------------------------
# shared by several rules


NOT_COLUMN_WORD = re.compile(r"(CONSTRAINT|PRIMARY|FOREIGN|UNIQUE|KEY|INDEX|CHECK|FULLTEXT|SPATIAL)\b", re.I)


def drop_type(stmt) -> str | None:
    """What a ``DROP`` drops (``OBJECT_TABLE``, ``OBJECT_INDEX``, …), else None."""
    return next((a.kind for a in stmt.actions if isinstance(a, Drop)), None)


RENAME_TO = r"\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\S+)\s+RENAME\s+TO\s+(\S+?)\s*;?\s*\Z"


def rebuild_of(ctx, drop, table: str):
    """``DROP TABLE table`` as a step of the table rebuild (SQLite's 12 steps, also usable elsewhere):
    a table this migration created is filled from ``table`` by ``INSERT … SELECT … FROM table`` before
    the drop, and renamed to ``table`` after it. Returns that new table's name, else None."""
    i = next((k for k, st in enumerate(ctx.up) if st is drop), None)
    if i is None:
        return None
    for st in ctx.up[i + 1:]:
        m = rx_is(RENAME_TO).match(st.stripped) if st.kind in ("AlterTableStmt", "RenameStmt") else None
        if not m or last_part(m.group(2)) != table or not ctx.is_new(last_part(m.group(1))):
            continue
        new = last_part(m.group(1))
        filled = any(p.kind == "InsertStmt" and p.table == new
                     and rx(r"\bFROM\s+(?:\w+\.)?[`\"\[]?" + re.escape(table) + r"\b").search(p.stripped)
                     for p in ctx.up[:i])
        return new if filled else None
    return None


def renames_in(stmt):
    """(kind, old, new, offset) for table and column renames."""
    for a in stmt.actions:
        if isinstance(a, Rename):
            yield a.kind, a.old, a.new, a.at


def manifest_at_base(run, path: str):
    """The manifest at ``--base REF`` (read once per run; None without --base or when it is new since REF).
    An unusable ref is an InputError (exit 2), never a silent pass."""
    ref = run.options.base
    if not ref:
        return None
    return run.memo(("base", path, ref), lambda: load_at_ref(path, ref))


def ignore_form(ig) -> str:
    return "ignore-file" if ig.file_level else "ignore"


def concurrent_param(node) -> bool:
    return any(p.get("DefElem", {}).get("defname") == "concurrently" for p in node.get("params", ()) or ())


def mysql_adds(stmt, what: str) -> list[int]:
    """Offsets of MySQL ``ADD [CONSTRAINT [name]] <what>`` actions."""
    return [off for off, act in text_actions(stmt)
            if rx(r"ADD\s+(?:CONSTRAINT\s+(?:(?!FOREIGN\b|CHECK\b)\S+\s+)?)?" + what).match(act)]


def report_at_statement(rule, ctx, st, message: str, at: int | None = None) -> None:
    ctx.run.add(rule, message, st.source.file, *st.pos(at), ctx.migration, ctx.dialect)


def blank_sql(text: str) -> bool:
    head = text.lstrip()
    if head and not head.startswith(("--", "/*", "#")):
        return False  # fast path: real text before any comment
    from stingerloom.sqltext import is_blank

    return is_blank(text)


def text_pos(text: str, needle: str) -> tuple[int, int]:
    i = text.find(needle)
    if i < 0:
        return 1, 1
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


LOADER_CODES = ("SL102", "SL103")


def report_loader_problems(rule, run, path: str) -> None:
    """The loader's problems of this rule's code (SL101 takes every other one)."""
    for p in run.problems:
        code = p.code if p.code in LOADER_CODES else "SL101"
        if code == rule.code:
            msg = p.message + (f" (key: {p.key})" if p.key and p.key not in p.message else "")
            run.add(rule, msg, p.file or path, p.line, p.column, None, None)


COLUMN_KINDS = frozenset({"CreateStmt", "AlterTableStmt"})


def coldefs(stmt):
    """Every ColumnDef a PostgreSQL CREATE TABLE, ALTER TABLE … ADD COLUMN or ALTER COLUMN … TYPE
    defines (the last with the column's name filled in)."""
    if stmt.kind == "CreateStmt":
        for el in stmt.node.get("tableElts", ()) or ():
            if "ColumnDef" in el:
                yield el["ColumnDef"]
    else:
        for _, cd in added_columns(stmt):
            yield cd
        for c in pg_cmds(stmt.node):
            cd = (c.get("def") or {}).get("ColumnDef")
            if c.get("subtype") == "AT_AlterColumnType" and cd:
                yield {**cd, "colname": c.get("name")}


def column_types(stmt) -> list:
    """(ColumnDef, type name, typmods) of each :func:`coldefs` of a PostgreSQL statement, worked out once
    for the rules that check column types."""
    return stmt.memo("column_types", lambda: [(cd, *pg_type(cd.get("typeName"))) for cd in coldefs(stmt)])


def is_setting(stmt, names: tuple[str, ...]) -> bool:
    """The statement gives one of the settings ``names`` a value (RESET and ``= DEFAULT`` do not)."""
    if stmt.kind != "VariableSetStmt":
        return False
    return any(isinstance(a, SetVariable) and a.name in names and not a.reset for a in stmt.actions)


#: the kinds :func:`takes_locks` can say yes to (a cheap test first in a loop over every statement)
LOCK_CANDIDATE_KINDS = LOCKING_KINDS | {"LockStmt", "Other"}


def takes_locks(stmt, ctx) -> bool:
    if stmt.kind in ("LockStmt", "Other"):  # LOCK TABLE (SHARE and stronger), MySQL LOCK TABLES
        return stmt.readable and any(a.blocks_writes for a in stmt.actions if isinstance(a, Lock))
    if stmt.kind not in LOCKING_KINDS:
        return False
    if (stmt.kind in ("IndexStmt", "DropStmt") and "CONCURRENTLY" in stmt.upper
            and any(a.concurrent for a in stmt.actions if isinstance(a, (CreateIndex, Drop)))):
        return False
    if stmt.kind in ("AlterTableStmt", "IndexStmt", "CreateTrigStmt") and ctx.is_new(stmt.table):
        return False
    if stmt.kind == "DropStmt" and stmt.node is None and not rx(r"\s*DROP\s+(TABLE|INDEX)").match(stmt.stripped):
        return False
    return True
