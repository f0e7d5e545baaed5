"""Migration states: the history table read and compared with the manifest (what ``status`` needs).

:class:`HistoryReader` connects, reads the history and says each migration's state (applied, pending,
modified, missing, dirty, running, invalid, outdated); :class:`~stingerloom.runner.MigrationRunner`
extends it with planning, applying and reverting. ``stingerloom status`` uses the reader alone, so
its process does not import the runner and its planner (~0.9 ms of every status).
"""

from __future__ import annotations

import contextlib
import re

from ._record import Record
from .errors import InputError, StingerloomError
from .execute import ignore
from .history import History, HistoryRow, VersionRow
from .migration import Migration, SqlMigration
from .results import StatusReport

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any, Callable, Iterator, Sequence

    from .execute import Listener


def _explained(method: Callable) -> Callable:
    """Turn a database fault outside a migration's statements (the lock, the history table) into an
    error that says what happened, instead of an internal error."""
    import functools

    @functools.wraps(method)
    def wrapper(self: "HistoryReader", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except StingerloomError:
            raise
        except Exception as exc:
            err = self._outside_fault(exc)
            if err is None:
                raise
            raise err from exc

    return wrapper


class MigrationState(Record):
    """One line of ``status``: ``id``, ``state`` (applied | pending | modified | missing | dirty |
    running | invalid), the ``migration`` (None when missing or invalid) and its history ``row``
    (None when pending). ``held_by`` describes the session applying a ``running`` migration;
    ``problems`` are the errors of an ``invalid`` manifest entry (a file that could not be loaded).
    A repeatable migration is ``pending`` (never applied), ``applied`` or ``outdated``, with ``reason``
    saying why it will be (re-)applied; ``out_of_order`` marks a pending migration listed before an
    applied one (SPEC §10)."""

    __slots__ = ("id", "state", "migration", "row", "held_by", "problems", "reason", "out_of_order")
    _defaults = {"migration": None, "row": None, "held_by": None, "problems": None, "reason": None,
                 "out_of_order": False}

    @property
    def repeatable(self) -> bool:
        return bool(getattr(self.migration, "repeatable", False))

    @property
    def label(self) -> str:
        row = self.row
        if self.state == "dirty" and row:
            return row.progress()
        if self.state == "running":
            what = "rollback: " if row and row.operation == "down" else ""
            done = f"; {what}{row.statements_done}/{row.statements_total} statements committed" if row else ""
            return f"running (held by {self.held_by}{done})"
        if self.state == "invalid":
            return "invalid (applied; its file has errors)" if row else "invalid (its file has errors)"
        if self.state == "applied" and row and row.operation == "baseline":
            return "applied (baseline)"
        if self.state == "applied" and row and row.operation == "manual":
            return "applied (finished by hand)"
        if self.state == "pending" and self.out_of_order:
            return "pending (out of order)"
        if self.state == "outdated" and self.reason:
            return f"outdated ({self.reason})"
        if self.state == "pending" and self.repeatable:
            return "pending (repeatable)"
        return self.state

    @property
    def description(self) -> str | None:
        if self.migration is not None and self.migration.description:
            return self.migration.description
        return self.row.description if self.row else None

    def to_json(self) -> dict:
        row = self.row
        out = {
            "id": self.id,
            "state": self.state,
            "applied_at": row.applied_at if row else None,
            "checksum": row.checksum if row else None,
            "execution_ms": row.execution_ms if row else None,
            "description": self.description,
        }
        if row is not None:
            out["batch"] = row.batch
            out["applied_by"] = row.applied_by
            out["baselined"] = row.operation == "baseline"
            if row.dirty:
                out["statements_done"] = row.statements_done
                out["statements_total"] = row.statements_total
                out["operation"] = row.operation
        if self.held_by is not None:
            out["held_by"] = self.held_by
        if self.repeatable:
            out["repeatable"] = True
            if self.reason:
                out["reason"] = self.reason
        if self.out_of_order:
            out["out_of_order"] = True
        if self.problems is not None:
            out["problems"] = [p.format() for p in self.problems]
        return out


class BrokenEntry(Record):
    """A manifest entry whose file could not be loaded (``status`` still shows the history):
    ``id`` (the file's ``id:`` if readable, else its stem), ``position`` (how many migrations of the
    manifest come before it) and its ``problems``."""

    __slots__ = ("id", "position", "problems")


class HistoryReader:
    """The history of one database and each migration's state; the base of ``MigrationRunner``.

    ``database`` is a URL (SPEC §2) or an open DB-API connection (sqlite3, psycopg 3, PyMySQL).
    """

    def __init__(
        self,
        migrations: Sequence[Migration] | None = None,
        database: Any = "sqlite:///stingerloom.db",
        *,
        history_table: str = "__migrations",
        lock_timeout: float = 60.0,
        on_event: Listener | None = None,
    ) -> None:
        self.migrations: list[Migration] = [m if isinstance(m, Migration) else m() for m in (migrations or [])]
        seen: set[str] = set()
        for m in self.migrations:
            if m.id in seen:
                raise InputError(f"duplicate migration id {m.id!r}", hint="each migration needs a unique id")
            seen.add(m.id)
        from .dialects import get_dialect

        if lock_timeout < 0:
            raise InputError("--lock-timeout must be 0 or more seconds")
        self.dialect = get_dialect(database, history_table=history_table)
        self.dialect.lock_wait = lock_timeout
        self.lock_timeout = lock_timeout
        #: told the progress of each run (stingerloom.execute's events: RunStarted, MigrationStarted, ...)
        self.on_event: Listener = on_event or ignore
        self._depth = 0
        #: how messages name the manifest in the commands they suggest (the CLI sets the path)
        self.manifest_hint = "MANIFEST"
        #: manifest entries that could not be loaded (``status`` only; see :class:`BrokenEntry`)
        self.broken: list[BrokenEntry] = []
        #: who held the migration lock when :meth:`states` last read it live (None: nobody, or not asked)
        self.lock_held_by: str | None = None
        #: what ``apply`` does with a pending migration listed before an applied one (SPEC §10):
        #: ``error`` refuses the run, ``warn`` applies it and says so, ``apply`` applies it
        self.out_of_order = "error"
        #: the out-of-order migrations the last plan applies (told as a warning under ``warn``)
        self.applied_out_of_order: list[str] = []
        self._latest: dict[str, VersionRow] = {}
        #: the missing history rows the last rollback (or its plan) included and left
        self.rollback_plan: dict = {"missing_included": [], "missing_skipped": []}

    # -- connection ----------------------------------------------------------------------------
    @property
    def database(self) -> str:
        return self.dialect.display_url

    def _open(self) -> None:
        if self._depth == 0 and self.dialect.connection is None:
            self.dialect.connect()
        elif self._depth == 0 and self.dialect.resolved_history is None:  # a connection given to us
            resolve = getattr(self.dialect, "_resolve_history_table", None)
            if resolve is not None:
                resolve()
        self._depth += 1

    def _close(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.dialect.close()

    def close(self) -> None:
        self.dialect.close()

    # -- plan ----------------------------------------------------------------------------------
    @_explained
    def states(self, *, live: bool = False) -> list[MigrationState]:
        """Every migration in manifest order, then history rows with no migration (``missing``).

        ``live``: also ask the database whether another session holds the migration lock now
        (``self.lock_held_by``); a dirty row is then ``running`` (being applied or reverted by that
        session) rather than ``dirty`` (left by a run that failed or died)."""
        with self._session() as history:
            rows = history.rows()
            self._latest = self._latest_versions(history, rows)
            self.lock_held_by = self.dialect.lock_holder_text() if live else None
        return self._states(rows, self.lock_held_by)

    def _latest_versions(self, history: History, rows: list[HistoryRow]) -> dict[str, VersionRow]:
        """The recorded application of each applied repeatable migration (for why it is outdated)."""
        if not any(m.repeatable for m in self.migrations) or not rows:
            return {}
        return {v.id: v for v in history.versions()}  # oldest first: the last one of each id stays

    def _states(self, rows: list[HistoryRow], held_by: str | None = None) -> list[MigrationState]:
        latest = self._latest
        by_id = {r.id: r for r in rows}
        known = set()
        out = []
        name = self.dialect.name
        broken = sorted(self.broken, key=lambda b: b.position)
        for i, m in enumerate([*self.migrations, None]):
            while broken and broken[0].position <= i:
                b = broken.pop(0)
                known.add(b.id)
                out.append(MigrationState(b.id, "invalid", None, by_id.get(b.id), problems=b.problems))
            if m is None:
                break
            known.add(m.id)
            row = by_id.get(m.id)
            if row is None:
                out.append(MigrationState(m.id, "pending", m, reason="new" if m.repeatable else None))
            elif row.dirty:
                out.append(self._dirty_state(m.id, m, row, held_by))
            elif m.repeatable:
                out.append(self._repeatable_state(m, row, latest.get(m.id)))
            else:
                current = m.checksum(name)
                modified = current is not None and row.checksum is not None and current != row.checksum
                out.append(MigrationState(m.id, "modified" if modified else "applied", m, row))
        for r in rows:
            if r.id not in known:
                out.append(self._dirty_state(r.id, None, r, held_by) if r.dirty
                           else MigrationState(r.id, "missing", None, r))
        applied_later = False  # a versioned migration after this one has a history row
        for st in reversed(out):
            if st.repeatable or st.migration is None:
                continue
            if st.state == "pending" and applied_later:
                st.out_of_order = True
            elif st.row is not None:
                applied_later = True
        return out

    def _repeatable_state(self, m: Migration, row: HistoryRow, latest: VersionRow | None) -> MigrationState:
        """``applied``, or ``outdated`` with why: its SQL or a placeholder value it uses changed."""
        name = self.dialect.name
        if m.checksum(name) == row.checksum:
            return MigrationState(m.id, "applied", m, row)
        source = m.source_checksum(name) if isinstance(m, SqlMigration) else None
        if latest is not None and latest.rank == row.rank and source is not None and source == latest.source_checksum:
            reason = "a placeholder value changed"
        else:
            reason = "its SQL changed"
        return MigrationState(m.id, "outdated", m, row, reason=reason)

    @staticmethod
    def _dirty_state(mid: str, m: Migration | None, row: HistoryRow, held_by: str | None) -> MigrationState:
        if held_by is not None:  # another session holds the migration lock: it is working on this row
            return MigrationState(mid, "running", m, row, held_by=held_by)
        return MigrationState(mid, "dirty", m, row)

    def status(self, states: list[MigrationState] | None = None) -> dict:
        """``{"database", "executed": [...], "pending": [...], "migrations": [...]}`` (SPEC §5).

        ``states`` (from :meth:`states`) avoids reading the history again."""
        if states is None:
            states = self.states()
        return StatusReport(self.database, states).to_json()

    def status_report(self, *, live: bool = False) -> StatusReport:
        """Every migration's state (:meth:`states`, ``live`` as there) with what ``status`` says
        around it: who holds the migration lock, the out-of-order rule, how to name the manifest."""
        states = self.states(live=live)
        return StatusReport(self.database, states, lock_held_by=self.lock_held_by,
                            out_of_order_rule=self.out_of_order, manifest=self.manifest_hint)

    @staticmethod
    def check(states: list[MigrationState]) -> dict[str, list[str]]:
        """What stands between this database and "every listed migration applied" (the deploy gate of
        ``status --check``): ids per state, for every state other than ``applied``; empty when ready."""
        out: dict[str, list[str]] = {}
        for s in states:
            if s.state != "applied":
                out.setdefault(s.state, []).append(s.id)
        return out

    def get_pending_migrations(self) -> list[Migration]:
        return [s.migration for s in self.states() if s.state == "pending"]

    def get_executed_migrations(self) -> list[str]:
        return [s.id for s in self.states() if s.row is not None and s.state != "dirty"]

    @contextlib.contextmanager
    def _session(self) -> Iterator[History]:
        """Connected (once, however deeply nested) for the block: the history table's accessor."""
        self._open()
        try:
            yield History(self.dialect)
        finally:
            self._close()

    def _outside_fault(self, exc: BaseException) -> StingerloomError | None:
        from .faults import DatabaseFault, describe

        d = self.dialect
        kind = d.fault_kind(exc)
        if kind is None and not d.is_database_error(exc):
            return None
        if isinstance(exc, OSError):
            text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        else:
            text, _ = d.error_message(exc)
        text = text.splitlines()[0] if text else type(exc).__name__
        table = d.history_name
        if kind == "permission":
            if isinstance(exc, OSError):
                return DatabaseFault(f"permission denied: user {_os_user()} cannot write the lock file {exc.filename}",
                                     kind=kind, hint="make the folder of the database writable for this user")
            return DatabaseFault(f"{self._permission(text)} ({text})", kind=kind,
                                 hint="grant it, or have an administrator create the history table")
        if kind == "lock_timeout":
            holder = ""
            with contextlib.suppress(Exception):  # best effort: the session has ended by now
                opened = d.connection is None
                if opened:
                    d.connect()
                try:
                    holder = d.table_lock_holder()
                finally:
                    if opened:
                        d.close()
            return DatabaseFault(
                f"gave up after {self.lock_timeout:g}s (--lock-timeout) waiting for a lock on the history table "
                f"{table} held by another session{' (' + holder + ')' if holder else ''}: {text}",
                kind=kind, hint="wait for that session to finish (or end it), or raise --lock-timeout")
        if kind in ("connection", "read_only", "disk_full", "deadlock"):
            what, todo = describe(kind)
            return DatabaseFault(f"{what} on {d.display_url}: {text}; no migration was running", kind=kind, hint=todo)
        return DatabaseFault(f"the database refused the history table {table}: {text}", kind=kind)

    def _permission(self, text: str) -> str:
        """``permission denied: user U needs PRIVILEGE on OBJECT`` from the database's message."""
        d = self.dialect
        user = d.url.user if d.url is not None and d.url.user else _os_user()
        table = d.history_name
        privilege, obj = "SELECT, INSERT, UPDATE and DELETE", f"the history table {table}"
        m = re.search(_PG_DENIED, text)
        if m:
            kind, name = m.group(1), m.group(2)
            if kind == "schema":
                privilege, obj = "USAGE and CREATE", f"schema {name} (to create and use the history table {table})"
            elif kind == "database":
                privilege, obj = "CREATE", f"database {name} (to create the schema of the history table {table})"
            else:
                obj = f"table {name}"
        m = re.search(_MY_DENIED, text)
        if m:  # MariaDB names the table `db`.`t`, MySQL 't'
            privilege, name = m.group(1).upper(), m.group(2).replace("`", "").strip("'")
            obj = f"table {name}"
            if privilege == "CREATE" and "." in name:
                obj = f"database {name.rsplit('.', 1)[0]} (to create the history table {table})"
        m = re.search(_MY_DB_DENIED, text)
        if m:
            privilege, obj = "CREATE, SELECT, INSERT, UPDATE and DELETE", f"database {m.group(1)}"
        return f"permission denied: user {user} needs {privilege} on {obj}"


# Pattern texts, not compiled patterns: only permission errors use them, and compiling them at import
# would cost every start; re compiles each on first use and caches it.
_PG_DENIED = r"permission denied for (schema|table|relation|database|sequence) (\S+)"
_MY_DENIED = r"(\w+) command denied to user '[^']*'@'[^']*' for table ((?:`[^`]*`\.)?`[^`]*`|'[^']*'|\S+)"
_MY_DB_DENIED = r"Access denied for user '[^']*'@'[^']*' to database '([^']*)'"


def _os_user() -> str:
    from .dialects.base import _os_user as user

    return user()


def dirty_advice(row: HistoryRow, manifest: str = "MANIFEST", repeatable: bool = False) -> str:
    """The two ways out of a dirty row, for the direction it was going (never the inverted advice).
    ``repeatable``: the row is a repeatable migration's, which runs whole again (``CREATE OR
    REPLACE``): fixing its SQL and re-applying it replaces what took effect, nothing to revert."""
    k, n, rid = row.statements_done, row.statements_total, row.id
    repair = f"stingerloom repair {manifest}"
    done = _span(1, k) if k else "none of its statements"
    rest = _span(k + 1, n) if k < n else None
    if not n:  # a Python migration: its statements are not known in advance
        rest = f"what its Python code runs after statement {k}" if k else "what its Python code runs"
    if row.operation == "down":
        where = "its down SQL (the history table's down_sql column)"
        state = (f"{rid} failed part way through a ROLLBACK: of {where}, {done} took effect"
                 + (f" and {rest} did not run" if rest else ", and only the history row was not updated"))
        finish = f"finish the rollback by hand ({rest} of that down SQL)" if rest else "check that it is reverted"
        undo = (f"undo the rollback by hand (re-create what {done} removed)" if k
                else "check that nothing was removed")
        return (f"{state}. Either\n    {finish}, then run: {repair} --remove {rid}\n    or {undo}, "
                f"then run: {repair} --mark-applied {rid}")
    state = (f"{rid} failed part way through APPLYING: {done} took effect"
             + (f" and {rest} did not run" if rest else ", and only the history row was not updated"))
    finish = (f"finish it by hand ({rest}{' of its up SQL' if n else ''})" if rest
              else "check that it is complete")
    if repeatable:
        return (f"{state}. It is repeatable, so it runs whole again: either\n    fix its SQL, then run: {repair} "
                f"--remove {rid} (the history goes back to its previous application, if it had one) and apply "
                f"again\n    or {finish}, then run: {repair} --mark-applied {rid}")
    undo = f"revert {done} by hand" if k else "check that nothing took effect"
    return (f"{state}. Either\n    {finish}, then run: {repair} --mark-applied {rid}\n    or {undo}, "
            f"then run: {repair} --remove {rid}")


def _span(first: int, last: int) -> str:
    return f"statement {first}" if first == last else f"statements {first}-{last}"
