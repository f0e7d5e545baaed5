"""Portable column types, their spelling per dialect, and normalisation for comparison.

Three forms of a type string:

* the *declared* form: what a schema file says (``varchar(100)``, ``VARCHAR(100)``, ``int4``);
* the *native* form, :func:`native_type`: the dialect's canonical spelling, lower case, used to
  compare (``character varying(100)``, ``varchar(100)`` and ``VARCHAR(100)`` all become
  ``varchar(100)`` on PostgreSQL);
* the *portable* form, :func:`portable_type`: the portable name when one maps to that native type
  (``tinyint(1)`` on MySQL reads back as ``boolean``), else the native form. Introspection stores
  this form, so a live table can be rendered for another dialect and dumped as a schema file.

Two types are the same on a dialect when their native forms are equal. A type that is neither
portable nor known is passed through as written (normalised for case and spacing only).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..dialects import NAMES as DIALECTS  # noqa: F401  (the names, kept importable from here)

PORTABLE = ("integer", "bigint", "smallint", "varchar", "text", "boolean", "date", "timestamp",
            "numeric", "real", "double", "json", "uuid", "blob")

# portable base name -> native spelling per dialect; "{args}" receives "(n)" or "(p,s)".
_RENDER: dict[str, dict[str, str]] = {
    "postgres": {
        "integer": "integer", "bigint": "bigint", "smallint": "smallint", "varchar": "varchar{args}",
        # timestamptz and jsonb, as lint advises (SL905, SL906); see native_type for the explicit forms
        "text": "text", "boolean": "boolean", "date": "date", "timestamp": "timestamp{args} with time zone",
        "numeric": "numeric{args}", "real": "real", "double": "double precision", "json": "jsonb",
        "uuid": "uuid", "blob": "bytea",
    },
    "mysql": {
        "integer": "int", "bigint": "bigint", "smallint": "smallint", "varchar": "varchar{args}",
        "text": "text", "boolean": "tinyint(1)", "date": "date", "timestamp": "datetime",
        "numeric": "decimal{args}", "real": "float", "double": "double", "json": "json",
        "uuid": "char(36)", "blob": "longblob",
    },
    # SQLite has one integer type (64-bit, INTEGER affinity), and AUTOINCREMENT demands its name.
    "sqlite": {
        "integer": "integer", "bigint": "integer", "smallint": "integer", "varchar": "varchar{args}",
        "text": "text", "boolean": "boolean", "date": "date", "timestamp": "timestamp",
        "numeric": "numeric{args}", "real": "real", "double": "double", "json": "text",
        "uuid": "char(36)", "blob": "blob",
    },
}

# Native aliases -> canonical native base name, per dialect (after lower-casing and spacing).
_ALIASES: dict[str, dict[str, str]] = {
    "postgres": {
        "int": "integer", "int4": "integer", "serial": "integer", "int8": "bigint", "bigserial": "bigint",
        "int2": "smallint", "smallserial": "smallint", "character varying": "varchar", "bool": "boolean",
        "timestamptz": "timestamp with time zone",
        "time without time zone": "time", "timetz": "time with time zone", "float8": "double precision",
        "double": "double precision", "float4": "real", "decimal": "numeric", "character": "char",
        "bpchar": "char", "varbit": "bit varying",
    },
    "mysql": {
        "integer": "int", "bool": "tinyint(1)", "boolean": "tinyint(1)", "character varying": "varchar",
        "numeric": "decimal", "dec": "decimal", "double precision": "double", "real": "double",
        "character": "char", "timestamp": "datetime",
    },
    "sqlite": {
        "int": "integer", "tinyint": "integer", "mediumint": "integer", "int2": "integer", "int8": "integer",
        "character varying": "varchar", "bool": "boolean", "double precision": "double", "decimal": "numeric",
    },
}

# Canonical native -> portable, per dialect (inverse of _RENDER, with the ambiguous ones chosen).
_PORTABLE_OF: dict[str, dict[str, str]] = {
    "postgres": {"integer": "integer", "bigint": "bigint", "smallint": "smallint", "varchar": "varchar",
                 "text": "text", "boolean": "boolean", "date": "date", "timestamp with time zone": "timestamp",
                 "numeric": "numeric", "real": "real", "double precision": "double", "jsonb": "json",
                 "uuid": "uuid", "bytea": "blob"},
    "mysql": {"int": "integer", "bigint": "bigint", "smallint": "smallint", "varchar": "varchar",
              "text": "text", "tinyint(1)": "boolean", "date": "date", "datetime": "timestamp",
              "decimal": "numeric", "float": "real", "double": "double", "json": "json",
              "char(36)": "uuid", "longblob": "blob"},
    "sqlite": {"integer": "integer", "varchar": "varchar",
               "text": "text", "boolean": "boolean", "date": "date", "timestamp": "timestamp",
               "numeric": "numeric", "real": "real", "double": "double", "char(36)": "uuid", "blob": "blob"},
}

_INT_DISPLAY_WIDTH = re.compile(r"^(tinyint|smallint|mediumint|int|bigint)\(\d+\)")
_SPLIT = re.compile(r"^\s*([a-z_][a-z0-9_]*(?: [a-z_][a-z0-9_]*)*)\s*(\([^)]*\))?\s*(.*?)\s*$")
_MODIFIERS = (" unsigned", " signed", " zerofill")


def _clean(text: str) -> str:
    text = " ".join(str(text).strip().lower().split())
    text = re.sub(r"\s*\(\s*", "(", text)
    text = re.sub(r"\s*\)", ")", text)
    text = re.sub(r"\s*\[", "[", text)
    return re.sub(r"\s*,\s*", ",", text)


def _split(text: str) -> tuple[str, str, str]:
    """``name``, ``(args)`` and the rest (``unsigned``, ``[]``...) of a cleaned type string."""
    m = _SPLIT.match(text)
    if not m:
        return text, "", ""
    name, args, rest = m.group(1).strip(), m.group(2) or "", m.group(3) or ""
    for mod in _MODIFIERS:
        if mod in name:
            i = name.index(mod)
            name, rest = name[:i], (name[i:].strip() + " " + rest).strip()
    return name, args, rest


# PostgreSQL's own `json` (the portable `json` is jsonb there): the spelling that keeps it json.
PG_NATIVE_JSON = "pg_catalog.json"
_PG_TIMESTAMP = re.compile(r"timestamp(tz)?(?: (with|without) time zone)?")


@lru_cache(maxsize=4096)
def native_type(type_str: str, dialect: str) -> str:
    """The canonical native spelling of a declared or introspected type on ``dialect``.

    Portable names are rendered for the dialect first; aliases, letter case, spacing and (MySQL)
    integer display widths are normalised, so equal types compare equal.
    """
    text = _clean(type_str)
    name, args, rest = _split(text)
    if dialect == "postgres":
        if text == PG_NATIVE_JSON:
            return text
        m = _PG_TIMESTAMP.fullmatch(name)
        if m and rest in ("", "with time zone", "without time zone"):
            # the portable `timestamp` is timestamptz; only the explicit spelling is without time zone
            without = m.group(2) == "without" or rest == "without time zone"
            return f"timestamp{args} {'without' if without else 'with'} time zone"
    if dialect == "postgres" and rest == "without time zone":
        rest = ""
    if dialect == "mysql" and name in ("tinyint", "smallint", "mediumint", "int", "integer", "bigint"):
        if name == "tinyint" and args == "(1)":
            name = "boolean"
        args = ""
    if name in PORTABLE:
        render = _RENDER[dialect][name]
        if "{args}" in render:
            out = render.format(args=args)
        elif args and not (dialect == "mysql" and name == "boolean"):
            out = render + args
        else:
            out = render
    else:
        out = _ALIASES[dialect].get(name, name) + args
    if dialect == "postgres" and out.startswith("numeric(") and "," not in out:
        out = out[:-1] + ",0)"
    if dialect == "mysql" and out.startswith("decimal"):
        if out == "decimal":
            out = "decimal(10,0)"
        elif "," not in out:
            out = out[:-1] + ",0)"
    if rest.startswith("["):
        return out + rest
    return (out + (" " + rest if rest else "")).strip()


def portable_type(native: str, dialect: str) -> str:
    """The portable name of a native type where one maps to it, else the native spelling."""
    if dialect == "postgres" and _clean(native) == "json":
        return PG_NATIVE_JSON  # a json column read from the server: not the portable json (jsonb)
    canon = native_type(native, dialect)
    name, args, rest = _split(canon)
    if rest:
        return canon
    key = canon if canon in _PORTABLE_OF[dialect] else name
    portable = _PORTABLE_OF[dialect].get(key)
    if portable is None:
        return canon
    if portable in ("varchar", "numeric") and args:
        out = portable + args
    elif key == canon:
        out = portable
    else:
        return canon
    # only claim the portable name when it renders back to the same native type
    return out if native_type(out, dialect) == canon else canon


def render_type(type_str: str, dialect: str) -> str:
    """The type as written into generated SQL (upper case native spelling)."""
    return native_type(type_str, dialect).upper()


def base_name(type_str: str) -> str:
    return _split(_clean(type_str))[0]


def type_args(type_str: str) -> tuple[int, ...]:
    _name, args, _rest = _split(_clean(type_str))
    if not args:
        return ()
    try:
        return tuple(int(a) for a in args.strip("()").split(",") if a.strip())
    except ValueError:
        return ()


_WIDTH_RANK = {"smallint": 1, "integer": 2, "int": 2, "bigint": 3, "real": 1, "float": 1,
               "double precision": 2, "double": 2}


def is_narrowing(old: str, new: str, dialect: str) -> bool:
    """True when changing a column from ``old`` to ``new`` can lose or reject existing data."""
    a, b = native_type(old, dialect), native_type(new, dialect)
    if a == b:
        return False
    na, nb = base_name(a), base_name(b)
    if na == nb:
        aa, ba = type_args(a), type_args(b)
        if aa and ba:
            if len(aa) == 2 and len(ba) == 2:  # numeric(p,s)
                return ba[0] - ba[1] < aa[0] - aa[1] or ba[1] < aa[1]
            return ba[0] < aa[0]
        return bool(ba) and not aa  # text-like without limit -> limited
    if na in _WIDTH_RANK and nb in _WIDTH_RANK and (na in ("real", "float", "double", "double precision")) == (
            nb in ("real", "float", "double", "double precision")):
        return _WIDTH_RANK[nb] < _WIDTH_RANK[na]
    if na in ("varchar", "char") and nb in ("text", "longtext", "mediumtext"):
        return False
    return True


_STRING_BASES = {"varchar", "char", "text", "longtext", "mediumtext", "tinytext", "character", "uuid",
                 "json", "enum", "set", "clob"}
_NUMERIC_BASES = {"integer", "int", "bigint", "smallint", "tinyint", "mediumint", "numeric", "decimal",
                  "real", "float", "double", "double precision"}


def is_string_type(type_str: str, dialect: str) -> bool:
    n = base_name(native_type(type_str, dialect))
    return n in _STRING_BASES or n.startswith("varchar") or n.startswith("char")


def is_numeric_type(type_str: str, dialect: str) -> bool:
    canon = native_type(type_str, dialect)
    return base_name(canon) in _NUMERIC_BASES and canon != "tinyint(1)"


def is_boolean_type(type_str: str, dialect: str) -> bool:
    canon = native_type(type_str, dialect)
    return canon in ("boolean", "tinyint(1)")


# -- defaults ---------------------------------------------------------------------------------------
_CAST = re.compile(r"::\s*[a-z_][a-z0-9_ ]*(\(\s*\d+(\s*,\s*\d+)?\s*\))?(\[\])?\s*$", re.I)
_NOW = {"current_timestamp", "current_timestamp()", "now()", "localtimestamp", "localtimestamp()",
        "current_timestamp(0)"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def paren_group(text: str, start: int) -> tuple[str, int]:
    """The text inside the parenthesis opening at or after ``start`` (string literals skipped),
    and the index just after its closing parenthesis."""
    i = text.find("(", start)
    depth, j, in_str = 0, i, False
    while j < len(text):
        ch = text[j]
        if ch == "'":
            in_str = not in_str
        elif not in_str:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    return text[i + 1:j].strip(), j + 1
        j += 1
    return text[i + 1:].strip(), len(text)


def _strip_parens(text: str) -> str:
    while text.startswith("("):
        inner, end = paren_group(text, 0)
        if end != len(text):
            break
        text = inner
    return text


def default_sql(value) -> str | None:
    """A declared ``default`` (YAML may give a bool or a number) as SQL text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


