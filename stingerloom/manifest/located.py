"""Plain data read from one YAML document or TOML file, with the file position of every key and value.

Paths are tuples of mapping keys and list indexes, as in a pydantic error ``loc``:
``("up", "postgres")``, ``("migrations", 2)``. Lines and columns are 1-based.
"""

from __future__ import annotations

from typing import Any, NamedTuple

Path_ = tuple  # a path into the data: (key | index, ...)


class Block(NamedTuple):
    """Where the text of a string value starts (see :class:`stingerloom.migration.SqlSource`)."""

    line: int | None
    column: int | None
    indent: int = 0
    exact: bool = True


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
