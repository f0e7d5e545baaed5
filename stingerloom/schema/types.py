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

from ..dialects import schema_impl

PORTABLE = ("integer", "bigint", "smallint", "varchar", "text", "boolean", "date", "timestamp",
            "numeric", "real", "double", "json", "uuid", "blob")

# The spelling of each portable type per dialect, the native aliases and the way back to portable
# names are the dialect's: ``render_types``, ``type_aliases`` and ``portable_of`` of its SchemaImpl
# (stingerloom/dialects/schema_*.py), with hooks for what a table cannot say.

_SPLIT = re.compile(r"^\s*([a-z_][a-z0-9_]*(?: [a-z_][a-z0-9_]*)*)\s*(\([^)]*\))?\s*(.*?)\s*$")
_MODIFIERS = (" unsigned", " signed", " zerofill")


_QUOTED = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`)""")


def _case_outside_quotes(text: str, change) -> str:
    """``text`` with ``change`` (str.lower/str.upper) applied outside its quoted parts: the values
    of ``enum('a','B')`` and a quoted type name (``"Mood"``) keep their case."""
    if not any(q in text for q in "'\"`"):
        return change(text)
    parts = _QUOTED.split(text)  # odd indexes are the quoted parts
    return "".join(p if i % 2 else change(p) for i, p in enumerate(parts))


def _clean(text: str) -> str:
    text = _case_outside_quotes(" ".join(str(text).strip().split()), str.lower)
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


@lru_cache(maxsize=4096)
def native_type(type_str: str, dialect: str) -> str:
    """The canonical native spelling of a declared or introspected type on ``dialect``.

    Portable names are rendered for the dialect first; aliases, letter case, spacing and (MySQL)
    integer display widths are normalised, so equal types compare equal.
    """
    impl = schema_impl(dialect)
    text = _clean(type_str)
    name, args, rest = _split(text)
    special = impl.special_native(text, name, args, rest)
    if special is not None:
        return special
    name, args, rest = impl.adjust_type(name, args, rest)
    if name in PORTABLE:
        render = impl.render_types[name]
        if "{args}" in render:
            out = render.format(args=args)
        elif args and name not in impl.fixed_args:
            out = render + args
        else:
            out = render
    else:
        out = impl.type_aliases.get(name, name) + args
    out = impl.finish_type(out)
    if rest.startswith("["):
        return out + rest
    return (out + (" " + rest if rest else "")).strip()


def portable_type(native: str, dialect: str) -> str:
    """The portable name of a native type where one maps to it, else the native spelling."""
    impl = schema_impl(dialect)
    special = impl.special_portable(_clean(native))
    if special is not None:
        return special
    canon = native_type(native, dialect)
    name, args, rest = _split(canon)
    if rest:
        return canon
    key = canon if canon in impl.portable_of else name
    portable = impl.portable_of.get(key)
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
    return _case_outside_quotes(native_type(type_str, dialect), str.upper)


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
    text = _unwrap_default(text)
    low = text.lower()
    if low == "null":
        return None
    if low in _NOW or low.startswith("current_timestamp("):
        return "current_timestamp"
    if low in ("current_date", "curdate()", "current_date()"):
        return "current_date"
    typed = _typed_default(text, low, type_str, dialect)
    if typed is not None:
        return typed
    if text.startswith("'") and text.endswith("'"):
        return text
    if re.fullmatch(r"[a-z_][a-z0-9_]*(\(\))?", low):
        return low
    # an expression: servers print their own spacing, case and casts (MariaDB: concat('a', 'B')
    # reads back concat('a','B'), PostgreSQL: concat('a'::text, 'B'::text)); both are compared
    # without them, outside quotes
    return _case_outside_quotes(text, lambda part: _INNER_CAST.sub("", "".join(part.split()).lower()))


_INNER_CAST = re.compile(r"::[a-z_][a-z0-9_]*(\(\d+(,\d+)?\))?(\[\])?")


def _unwrap_default(text: str) -> str:
    """``text`` without enclosing parentheses and trailing casts (``('x')::text`` -> ``'x'``)."""
    for _ in range(4):
        text = _strip_parens(text)
        new = _CAST.sub("", text).strip()
        if new == text:
            break
        text = new
    return text


def _typed_default(text: str, low: str, type_str: str, dialect: str) -> str | None:
    """The canonical form of a boolean, numeric or (unquoted) string default, or None."""
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
    if (schema_impl(dialect).unquoted_string_defaults and low != "current_timestamp"
            and is_string_type(type_str, dialect) and not (text.startswith("'") or "(" in text)):
        return "'" + text.replace("'", "''") + "'"
    return None
