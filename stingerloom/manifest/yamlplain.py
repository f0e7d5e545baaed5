"""The plainest YAML migration files and manifests, read without PyYAML.

Most migration files are a few top-level keys with literal SQL blocks (``up: |``) and one-line
values, and most manifests a list of file names. For a text made only of such lines,
:func:`read_plain` gives the data and positions that :func:`.yamlsource.read_yaml` (PyYAML's
composer) gives; for anything else it says None and the loader reads the text with PyYAML, which
also writes every message about it. Importing PyYAML and composing a thousand small files with it
costs about 50 ms of a first ``apply``. ``tests/manifest/test_yamlplain.py`` compares the two
readers on generated texts.

What it reads (anything else: None), a text of printable ASCII with ``\\n`` line ends, ending in one:

* ``key: value`` lines at column 0 (``[A-Za-z_][A-Za-z0-9_]*``, each key once), where the value is
  ``|`` followed by a literal block (its lines indented alike, at least one of them not empty,
  blank lines empty), or on the line: a plain scalar (no ``: `` or `` #``; a decimal integer,
  ``true``/``false``, or text starting with a letter), a quoted one (``'…'`` or ``"…"`` without a
  backslash) or ``[]``;
* ``migrations:`` followed by ``- name`` lines indented alike (names of letters, digits, ``_./-``);
* comment lines (``#`` after nothing but spaces) and empty lines outside blocks.
"""

from __future__ import annotations

import re

from .located import TEXT_KEYS, Block, Located, text_block

_UNREADABLE = re.compile(r"[^\n\x20-\x7e]")
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.*))?\Z")
_COMMENT = re.compile(r" *#")
#: a plain scalar on one line (group 1), without the spaces after it; ``: `` and `` #`` would end it
_PLAIN = re.compile(r"([A-Za-z0-9_$/(](?:[-\w.,()/+=;'\"!?<>&*%@~^$\[\]{}#]|:(?=[^ ])| +(?=[^ #]))*) *\Z",
                    re.ASCII)
_SINGLE = re.compile(r"'((?:[^']|'')*)' *\Z")
_DOUBLE = re.compile(r'"([^"\\]*)" *\Z')
_EMPTY_LIST = re.compile(r"\[\] *\Z")
_ITEM = re.compile(r"( *)-( +)([A-Za-z0-9_][-\w./]*) *\Z", re.ASCII)
_INT = re.compile(r"(?:0|[1-9][0-9]*)\Z")
#: plain scalars YAML 1.1 (PyYAML's resolver) reads as booleans or null
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_NULL = frozenset({"null", "Null", "NULL"})
_OTHER_WORDS = frozenset({"yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"}) | _NULL


class _Unread(Exception):
    """The text is not in the subset: PyYAML reads it."""


class PlainYamlDocument(Located):
    """One document read by :func:`read_plain`; ``block`` as :class:`.yamlsource.YamlDocument`'s."""

    def __init__(self, file: str, lines: list[str]) -> None:
        super().__init__(file, None)
        self._lines = lines
        #: per path of a one-line string: its scalar's 0-based line and column, style and value
        self._strings: dict[tuple, tuple] = {}
        #: per path of a literal block: where its text starts (what text_block finds, known here)
        self._blocks: dict[tuple, Block] = {}

    def block(self, path: tuple) -> Block:
        path = tuple(path)
        found = self._blocks.get(path)
        if found is not None:
            return found
        found = self._strings.get(path)
        if found is None:
            return super().block(path)
        return text_block(self._lines, *found)


def read_plain(text: str, file: str) -> list[Located] | None:
    """The one document of ``text`` as :func:`.yamlsource.read_yaml` gives it (which finds no
    problem in such a text), or None when ``text`` is not in the subset this module reads."""
    if not text.endswith("\n") or _UNREADABLE.search(text) is not None:
        return None
    lines = text.split("\n")
    doc = PlainYamlDocument(file, lines)
    try:
        data = _read(doc, lines, len(lines) - 1)
    except _Unread:
        return None
    doc.data = data
    return [doc]


