"""The loaded manifest (kept free of YAML/pydantic imports so that a cached load stays light)."""

from __future__ import annotations

from pathlib import Path

from .._record import Record
from ..migration import SqlMigration


class Manifest(Record):
    """A manifest and its migrations, as loaded from disk.

    ``database`` is the target URL after ``${VAR}`` expansion (None if the manifest names none).
    ``migrations`` are in manifest order; a multi-document YAML file contributes one per document,
    in document order. ``files`` lists the manifest and every migration file read, as displayed in
    messages (the paths as given, joined to the manifest's folder); ``file_names`` holds them as
    strings (a cached load does not build a thousand Path objects nobody asked for).
    """

    __slots__ = ("path", "database", "history_table", "allow_outside_paths", "migrations", "file_names")
    _defaults = {"database": None, "history_table": "__migrations", "allow_outside_paths": False,
                 "migrations": [], "file_names": []}
    _hidden = frozenset({"file_names"})

    @property
    def files(self) -> list[Path]:
        """The manifest and every migration file read, in order."""
        return [Path(name) for name in self.file_names]

    def get(self, migration_id: str) -> SqlMigration | None:
        """The migration with id ``migration_id``, or None."""
        for m in self.migrations:
            if m.id == migration_id:
                return m
        return None

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.migrations]