@lru_cache(maxsize=8192)
def normalize_default(expr: str | None, type_str: str, dialect: str) -> str | None:
    """A canonical form of a default expression, so the declared and the live one compare equal.

    ``'free'::character varying`` and ``'free'`` are equal; ``now()``, ``current_timestamp()`` and
    ``CURRENT_TIMESTAMP`` are equal; ``0``, ``(0)`` and ``'0'`` on a numeric column are equal;
    ``1``/``true`` on a boolean column are equal; ``NULL`` is no default.
    """
    if expr is None:
        return None
    text = str(expr).strip()
    if not text:
        return None
    for _ in range(4):
        text = _strip_parens(text)
        new = _CAST.sub("", text).strip()
        if new == text:
            break
        text = new
    low = text.lower()
    if low == "null":
        return None
    if low in _NOW or low.startswith("current_timestamp("):
        return "current_timestamp"
    if low in ("current_date", "curdate()", "current_date()"):
        return "current_date"
    if is_boolean_type(type_str, dialect):
        unq = low.strip("'")
        if unq in ("1", "true", "t", "b'1'"):
            return "true"
        if unq in ("0", "false", "f", "b'0'"):
            return "false"
    if is_numeric_type(type_str, dialect):
        unq = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text
        if _NUMBER.match(unq.strip()):
            from decimal import Decimal

            d = Decimal(unq.strip()).normalize()
            return format(d, "f") if d == d.to_integral() or "E" not in str(d) else str(d)
    if is_string_type(type_str, dialect) and not (text.startswith("'") or "(" in text):
        # MySQL 8 reports string defaults without their quotes
        if dialect == "mysql" and low not in ("current_timestamp",):
            return "'" + text.replace("'", "''") + "'"
    if text.startswith("'") and text.endswith("'"):
        return text
    return low if re.fullmatch(r"[a-z_][a-z0-9_]*(\(\))?", low) else text
