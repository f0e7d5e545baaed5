"""Migrations: the Python base class, the SQL migrations loaded from YAML/TOML, and checksums.

A YAML migration loads into :class:`SqlMigration`, a subclass of :class:`Migration`, so the runner
treats Python and YAML migrations the same. Each block of SQL keeps its :class:`SqlSource`, which maps
an offset inside the SQL back to the line and column in the file it came from.
"""

from __future__ import annotations

from ._record import FrozenRecord
from .execute import MigrationContext as MigrationContext  # what up()/down() receive (public API)


def normalize_sql(sql: str) -> str:
    """Line endings normalised to ``\\n``: the form checksums are taken of."""
    return sql.replace("\r\n", "\n").replace("\r", "\n")


def checksum(sql: str) -> str:
    """SHA-256 (hex) of ``sql`` with line endings normalised (CRLF and CR become LF).

    Nothing else is normalised: whitespace, comments and letter case all count, because they are part
    of what ran.
    """
    from hashlib import sha256

    return sha256(normalize_sql(sql).encode("utf-8")).hexdigest()


class SqlSource(FrozenRecord):
    """A block of SQL and where it sits in its file.

    ``line``/``column`` (1-based) are the file position of the first character of ``text``.
    ``indent`` is how many columns were stripped from the start of every following line (a YAML block
    scalar's indentation; 0 for TOML). ``exact`` is False where the text cannot be mapped character
    for character (quoted scalars with escapes, folded scalars): positions then fall back to
    ``line``/``column``.
    """

    __slots__ = ("text", "file", "line", "column", "indent", "exact")
    _defaults = {"file": None, "line": None, "column": None, "indent": 0, "exact": True}

    def position(self, offset: int) -> tuple[int | None, int | None]:
        """File (line, column) of character ``offset`` of ``text``."""
        if self.line is None:
            return None, None
        if not self.exact:
            return self.line, self.column
        offset = max(0, min(offset, len(self.text)))
        nl_before = self.text.count("\n", 0, offset)
        if nl_before == 0:
            return self.line, (self.column or 1) + offset
        last_nl = self.text.rfind("\n", 0, offset)
        return self.line + nl_before, self.indent + (offset - last_nl - 1) + 1


class Migration:
    """Base class of every migration. Subclass it and define ``up`` and ``down``.

    ``id`` defaults to the class name (as ``name`` did in the TypeScript original).
    """

    id: str = ""
    description: str | None = None
    transaction: bool = True
    irreversible: bool = False
    #: re-applied whenever its checksum changes, after the versioned migrations (SPEC §10)
    repeatable: bool = False
    source_file: str | None = None
    source_line: int | None = None

    def __init__(self) -> None:
        if not getattr(self, "id", ""):
            self.id = type(self).__name__

    @property
    def name(self) -> str:
        return self.id

    def up(self, context: MigrationContext) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"migration {self.id} defines no up()")

    def down(self, context: MigrationContext) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"migration {self.id} defines no down()")

    # SQL-level hooks; Python migrations have no stored SQL.
    def up_sql(self, dialect: str) -> SqlSource | None:
        return None

    def down_sql(self, dialect: str) -> SqlSource | None:
        return None

    def checksum(self, dialect: str) -> str | None:
        """Checksum of the up SQL for ``dialect``; Python migrations have none (None)."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


class SqlMigration(Migration):
    """A migration read from a YAML or TOML file.

    ``up``/``down`` hold either one :class:`SqlSource` under the key ``default``, or one per dialect
    (``postgres``, ``mysql``, ``sqlite``, and optionally ``default``).
    """

    def __init__(
        self,
        id: str,
        *,
        up: dict[str, SqlSource],
        down: dict[str, SqlSource] | None = None,
        description: str | None = None,
        transaction: bool = True,
        irreversible: bool = False,
        source_file: str | None = None,
        source_line: int | None = None,
        placeholders: bool = True,
        repeatable: bool = False,
        checksums: dict[str, str] | None = None,
    ) -> None:
        self.id = id
        self.up_sources = dict(up)
        self.down_sources = dict(down or {})
        self.description = description
        self.transaction = transaction
        self.irreversible = irreversible
        self.source_file = source_file
        self.source_line = source_line
        self.repeatable = repeatable
        self.placeholders = placeholders  # False: ${name} in its SQL is taken verbatim (SPEC §9)
        # up SQL text -> its checksum, as computed (or as the manifest cache stored them: saves
        # hashing every migration on every status)
        self.checksums = checksums if checksums is not None else {}

    @staticmethod
    def _pick(sources: dict[str, SqlSource], dialect: str) -> SqlSource | None:
        if dialect in sources:
            return sources[dialect]
        return sources.get("default")

    def up_sql(self, dialect: str) -> SqlSource | None:
        return self._pick(self.up_sources, dialect)

    def down_sql(self, dialect: str) -> SqlSource | None:
        return self._pick(self.down_sources, dialect)

    def checksum(self, dialect: str) -> str | None:
        src = self.up_sql(dialect)
        return self.text_checksum(src.text) if src is not None else None

    def text_checksum(self, text: str) -> str:
        """:func:`checksum` of ``text``, remembered in ``checksums``."""
        known = self.checksums.get(text)
        if known is None:
            known = self.checksums[text] = checksum(text)
        return known

    def source_checksum(self, dialect: str) -> str | None:
        """Checksum of the up SQL as written (before placeholders are replaced)."""
        return SqlMigration.checksum(self, dialect)

    # The runner runs the statements itself (stingerloom.execute.run_block, with the history counter);
    # these methods run them the same way when a migration is called directly through the Python API.
    def up(self, context: MigrationContext) -> None:
        _run_sql(context, self, "up", self.up_sql(context.driver))

    def down(self, context: MigrationContext) -> None:
        _run_sql(context, self, "down", self.down_sql(context.driver))


def _run_sql(context: MigrationContext, migration: Migration, direction: str, source: SqlSource | None) -> None:
    """Run a block of SQL through ``context``: a failure is reported at its file and line."""
    from .errors import InputError
    from .execute import run_block

    if source is None:
        raise InputError(f"migration {migration.id} has no {direction} SQL for {context.driver}")
    run_block(context._dialect, migration, direction, source, execute=context.query)

