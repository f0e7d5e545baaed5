"""The errors stingerloom raises, and the exit code each one maps to.

Hierarchy::

    StingerloomError            base; carries file/line/column/hint; exit_code 2
    ├── InputError              the input is unusable (exit 2)
    │   ├── ManifestError       a manifest or migration file is invalid; holds every Problem found
    │   ├── URLError            a database URL cannot be parsed
    │   └── ConnectionFailed    the server is unreachable, or refused the credentials
    ├── MigrationFailed         a statement failed while applying or reverting (exit 1)
    ├── DriftError              history and files disagree: modified, dirty (exit 1)
    │   └── HistoryConflict     another run changed a history row under this one (exit 1)
    └── LockTimeout             another run holds the migration lock (exit 1)

Only ``stingerloom.cli.main`` prints errors and picks exit codes. Lint findings are plain data, not
exceptions.
"""

from __future__ import annotations

from ._record import FrozenRecord


class Problem(FrozenRecord):
    """One thing wrong with an input file, with its position (1-based line and column).

    ``Problem(message, file=None, line=None, column=None, key=None, code="SL101")``; ``code`` is the
    lint rule that reports it.
    """

    __slots__ = ("message", "file", "line", "column", "key", "code")
    _defaults = {"file": None, "line": None, "column": None, "key": None, "code": "SL101"}

    def format(self) -> str:
        where = _where(self.file, self.line, self.column)
        return f"{where}: {self.message}" if where else self.message


def _where(file: str | None, line: int | None, column: int | None) -> str:
    if not file:
        return ""
    out = str(file)
    if line:
        out += f":{line}"
        if column:
            out += f":{column}"
    return out


class StingerloomError(Exception):
    """Base of every error stingerloom reports to a user."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.hint = hint

    def format(self) -> str:
        """The message as printed: ``file:line:col: message`` and a hint line."""
        where = _where(self.file, self.line, self.column)
        out = f"{where}: {self.message}" if where else self.message
        if self.hint:
            out += f"\n  hint: {self.hint}"
        return out

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.format()


class InputError(StingerloomError):
    """The input cannot be used: bad file, bad flag, bad URL, unreachable database (exit 2)."""

    exit_code = 2


class ManifestError(InputError):
    """A manifest or migration file is invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], *, hint: str | None = None) -> None:
        self.problems = list(problems)
        first = self.problems[0] if self.problems else Problem("invalid manifest")
        super().__init__(first.message, file=first.file, line=first.line, column=first.column, hint=hint)

    def format(self) -> str:
        lines = [p.format() for p in self.problems]
        if len(lines) > 1:
            lines.insert(0, f"{len(lines)} problems found:")
        out = "\n".join(lines)
        if self.hint:
            out += f"\n  hint: {self.hint}"
        return out


class URLError(InputError):
    """A database URL could not be understood."""


class ConnectionFailed(InputError):
    """The database could not be reached or refused the login."""


class MigrationFailed(StingerloomError):
    """A migration statement failed (exit 1). Earlier migrations stay applied."""

    exit_code = 1

    def __init__(self, message: str, *, migration_id: str | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.migration_id = migration_id


class DriftError(StingerloomError):
    """The history and the files disagree (modified checksum, dirty row): the run is refused (exit 1)."""

    exit_code = 1


class HistoryConflict(DriftError):
    """A conditional history write touched no row: another run (on another cluster node, or one
    that took over an expired lock) applied, reverted or repaired that migration meanwhile (exit 1)."""


class LockTimeout(StingerloomError):
    """Another apply or rollback holds the migration lock for longer than --lock-timeout (exit 1)."""

    exit_code = 1
