"""Plain data read from one YAML document or TOML file, with the file position of every key and value.

Paths are tuples of mapping keys and list indexes, as in a pydantic error ``loc``:
``("up", "postgres")``, ``("migrations", 2)``. Lines and columns are 1-based.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False  # typing itself is not imported at run time (~2 ms of every cold apply)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

Path_ = tuple  # a path into the data: (key | index, ...)

#: where the text of a string value starts (see :class:`stingerloom.migration.SqlSource`): ``line``,
#: ``column`` (1-based, None when unknown), ``indent`` (of a YAML block), ``exact`` (the source holds
#: the value character for character)
Block = namedtuple("Block", ("line", "column", "indent", "exact"), defaults=(0, True))

#: keys whose plain YAML scalars stay text (``id: 001``): names and paths, never SQL or descriptions,
#: where ``down: 42`` or ``up: 2024-01-01`` is a mistake that must be reported, not stored as "42"
#: (both YAML readers, :mod:`.yamlsource` and :mod:`.yamlplain`, follow it)
TEXT_KEYS = frozenset({"id", "database", "history_table"})


class Located:
    """One document: ``data`` plus positions. Subclasses fill ``keys``/``values`` and ``block``."""

    def __init__(self, file: str, data: Any, start: tuple[int, int] = (1, 1)) -> None:
        self.file = file
        self.data = data
        self.start = start
        self.keys: dict[tuple, tuple[int, int]] = {}
        self.values: dict[tuple, tuple[int, int]] = {}

    def where(self, path: tuple, *, key: bool = False) -> tuple[int | None, int | None]:
        """Position of the key (``key=True``) or value at ``path``, else of its nearest parent."""
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            if path in self.keys:
                return self.keys[path]
            path = path[:-1]
        return self.start

    def block(self, path: tuple) -> Block:  # pragma: no cover - overridden
        line, column = self.where(path)
        return Block(line, column, 0, False)


def text_block(lines: list[str], line: int, column: int, style: str | None, value: str) -> Block:
    """Where the string ``value`` of a YAML scalar starts, from its node's 0-based ``line`` and
    ``column`` (of the ``|``/``>`` indicator, the opening quote or the first character) and its
    ``style`` (None when plain) in the document's ``lines``."""
    if style in ("|", ">"):
        first = line + 1  # 0-based: the content starts on the line after the indicator
        indent = _block_indent(lines, value, first)
        return Block(first + 1, indent + 1, indent, style == "|")
    # plain or quoted: exact when the source line holds the value itself, character for character
    src = lines[line] if line < len(lines) else ""
    if style is not None:
        column += 1
    exact = "\n" not in value and src[column : column + len(value)] == value
    if exact and style is not None:
        exact = src[column + len(value) : column + len(value) + 1] == style
    return Block(line + 1, column + 1, 0, exact)


def _block_indent(lines: list[str], value: str, first: int) -> int:
    for k, text in enumerate(value.split("\n")):
        if text.strip():
            src_index = first + k
            if src_index >= len(lines):
                break
            src = lines[src_index]
            return (len(src) - len(src.lstrip(" "))) - (len(text) - len(text.lstrip(" ")))
    return 0
