"""Running a migration's statements: the one place stingerloom sends a migration's SQL to a database.

``run_block`` runs one block (a migration's ``up`` or ``down``) on a connected dialect, statement by
statement, and turns a database error into :class:`~stingerloom.errors.MigrationFailed` at the file,
line and column of the statement (a Python migration's error at its ``.py`` line). It serves:

* the runner (``apply``, ``rollback``), which adds the history counter (``followup``) and reads
  what was sent and answered (``tally``) to explain a lost connection;
* ``SqlMigration.up/down`` called directly through the Python API;
* ``lint --verify``'s replay on a scratch database (``stingerloom.lint.verify``).

The progress events the runner reports while it runs migrations (``RunStarted``,
``MigrationStarted``, ``MigrationDone``, ``RunFinished`` and, before a rollback, ``RollbackScope``)
are defined here too: renderers (``render/text.py``) and the fleet (``fleet.py``) receive them
through a :data:`Listener`.
"""

from __future__ import annotations

from ._record import FrozenRecord
from .errors import InputError, MigrationFailed

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any, Callable, Union

    from .dialects.base import Dialect
    from .migration import Migration, SqlSource


class MigrationContext:
    """What a migration's ``up``/``down`` receives: ``query(sql)`` and the ``driver`` (dialect name)."""

    def __init__(self, dialect: "Dialect", *, on_statement: Any = None) -> None:
        self._dialect = dialect
        self.driver: str = dialect.name
        self.connection = dialect.connection
        self._on_statement = on_statement
        self.statements_run = 0

    def query(self, sql: str, params: Any = None) -> list[tuple]:
        """Run one statement; returns its rows (empty for statements without a result)."""
        rows = self._dialect.execute(sql, params)
        self.statements_run += 1
        if self._on_statement is not None:
            self._on_statement(self.statements_run)
        return rows


# -- events ------------------------------------------------------------------------------------------
class RunStarted(FrozenRecord):
    """An apply (``direction`` up) or rollback (down) starts ``total`` migrations."""

    __slots__ = ("direction", "total")


class MigrationStarted(FrozenRecord):
    """Migration ``id`` (``index`` of ``total``, from 0) starts."""

    __slots__ = ("id", "index", "total")


class MigrationDone(FrozenRecord):
    """A migration finished: its ``MigrationResult`` (``success`` False ends the run)."""

    __slots__ = ("result",)


class RunFinished(FrozenRecord):
    """The run is over (after the last migration, or the first that failed)."""

    __slots__ = ()


class RollbackScope(FrozenRecord):
    """Before a rollback runs: the history rows this manifest does not list that it reverts
    (``missing_included``) and those it leaves (``missing_skipped``)."""

    __slots__ = ("missing_included", "missing_skipped")


if TYPE_CHECKING:  # pragma: no cover (typing's subscriptions cost start-up time)
    Event = Union[RunStarted, MigrationStarted, MigrationDone, RunFinished, RollbackScope]
    #: what receives the events (``MigrationRunner(on_event=...)``)
    Listener = Callable[[Event], None]


def ignore(event: Any) -> None:
    """The listener that is told nothing."""


# -- statements ----------------------------------------------------------------------------------------
def split_block(dialect: "Dialect", migration: "Migration", direction: str, source: "SqlSource") -> list:
    """The statements of ``source``; a block the splitter cannot read is an error at its file:line
    (``detail``: the splitter's message)."""
    try:
        return dialect.split(source.text)
    except ValueError as exc:  # SplitError is one; its module is imported only when needed
        from .sqltext import SplitError

        if not isinstance(exc, SplitError):
            raise
        line, col = source.position(exc.offset)
        err = InputError(f"migration {migration.id} ({direction}): {exc.message}",
                         file=source.file, line=line, column=col)
        err.detail = exc.message
        raise err from None


