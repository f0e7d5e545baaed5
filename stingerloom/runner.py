"""The plan (applied, pending, modified, missing, dirty) and ``MigrationRunner``.

How a migration runs:

* **Transactional** (``transaction: true`` on a database with transactional DDL, i.e. PostgreSQL
  and SQLite, and on MySQL/MariaDB for migrations made only of DML): ``BEGIN``, every statement,
  the history row, ``COMMIT``. A failure rolls all of it
  back, so the database is as it was before that migration.
* **Non-transactional** (MySQL/MariaDB, whose DDL commits implicitly, and ``transaction: false``
  everywhere): the history row is written ``dirty`` (0/n) first, its counter goes up after each
  statement, and it is marked ``applied`` last. If the first statement fails nothing was committed
  and the row is removed; otherwise it stays ``dirty (k/n statements committed)`` and ``apply`` /
  ``rollback`` refuse until ``repair``.

Rollbacks run the ``down`` SQL stored in the history row when the migration was applied, so a
migration whose file has since changed or gone (``missing``) can still be reverted.
"""

from __future__ import annotations

import re
import time
from typing import Any, Callable, Iterable, Sequence

from ._record import Record
from .errors import DriftError, InputError, MigrationFailed
from .history import History, HistoryRow
from .migration import Migration, MigrationContext, SqlMigration, SqlSource, checksum

Event = Callable[[str, dict], None]


class MigrationResult(Record):
    """The outcome of one migration run up or down: ``id`` (also ``name``), ``success``,
    ``execution_ms``, ``error`` (the message), ``direction`` and ``exception`` (the error object)."""

    __slots__ = ("id", "success", "execution_ms", "error", "direction", "exception")
    _defaults = {"execution_ms": 0, "error": None, "direction": "up", "exception": None}
    _hidden = frozenset({"exception"})

    @property
    def name(self) -> str:
        return self.id

    def to_json(self) -> dict:
        return {"id": self.id, "success": self.success, "execution_ms": self.execution_ms, "error": self.error}


class MigrationState(Record):
    """One line of ``status``: ``id``, ``state`` (applied | pending | modified | missing | dirty),
    the ``migration`` (None when missing) and its history ``row`` (None when pending)."""

    __slots__ = ("id", "state", "migration", "row")
    _defaults = {"migration": None, "row": None}

    @property
    def label(self) -> str:
        return self.row.progress() if self.state == "dirty" and self.row else self.state

    def to_json(self) -> dict:
        row = self.row
        out = {
            "id": self.id,
            "state": self.state,
            "applied_at": row.applied_at if row else None,
            "checksum": row.checksum if row else None,
            "execution_ms": row.execution_ms if row else None,
        }
        if row is not None:
            out["batch"] = row.batch
            if row.dirty:
                out["statements_done"] = row.statements_done
                out["statements_total"] = row.statements_total
                out["operation"] = row.operation
        return out


class _Step(Record):
    """A migration ready to run in one direction: its statements are split before anything runs.
    ``source`` is None for Python migrations."""

    __slots__ = ("migration", "direction", "source", "statements")
    _defaults = {"statements": []}


def _noop(kind: str, data: dict) -> None:
    pass


