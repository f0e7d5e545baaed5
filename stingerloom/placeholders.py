"""``${name}`` placeholders in migration SQL (SPEC §9), replaced before the SQL runs.

* A placeholder is ``${`` + a name (letters, digits, ``_``, not starting with a digit) + ``}``.
  Anything else that starts with ``${`` (``${"a": 1}`` in a JSON literal, ``$tag${`` ...) is left
  as written.
* ``$${`` is a literal ``${`` (so ``$${name}`` runs as ``${name}``, and ``$$${`` as ``$${``: the
  way to write a ``$$`` dollar-quoted body that starts with ``{``).
* Replacement happens everywhere in the text, inside string literals and PostgreSQL dollar-quoted
  bodies too, as Flyway does: a function body can use ``${schema}``.
* A migration with ``placeholders: false`` (or ``placeholders:false`` on a ``-- migrate:up`` line)
  is taken verbatim: neither ``${`` nor ``$${`` is touched.
* The checksum is taken of the text *before* replacement, so every environment shares it; except for
  a repeatable migration, whose checksum is of the SQL as it runs, so that a changed value re-applies it.

These are not the manifest's ``${VAR}`` (which reads the OS environment in ``database``,
``history_table`` and paths): placeholder values come from the configuration's
``[environments.NAME] placeholders`` and from ``--set name=value``. A value may itself hold a
``${VAR}`` of the OS environment, expanded only when the placeholder is used.

This module imports nothing heavy: the CLI uses it on every apply.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping

from .errors import ManifestError, Problem
from .migration import SqlMigration, SqlSource, checksum

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

_TOKEN = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# a placeholder whose name says it holds a secret: `config` shows it as ***, an error never echoes it
SECRET_NAME = re.compile(r"(?i)pass|secret|token|credential|key")

#: a value getter: name -> value, or raises KeyError when the name is not defined
Values = Mapping[str, str]


class BoundSource:
    """A :class:`SqlSource` after replacement: ``text`` is what runs, ``position`` maps back to the file.

    Same interface as SqlSource (``text``, ``file``, ``line``, ``column``, ``position``); ``raw`` is
    the source as written.
    """

    __slots__ = ("raw", "text", "_new", "_old", "_len")

    def __init__(self, raw: SqlSource, text: str, new: list[int], old: list[int], lengths: list[int]) -> None:
        self.raw = raw
        self.text = text
        self._new, self._old, self._len = new, old, lengths

    file = property(lambda self: self.raw.file)
    line = property(lambda self: self.raw.line)
    column = property(lambda self: self.raw.column)
    indent = property(lambda self: self.raw.indent)
    exact = property(lambda self: self.raw.exact)

    def position(self, offset: int) -> tuple[int | None, int | None]:
        """File (line, column) of character ``offset`` of the replaced text."""
        k = bisect.bisect_right(self._new, offset) - 1
        if k < 0:
            return self.raw.position(offset)
        start_new, start_old, new_len = self._new[k], self._old[k], self._len[k]
        if offset < start_new + new_len:  # inside a replaced value: the placeholder's own position
            return self.raw.position(start_old)
        old_len = _token_len(self.raw.text, start_old)
        return self.raw.position(start_old + old_len + (offset - start_new - new_len))

    def _raw_offset(self, offset: int, end: bool = False) -> int:
        k = bisect.bisect_right(self._new, offset) - 1
        if k < 0:
            return offset
        start_new, start_old, new_len = self._new[k], self._old[k], self._len[k]
        old_len = _token_len(self.raw.text, start_old)
        if offset < start_new + new_len:  # inside a value: from its placeholder's start, or to its end
            return start_old + (old_len if end and offset > start_new else 0)
        return start_old + old_len + (offset - start_new - new_len)

    def shown(self, start: int, end: int) -> str:
        """``text[start:end]`` as an error may echo it: after replacement, except that a placeholder whose
        name says it holds a secret (``${app_password}``) stays as written."""
        lo, hi = self._raw_offset(start), self._raw_offset(end, end=True)
        raw, out, i = self.raw.text, [], lo
        for k in range(bisect.bisect_left(self._old, lo), len(self._old)):
            at = self._old[k]
            if at >= hi:
                break
            m = _TOKEN.match(raw, at)
            out.append(raw[i:at])
            secret = m.group(1) is not None and SECRET_NAME.search(m.group(1))
            out.append(m.group(0) if secret else self.text[self._new[k]:self._new[k] + self._len[k]])
            i = m.end()
        out.append(raw[i:hi])
        return "".join(out)

    def masked(self, message: str) -> str:
        """``message`` (a database's own error text) with the value of every secret placeholder of this
        source replaced by ``***``, and each word of it: ``PASSWORD ${app_password}`` written without
        quotes gets the value (or the token the parser stopped at) quoted back in the server's syntax
        error. Parts shorter than 3 characters are left (they would mask unrelated text)."""
        raw = self.raw.text
        for k, at in enumerate(self._old):
            m = _TOKEN.match(raw, at)
            if m is None or m.group(1) is None or not SECRET_NAME.search(m.group(1)):
                continue
            value = self.text[self._new[k]:self._new[k] + self._len[k]]
            # the value, then its words: a server's parser quotes the token it stopped at
            for part in sorted({value, *re.split(r"[^\w]+", value)}, key=len, reverse=True):
                if len(part) >= 3:
                    message = message.replace(part, "***")
        return message

    def __repr__(self) -> str:
        return f"BoundSource({self.text!r}, file={self.file!r}, line={self.line!r})"


def _token_len(text: str, at: int) -> int:
    m = _TOKEN.match(text, at)
    return m.end() - at if m else 0


def names(text: str) -> list[tuple[str, int]]:
    """``(name, offset)`` of every placeholder of ``text``, in order (``$${`` escapes skipped)."""
    if "${" not in text:
        return []
    return [(m.group(1), m.start()) for m in _TOKEN.finditer(text) if m.group(1)]


def substitute(source: SqlSource, value: Callable[[str], str]) -> SqlSource | BoundSource:
    """``source`` with its placeholders replaced by ``value(name)`` (which raises KeyError when undefined)."""
    text = source.text
    if "${" not in text:
        return source
    out: list[str] = []
    new: list[int] = []
    old: list[int] = []
    lengths: list[int] = []
    i = size = 0
    for m in _TOKEN.finditer(text):
        out.append(text[i:m.start()])
        size += m.start() - i
        replacement = "${" if m.group(1) is None else value(m.group(1))
        new.append(size)
        old.append(m.start())
        lengths.append(len(replacement))
        out.append(replacement)
        size += len(replacement)
        i = m.end()
    out.append(text[i:])
    return BoundSource(source, "".join(out), new, old, lengths)


def stand_in(name: str) -> str:
    """A neutral value for lint when a placeholder has no value: a plain identifier."""
    return f"ph_{name}"


class BoundMigration(SqlMigration):
    """A :class:`SqlMigration` whose ``up_sql``/``down_sql`` return the replaced SQL.

    ``checksum`` stays that of the SQL as written (before replacement), except for a repeatable
    migration: a changed placeholder value changes what it defines, so it must be re-applied.
    """

    def __init__(self, base: SqlMigration, value: Callable[[str], str]) -> None:
        super().__init__(base.id, up=base.up_sources, down=base.down_sources, description=base.description,
                         transaction=base.transaction, irreversible=base.irreversible,
                         source_file=base.source_file, source_line=base.source_line,
                         repeatable=base.repeatable)
        self.placeholders = True
        self.base = base
        self._value = value
        self._bound: dict[int, Any] = {}

    def _bind(self, src: SqlSource | None):
        if src is None:
            return None
        key = id(src)
        if key not in self._bound:
            self._bound[key] = substitute(src, self._value)
        return self._bound[key]

    def up_sql(self, dialect: str):
        return self._bind(super().up_sql(dialect))

    def down_sql(self, dialect: str):
        return self._bind(super().down_sql(dialect))

    def checksum(self, dialect: str) -> str | None:
        if self.repeatable:
            src = self.up_sql(dialect)
            return checksum(src.text) if src is not None else None
        return self.base.checksum(dialect)

    def source_checksum(self, dialect: str) -> str | None:
        return self.base.checksum(dialect)


def _uses(migrations: list, dialects: tuple[str, ...]):
    """``(migration, block, raw source, name, offset)`` of every placeholder the dialects' SQL uses."""
    for m in migrations:
        if not isinstance(m, SqlMigration) or not getattr(m, "placeholders", True):
            continue
        for dialect in dialects:
            for block, src in (("up", m.up_sql(dialect)), ("down", m.down_sql(dialect))):
                if src is None:
                    continue
                raw = getattr(src, "raw", src)
                for name, offset in names(raw.text):
                    yield m, block, raw, name, offset


def undefined(migrations: list, defined: Callable[[str], bool], dialects: tuple[str, ...]) -> list[Problem]:
    """A problem at file:line:column for every use of a placeholder that ``defined`` refuses."""
    return _undefined(_uses(migrations, dialects), defined)


def _undefined(uses, defined: Callable[[str], bool]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple] = set()
    for m, block, raw, name, offset in uses:
        if defined(name):
            continue
        line, column = raw.position(offset)
        key = (raw.file, line, column, name)
        if key in seen:
            continue
        seen.add(key)
        where = f"migration {m.id}, {block}"
        if _in_comment(raw.text, offset):
            where += f"; in a comment, where placeholders are replaced too: $${{{name}}} keeps it as text"
        problems.append(Problem(f"placeholder ${{{name}}} has no value ({where})",
                                raw.file, line, column, key=name, code="SL101"))
    return problems


def _in_comment(text: str, offset: int) -> bool:
    """Whether ``offset`` of SQL ``text`` is inside a ``--`` or ``/* */`` comment (quotes skipped)."""
    i, quote = 0, None
    while i < offset:
        ch = text[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"`":
            quote = ch
        elif text.startswith("--", i):
            end = text.find("\n", i)
            if end == -1 or end > offset:
                return True
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end == -1 or end + 2 > offset:
                return True
            i = end + 1
        i += 1
    return False


def _has_token(m: SqlMigration) -> bool:
    """Whether any SQL of ``m`` holds ``${`` (a placeholder or a ``$${`` escape)."""
    return any("${" in src.text for sources in (m.up_sources, m.down_sources) for src in sources.values())


def bind(migrations: list, value: Callable[[str], str]) -> list:
    """Every SQL migration that takes placeholders wrapped in a :class:`BoundMigration` (one whose SQL
    holds no ``${`` is left as it is: wrapped, it would give the same SQL and checksums)."""
    out = []
    for m in migrations:
        if isinstance(m, SqlMigration) and not isinstance(m, BoundMigration) and getattr(m, "placeholders", True) \
                and _has_token(m):
            m = BoundMigration(m, value)
        out.append(m)
    return out


def bind_strict(migrations: list, values: "PlaceholderValues", dialect: str) -> list:
    """:func:`bind`, after checking that every placeholder the dialect's SQL uses has a value.

    Raises :class:`ManifestError` listing every undefined placeholder (at file:line) before
    anything runs.
    """
    uses = list(_uses(migrations, (dialect,)))
    problems = _undefined(uses, values.defined)
    if problems:
        raise ManifestError(problems, hint=values.hint())
    for name in sorted({use[3] for use in uses}):
        values.get(name)  # a value's own ${VAR} is expanded now, before anything runs
    return bind(migrations, values.get)


class PlaceholderValues:
    """Placeholder values from the configuration and ``--set``; config values expand ``${VAR}`` lazily.

    ``config``: name -> (raw value, "file:line" of it); ``sets``: name -> value (from --set, verbatim).
    """

    def __init__(self, config: Mapping[str, tuple[str, str]] | None = None, sets: Mapping[str, str] | None = None,
                 env_name: str | None = None, fallback: Callable[[str], str] | None = None) -> None:
        self.config = dict(config or {})
        self.sets = dict(sets or {})
        self.env_name = env_name
        self.fallback = fallback
        self._cache: dict[str, str] = {}

    def defined(self, name: str) -> bool:
        return name in self.sets or name in self.config

    def get(self, name: str) -> str:
        if name in self.sets:
            return self.sets[name]
        if name in self._cache:
            return self._cache[name]
        if name not in self.config:
            if self.fallback is not None:
                return self.fallback(name)
            raise KeyError(name)
        raw, where = self.config[name]
        from .errors import InputError
        from .manifest import envvars

        try:
            value = envvars.expand(raw)
        except envvars.UndefinedVariable as exc:
            file, _, line = where.rpartition(":")
            raise InputError(f"placeholder {name}: environment variable {exc.name!r} is not set",
                             file=file or where, line=int(line) if line.isdigit() else None,
                             hint=f"set {exc.name}, or give a default: ${{{exc.name}:-...}}") from None
        except ValueError as exc:
            raise InputError(f"placeholder {name}: {exc}", file=where) from None
        self._cache[name] = value
        return value

    def hint(self) -> str:
        where = f"[environments.{self.env_name}] placeholders" if self.env_name else "an environment's placeholders"
        return f"define it in {where} of stingerloom.toml, or pass --set NAME=VALUE"


def parse_sets(items: list[str] | None) -> dict[str, str]:
    """``--set name=value`` items as a dict (a later one wins); raises InputError on a bad item."""
    from .errors import InputError

    out: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            # the name only: what follows '=' may be a password (a mistyped NAME must not print it)
            shown = f"{name}=..." if sep else name
            raise InputError(f"--set {shown!r}: expected NAME=VALUE with NAME letters, digits and _",
                             hint="e.g. --set schema=app")
        out[name] = value
    return out


__all__ = ["BoundMigration", "BoundSource", "PlaceholderValues", "bind", "bind_strict", "names", "parse_sets",
           "stand_in", "substitute", "undefined"]
