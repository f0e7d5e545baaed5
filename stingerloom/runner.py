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

from ._record import Record
from .errors import DriftError, InputError, MigrationFailed, StingerloomError
from .execute import (
    MigrationDone,
    MigrationStarted,
    RollbackScope,
    RunFinished,
    RunStarted,
    run_block,
    split_block,
)
from .history import History, HistoryRow, VersionRow
from .migration import Migration, SqlMigration, SqlSource, checksum
from .plan import Plan, Step, basis
from .results import BaselineReport, RepairChange, RepairReport, RunReport
from .states import BrokenEntry, HistoryReader, MigrationState, _explained, dirty_advice

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Sequence



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

    @property
    def stopped(self) -> bool:
        """The run ended here: the migration failed, or it went through although the run was
        interrupted or lost its connection during its COMMIT (``success`` and the ``error``)."""
        return not self.success or self.exception is not None


class _NoSql(InputError):
    """A migration has no SQL for the target database."""


class MigrationRunner(HistoryReader):
    """Applies and reverts migrations against one database.

    ``database`` is a URL (SPEC §2) or an open DB-API connection (sqlite3, psycopg 3, PyMySQL). How it
    connects and reads each migration's state is :class:`~stingerloom.states.HistoryReader`'s.
    """

    def _refuse_drift(self, states: Iterable[MigrationState], verb: str = "run") -> None:
        problems, hints = [], []
        manifest = self.manifest_hint
        for s in states:
            if s.state == "dirty":
                r = s.row
                what = "rolling back" if r.operation == "down" else "applying"
                problems.append(f"{s.id} is {r.progress()}: it failed part way while {what}, outside a transaction")
                hints.append(dirty_advice(r, manifest, _repeatable(s)))
            elif s.state == "modified":
                problems.append(f"{s.id} was changed after it was applied (its checksum differs from the history)")
        if not problems:
            return
        if len(hints) < len(problems):
            hints.append(f"for a modified migration: restore its file as it was, or run `stingerloom repair "
                         f"{manifest}` to accept the new checksum (`--accept ID` for one)")
        raise DriftError(f"refusing to {verb}: " + "; ".join(problems), hint="\n  ".join(hints))

    def _prepare(self, migration: Migration, direction: str, source: SqlSource | None) -> Step:
        step = Step(migration, direction, source)
        if source is not None:
            step.statements = self._statements(migration, direction, source)
        return step

    def _statements(self, migration: Migration, direction: str, source: SqlSource) -> list:
        """The statements of ``source``; a block of only comments is refused (see :func:`_only_comments`)."""
        statements = split_block(self.dialect, migration, direction, source)
        if not statements and source.text.strip():
            raise _only_comments(migration, direction, source)
        return statements

    def _up_steps(self, pending: list[Migration]) -> list[Step]:
        """The steps of ``pending``; every migration lacking up SQL for this database is reported
        at once (one ManifestError), not one per run."""
        from .errors import ManifestError, Problem

        steps, problems, hint = [], [], None
        for m in pending:
            try:
                steps.append(self._up_step(m))
            except _NoSql as exc:
                problems.append(Problem(exc.message, file=exc.file, line=exc.line))
                hint = exc.hint
        if problems:
            raise ManifestError(problems, hint=hint)
        return steps

    def _up_step(self, m: Migration) -> Step:
        if isinstance(m, SqlMigration):
            src = m.up_sql(self.dialect.name)
            if src is None:
                raise _NoSql(
                    f"migration {m.id} has no up SQL for {self.dialect.name}",
                    file=m.source_file, line=m.source_line,
                    hint=f"add a `{self.dialect.name}:` or `default:` entry under `up:` (an empty string is a deliberate no-op)",
                )
            step = self._prepare(m, "up", src)
            down = m.down_sql(self.dialect.name)
            if down is not None:  # a template down would be stored and "run" by a later rollback
                self._statements(m, "down", down)
            return step
        return Step(m, "up", None)

    def _checked(self, steps: list[Step]) -> list[Step]:
        """``steps``, once none of them controls the transaction itself (checked before anything runs).

        In a migration the runner wraps in a transaction, ``BEGIN``/``COMMIT``/``ROLLBACK`` would
        commit or undo the work apart from its history row; without one, a ``ROLLBACK`` undoes
        statements the k/n counter already counts, and a ``BEGIN`` never committed loses the rest.
        ``SET autocommit`` (MySQL) silently turns every later statement into an uncommitted one.
        """
        from .sqltext import transaction_control

        for step in steps:
            if step.source is None:
                continue
            # MySQL wraps only DML-only migrations, and transaction control is not DML: no need to
            # ask the database about engines (the tables may not exist before earlier migrations run)
            wrapped = step.migration.transaction and self.dialect.transactional_ddl
            open_begin = None
            for stmt in step.statements:
                word = transaction_control(stmt.sql)
                if word is None:
                    continue
                if wrapped or word in ("ROLLBACK", "SET autocommit", "PREPARE TRANSACTION"):
                    raise self._tx_control_error(step, stmt, word, wrapped)
                open_begin = stmt if word == "BEGIN" else None
            if open_begin is not None:
                raise self._tx_control_error(step, open_begin, "BEGIN", wrapped)
        return steps

    def _tx_control_error(self, step: Step, stmt: Any, word: str, wrapped: bool) -> InputError:
        m = step.migration
        line, col = step.source.position(stmt.offset)
        if wrapped:
            why = "the runner already runs this migration in one transaction with its history row"
            hint = "remove it (a savepoint is fine); to manage transactions yourself set `transaction: false`"
        elif word == "BEGIN":
            why = "this transaction is never committed, so the statements after it would be lost"
            hint = "add COMMIT after the statements, or remove BEGIN"
        else:
            why = "it would undo or hide statements that the history already counts as committed"
            hint = "remove it; split the work into migrations that can each be rolled back"
        return InputError(f"migration {m.id} ({step.direction}): {word} inside a migration is refused: {why}",
                          file=step.source.file, line=line, column=col, hint=hint)

    # -- plan and apply --------------------------------------------------------------------------
    def _check_to(self, to: str | None) -> None:
        if to is not None and to not in {m.id for m in self.migrations}:
            raise self._unknown_to(to)

    def _unknown_to(self, to: str) -> InputError:
        """``--to`` naming no migration of the manifest: the closest ids, and where to see them all."""
        from difflib import get_close_matches

        close = get_close_matches(to, [m.id for m in self.migrations], n=3)
        guess = f"did you mean {' or '.join(close)}? " if close else ""
        return InputError(f"--to {to}: no migration with that id in the manifest",
                          hint=f"{guess}`stingerloom status {self.manifest_hint}` lists the ids (by default a "
                               "migration's id is its file name without the extension)")

    @_explained
    def plan(self, *, to: str | None = None) -> Plan:
        """What :meth:`run` would apply now (up to and including ``to``), read from the history as it
        is: nothing is written and no lock is taken. Each step's transaction is decided with the
        database as it is, and ``facts`` holds what a script of it needs (``--dry-run``, ``--script``)."""
        self._check_to(to)
        with self._session() as history:
            rows = history.rows()
            self._latest = self._latest_versions(history, rows)
            plan = self._plan_up(rows, to)
            for st in plan.steps:
                st.atomic = self.atomic(st)
            plan.facts = self._script_facts(rows)
            return plan

    @_explained
    def plan_rollback(self, n: int = 1, *, to: str | None = None, all: bool = False,
                      include_missing: bool = False) -> Plan:
        """What :meth:`rollback` would revert now (same arguments), read from the history as it is:
        nothing is written and no lock is taken. Each step's ``note`` is :meth:`describe_down`'s."""
        if n < 0:
            raise InputError("--steps must be 0 or more")
        with self._session() as history:
            if not history.exists() or (n == 0 and to is None and not all):
                self.rollback_plan = {"missing_included": [], "missing_skipped": []}
                plan = self._new_plan("down", [], [], scope=dict(self.rollback_plan))
                plan.facts = self._script_facts([])
                return plan
            rows = history.rows()
            plan = self._plan_down(history, rows, n, to, all, include_missing)
            by_id = {m.id: m for m in self.migrations}
            for st in plan.steps:
                st.atomic = self.atomic(st)
                st.note = self._describe(st, st.row, by_id.get(st.row.id))
            plan.facts = self._script_facts(rows)
            return plan

    @_explained
    def apply(self, plan: Plan) -> list[MigrationResult]:
        """Run ``plan`` (from :meth:`plan` or :meth:`plan_rollback`) under the migration lock.

        Refused (DriftError, nothing run) when the history has changed since the plan was made:
        another run applied or reverted something meanwhile, so plan again. Returns one result per
        migration attempted; a failed one ends the run with ``success=False`` (one whose COMMIT went
        through while the run was interrupted ends it with ``success=True`` and its ``error``)."""
        with self._session() as history, self.dialect.lock(self.lock_timeout):
            if plan.direction == "up":
                history.ensure()
            rows = history.rows() if plan.direction == "up" or history.exists() else []
            if basis(rows) != plan.basis:
                raise DriftError("refusing to apply this plan: the history has changed since it was made (another "
                                 "run applied, reverted or repaired migrations); nothing was run",
                                 hint="make the plan again")
            return self._apply(history, plan, rows)

    def _apply(self, history: History, plan: Plan, rows: list[HistoryRow]) -> list[MigrationResult]:
        """Run ``plan``'s steps in order (lock held, history read as ``rows``), telling ``on_event``."""
        if plan.direction == "up":
            self._ensure_versions(history)
            batch, rank = History.next_numbers(rows)
            work = [(s.migration.id, lambda i, s=s: self._apply_one(history, s, batch, rank + i)) for s in plan.steps]
        else:
            self.on_event(RollbackScope(**plan.scope))
            work = [(s.row.id, lambda i, s=s: self._revert_one(history, s, s.row)) for s in plan.steps]
        results = self._run_steps(plan.direction, work)
        if plan.direction == "up" and results and not results[-1].success:
            self._left_out_hint(history, plan, results[-1])
        return results

    def _left_out_hint(self, history: History, plan: Plan, failed: MigrationResult) -> None:
        """A repeatable that failed while ``--to`` left pending versioned migrations out: it may read
        what they create, so the hint says so (before "fix the statement"; after a dirty row's advice)."""
        by_id = {m.id: m for m in self.migrations}
        m = by_id.get(failed.id)
        left = [i for i in plan.pending_after if i in by_id and not by_id[i].repeatable]
        err = failed.exception
        if m is None or not m.repeatable or not left or not isinstance(err, MigrationFailed):
            return
        shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        note = (f"--to {plan.to} left out pending migration(s) {shown}: if {m.id} reads what they create, apply "
                f"them first (`stingerloom apply {self.manifest_hint}` without --to runs repeatables last)")
        try:
            row = history.get(m.id)
        except Exception:  # the connection is gone: the failure message says so already
            return
        if row is not None and row.dirty:
            err.hint = f"{err.hint}\n    then: {note}" if err.hint else note
        else:
            err.hint = f"{note}; otherwise {err.hint}" if err.hint else note


    def _new_plan(self, direction: str, steps: list[Step], rows: list[HistoryRow], **kw: Any) -> Plan:
        return Plan(direction, steps, self.database, self.dialect, manifest=self.manifest_hint, basis=basis(rows),
                    out_of_order_rule=self.out_of_order, **kw)

    @_explained
    def run(self, migrations: Sequence[Migration] | None = None, *, to: str | None = None,
            dry_run: bool = False) -> list[MigrationResult]:
        """Apply pending migrations in manifest order (up to and including ``to``): the plan and
        its application, both under the migration lock.

        Returns one result per migration attempted; a failed one ends the run with ``success=False``
        (one whose COMMIT went through while the run was interrupted: ``success=True`` and its ``error``).
        With ``dry_run`` nothing runs: the results list what would (:meth:`plan` gives the steps).
        """
        if migrations is not None:
            self.migrations = list(migrations)
        self._check_to(to)
        if dry_run:
            return [MigrationResult(s.migration.id, True, 0, None, "up") for s in self.plan(to=to).steps]
        return self.run_report(to=to).results

    @_explained
    def run_report(self, *, to: str | None = None) -> RunReport:
        """:meth:`run`, returning its :class:`RunReport`: the results with what the plan said around
        them (the pending migrations ``to`` left out, the out-of-order ones it applied)."""
        self._check_to(to)
        with self._session() as history, self.dialect.lock(self.lock_timeout):
            history.ensure()
            rows = history.rows()
            self._latest = self._latest_versions(history, rows)
            plan = self._plan_up(rows, to)
            return RunReport.of(plan, self._apply(history, plan, rows))

    def _run_steps(self, direction: str, work: list) -> list[MigrationResult]:
        """Run ``(id, fn(index) -> result)`` pairs in order, stopping at the first failure, and tell
        ``on_event`` as it goes (RunStarted, MigrationStarted and MigrationDone each, RunFinished)."""
        results: list[MigrationResult] = []
        self.on_event(RunStarted(direction, len(work)))
        try:
            for i, (mid, fn) in enumerate(work):
                self.on_event(MigrationStarted(mid, i, len(work)))
                results.append(fn(i))  # fn turns a Ctrl-C during the migration into a failed result
                self.on_event(MigrationDone(results[-1]))
                if results[-1].stopped:
                    break
        except KeyboardInterrupt:  # between two migrations (e.g. while the progress is drawn)
            if len(results) < len(work) and (not results or not results[-1].stopped):
                results.append(self._interrupted_before(direction, work[len(results)][0]))
        finally:
            self.on_event(RunFinished())
        return results

    @staticmethod
    def _interrupted_before(direction: str, mid: str) -> MigrationResult:
        """The result of a migration a Ctrl-C stopped before it started: nothing of it ran."""
        verb = "applying" if direction == "up" else "rolling back"
        err = Interrupted(f"interrupted (Ctrl-C) before {verb} {mid}; nothing of it ran",
                          hint="the migrations listed as done are recorded; run the same command to go on")
        err.migration_id = mid
        return MigrationResult(mid, False, 0, err.message, direction, err)

    def _plan_up(self, rows: list[HistoryRow], to: str | None) -> Plan:
        """The apply plan from ``rows``: pending versioned migrations, then due repeatables, up to ``to``."""
        states = self._states(rows)
        self._refuse_drift(states)
        due = ("pending", "outdated")
        pending_after = []
        if to is not None:  # pending migrations that --to leaves out, told to the user
            ids = [s.id for s in states]
            later = states[ids.index(to) + 1:] if to in ids else []
            pending_after = [s.id for s in later if s.state in due and s.migration is not None]
        covered = []
        for s in states:
            covered.append(s)
            if s.id == to:
                break
        target = next((s for s in states if s.id == to), None)
        if target is not None and not target.repeatable and target.state != "pending":
            covered = [s for s in covered if s.repeatable]  # --to an applied migration: nothing versioned
        versioned = [s for s in covered if s.state == "pending" and not s.repeatable]
        repeatables = [s for s in covered if s.state in due and s.repeatable]
        self._out_of_order_policy([s for s in versioned if s.out_of_order], states)
        steps = self._checked(self._up_steps([s.migration for s in versioned + repeatables]))
        for st, s in zip(steps, versioned + repeatables):
            if s.repeatable:
                st.previous, st.reason = s.row, s.reason
        return self._new_plan("up", steps, rows, to=to, pending_after=pending_after,
                              out_of_order=list(self.applied_out_of_order))

    def _out_of_order_policy(self, late: list[MigrationState], states: list[MigrationState]) -> None:
        """Refuse, or note for a warning, the pending migrations listed before an applied one."""
        self.applied_out_of_order = [s.id for s in late]
        if not late or self.out_of_order != "error":
            return
        names = []
        for s in late:
            after = next(a.id for a in states[states.index(s) + 1:] if a.row is not None and not a.repeatable
                         and a.migration is not None)
            where = f" ({s.migration.source_file}:{s.migration.source_line})" if s.migration.source_file else ""
            names.append(f"{s.id}{where} is listed before {after}, which is applied")
        manifest = self.manifest_hint
        first = late[0].id
        raise DriftError(
            f"refusing to apply out of order: {'; '.join(names)}; nothing was run",
            hint=(f"move {'them' if len(late) > 1 else 'it'} after the applied migrations in the manifest; or set "
                  "out_of_order = \"apply\" (or \"warn\") for this environment in stingerloom.toml to apply "
                  f"{'them' if len(late) > 1 else 'it'} where listed; or, if its change is already in the "
                  f"database, record it without running: stingerloom repair {manifest} --mark-applied {first}"))

    def run_all(self) -> list[MigrationResult]:
        return self.run()

    @_explained
    def run_up(self, migration: Migration) -> MigrationResult:
        """Apply one migration now, whatever its place in the order."""
        with self._session() as history:
            with self.dialect.lock(self.lock_timeout):
                history.ensure()
                rows = history.rows()
                if any(r.id == migration.id for r in rows):
                    raise InputError(f"migration {migration.id} is already applied")
                batch, rank = History.next_numbers(rows)
                return self._apply_one(history, self._checked([self._up_step(migration)])[0], batch, rank)

    def _apply_one(self, history: History, step: Step, batch: int, rank: int) -> MigrationResult:
        m = step.migration
        name = self.dialect.name
        down = m.down_sql(name) if not m.irreversible else None
        row = HistoryRow(
            id=m.id, description=m.description, checksum=m.checksum(name),
            down_sql=down.text if down is not None else None, applied_at=self.dialect.now(),
            execution_ms=0, applied_by=self.dialect.current_user(), state="applied", batch=batch,
            rank=rank, statements_done=len(step.statements), statements_total=len(step.statements),
        )
        if m.repeatable:
            step.version = self._version_of(m, row, step.source)
        started = time.perf_counter()
        try:
            step.atomic = self.atomic(step)
            if step.atomic:
                self._in_transaction(step, lambda: self._finish_up(history, row, started, step))
            else:
                self._without_transaction(history, step, row, started)
        except (Exception, KeyboardInterrupt) as exc:
            err = self._failure(step, exc, history)
            return MigrationResult(m.id, step.completed, _ms(started), err.message, "up", err)
        return MigrationResult(m.id, True, row.execution_ms, None, "up")

    def _finish_up(self, history: History, row: HistoryRow, started: float, step: Step) -> None:
        row.execution_ms = _ms(started)
        self._write_up(history, row, step)

    def _write_up(self, history: History, row: HistoryRow, step: Step) -> None:
        """The history row of an application (replacing a repeatable's previous one), and for a
        repeatable the SQL it ran in ``<history_table>_versions``."""
        if step.previous is not None:
            history.replace(row, when="applied")  # as read under the lock: never two runs at once
        else:
            history.insert(row)
        if step.version is not None:
            step.version.execution_ms = row.execution_ms
            history.delete_versions(row.id, row.rank)  # a row left by a run that died between two writes
            history.insert_version(step.version)

    def _unwrite_up(self, history: History, row: HistoryRow, step: Step) -> None:
        """Undo :meth:`_write_up` (nothing of the migration was committed)."""
        if step.version is not None:
            history.delete_versions(row.id, row.rank)
        if step.previous is not None:
            history.replace(step.previous, when="dirty")
        else:
            history.delete(row.id, "dirty")

    def _version_of(self, m: Migration, row: HistoryRow, source: Any) -> VersionRow:
        source_sum = m.source_checksum(self.dialect.name) if isinstance(m, SqlMigration) else None
        return VersionRow(id=m.id, rank=row.rank, batch=row.batch, checksum=row.checksum,
                          source_checksum=source_sum, up_sql=source.text if source is not None else None,
                          down_sql=row.down_sql, description=row.description, applied_at=row.applied_at,
                          applied_by=row.applied_by, execution_ms=0)

    # -- rollback ------------------------------------------------------------------------------
    @_explained
    def rollback(self, n: int = 1, *, to: str | None = None, all: bool = False,
                 include_missing: bool = False, dry_run: bool = False) -> list[MigrationResult]:
        """Revert the last ``n`` applied migrations (in reverse order of application): the plan and
        its application, both under the migration lock.

        ``to``: revert every migration applied after ``to`` (which stays applied). ``all``: everything.
        ``rollback(0)`` does nothing. Only migrations this runner lists are reverted: a ``missing``
        row (another manifest's, or a file since removed) only with ``include_missing``, or when
        ``to`` passes it. ``self.rollback_plan`` tells which missing rows were included and which
        were left; the ``RollbackScope`` event says the same before anything runs. With ``dry_run``
        nothing runs (:meth:`plan_rollback` gives the steps).
        """
        if dry_run:
            if n < 0:
                raise InputError("--steps must be 0 or more")
            self.rollback_plan = {"missing_included": [], "missing_skipped": []}
            plan = self.plan_rollback(n, to=to, all=all, include_missing=include_missing)
            return [MigrationResult(s.row.id, True, 0, None, "down") for s in plan.steps]
        return self.rollback_report(n, to=to, all=all, include_missing=include_missing).results

    @_explained
    def rollback_report(self, n: int = 1, *, to: str | None = None, all: bool = False,
                        include_missing: bool = False) -> RunReport:
        """:meth:`rollback`, returning its :class:`RunReport`: the results with the rollback's scope
        (the missing history rows it included and left)."""
        if n < 0:
            raise InputError("--steps must be 0 or more")
        self.rollback_plan = {"missing_included": [], "missing_skipped": []}
        nothing = RunReport("down", [], self.database, to=to, scope=dict(self.rollback_plan))
        if n == 0 and to is None and not all:
            return nothing
        with self._session() as history:
            if not history.exists():
                return nothing
            with self.dialect.lock(self.lock_timeout):
                rows = history.rows()
                plan = self._plan_down(history, rows, n, to, all, include_missing)
                return RunReport.of(plan, self._apply(history, plan, rows))

    def _plan_down(self, history: History, rows: list[HistoryRow], n: int, to: str | None, all: bool,
                   include_missing: bool) -> Plan:
        """The rollback plan from ``rows`` (see :meth:`rollback`)."""
        self._refuse_drift(s for s in self._states(rows) if s.state == "dirty")
        targets = self._rollback_targets(rows, n, to, all, include_missing)
        by_id = {m.id: m for m in self.migrations}
        earlier = self._earlier_versions(history, rows, targets, to, all)
        steps = self._checked([self._down_step(r, by_id.get(r.id), earlier.get(r.id)) for r in targets])
        for st, r in zip(steps, targets):
            st.row = r
        return self._new_plan("down", steps, rows, to=to, scope=dict(self.rollback_plan))

    def _script_facts(self, rows: list[HistoryRow]) -> dict:
        """What a script of this run needs from the database, read while connected (never written):
        the history DDL, the lock statements, the next batch and rank."""
        batch, rank = History.next_numbers(rows)
        d = self.dialect
        try:
            lock, refusal = d.script_lock(), None
        except InputError as exc:  # no script can hold this database's lock: only --script refuses
            lock, refusal = ([], []), exc
        ddl = d.history_ddl()
        if any(m.repeatable for m in self.migrations):  # created by apply whenever the manifest has one
            ddl.append(History(d).versions_ddl())
        return {"ddl": ddl, "lock": lock, "refusal": refusal, "batch": batch, "rank": rank,
                "database": d.script_database()}

    def _rollback_targets(self, rows: list[HistoryRow], n: int, to: str | None, all: bool,
                          include_missing: bool) -> list[HistoryRow]:
        """The rows to revert, newest first, keeping to this manifest's migrations (SPEC §7)."""
        listed = {m.id for m in self.migrations} | {b.id for b in self.broken}
        newest_first = list(reversed(rows))
        if to is not None:
            ranks = {r.id: r.rank for r in rows}
            if to not in ranks:
                raise InputError(f"--to {to}: that migration is not applied",
                                 hint="`stingerloom status` lists the applied migrations")
            targets = [r for r in newest_first if r.rank > ranks[to]]  # what it passes, asked for by name
            skipped = []
        else:
            eligible = [r for r in newest_first if include_missing or r.id in listed]
            targets = eligible if all else eligible[:n]
            oldest = min((r.rank for r in targets), default=None)
            skipped = [r for r in newest_first if r.id not in listed and r not in targets
                       and (all or (oldest is not None and r.rank > oldest) or r in newest_first[:n])]
        self.rollback_plan = {
            "missing_included": [r.id for r in targets if r.id not in listed],
            "missing_skipped": [r.id for r in skipped],
        }
        return targets

    def _earlier_versions(self, history: History, rows: list[HistoryRow], targets: list[HistoryRow],
                          to: str | None, all: bool) -> dict[str, tuple]:
        """For each repeatable among ``targets``: ``(the application to re-apply or None, every one
        recorded)``. ``rollback`` re-applies the one before the last; ``--to ID`` the one in force
        when ID was applied; ``--all`` none (its down runs): none earlier means its down runs."""
        if not history.versions_exist():
            return {}
        floor = next((r.rank for r in rows if r.id == to), None) if to is not None else None
        out = {}
        for r in targets:
            versions = history.versions(r.id)
            if not versions:
                continue
            earlier = [v for v in versions if v.rank < r.rank and (floor is None or v.rank <= floor)
                       and v.up_sql is not None]  # a Python migration's SQL is not known
            out[r.id] = (earlier[-1] if earlier and not all else None, versions)
        return out

    def describe_down(self, row: HistoryRow, migration: Migration | None, earlier: tuple | None = None) -> dict:
        """What reverting ``row`` would run: ``{"id", "missing", "transaction", "sql": [statements],
        "stored_down", "file_down", "file", "line", "differs", "reapplies"}``. ``stored_down`` is what
        runs; ``differs`` is true when the file's down SQL (``file_down``) is not the same text.
        ``reapplies``: for a repeatable brought back to its previous definition, when that was applied
        (``sql`` is then that definition)."""
        return self._describe(self._down_step(row, migration, earlier), row, migration)

    def _describe(self, step: Step, row: HistoryRow, migration: Migration | None) -> dict:
        """:meth:`describe_down` of a planned ``step``."""
        atomic = step.atomic if step.atomic is not None else self.atomic(step)
        if step.restore is not None:
            return {"id": row.id, "missing": migration is None, "transaction": atomic,
                    "sql": [st.sql for st in step.statements], "stored_down": None, "file_down": None,
                    "file": None, "line": None, "differs": False,
                    "reapplies": self.dialect.timestamp_to_iso(step.restore.applied_at)}
        file_src = None
        if isinstance(migration, SqlMigration) and not migration.irreversible:
            file_src = migration.down_sql(self.dialect.name)
        file_down = file_src.text if file_src is not None else None
        return {
            "id": row.id,
            "missing": migration is None,
            "transaction": atomic,
            "sql": [st.sql for st in step.statements] if step.source is not None else None,
            "stored_down": row.down_sql,
            "file_down": file_down,
            "file": file_src.file if file_src is not None else None,
            "line": file_src.line if file_src is not None else None,
            "differs": row.down_sql is not None and file_down is not None
                       and _normal(file_down) != _normal(row.down_sql),
        }

    def revert_last(self) -> list[MigrationResult]:
        return self.rollback(1)

    @_explained
    def run_down(self, migration: Migration) -> MigrationResult:
        """Revert one applied migration now, whatever its place in the order."""
        with self._session() as history:
            with self.dialect.lock(self.lock_timeout):
                row = next((r for r in history.rows() if r.id == migration.id), None)
                if row is None:
                    raise InputError(f"migration {migration.id} is not applied")
                return self._revert_one(history, self._checked([self._down_step(row, migration)])[0], row)

    def _down_step(self, row: HistoryRow, migration: Migration | None, earlier: tuple | None = None) -> Step:
        if earlier is not None:  # a repeatable: re-apply its previous definition, or run its down
            restore, versions = earlier
            if restore is not None:
                m = migration or SqlMigration(row.id, up={}, description=row.description)
                src = SqlSource(restore.up_sql or "", file=f"{row.id} (previous definition stored in the history)",
                                line=1, column=1)
                step = self._prepare(m, "down", src)
                step.restore, step.version = restore, versions[-1]
                return step
            step = self._down_step(row, migration)
            step.version = versions[-1]
            return step
        if row.down_sql is not None:
            file_src = migration.down_sql(self.dialect.name) if migration is not None else None
            if file_src is not None and file_src.text == row.down_sql:
                src = file_src  # same text: report errors at the file's lines
            else:
                src = SqlSource(row.down_sql, file=f"{row.id} (down SQL stored in the history)", line=1, column=1)
            m = migration or SqlMigration(row.id, up={}, description=row.description)
            return self._prepare(m, "down", src)
        if migration is not None and not isinstance(migration, SqlMigration):
            return Step(migration, "down", None)
        way_out = (f"revert it by hand, then run `stingerloom repair {self.manifest_hint} --remove {row.id}` "
                   "to forget it")
        if migration is not None and migration.irreversible:
            raise InputError(f"migration {row.id} is irreversible (`irreversible: true`): it cannot be rolled back",
                             file=migration.source_file, line=migration.source_line, hint=way_out)
        why = ("it was recorded by `baseline`, without running" if row.operation == "baseline"
               else "it was applied without a down (or as irreversible)")
        if isinstance(migration, SqlMigration):  # `repair --accept` stores the file's down (the up is unchanged)
            has = "its file has a down now" if migration.down_sql(self.dialect.name) is not None else "give its file a down"
            way_out = (f"{has}, store it with `stingerloom repair {self.manifest_hint} --accept {row.id}` and roll "
                       f"back again; or {way_out}")
        raise InputError(f"migration {row.id} has no stored down SQL, so it cannot be rolled back: {why}",
                         file=getattr(migration, "source_file", None), line=getattr(migration, "source_line", None),
                         hint=way_out)

    def _revert_one(self, history: History, step: Step, row: HistoryRow) -> MigrationResult:
        started = time.perf_counter()
        try:
            step.atomic = self.atomic(step)
            if step.atomic:
                self._in_transaction(step, lambda: self._unrecord(history, step, row, "applied"))
            else:
                self._without_transaction(history, step, row, started)
        except (Exception, KeyboardInterrupt) as exc:
            err = self._failure(step, exc, history)
            return MigrationResult(row.id, step.completed, _ms(started), err.message, "down", err)
        return MigrationResult(row.id, True, _ms(started), None, "down")

    def _advise(self, history: History, exc: MigrationFailed, direction: str, kind: str | None = None,
                restoring: bool = False) -> None:
        """The next step after a failure: with the history row left dirty, both ways out for the
        direction the run was going (a retry would be refused); after a rollback that changed
        nothing, how to correct the stored down SQL that failed (unless the fault was not the SQL's:
        a lock wait, a deadlock, a read-only or full database); a repeatable whose previous
        definition failed to run again (``restoring``) keeps its current one: go back by editing
        its file and applying (``repair`` cannot replace a stored definition)."""
        try:
            row = history.get(exc.migration_id) if exc.migration_id else None
        except Exception:  # the connection is gone: the failure message says so already
            return
        if row is not None and row.dirty:
            repeatable = any(m.id == row.id and getattr(m, "repeatable", False) for m in self.migrations)
            exc.hint = dirty_advice(row, self.manifest_hint, repeatable)
        elif row is not None and direction == "down" and kind in _NOT_THE_SQL:
            exc.hint = f"nothing was reverted and {row.id} is still applied: roll back again"
        elif row is not None and restoring:
            where = next((m.source_file for m in self.migrations if m.id == row.id and m.source_file),
                         f"{row.id}'s file")
            exc.hint = (f"nothing was reverted and {row.id} keeps its current definition; its previous "
                        f"definition (stored in the history) cannot run again as it is: to go back to it, "
                        f"write it in {where} so that it can run over the current one (e.g. `DROP ... IF "
                        f"EXISTS` first) and run `stingerloom apply {self.manifest_hint}`")
        elif row is not None and direction == "down" and not any(m.id == row.id for m in self.migrations):
            exc.hint = (f"nothing was reverted; {row.id} is not in this manifest, so its stored down SQL cannot "
                        f"be replaced: revert it by hand, then run `stingerloom repair {self.manifest_hint} "
                        f"--remove {row.id}`")
        elif row is not None and direction == "down":
            exc.hint = (f"nothing was reverted; rollback runs the down SQL stored in the history when "
                        f"{row.id} was applied: correct the file's down, store it with `stingerloom repair "
                        f"{self.manifest_hint} --accept {row.id}` (or revert by hand and `--remove {row.id}`), "
                        "then roll back again")

    # -- execution -----------------------------------------------------------------------------
    def atomic(self, step: Step) -> bool:
        """Whether ``step`` runs in one transaction with its history row.

        Yes for ``transaction: true`` on databases with transactional DDL. On MySQL/MariaDB, also
        when every statement is plain DML (INSERT, UPDATE, DELETE, REPLACE), which does not commit
        implicitly: a seed or backfill then rolls back whole instead of leaving a dirty row.
        """
        if not step.migration.transaction:
            return False
        if self.dialect.transactional_ddl:
            return True
        if step.source is None or not step.statements or not all(re.match(_DML, s.sql) for s in step.statements):
            return False
        # MyISAM, Aria or MEMORY tables ignore the transaction: only when every table written is
        # known to be transactional does one transaction make the migration atomic
        written = set()
        for s in step.statements:
            m = re.match(_WRITES, s.sql)
            if m is None or re.match(_MULTI_TABLE, s.sql):  # which tables it writes is not plain
                return False
            written.add(_unquote(m.group(1)))
        return self.dialect.all_transactional(sorted(written))

    def _in_transaction(self, step: Step, record: Callable[[], None]) -> None:
        d = self.dialect
        d.begin()
        try:
            self._execute(step)
            record()
            step.committing = True
            d.commit()
        except BaseException:
            d.rollback()
            raise

    def _without_transaction(self, history: History, step: Step, row: HistoryRow, started: float) -> None:
        """Run statement by statement in autocommit, keeping the history row's k/n counter true."""
        total = len(step.statements)
        if step.direction == "up":
            row.state, row.statements_done, row.statements_total = "dirty", 0, total
            self._write_up(history, row, step)
        else:
            history.mark_dirty(row.id, "down", total)
        progress = {"done": 0}

        def advanced(k: int, written: bool = False) -> None:
            progress["done"] = k
            step.done = k
            if not written:
                history.set_progress(row.id, k)  # committed before the next statement starts
                step.done = k

        try:
            self._execute(step, advanced, lambda k: history.progress_statement(row.id, k))
        except MigrationFailed as exc:
            if progress["done"] == 0:  # nothing committed: leave the history as it was
                try:
                    if step.direction == "up":
                        self._unwrite_up(history, row, step)
                    else:
                        history.mark_applied(row.id, row.execution_ms, done=row.statements_total)
                except Exception as undo:  # e.g. no DELETE privilege: the statement's error stays the news
                    if self.dialect.fault_kind(undo) != "permission":
                        raise
                    first, sep, rest = exc.message.partition("\n")  # before the statement's own lines
                    exc.message = (f"{first}; its history row stays dirty (0/{total}), as putting it back was "
                                   f"refused: {self.dialect.error_message(undo)[0]}{sep}{rest}")
            raise
        if step.direction == "up":
            row.execution_ms = _ms(started)
            row.state = "applied"
            history.mark_applied(row.id, row.execution_ms)
        else:
            self._unrecord(history, step, row, "dirty")

    @staticmethod
    def _unrecord(history: History, step: Step, row: HistoryRow, state: str) -> None:
        """After a rollback: the history row (in ``state`` until now) goes; a repeatable re-applied to
        an earlier definition gets that application's row back instead."""
        if step.restore is not None:
            history.restore(row.id, step.restore, when=state)
            history.delete_versions(row.id, row.rank)
        else:
            history.delete(row.id, state)
            if step.migration.repeatable or step.version is not None:
                history.delete_versions(row.id)

    def _execute(self, step: Step, advanced: Callable[..., None] | None = None,
                 followup: Callable[[int], tuple[str, tuple]] | None = None) -> None:
        """Run the step's statements (see :func:`stingerloom.execute.run_block`), the step keeping count."""
        run_block(self.dialect, step.migration, step.direction, step.source, step.statements,
                  tally=step, advanced=advanced, followup=followup)
        if self.dialect.may_change_session(step.statements):
            self.dialect.reset_session()  # the next write and migration start from the session's defaults

    # -- faults --------------------------------------------------------------------------------
    def _failure(self, step: Step, exc: BaseException, history: History) -> StingerloomError:
        """The error for a migration that failed with ``exc``: what happened, the state the
        migration is in now (asked of the database when the outcome is unknown) and the next step."""
        err = self._explain(step, exc)
        kind = getattr(err, "kind", None)
        if isinstance(err, MigrationFailed):  # a statement, the history row or COMMIT failed
            before = err.hint
            self._advise(history, err, step.direction, kind, restoring=step.restore is not None)
            fix = self._fix(step, kind)
            if err.hint != before and fix:
                err.hint = f"{fix}; {err.hint}"
        return err

    def _explain(self, step: Step, exc: BaseException) -> StingerloomError:
        from .faults import DatabaseFault, describe

        d = self.dialect
        m = step.migration
        verb = "applying" if step.direction == "up" else "rolling back"
        cause = exc.__cause__ if isinstance(exc, MigrationFailed) else exc
        if isinstance(exc, KeyboardInterrupt):
            kind = "interrupted"
        elif isinstance(exc, StingerloomError) and not isinstance(exc, MigrationFailed):
            return exc
        else:
            kind = d.fault_kind(cause) if cause is not None else None
            if kind is None and not isinstance(exc, MigrationFailed) and not d.is_database_error(exc):
                raise exc  # a bug: let it surface as one
        if kind in ("connection", "interrupted"):
            state = self._state_after_loss(step, interrupted=kind == "interrupted")
            what = ("interrupted (Ctrl-C)" if kind == "interrupted"
                    else f"lost the connection to {d.display_url}")
            msg = f"{what} while {verb} {m.id}"
            if step.committing:
                msg += " (during COMMIT, whose outcome the client could not see)"
            elif step.running:
                msg += f" (statement {step.running} of {len(step.statements)})"
            err_cls = Interrupted if kind == "interrupted" else DatabaseFault
            err = err_cls(f"{msg}; {state}", hint=self._next_step(step, kind))
            err.migration_id = m.id
            return err
        if isinstance(exc, MigrationFailed):
            exc.hint = self._next_step(step, kind)
            exc.kind = kind
            return exc
        # a fault outside the migration's own statements (history row, COMMIT)
        text, _ = d.error_message(exc)
        what = describe(kind)[0] if kind in ("read_only", "disk_full", "permission", "lock_timeout",
                                              "deadlock") else "the database refused"
        fix = None
        if what == "the database refused" and not step.committing and step.direction == "up":  # the history write
            what = f"the database refused its history row in {d.history_name}"
            where = f" ({m.source_file}:{m.source_line})" if getattr(m, "source_file", None) else ""
            fix = (f"the statements are fine: make {m.id}'s id and description{where} fit the history table "
                   "(its column sizes and the database's encoding)")
        if kind == "permission":
            what = self._permission(text)
        elif kind == "lock_timeout":
            what = f"gave up after {self.lock_timeout:g}s (--lock-timeout) waiting for a lock held by another session"
            if d.lock_timeout_names_holder:
                what += f" ({d.table_lock_holder()})"
        err = MigrationFailed(f"migration {m.id} failed ({step.direction}): {what}: {text}; {self._state_after_loss(step)}",
                              migration_id=m.id, hint=self._next_step(step, kind, fix))
        err.kind = kind
        return err

    def _state_after_loss(self, step: Step, interrupted: bool = False) -> str:
        """Where the migration stands now, read back from the database (reconnecting if needed)."""
        d = self.dialect
        try:
            d.recover(interrupted)
            row = next((r for r in History(d).rows() if r.id == step.migration.id), None)
        except Exception as exc:  # the database is still gone: say what is known
            if d.is_database_error(exc) or isinstance(exc, (StingerloomError, OSError)):
                if step.atomic and not step.committing:  # a transaction never committed: rolled back
                    return "nothing of it was kept (its transaction was never committed): it is pending"
                step.unknown = True
                return ("cannot reconnect to ask the database what was kept; run `stingerloom status` "
                        + d.where_to_ask_after_loss() + self._uncertain(step))
            raise
        n = len(step.statements)
        if step.direction == "up":
            if row is None:
                return "nothing of it was kept (the database rolled it back): it is pending"
            if not row.dirty:
                step.completed = True
                return "it was committed and is applied"
        else:
            if row is None:
                step.completed = True
                return "it was rolled back (its history row is gone)"
            if not row.dirty:  # its transaction rolled back, or not even the row's `dirty` mark was written
                return ("the database rolled the rollback back: it is still applied" if step.atomic else
                        "none of its down statements ran: it is still applied")
        k = row.statements_done
        if step.returned > k and step.returned == step.running:  # the database answered, the counter lags
            with _suppress_db(d):
                History(d).set_progress(row.id, step.returned)
                k = step.returned
        step.done, step.left = k, row  # the hint follows what the database kept, not the client's count
        # known: the database answered the last statement, or it commits with its counter, or the
        # counter says the statement being sent completed (so the next one was never sent)
        known = step.returned >= step.running or not step.running or d.together or k >= step.running
        tail = "" if known or k >= n else f"; statement {k + 1} may or may not have"
        if n:
            done = f"statements 1–{k} of {n} committed" if k else f"none of its {n} statements committed"
        else:  # a Python migration: its statements are known only as they run
            done = f"{k} statement(s) committed" if k else "none of its statements committed"
        return f"it is dirty: {done}{tail}"

    def _uncertain(self, step: Step) -> str:
        if step.atomic or not step.running:
            return ""
        k = step.done
        return f" (statements 1–{k} committed; statement {k + 1} may or may not have)" if k else (
            " (statement 1 may or may not have committed)")

    def _fix(self, step: Step, kind: str | None) -> str:
        """What to do about the cause (before rerunning or repairing), or "" when nothing special."""
        from .faults import describe

        m = step.migration
        if kind == "no_tx_block":
            where = f" ({m.source_file}:{m.source_line})" if getattr(m, "source_file", None) else ""
            if str(getattr(m, "source_file", "")).lower().endswith(".sql"):  # dbmate's marker option
                return (f"make line {m.source_line} of {m.source_file} `-- migrate:up transaction:false` and keep "
                        "that statement alone in it (it cannot run inside a transaction)")
            return (f"add `transaction: false` to migration {m.id}{where} and keep that statement alone in it "
                    "(it cannot run inside a transaction)")
        if kind == "connection":
            return "check that the server is up"
        if kind in ("read_only", "disk_full", "permission", "lock_timeout", "deadlock", "duplicate"):
            return describe(kind, self.dialect.skip_existing)[1]
        return ""

    def _next_step(self, step: Step, kind: str | None, fix: str | None = None) -> str:
        m = step.migration
        manifest = self.manifest_hint
        fix = fix or self._fix(step, kind) or ("" if kind == "interrupted" else "fix the statement")
        committed = 0 if step.atomic else step.done
        lead = (fix + "; ") if fix else ""
        if step.completed:  # the COMMIT went through although the client did not see its reply
            done = "is applied" if step.direction == "up" else "is rolled back"
            return lead + f"{m.id} {done}: nothing to fix; run the command again for the migrations after it"
        if step.unknown:  # its history row may be dirty (written before statement 1), or not there
            return lead + (f"once the database is back, `stingerloom status {manifest}` says what of {m.id} was "
                           "kept: run the command again if it is pending; if it is dirty, status says how to "
                           "finish or undo it")
        if step.left is not None and not 0 < committed < len(step.statements):
            # dirty with none or all of its statements committed (the row read back): `apply` refuses a
            # rerun, and there is nothing to finish (or nothing to revert)
            return lead + dirty_advice(step.left, manifest, bool(getattr(m, "repeatable", False)))
        if committed and step.direction == "up":
            return (lead + f"{m.id} is dirty ({committed} statement(s) committed), so `apply` refuses to rerun it: "
                    f"finish it by hand and run `stingerloom repair {manifest} --mark-applied {m.id}`, or revert "
                    f"statements 1–{committed} by hand and run `stingerloom repair {manifest} --remove {m.id}`")
        if committed:
            return (lead + f"{m.id} is dirty (its rollback stopped after {committed} statement(s)): finish the "
                    f"rollback by hand and run `stingerloom repair {manifest} --remove {m.id}`, or redo those "
                    f"statements' work by hand and run `stingerloom repair {manifest} --mark-applied {m.id}`")
        if step.direction == "down" and (kind == "interrupted" or kind in _NOT_THE_SQL):
            return lead + f"nothing was reverted and {m.id} is still applied: roll back again"
        if step.direction == "down":
            return (lead + "a rollback runs the down SQL stored in the history when the migration was applied: "
                    f"after fixing the file's down, run `stingerloom repair {manifest} --accept {m.id}` to store it, "
                    "then roll back again")
        return lead + f"nothing of {m.id} was kept, so run the command again (migrations before it stay applied)"

    # -- baseline and repair -------------------------------------------------------------------
    @_explained
    def baseline(self, to: str) -> BaselineReport:
        """Record every migration up to and including ``to`` as applied, without running it; the
        report's ``baselined`` lists the ones recorded now."""
        ids = [m.id for m in self.migrations]
        if to not in ids:
            raise self._unknown_to(to)
        with self._session() as history:
            with self.dialect.lock(self.lock_timeout):
                history.ensure()
                self._ensure_versions(history)
                rows = history.rows()
                done = {r.id for r in rows}
                batch, rank = History.next_numbers(rows)
                upto = self.migrations[: ids.index(to) + 1]
                # A dirty row among them is work half done: recording the rest as applied would
                # hide it, so the DBA settles it first (`repair --mark-applied` / `--remove`).
                within = {m.id for m in upto}
                self._refuse_drift((s for s in self._states(rows) if s.state == "dirty" and s.id in within),
                                   verb="baseline")
                todo = [m for m in upto if m.id not in done]
                self._in_one_transaction(lambda: [
                    self._record_without_running(history, m, batch, rank + i) for i, m in enumerate(todo)])
                return BaselineReport(self.database, [m.id for m in todo])

    def _record_without_running(self, history: History, m: Migration, batch: int, rank: int) -> None:
        """A history row for ``m`` as if it had been applied now; ``operation`` says ``baseline``."""
        name = self.dialect.name
        down = m.down_sql(name) if not m.irreversible else None
        row = HistoryRow(
            id=m.id, description=m.description, checksum=m.checksum(name),
            down_sql=down.text if down is not None else None, applied_at=self.dialect.now(),
            execution_ms=0, applied_by=self.dialect.current_user(), state="applied",
            batch=batch, rank=rank, operation="baseline",
        )
        history.insert(row)
        if m.repeatable:  # its definition, so that a later rollback can bring it back
            history.insert_version(self._version_of(m, row, m.up_sql(name)))

    def _ensure_versions(self, history: History) -> None:
        """``<history_table>_versions`` before a transaction that may write it (DDL commits on MySQL)."""
        if any(m.repeatable for m in self.migrations):
            history.ensure_versions()

    def _in_one_transaction(self, work: Callable[[], Any]) -> None:
        """History-only writes, committed together (the history table is transactional everywhere)."""
        self.dialect.begin()
        try:
            work()
            self.dialect.commit()
        except BaseException:
            self.dialect.rollback()
            raise

    @_explained
    def repair(self, *, accept: Sequence[str] = (), mark_applied: Sequence[str] = (),
               remove: Sequence[str] = ()) -> RepairReport:
        """Bring the history in line with the files and with work done by hand (SPEC §7).

        Without options: accept the current checksum and down SQL of every ``modified`` migration,
        and refresh the stored down SQL of every applied migration whose file's down changed.
        ``accept``: the same for the migrations named. ``mark_applied``: a dirty migration finished
        by hand, or a pending one, recorded as applied without running. ``remove``: delete the
        history row of any migration, running nothing. Every id is checked before anything is
        written; all writes commit together, under the migration lock.

        Returns a :class:`RepairReport` (also read as the mapping it replaces): ids per action,
        ``dirty`` the dirty rows left as they were (no option named them) with ``dirty_advice`` (id
        -> the two ways out), and ``changes`` one ``{"id", "action", "was", "detail", "changed"}``
        per migration named or refreshed.
        """
        named = list(accept) + list(mark_applied) + list(remove)
        twice = sorted({i for i in named if named.count(i) > 1})
        if twice:
            raise InputError(f"{', '.join(twice)}: named more than once; give each migration one repair option")
        with self._session() as history:
            out = RepairReport(self.database)
            if not history.exists() and not mark_applied:
                if named:
                    raise InputError(f"{named[0]} has no history row: the history table "
                                     f"{self.dialect.history_table} does not exist yet")
                return out
            with self.dialect.lock(self.lock_timeout):
                history.ensure()
                self._ensure_versions(history)
                rows = history.rows()
                plan = self._repair_plan(self._states(rows), accept, mark_applied, remove, bool(named), history)
                batch, rank = History.next_numbers(rows)
                self._in_one_transaction(lambda: self._repair_write(history, plan, batch, rank))
                for change in plan["changes"]:
                    change.setdefault("changed", True)
                    if change["changed"]:
                        out[change["action"]].append(change["id"])
                out.changes = [RepairChange(c["id"], c["action"], c["was"], c["detail"], c["changed"])
                               for c in plan["changes"]]
                out.dirty = list(plan["dirty"])
                out.dirty_advice = plan["dirty"]
                return out

    def _repair_plan(self, states: list[MigrationState], accept: Sequence[str], mark_applied: Sequence[str],
                     remove: Sequence[str], named: bool, history: History) -> dict:
        """Check every id and decide each write before anything is written."""
        by_id = {s.id: s for s in states}
        manifest = self.manifest_hint
        changes: list[dict] = []

        def state_of(rid: str, option: str) -> MigrationState:
            s = by_id.get(rid)
            if s is None:
                raise InputError(f"{option} {rid}: no migration with that id in the manifest or the history",
                                 hint="`stingerloom status` lists the migrations and their states")
            return s

        for rid in accept:
            s = state_of(rid, "--accept")
            if s.state in ("pending", "missing", "dirty", "invalid", "outdated"):
                why = {
                    "pending": "it is pending: there is nothing recorded to accept (apply it, or `--mark-applied` it)",
                    "missing": "it is missing (no file in this manifest to take the checksum from); if "
                               "another manifest sharing the history table lists it, leave it (removing its "
                               "row would make that manifest apply it again); if its file was removed, "
                               f"`stingerloom repair {manifest} --remove {rid}` deletes its history row",
                    "dirty": f"it is dirty: {dirty_advice(s.row, manifest, _repeatable(s))}" if s.row else "it is dirty",
                    "invalid": "its file has errors: fix the file first",
                    "outdated": "it is a repeatable migration whose definition changed: `apply` re-applies it",
                }[s.state]
                raise InputError(f"--accept {rid}: {why}")
            change = self._accept_change(s)
            changes.append(change or {"id": rid, "action": "accepted", "was": s.state,
                                      "detail": "already matches its file: nothing changed", "changed": False})
        if not named:
            for s in states:
                if s.state in ("applied", "modified"):
                    change = self._accept_change(s)
                    if change:
                        changes.append(change)
        for rid in mark_applied:
            s = state_of(rid, "--mark-applied")
            if s.state == "dirty":
                what = "the rollback was undone by hand" if s.row.operation == "down" else "finished by hand"
                changes.append({"id": rid, "action": "marked_applied", "was": s.row.progress(),
                                "detail": f"recorded as applied ({what})"})
            elif s.state == "pending" and s.migration is not None:
                changes.append({"id": rid, "action": "marked_applied", "was": "pending",
                                "detail": "recorded as applied without running it", "migration": s.migration})
            else:
                raise InputError(
                    f"--mark-applied {rid}: it is {s.state}; only a dirty migration (finished by hand) or a "
                    "pending one (recorded without running) can be marked applied",
                    hint="`stingerloom status` shows each migration's state")
        for rid in remove:
            s = state_of(rid, "--remove")
            if s.row is None:
                raise InputError(f"--remove {rid}: it is {s.state}, it has no history row to remove")
            was = s.row.progress() if s.state == "dirty" else s.state
            previous = self._previous_application(history, s)
            if previous is not None:  # a repeatable's failed re-application: back to the one before it
                changes.append({"id": rid, "action": "removed", "was": was, "restore": previous,
                                "detail": "its failed re-application is forgotten: the history describes its "
                                          f"previous application again (applied "
                                          f"{self.dialect.timestamp_to_iso(previous.applied_at)}); "
                                          "`apply` applies the file's definition"})
                continue
            changes.append({"id": rid, "action": "removed", "was": was,
                            "detail": "history row deleted; nothing was run, its objects are as they were"})
        dirty = {s.id: dirty_advice(s.row, manifest, _repeatable(s)) for s in states
                 if s.state == "dirty" and s.id not in mark_applied and s.id not in remove}
        return {"changes": changes, "dirty": dirty, "by_id": by_id}

    def _accept_change(self, s: MigrationState) -> dict | None:
        """The write that makes ``s``'s history row match its file (checksum, down SQL,
        description), or None when it matches already."""
        m, row, name = s.migration, s.row, self.dialect.name
        if not isinstance(m, SqlMigration):
            return None
        down = m.down_sql(name) if not m.irreversible else None
        new_down = down.text if down is not None else None
        if new_down is None and not m.irreversible:  # a file without down keeps the stored one
            new_down = row.down_sql
        new_sum = m.checksum(name)
        what = []
        if new_sum != row.checksum:
            what.append("checksum")
        if (new_down is None) != (row.down_sql is None) or (
                new_down is not None and _normal(new_down) != _normal(row.down_sql)):
            what.append("down SQL")
        if not what:
            return None
        action = "accepted" if s.state == "modified" else "refreshed_down"
        if action == "refreshed_down" and what == ["checksum"]:
            return None
        return {"id": s.id, "action": action, "was": s.state,
                "detail": "took the file's " + " and ".join(what),
                "values": (new_sum, new_down, m.description)}

    def _repair_write(self, history: History, plan: dict, batch: int, rank: int) -> None:
        for change in plan["changes"]:
            rid, action = change["id"], change["action"]
            if change.get("changed") is False:
                continue
            if action in ("accepted", "refreshed_down"):
                history.accept(rid, *change.pop("values"))
            elif action == "marked_applied":
                m = change.pop("migration", None)
                if m is not None:
                    self._record_without_running(history, m, batch, rank)
                    rank += 1
                else:
                    row = plan["by_id"][rid].row
                    history.mark_applied(rid, row.execution_ms, done=row.statements_total, operation="manual")
            elif change.get("restore") is not None:
                row = plan["by_id"][rid].row
                history.delete_versions(rid, rank=row.rank)  # the failed attempt's SQL
                history.restore(rid, change.pop("restore"), when=row.state)
            else:
                history.delete(rid, plan["by_id"][rid].row.state)  # as it was read under the lock
                history.delete_versions(rid)

    @staticmethod
    def _previous_application(history: History, s: MigrationState) -> Any:
        """For the dirty row of a repeatable's failed re-application: the application before it (a
        row of ``<history>_versions``); None otherwise (then ``--remove`` forgets the migration)."""
        row = s.row
        if not row.dirty or row.operation != "up" or not _repeatable(s):
            return None
        earlier = [v for v in history.versions(s.id) if v.rank < row.rank]
        return earlier[-1] if earlier else None


