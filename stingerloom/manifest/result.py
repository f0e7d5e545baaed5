"""The loaded manifest (kept free of YAML/pydantic imports so that a cached load stays light)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..migration import SqlMigration


@dataclass
class Manifest:
    """A manifest and its migrations, as loaded from disk.

    ``database`` is the target URL after ``${VAR}`` expansion (None if the manifest names none).
    ``migrations`` are in manifest order; a multi-document YAML file contributes one per document,
    in document order. ``files`` lists the manifest and every migration file read, as displayed in
    messages (the paths as given, joined to the manifest's folder).
    """

    path: Path
    database: str | None = None
    history_table: str = "__migrations"
    allow_outside_paths: bool = False
    migrations: list[SqlMigration] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def get(self, migration_id: str) -> SqlMigration | None:
        """The migration with id ``migration_id``, or None."""
        for m in self.migrations:
            if m.id == migration_id:
                return m
        return None

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.migrations]
