"""TOML files with the position of every key and value.

``tomllib`` parses (and is the judge of validity) but reports no positions, so once a file has parsed
we scan its text ourselves: table headers, dotted keys, strings of the four kinds, arrays and inline
tables. The scanner assumes valid TOML; if it still trips, positions degrade to the file's start.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from typing import Any

from ..errors import Problem
from .located import Block, Located

MAX_DEPTH = 100  # parts of one dotted key or table header, and nested arrays/inline tables
MAX_NODES = 100_000  # keys, table headers and array items per file (as YAML's MAX_NODES)

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
# what the bound check looks at: strings and comments (skipped whole), and the structural characters
_TOKENS = re.compile(
    r'"""(?:[^"\\]++|\\[\s\S]|"(?!""))*+"""'  # possessive: an unterminated string must not backtrack
    r"|'''(?:[^']++|'(?!''))*+'''"
    r'|"(?:[^"\\\n]++|\\.)*+"'
    r"|'[^'\n]*'"
    r"|#[^\n]*"
    r"|[.=\[\]{},\n]"
)
_BARE = re.compile(r"[A-Za-z0-9_-]+")
_ML_BASIC = re.compile(r'(?:[^"\\]++|\\[\s\S]|"(?!""))*+')  # the body of a """ string, up to its end
_ML_LITERAL = re.compile(r"(?:[^']++|'(?!''))*+")


class TomlDocument(Located):
    def __init__(self, file: str, text: str, data: Any) -> None:
        super().__init__(file, data, (1, 1))
        self._text = text
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._blocks: dict[tuple, tuple[int, bool]] = {}  # path -> (offset of the text, exact)
        self._i = 0
        self._aot: dict[tuple, int] = {}
        try:
            self._scan()
        except (IndexError, ValueError, RecursionError, tomllib.TOMLDecodeError):  # pragma: no cover
            pass

    def block(self, path: tuple) -> Block:
        found = self._blocks.get(tuple(path))
        if found is None:
            return super().block(path)
        line, column = self._lc(found[0])
        return Block(line, column, 0, found[1])

    # -- positions --------------------------------------------------------------------------------
    def _lc(self, offset: int) -> tuple[int, int]:
        k = bisect.bisect_right(self._starts, offset) - 1
        return k + 1, offset - self._starts[k] + 1

    # -- the scanner ------------------------------------------------------------------------------
    def _skip(self, newlines: bool) -> None:
        t, n = self._text, len(self._text)
        while self._i < n:
            c = t[self._i]
            if c in " \t" or (newlines and c in "\r\n"):
                self._i += 1
            elif c == "#":
                while self._i < n and t[self._i] != "\n":
                    self._i += 1
            else:
                return

    def _scan(self) -> None:
        t = self._text
        table: tuple = ()
        while True:
            self._skip(newlines=True)
            if self._i >= len(t):
                return
            if t[self._i] == "[":
                array = t.startswith("[[", self._i)
                self._i += 2 if array else 1
                path = self._key(())
                if array:
                    index = self._aot.get(path, -1) + 1
                    self._aot[path] = index
                    path = path + (index,)
                    self.values.setdefault(path, self.keys.get(path[:-1], (1, 1)))
                self._i += 2 if array else 1  # ']' or ']]' (whitespace was skipped by _key)
                table = path
            else:
                path = self._key(table)
                self._skip(newlines=False)
                self._i += 1  # '='
                self._skip(newlines=False)
                self._value(path)

    def _key(self, prefix: tuple) -> tuple:
        t = self._text
        path = prefix
        while True:
            self._skip(newlines=False)
            start = self._i
            c = t[start]
            if c in "\"'":
                end = self._string_end(start, c)
                name = tomllib.loads("k = " + t[start:end])["k"]
                self._i = end
            else:
                m = _BARE.match(t, start)
                if m is None:
                    raise ValueError("not a key")
                name = m.group()
                self._i = m.end()
            path = path + (name,)
            self.keys.setdefault(path, self._lc(start))
            self._skip(newlines=False)
            if self._i < len(t) and t[self._i] == ".":
                self._i += 1
                continue
            return path

    def _string_end(self, start: int, quote: str) -> int:
        """Offset just past the single-line string starting at ``start``."""
        t, i = self._text, start + 1
        while t[i] != quote:
            i += 2 if (quote == '"' and t[i] == "\\") else 1
        return i + 1

    def _value(self, path: tuple) -> None:
        t = self._text
        start = self._i
        self.values[path] = self._lc(start)
        if t.startswith('"""', start) or t.startswith("'''", start):
            quote = t[start]
            body = start + 3
            if t.startswith("\r\n", body):
                body += 2
            elif t.startswith("\n", body):
                body += 1
            i = (_ML_BASIC if quote == '"' else _ML_LITERAL).match(t, body).end()
            while t.startswith(quote * 4, i):  # up to two quotes may end the content
                i += 1
            raw = t[body:i]
            self._blocks[path] = (body, quote == "'" or "\\" not in raw)
            self._i = i + 3
        elif t[start] in "\"'":
            end = self._string_end(start, t[start])
            self._blocks[path] = (start + 1, t[start] == "'" or "\\" not in t[start:end])
            self._i = end
        elif t[start] == "[":
            self._i += 1
            index = 0
            while True:
                self._skip(newlines=True)
                if t[self._i] == "]":
                    self._i += 1
                    return
                self._value(path + (index,))
                index += 1
                self._skip(newlines=True)
                if t[self._i] == ",":
                    self._i += 1
        elif t[start] == "{":
            self._i += 1
            while True:
                self._skip(newlines=False)
                if t[self._i] == "}":
                    self._i += 1
                    return
                key = self._key(path)
                self._skip(newlines=False)
                self._i += 1  # '='
                self._skip(newlines=False)
                self._value(key)
                self._skip(newlines=False)
                if t[self._i] == ",":
                    self._i += 1
        else:  # number, boolean, date: up to the next delimiter
            i = start
            while i < len(t) and t[i] not in ",]}\r\n#":
                i += 1
            self._i = i


def too_complex(text: str, file: str) -> Problem | None:
    """A problem if ``text`` would cost far more to parse than its size suggests, else None.

    tomllib's time and memory grow with the square of a dotted key's parts (an 80 KB ``a.a.a…`` key
    took 36 s and 6 GB), so, before it runs, one regular-expression pass over the text bounds what
    YAML's reader bounds after composing: key depth, nesting and the number of keys and items.
    """
    dots = depth = nodes = 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if len(c) != 1:
            continue  # a string or a comment
        if c == ".":
            dots += 1
            if dots >= MAX_DEPTH:
                return _bound(text, file, m.start(), f"a dotted key or table header has more than {MAX_DEPTH} parts")
            continue
        dots = 0
        if c in "[{":
            depth += 1
            nodes += 1
            if depth > MAX_DEPTH:
                return _bound(text, file, m.start(), f"arrays or inline tables nested more than {MAX_DEPTH} deep")
        elif c in "]}":
            depth = max(depth - 1, 0)
        elif c in "=,":
            nodes += 1
        if nodes > MAX_NODES:
            return _bound(text, file, m.start(), f"more than {MAX_NODES:,} keys, tables and array items")
    return None


def _bound(text: str, file: str, offset: int, why: str) -> Problem:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Problem(f"TOML file too complex: {why}; refusing to parse it", file, line, column)


def read_toml(text: str, file: str) -> tuple[TomlDocument | None, list[Problem]]:
    """The TOML document in ``text``, or the problem that stops it (syntax, or beyond the bounds)."""
    too_big = too_complex(text, file)
    if too_big is not None:
        return None, [too_big]
    try:
        data = tomllib.loads(text)
    except RecursionError:
        return None, [Problem("invalid TOML: nested too deeply", file)]
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _AT.search(message)
        if m:
            return None, [Problem(f"invalid TOML: {message[: m.start()]}", file, int(m.group(1)), int(m.group(2)))]
        line = text.count("\n") + 1 if "end of document" in message else None
        return None, [Problem(f"invalid TOML: {message}", file, line)]
    return TomlDocument(file, text, data), []