def _repeatable(s: MigrationState) -> bool:
    return bool(getattr(s.migration, "repeatable", False))


# Pattern texts, not compiled patterns: only MySQL DML migrations use them, and compiling them at
# import cost every start ~1 ms; re compiles each on first use and caches it.
_DML = r"(?i)(?:INSERT|UPDATE|DELETE|REPLACE)\b"
_NAME = r"((?:`[^`]+`|\w+)(?:\s*\.\s*(?:`[^`]+`|\w+))?)"
_WRITES = (r"(?is)(?:(?:INSERT|REPLACE)(?:\s+(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE))*\s+(?:INTO\s+)?"
            r"|UPDATE(?:\s+(?:LOW_PRIORITY|IGNORE))*\s+|DELETE(?:\s+(?:LOW_PRIORITY|QUICK|IGNORE))*\s+FROM\s+)"
            + _NAME + r"(?:\s|\(|$)")


# UPDATE a JOIN b / UPDATE a, b ... SET; DELETE FROM a USING ... (may write more than one table)
_MULTI_TABLE = r"(?is)(?:UPDATE\b(?:(?!\bSET\b).)*?(?:,|\bJOIN\b)|DELETE\b.*?\bUSING\b)"


def _unquote(name: str) -> str:
    return ".".join(part.strip().strip("`") for part in re.split(r"\s*\.\s*(?=[`\w])", name))