def run_block(dialect: "Dialect", migration: "Migration", direction: str, source: "SqlSource | None",
              statements: list | None = None, *, tally: Any = None,
              advanced: Callable[..., None] | None = None,
              followup: Callable[[int], tuple[str, tuple]] | None = None,
              execute: Callable[[str], Any] | None = None) -> None:
    """Run ``migration``'s ``direction`` block: the statements of ``source`` (split here unless
    given), or, when ``source`` is None, the Python migration's own method.

    ``advanced(k)`` is told after statement k succeeded; with ``followup(k)``, the dialect runs that
    bookkeeping statement together with statement k and ``advanced(k, written=True)`` only counts.
    ``tally`` (the runner's step) records ``running`` (the statement being sent), ``returned`` (the
    last one answered) and ``done`` (committed with its counter); with a tally a lost connection
    is raised as the driver's error, for the caller to explain what was kept. ``execute`` sends
    one statement (default: the dialect's).
    """
    if source is None:
        _run_python(dialect, migration, direction, advanced)
        return
    if statements is None:
        statements = split_block(dialect, migration, direction, source)
    send = execute or dialect.execute
    for k, stmt in enumerate(statements, 1):
        if tally is not None:
            tally.running = k
        dialect.together = False
        try:
            if followup is not None:
                dialect.execute_then(stmt.sql, followup(k))
            else:
                send(stmt.sql)
        except Exception as exc:
            if not dialect.is_database_error(exc) or (tally is not None and dialect.fault_kind(exc) == "connection"):
                raise
            raise statement_failed(dialect, exc, migration, direction, source, stmt) from exc
        if tally is not None:
            tally.returned = k
            if followup is not None:
                tally.done = k
        if advanced is not None:
            advanced(k, written=followup is not None)


def _run_python(dialect: "Dialect", migration: "Migration", direction: str,
                advanced: Callable[..., None] | None) -> None:
    ctx = MigrationContext(dialect, on_statement=advanced)
    try:
        (migration.up if direction == "up" else migration.down)(ctx)
    except MigrationFailed:
        raise
    except Exception as exc:
        if not dialect.is_database_error(exc):
            raise
        msg, _ = dialect.error_message(exc)
        file, line = _python_origin(exc, migration)
        err = MigrationFailed(f"migration {migration.id} failed ({direction}): {msg}",
                              migration_id=migration.id, file=file, line=line)
        err.detail = msg
        raise err from exc


def statement_failed(d: "Dialect", exc: BaseException, m: "Migration", direction: str, src: "SqlSource",
                     stmt: Any) -> MigrationFailed:
    """The error of statement ``stmt`` of ``src``, which the database refused with ``exc``: at the
    statement's file, line and column (the database's position inside it where it gives one), with
    ``detail`` (the database's message) and ``statement`` (``stmt``) for callers that report it
    their own way."""
    from .dialects.base import _os_user

    msg, pos = d.error_message(exc)
    masked = getattr(src, "masked", None)  # the server may quote a secret placeholder's value back
    if masked is not None:
        msg = masked(msg)
    detail = msg
    kind = d.fault_kind(exc)
    if kind == "permission":
        user = d.url.user if d.url is not None and d.url.user else _os_user()
        msg = f"user {user} lacks a privilege this statement needs: {msg}"
    elif kind in ("duplicate", "deadlock", "lock_timeout", "read_only", "disk_full"):
        from .faults import describe

        msg = f"{describe(kind)[0]}: {msg}"
    line, col = src.position(stmt.offset + (pos or 0))
    shown = getattr(src, "shown", None)  # placeholder values, except a secret one (a password)
    sql = shown(stmt.offset, stmt.offset + len(stmt.sql)) if shown is not None else stmt.sql
    first = sql.strip().splitlines()[0] if sql.strip() else ""
    if len(first) > 80:
        first = first[:77] + "..."
    err = MigrationFailed(
        f"migration {m.id} failed ({direction}): {msg}\n  statement: {first}",
        migration_id=m.id, file=src.file, line=line, column=col,
        hint="fix the statement and run the command again; migrations before this one stay applied",
    )
    err.detail, err.statement = detail, stmt
    return err


def _python_origin(exc: BaseException, m: "Migration") -> tuple[str | None, int | None]:
    """The file of a Python migration's class and the last line of it in ``exc``'s traceback."""
    import inspect

    try:
        file = inspect.getsourcefile(type(m))
    except TypeError:
        return None, None
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == file:
            line = tb.tb_lineno
        tb = tb.tb_next
    return file, line
