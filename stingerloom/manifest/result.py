"""The loaded manifest (kept free of YAML/pydantic imports so that a cached load stays light)."""

from __future__ import annotations

from pathlib import Path

from .._record import Record
from ..migration import SqlMigration


class Manifest(Record):
    """A manifest and its migrations, as loaded from disk.

    ``database`` is the target URL after ``${VAR}`` expansion (None if the manifest names none). It is
    expanded when read, not when loaded (SPEC §7): a manifest whose ``database: ${DATABASE_URL}``
    names an unset variable loads, lints and runs with ``--database``; reading ``database`` then
    raises :class:`~stingerloom.errors.InputError` naming the variable and the manifest's line.
    ``database_template`` is the value as written (hidden from ``repr``: it may hold a password).
    ``migrations`` are in manifest order; a multi-document YAML file contributes one per document,
    in document order. ``files`` lists the manifest and every migration file read, as displayed in
    messages (the paths as given, joined to the manifest's folder); ``file_names`` holds them as
    strings (a cached load does not build a thousand Path objects nobody asked for).
    """

    __slots__ = ("path", "database_template", "history_table", "allow_outside_paths", "migrations", "file_names",
                 "database_line")
    _defaults = {"database_template": None, "history_table": "__migrations", "allow_outside_paths": False,
                 "migrations": [], "file_names": [], "database_line": None}
    _hidden = frozenset({"file_names", "database_template"})

    @property
    def database(self) -> str | None:
        """The manifest's target URL with ``${VAR}`` expanded from the environment, or None."""
        template = self.database_template
        if template is None:
            return None
        from ..errors import InputError
        from . import envvars

        try:
            return envvars.expand(template)
        except envvars.UndefinedVariable as exc:
            raise InputError(
                f"database: environment variable {exc.name!r} is not set, and the manifest's `database:` is "
                "the target", file=str(self.path), line=self.database_line,
                hint=f"set {exc.name}, or give the target with --database URL or STINGERLOOM_DATABASE_URL",
            ) from None
        except ValueError as exc:  # checked when loaded; kept for manifests built by hand
            raise InputError(f"database: {exc}", file=str(self.path), line=self.database_line) from None

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