def _normal(sql: str) -> str:
    return sql.replace("\r\n", "\n").replace("\r", "\n")


#: faults of the database's state, not of the SQL that ran: a failed rollback's down SQL needs no correction
_NOT_THE_SQL = frozenset({"lock_timeout", "deadlock", "connection", "read_only", "disk_full", "permission"})


def _only_comments(migration: Migration, direction: str, source: SqlSource) -> InputError:
    """A block of only comments (the template `new` writes) must not run as a silent no-op: ``""`` is
    the one spelling of a deliberate no-op (SPEC §7)."""
    if source.file and source.file.endswith("(down SQL stored in the history)"):
        hint = ("the down SQL stored when it was applied is a template; write the real down SQL in the "
                "migration file and run `stingerloom repair MANIFEST` to store it, or revert by hand and "
                f"run `stingerloom repair MANIFEST --remove {migration.id}`")
    else:
        hint = (f"write the SQL of the {direction} block, or `{direction}: \"\"` for a deliberate no-op "
                "(nothing is recorded until then)")
    return InputError(f"migration {migration.id} ({direction}): the block holds only comments, no SQL to run",
                      file=source.file, line=source.line, column=source.column, hint=hint)


def _ms(started: float) -> int:
    return int(round((time.perf_counter() - started) * 1000))


class Interrupted(StingerloomError):
    """Ctrl-C during a migration: the message says what it left (exit 130)."""

    exit_code = 130


class _suppress_db:
    """Ignore a database error in best-effort bookkeeping after a fault (never a bug)."""

    def __init__(self, d: Any) -> None:
        self.d = d

    def __enter__(self) -> None:
        return None

    def __exit__(self, typ, exc, tb) -> bool:
        return exc is not None and self.d.is_database_error(exc)


__all__ = ["MigrationRunner", "MigrationResult", "MigrationState", "BrokenEntry", "checksum", "dirty_advice"]