class MigrationRunner:
    """Applies and reverts migrations against one database.

    ``database`` is a URL (SPEC §2) or an open DB-API connection (sqlite3, psycopg 3, PyMySQL).
    """

    def __init__(
        self,
        migrations: Sequence[Migration] | None = None,
        database: Any = "sqlite:///stingerloom.db",
        *,
        history_table: str = "__migrations",
        lock_timeout: float = 60.0,
        on_event: Event | None = None,
    ) -> None:
        self.migrations: list[Migration] = [m if isinstance(m, Migration) else m() for m in (migrations or [])]
        seen: set[str] = set()
        for m in self.migrations:
            if m.id in seen:
                raise InputError(f"duplicate migration id {m.id!r}", hint="each migration needs a unique id")
            seen.add(m.id)
        from .dialects import get_dialect

        self.dialect = get_dialect(database, history_table=history_table)
        self.lock_timeout = lock_timeout
        self.on_event: Event = on_event or _noop
        self._depth = 0

    # -- connection ----------------------------------------------------------------------------
    @property
    def database(self) -> str:
        return self.dialect.display_url

    def _open(self) -> None:
        if self._depth == 0 and self.dialect.connection is None:
            self.dialect.connect()
        self._depth += 1

    def _close(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.dialect.close()

    def close(self) -> None:
        self.dialect.close()

    # -- plan ----------------------------------------------------------------------------------
    def states(self) -> list[MigrationState]:
        """Every migration in manifest order, then history rows with no migration (``missing``)."""
        self._open()
        try:
            rows = History(self.dialect).rows()
        finally:
            self._close()
        return self._states(rows)

    def _states(self, rows: list[HistoryRow]) -> list[MigrationState]:
        by_id = {r.id: r for r in rows}
        known = set()
        out = []
        name = self.dialect.name
        for m in self.migrations:
            known.add(m.id)
            row = by_id.get(m.id)
            if row is None:
                out.append(MigrationState(m.id, "pending", m))
            elif row.dirty:
                out.append(MigrationState(m.id, "dirty", m, row))
            else:
                current = m.checksum(name)
                modified = current is not None and row.checksum is not None and current != row.checksum
                out.append(MigrationState(m.id, "modified" if modified else "applied", m, row))
        for r in rows:
            if r.id not in known:
                out.append(MigrationState(r.id, "dirty" if r.dirty else "missing", None, r))
        return out

    def status(self, states: list[MigrationState] | None = None) -> dict:
        """``{"database", "executed": [...], "pending": [...], "migrations": [...]}`` (SPEC §5).

        ``states`` (from :meth:`states`) avoids reading the history again."""
        if states is None:
            states = self.states()
        return {
            "database": self.database,
            "executed": [s.id for s in states if s.row is not None and s.state != "dirty"],
            "pending": [s.id for s in states if s.state == "pending"],
            "migrations": [s.to_json() for s in states],
        }

    def get_pending_migrations(self) -> list[Migration]:
        return [s.migration for s in self.states() if s.state == "pending"]

    def get_executed_migrations(self) -> list[str]:
        return [s.id for s in self.states() if s.row is not None and s.state != "dirty"]

    @staticmethod
    def _refuse_drift(states: Iterable[MigrationState], manifest_hint: str = "MANIFEST") -> None:
        problems = []
        for s in states:
            if s.state == "dirty":
                r = s.row
                what = "rolling back" if r.operation == "down" else "applying"
                problems.append(
                    f"{s.id} is {r.progress()}: it failed part way while {what} on a database that "
                    "cannot roll DDL back"
                )
            elif s.state == "modified":
                problems.append(f"{s.id} was changed after it was applied (its checksum differs from the history)")
        if not problems:
            return
        dirty = any("dirty" in p for p in problems)
        hint = (
            f"check by hand which statements of the dirty migration took effect, then run "
            f"`stingerloom repair {manifest_hint} --mark-applied ID` (after finishing it by hand) or "
            f"`--remove ID` (after reverting it by hand)"
            if dirty
            else f"restore the migration file as it was, or run `stingerloom repair {manifest_hint}` to accept the new checksum"
        )
        raise DriftError("refusing to run: " + "; ".join(problems), hint=hint)

    def _prepare(self, migration: Migration, direction: str, source: SqlSource | None) -> _Step:
        step = _Step(migration, direction, source)
        if source is not None:
            from .sqltext import SplitError

            try:
                step.statements = self.dialect.split(source.text)
            except SplitError as exc:
                line, col = source.position(exc.offset)
                raise InputError(f"migration {migration.id} ({direction}): {exc.message}",
                                 file=source.file, line=line, column=col) from None
        return step

    def _up_step(self, m: Migration) -> _Step:
        if isinstance(m, SqlMigration):
            src = m.up_sql(self.dialect.name)
            if src is None:
                raise InputError(
                    f"migration {m.id} has no up SQL for {self.dialect.name}",
                    file=m.source_file, line=m.source_line,
                    hint=f"add a `{self.dialect.name}:` or `default:` entry under `up:` (an empty string is a deliberate no-op)",
                )
            return self._prepare(m, "up", src)
        return _Step(m, "up", None)

    # -- apply ---------------------------------------------------------------------------------
    def run(self, migrations: Sequence[Migration] | None = None, *, to: str | None = None,
            dry_run: bool = False) -> list[MigrationResult]:
        """Apply pending migrations in manifest order (up to and including ``to``).

        Returns one result per migration attempted; a failed one ends the run with ``success=False``.
        With ``dry_run`` nothing runs: the results list what would, and ``self.planned`` the steps.
        """
        if migrations is not None:
            self.migrations = list(migrations)
        if to is not None and to not in {m.id for m in self.migrations}:
            raise InputError(f"--to {to}: no migration with that id in the manifest")
        self._open()
        try:
            history = History(self.dialect)
            if dry_run:
                return self._plan_apply(history.rows(), to, dry_run=True)
            with self.dialect.lock(self.lock_timeout):
                history.ensure()
                rows = history.rows()
                steps = self._plan_apply(rows, to)
                batch, rank = History.next_numbers(rows)
                return self._run_steps(
                    "up", [(s.migration.id, lambda i, s=s: self._apply_one(history, s, batch, rank + i)) for s in steps])
        finally:
            self._close()

    def _run_steps(self, direction: str, work: list) -> list[MigrationResult]:
        """Run ``(id, fn(index) -> result)`` pairs in order, stopping at the first failure, and tell
        ``on_event`` (begin / start / done / end) as it goes."""
        results: list[MigrationResult] = []
        self.on_event("begin", {"total": len(work), "direction": direction})
        for i, (mid, fn) in enumerate(work):
            self.on_event("start", {"id": mid, "index": i, "total": len(work)})
            result = fn(i)
            results.append(result)
            self.on_event("done", {"result": result})
            if not result.success:
                break
        self.on_event("end", {})
        return results

    def _plan_apply(self, rows: list[HistoryRow], to: str | None, dry_run: bool = False):
        states = self._states(rows)
        self._refuse_drift(states)
        if to is not None and any(s.id == to and s.state != "pending" for s in states):
            pending = []
        else:
            pending = []
            for s in states:
                if s.state == "pending":
                    pending.append(s.migration)
                if s.id == to:
                    break
        steps = [self._up_step(m) for m in pending]
        if dry_run:
            self.planned = steps
            return [MigrationResult(s.migration.id, True, 0, None, "up") for s in steps]
        return steps

    def run_all(self) -> list[MigrationResult]:
        return self.run()

    def run_up(self, migration: Migration) -> MigrationResult:
        """Apply one migration now, whatever its place in the order."""
        self._open()
        try:
            history = History(self.dialect)
            with self.dialect.lock(self.lock_timeout):
                history.ensure()
                rows = history.rows()
                if any(r.id == migration.id for r in rows):
                    raise InputError(f"migration {migration.id} is already applied")
                batch, rank = History.next_numbers(rows)
                return self._apply_one(history, self._up_step(migration), batch, rank)
        finally:
            self._close()

    def _apply_one(self, history: History, step: _Step, batch: int, rank: int) -> MigrationResult:
        m = step.migration
        name = self.dialect.name
        down = m.down_sql(name) if not m.irreversible else None
        row = HistoryRow(
            id=m.id, description=m.description, checksum=m.checksum(name),
            down_sql=down.text if down is not None else None, applied_at=self.dialect.now(),
            execution_ms=0, applied_by=self.dialect.current_user(), state="applied", batch=batch,
            rank=rank, statements_done=len(step.statements), statements_total=len(step.statements),
        )
        started = time.perf_counter()
        try:
            if self.atomic(step):
                self._in_transaction(step, lambda: self._finish_up(history, row, started))
            else:
                self._without_transaction(history, step, row, started)
        except MigrationFailed as exc:
            return MigrationResult(m.id, False, _ms(started), exc.message, "up", exc)
        return MigrationResult(m.id, True, row.execution_ms, None, "up")

    def _finish_up(self, history: History, row: HistoryRow, started: float) -> None:
        row.execution_ms = _ms(started)
        history.insert(row)

    # -- rollback ------------------------------------------------------------------------------
    def rollback(self, n: int = 1, *, to: str | None = None, all: bool = False) -> list[MigrationResult]:
        """Revert the last ``n`` applied migrations (in reverse order of application).

        ``to``: revert every migration applied after ``to`` (which stays applied). ``all``: everything.
        ``rollback(0)`` does nothing.
        """
        if n < 0:
            raise InputError("--steps must be 0 or more")
        if n == 0 and to is None and not all:
            return []
        self._open()
        try:
            history = History(self.dialect)
            if not history.exists():
                return []
            with self.dialect.lock(self.lock_timeout):
                rows = history.rows()
                states = self._states(rows)
                self._refuse_drift(s for s in states if s.state == "dirty")
                applied = list(reversed(rows))
                if all:
                    targets = applied
                elif to is not None:
                    ranks = {r.id: r.rank for r in rows}
                    if to not in ranks:
                        raise InputError(f"--to {to}: that migration is not applied",
                                         hint="`stingerloom status` lists the applied migrations")
                    targets = [r for r in applied if r.rank > ranks[to]]
                else:
                    targets = applied[:n]
                by_id = {m.id: m for m in self.migrations}
                steps = [self._down_step(r, by_id.get(r.id)) for r in targets]
                return self._run_steps(
                    "down", [(r.id, lambda i, s=s, r=r: self._revert_one(history, s, r)) for s, r in zip(steps, targets)])
        finally:
            self._close()

    def revert_last(self) -> list[MigrationResult]:
        return self.rollback(1)

    def run_down(self, migration: Migration) -> MigrationResult:
        """Revert one applied migration now, whatever its place in the order."""
        self._open()
        try:
            history = History(self.dialect)
            with self.dialect.lock(self.lock_timeout):
                row = next((r for r in history.rows() if r.id == migration.id), None)
                if row is None:
                    raise InputError(f"migration {migration.id} is not applied")
                return self._revert_one(history, self._down_step(row, migration), row)
        finally:
            self._close()

    def _down_step(self, row: HistoryRow, migration: Migration | None) -> _Step:
        if row.down_sql is not None:
            file_src = migration.down_sql(self.dialect.name) if migration is not None else None
            if file_src is not None and file_src.text == row.down_sql:
                src = file_src  # same text: report errors at the file's lines
            else:
                src = SqlSource(row.down_sql, file=f"{row.id} (down SQL stored in the history)", line=1, column=1)
            m = migration or SqlMigration(row.id, up={}, description=row.description)
            return self._prepare(m, "down", src)
        if migration is not None and not isinstance(migration, SqlMigration):
            return _Step(migration, "down", None)
        if migration is not None and migration.irreversible:
            raise InputError(f"migration {row.id} is irreversible (`irreversible: true`): it cannot be rolled back",
                             file=migration.source_file, line=migration.source_line)
        raise InputError(
            f"migration {row.id} has no stored down SQL, so it cannot be rolled back",
            hint="it was applied as irreversible, or baselined; revert it by hand and remove its history row with `stingerloom repair --remove ID`",
        )

    def _revert_one(self, history: History, step: _Step, row: HistoryRow) -> MigrationResult:
        started = time.perf_counter()
        try:
            if self.atomic(step):
                self._in_transaction(step, lambda: history.delete(row.id))
            else:
                self._without_transaction(history, step, row, started)
        except MigrationFailed as exc:
            return MigrationResult(row.id, False, _ms(started), exc.message, "down", exc)
        return MigrationResult(row.id, True, _ms(started), None, "down")

    # -- execution -----------------------------------------------------------------------------
    def atomic(self, step: _Step) -> bool:
        """Whether ``step`` runs in one transaction with its history row.

        Yes for ``transaction: true`` on databases with transactional DDL. On MySQL/MariaDB, also
        when every statement is plain DML (INSERT, UPDATE, DELETE, REPLACE), which does not commit
        implicitly: a seed or backfill then rolls back whole instead of leaving a dirty row.
        """
        if not step.migration.transaction:
            return False
        if self.dialect.transactional_ddl:
            return True
        return step.source is not None and bool(step.statements) and all(
            _DML.match(s.sql) for s in step.statements)

    def _in_transaction(self, step: _Step, record: Callable[[], None]) -> None:
        d = self.dialect
        d.begin()
        try:
            self._execute(step)
            record()
            d.commit()
        except BaseException:
            d.rollback()
            raise

    def _without_transaction(self, history: History, step: _Step, row: HistoryRow, started: float) -> None:
        """Run statement by statement in autocommit, keeping the history row's k/n counter true."""
        total = len(step.statements)
        if step.direction == "up":
            row.state, row.statements_done, row.statements_total = "dirty", 0, total
            history.insert(row)
        else:
            history.mark_dirty(row.id, "down", total)
        progress = {"done": 0}

        def advanced(k: int, written: bool = False) -> None:
            progress["done"] = k
            if not written:
                history.set_progress(row.id, k)  # committed before the next statement starts

        try:
            self._execute(step, advanced, lambda k: history.progress_statement(row.id, k))
        except MigrationFailed:
            if progress["done"] == 0:  # nothing committed: leave the history as it was
                if step.direction == "up":
                    history.delete(row.id)
                else:
                    history.mark_applied(row.id, row.execution_ms, done=row.statements_total)
            raise
        if step.direction == "up":
            row.execution_ms = _ms(started)
            row.state = "applied"
            history.mark_applied(row.id, row.execution_ms)
        else:
            history.delete(row.id)

    def _execute(self, step: _Step, advanced: Callable[..., None] | None = None,
                 followup: Callable[[int], tuple[str, tuple]] | None = None) -> None:
        """Run the step's statements. ``advanced(k)`` is told after statement k succeeded; with
        ``followup``, the dialect runs that bookkeeping statement together with statement k and
        ``advanced(k, written=True)`` only counts."""
        m = step.migration
        d = self.dialect
        if step.source is None:  # a Python migration
            ctx = MigrationContext(d, on_statement=advanced)
            try:
                (m.up if step.direction == "up" else m.down)(ctx)
            except MigrationFailed:
                raise
            except Exception as exc:
                if not d.is_database_error(exc):
                    raise
                msg, _ = d.error_message(exc)
                file, line = _python_origin(exc, m)
                raise MigrationFailed(f"migration {m.id} failed ({step.direction}): {msg}",
                                      migration_id=m.id, file=file, line=line) from exc
            return
        for k, stmt in enumerate(step.statements, 1):
            try:
                if followup is not None:
                    d.execute_then(stmt.sql, followup(k))
                else:
                    d.execute(stmt.sql)
            except Exception as exc:
                if not d.is_database_error(exc):
                    raise
                raise _statement_failed(d, exc, m, step, stmt) from exc
            if advanced is not None:
                advanced(k, written=followup is not None)

    # -- baseline and repair -------------------------------------------------------------------
    def baseline(self, to: str) -> list[str]:
        """Record every migration up to and including ``to`` as applied, without running it."""
        ids = [m.id for m in self.migrations]
        if to not in ids:
            raise InputError(f"--to {to}: no migration with that id in the manifest")
        self._open()
        try:
            history = History(self.dialect)
            with self.dialect.lock(self.lock_timeout):
                history.ensure()
                rows = history.rows()
                done = {r.id for r in rows}
                batch, rank = History.next_numbers(rows)
                recorded = []
                name = self.dialect.name
                self.dialect.begin()
                try:
                    for m in self.migrations[: ids.index(to) + 1]:
                        if m.id in done:
                            continue
                        down = m.down_sql(name) if not m.irreversible else None
                        history.insert(HistoryRow(
                            id=m.id, description=m.description, checksum=m.checksum(name),
                            down_sql=down.text if down is not None else None, applied_at=self.dialect.now(),
                            execution_ms=0, applied_by=self.dialect.current_user(), state="applied",
                            batch=batch, rank=rank + len(recorded),
                        ))
                        recorded.append(m.id)
                    self.dialect.commit()
                except BaseException:
                    self.dialect.rollback()
                    raise
                return recorded
        finally:
            self._close()

    def repair(self, *, mark_applied: Sequence[str] = (), remove: Sequence[str] = ()) -> dict:
        """Accept changed checksums (and the files' current down SQL); settle dirty rows as told.

        Returns ``{"accepted": [...], "marked_applied": [...], "removed": [...], "dirty": [...]}``;
        ``dirty`` lists the dirty rows left because neither option named them.
        """
        self._open()
        try:
            history = History(self.dialect)
            if not history.exists():
                return {"accepted": [], "marked_applied": [], "removed": [], "dirty": []}
            with self.dialect.lock(self.lock_timeout):
                states = self._states(history.rows())
                dirty = {s.id: s for s in states if s.state == "dirty"}
                for rid in list(mark_applied) + list(remove):
                    if rid not in dirty:
                        raise InputError(f"{rid} is not a dirty migration",
                                         hint="`stingerloom status` shows which migrations are dirty")
                out = {"accepted": [], "marked_applied": [], "removed": [], "dirty": []}
                name = self.dialect.name
                for s in states:
                    if s.state == "modified":
                        m = s.migration
                        down = m.down_sql(name) if not m.irreversible else None
                        history.accept(s.id, m.checksum(name), down.text if down is not None else None, m.description)
                        out["accepted"].append(s.id)
                for rid in mark_applied:
                    history.mark_applied(rid, dirty[rid].row.execution_ms, done=dirty[rid].row.statements_total)
                    out["marked_applied"].append(rid)
                for rid in remove:
                    history.delete(rid)
                    out["removed"].append(rid)
                out["dirty"] = [rid for rid in dirty if rid not in mark_applied and rid not in remove]
                return out
        finally:
            self._close()


_DML = re.compile(r"(?i)(?:INSERT|UPDATE|DELETE|REPLACE)\b")


def _ms(started: float) -> int:
    return int(round((time.perf_counter() - started) * 1000))


def _statement_failed(d: Any, exc: BaseException, m: Migration, step: _Step, stmt: Any) -> MigrationFailed:
    msg, pos = d.error_message(exc)
    src = step.source
    line, col = src.position(stmt.offset + (pos or 0))
    first = stmt.sql.strip().splitlines()[0] if stmt.sql.strip() else ""
    if len(first) > 80:
        first = first[:77] + "..."
    return MigrationFailed(
        f"migration {m.id} failed ({step.direction}): {msg}\n  statement: {first}",
        migration_id=m.id, file=src.file, line=line, column=col,
        hint="fix the statement and run the command again; migrations before this one stay applied",
    )


def _python_origin(exc: BaseException, m: Migration) -> tuple[str | None, int | None]:
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


def run_sql_source(context: MigrationContext, migration: Migration, direction: str, source: SqlSource | None) -> None:
    """Run a block of SQL through ``context`` (used when ``SqlMigration.up/down`` is called directly)."""
    if source is None:
        raise InputError(f"migration {migration.id} has no {direction} SQL for {context.driver}")
    d = context._dialect
    from .sqltext import split_statements

    step = _Step(migration, direction, source, split_statements(source.text, d.name))
    for stmt in step.statements:
        try:
            context.query(stmt.sql)
        except Exception as exc:
            if not d.is_database_error(exc):
                raise
            raise _statement_failed(d, exc, migration, step, stmt) from exc


__all__ = ["MigrationRunner", "MigrationResult", "MigrationState", "checksum"]