def _read(doc: PlainYamlDocument, lines: list[str], n: int) -> dict:
    data: dict = {}
    i = 0
    while i < n:
        line = lines[i]
        if not line or line[0] in " #" and _COMMENT.match(line):
            i += 1
            continue
        m = _KEY.match(line)
        if m is None or m.group(1) in data:
            raise _Unread
        key, raw = m.group(1), m.group(2)
        if not data:
            doc.start = doc.values[()] = (i + 1, 1)
        doc.keys[(key,)] = (i + 1, 1)
        if not raw:
            if key != "migrations":
                raise _Unread  # null, or a mapping under the key
            i, data[key] = _sequence(doc, lines, i + 1, n)
            continue
        column = m.start(2)
        doc.values[(key,)] = (i + 1, column + 1)
        if raw == "|":
            i, data[key] = _literal(doc, (key,), lines, i, column, n)
            continue
        data[key] = _scalar(doc, (key,), raw, i, column)
        i += 1
    if not data:
        raise _Unread
    return data


def _literal(doc: PlainYamlDocument, path: tuple, lines: list[str], i: int, column: int,
             n: int) -> tuple[int, str]:
    """The literal block after ``key: |`` on line ``i``: (the line after it, its text)."""
    j = i + 1
    while j < n and not lines[j]:
        j += 1
    first = lines[j] if j < n else ""
    indent = len(first) - len(first.lstrip(" "))
    if not indent:
        raise _Unread  # an empty block
    prefix = " " * indent
    end = j
    last = j  # the last line with text
    for line in lines[j:n]:
        if line:
            if not line.startswith(prefix):
                if line[0] == " " and not _COMMENT.match(line):
                    raise _Unread  # less indented, but not the next key
                break
            if line.isspace():
                raise _Unread  # a line of spaces: YAML's rules for them are not worth copying here
            last = end
        end += 1
    value = "\n".join([line[indent:] for line in lines[i + 1 : last + 1]]) + "\n"
    doc._blocks[path] = Block(i + 2, indent + 1, indent, True)
    return end, value


def _scalar(doc: PlainYamlDocument, path: tuple, raw: str, i: int, column: int) -> object:
    """The value of a one-line scalar ``raw`` at line ``i``, ``column`` (0-based)."""
    m = _PLAIN.match(raw)
    if m is not None:
        value = m.group(1)
        if path[-1] in TEXT_KEYS:
            if value in _NULL:
                raise _Unread
        elif value in _TRUE or value in _FALSE:
            return value in _TRUE
        elif value[0].isdigit():
            if _INT.match(value):
                return int(value)
            raise _Unread  # an octal, a float, a date…
        elif value in _OTHER_WORDS or value[0] in "$/(":
            raise _Unread
        doc._strings[path] = (i, column, None, value)
        return value
    if _EMPTY_LIST.match(raw):
        return []
    m = _SINGLE.match(raw)
    if m is not None:
        value = m.group(1).replace("''", "'")
        doc._strings[path] = (i, column, "'", value)
        return value
    m = _DOUBLE.match(raw)
    if m is not None:
        doc._strings[path] = (i, column, '"', m.group(1))
        return m.group(1)
    raise _Unread


def _sequence(doc: PlainYamlDocument, lines: list[str], i: int, n: int) -> tuple[int, list[str]]:
    """The ``- name`` lines from line ``i`` (the manifest's list): (the line after them, the names)."""
    items: list[str] = []
    indent = None
    while i < n:
        line = lines[i]
        if not line or _COMMENT.match(line):
            i += 1
            continue
        m = _ITEM.match(line)
        if m is None:
            if line[0] == " " or not items:
                raise _Unread
            break  # the next key
        if indent is None:
            indent = m.group(1)
            doc.values[("migrations",)] = (i + 1, len(indent) + 1)
        elif m.group(1) != indent:
            raise _Unread
        name = m.group(3)
        if name in _NULL:
            raise _Unread
        column = m.start(3)
        path = ("migrations", len(items))
        doc.values[path] = (i + 1, column + 1)
        doc._strings[path] = (i, column, None, name)
        items.append(name)
        i += 1
    if not items:
        raise _Unread
    return i, items
