"""The history table (``__migrations`` by default, SPEC §3): one row per applied migration.

Columns (layout version 1): ``id``, ``description``, ``checksum`` (SHA-256 of the up SQL that ran, line
endings normalised), ``down_sql`` (the down SQL as it was when applied, NULL for Python migrations and
irreversible ones), ``applied_at`` (UTC), ``execution_ms``, ``applied_by``, ``state`` (``applied`` or
``dirty``), ``batch`` (the apply run that applied it), ``rank`` (order of application),
``statements_done``/``statements_total`` (progress of a non-transactional run, shown as k/n when dirty)
and ``operation``: how the row came to be: ``up`` (applied by a run), ``down`` (dirty: a rollback that
failed part way), ``baseline`` (recorded without running: ``baseline``, ``repair --mark-applied`` of a
pending migration), ``manual`` (a dirty migration finished by hand, ``repair --mark-applied``).

Repeatable migrations (``repeatable: true``) keep one row here, describing their last application
(``checksum`` is then of the SQL as it ran, placeholders replaced), and one row per application in the
companion table ``<history_table>_versions`` (``VERSION_COLUMNS``): the up SQL that ran, so that a
rollback can re-apply the previous definition. That table is created beside the history table the
first time a repeatable is applied; a history table from before it keeps working unchanged.

Every statement here passes values as parameters and quotes the table name through the dialect.
"""

from __future__ import annotations

from operator import attrgetter

from ._record import Record
from .errors import HistoryConflict

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

#: a history table name, optionally schema-qualified, or a ${VAR} that gives one (the configuration's check)
TABLE_PATTERN = r"^(\$\{[^}]+\}|[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?)$"

COLUMNS = (
    "id", "description", "checksum", "down_sql", "applied_at", "execution_ms", "applied_by",
    "state", "batch", "rank", "statements_done", "statements_total", "operation",
)

_ROW_VALUES = attrgetter(*COLUMNS)  # a row's values in COLUMNS order, as a tuple

#: one application of a repeatable migration (``<history_table>_versions``); ``rank`` is that of the
#: history row it wrote, ``source_checksum`` the checksum of its SQL as written (before placeholders)
VERSION_COLUMNS = (
    "id", "rank", "batch", "checksum", "source_checksum", "up_sql", "down_sql", "description",
    "applied_at", "applied_by", "execution_ms",
)

class VersionRow(Record):
    """One row of ``<history_table>_versions`` (the columns of ``VERSION_COLUMNS``)."""

    __slots__ = VERSION_COLUMNS


class HistoryRow(Record):
    """One row of the history table (the columns of ``COLUMNS``, in that order)."""

    __slots__ = COLUMNS
    _defaults = {"statements_done": 0, "statements_total": 0, "operation": "up"}

    @property
    def dirty(self) -> bool:
        return self.state == "dirty"

    def progress(self) -> str:
        """``dirty (k/n statements committed)`` as shown by status."""
        what = "rollback: " if self.operation == "down" else ""
        if not self.statements_total:  # a Python migration: how many statements it has is not known
            return f"dirty ({what}{self.statements_done} statement(s) committed)"
        return f"dirty ({what}{self.statements_done}/{self.statements_total} statements committed)"


class History:
    def __init__(self, dialect: Any) -> None:
        self.d = dialect
        self.table = dialect.history_ref()
        self._ph = dialect.placeholder
        marks = ", ".join([self._ph] * len(COLUMNS))
        self._insert_sql = f"INSERT INTO {self.table} ({self._cols()}) VALUES ({marks})"

    def _cols(self) -> str:
        return ", ".join(self.d.quote(c) for c in COLUMNS)

    def exists(self) -> bool:
        return self.d.history_exists()

    def ensure(self) -> None:
        """Create the table on first use."""
        if not self.d.history_exists():
            for stmt in self.d.history_ddl():
                self.d.execute(stmt)

    def _select(self, rest: str, params: Any = None) -> list:
        """The stored rows (``rest``: WHERE / ORDER BY). Another tool's table of the same name is
        refused, never misread: the columns are qualified, since SQLite reads an unknown ``"name"``
        as the string 'name'."""
        t = self.table
        cols = ", ".join(f"{t}.{self.d.quote(c)}" for c in COLUMNS)
        try:
            return self.d.execute(f"SELECT {cols} FROM {t} {rest}", params)
        except Exception as exc:
            if not self.d.is_database_error(exc) or self.d.fault_kind(exc) is not None:
                raise  # a lock, a lost connection, a permission: said by whoever runs this
            from .faults import DatabaseFault

            text = (self.d.error_message(exc)[0] or type(exc).__name__).splitlines()[0]
            raise DatabaseFault(
                f"the table {self.d.history_name} is not a stingerloom history table (another tool's, or of a "
                f"layout this version does not know): {text}", kind="history_table",
                hint="give stingerloom a table of its own with `history_table: NAME` in the manifest (or the "
                     "environment's history_table), or rename that table") from None

    def rows(self) -> list[HistoryRow]:
        """All rows in order of application (oldest first); none when the table does not exist."""
        if not self.d.history_exists():
            return []
        q = self.d.quote
        raw = self._select(f"ORDER BY {q('rank')}, {q('id')}")
        out = []
        for r in raw:
            row = HistoryRow(*r)
            row.applied_at = self.d.timestamp_to_iso(row.applied_at)
            out.append(row)
        return out

    def get(self, row_id: str) -> HistoryRow | None:
        """The row of ``row_id``, or None."""
        q = self.d.quote
        raw = self._select(f"WHERE {q('id')} = {self._ph}", (row_id,))
        return HistoryRow(*raw[0]) if raw else None

    def insert(self, row: HistoryRow) -> None:
        try:
            self.d.bookkeep(self._insert_sql, _ROW_VALUES(row))
        except Exception as exc:
            if not self.d.write_conflict(exc):
                raise
            raise self._conflict(row.id, "it was recorded by another run at the same moment") from None

    def _update(self, row_id: str, *, when: str | None = None, **values: Any) -> None:
        """Update the row; with ``when``, only if its state is that, and it must touch the row."""
        q, ph = self.d.quote, self._ph
        sets = ", ".join(f"{q(k)} = {ph}" for k in values)
        sql = f"UPDATE {self.table} SET {sets} WHERE {q('id')} = {ph}"
        params: tuple = (*values.values(), row_id)
        if when is not None:
            sql += f" AND {q('state')} = {ph}"
            params += (when,)
        touched = self.d.bookkeep(sql, params)
        if when is not None and touched != 1:
            raise self._conflict(row_id, f"it is no longer {when}")

    def _conflict(self, row_id: str, what: str) -> HistoryConflict:
        return HistoryConflict(
            f"the history row of {row_id} changed under this run: {what}; another run (against another "
            "node, or after this run's lock expired) applied, reverted or repaired it meanwhile, so this "
            "run stopped rather than do it twice",
            hint="run `stingerloom status` to see where the history stands, then the command again if needed")

    def progress_statement(self, row_id: str, done: int) -> tuple[str, tuple]:
        """The UPDATE that records ``done`` statements committed, as (sql, params)."""
        q, ph = self.d.quote, self._ph
        return (f"UPDATE {self.table} SET {q('statements_done')} = {ph} WHERE {q('id')} = {ph}", (done, row_id))

    def set_progress(self, row_id: str, done: int) -> None:
        self.d.bookkeep(*self.progress_statement(row_id, done))

    def mark_applied(self, row_id: str, execution_ms: int, done: int | None = None, operation: str = "up") -> None:
        """A dirty row becomes applied (it must still be dirty)."""
        values = {"state": "applied", "execution_ms": execution_ms, "operation": operation}
        if done is not None:
            values["statements_done"] = done
        self._update(row_id, when="dirty", **values)

    def mark_dirty(self, row_id: str, operation: str, total: int) -> None:
        """An applied row becomes dirty before its down SQL runs (it must still be applied, so that two
        runs never revert the same migration)."""
        self._update(row_id, when="applied", state="dirty", operation=operation, statements_done=0,
                     statements_total=total)

    def accept(self, row_id: str, checksum: str | None, down_sql: str | None, description: str | None) -> None:
        self._update(row_id, checksum=checksum, down_sql=down_sql, description=description)

    def delete(self, row_id: str, state: str) -> None:
        """Delete the row, which must be in ``state`` (else another run got to it first)."""
        q, ph = self.d.quote, self._ph
        touched = self.d.bookkeep(f"DELETE FROM {self.table} WHERE {q('id')} = {ph} AND {q('state')} = {ph}",
                                  (row_id, state))
        if touched != 1:
            raise self._conflict(row_id, f"it is no longer {state}")

    # -- repeatable migrations: <history_table>_versions -----------------------------------------
    @property
    def versions_name(self) -> str:
        return self.d.history_name + "_versions"

    def versions_exist(self) -> bool:
        return self.d.table_exists(self.versions_name)

    def ensure_versions(self) -> None:
        if self.versions_exist():
            return
        self.d.execute(self.versions_ddl())

    def versions_ddl(self) -> str:
        """The statement creating ``<history_table>_versions`` if it does not exist (also in scripts)."""
        q = self.d.quote
        ident, short, long, integer, stamp = self.d.bookkeeping_types
        types = {"id": ident, "rank": integer, "batch": integer, "checksum": short, "source_checksum": short,
                 "up_sql": long, "down_sql": long, "description": long, "applied_at": stamp,
                 "applied_by": short, "execution_ms": integer}
        cols = ",\n  ".join(f"{q(c)} {types[c]}" + (" NOT NULL" if c in ("id", "rank", "batch") else "")
                            for c in VERSION_COLUMNS)
        return (f"CREATE TABLE IF NOT EXISTS {self.d.table_ref(self.versions_name)} (\n  {cols},\n"
                f"  PRIMARY KEY ({q('id')}, {q('rank')})\n){self.d.bookkeeping_table_options}")

    def versions(self, row_id: str | None = None) -> list[VersionRow]:
        """The applications of repeatable ``row_id`` (of every one when None) still in force, oldest first."""
        if not self.versions_exist():
            return []
        q, ph = self.d.quote, self._ph
        cols = ", ".join(q(c) for c in VERSION_COLUMNS)
        where = f" WHERE {q('id')} = {ph}" if row_id is not None else ""
        raw = self.d.execute(f"SELECT {cols} FROM {self.d.table_ref(self.versions_name)}{where} "
                             f"ORDER BY {q('rank')}", (row_id,) if row_id is not None else None)
        return [VersionRow(*r) for r in raw]  # applied_at as stored: restore() writes it back

    def insert_version(self, v: VersionRow) -> None:
        cols = ", ".join(self.d.quote(c) for c in VERSION_COLUMNS)
        marks = ", ".join([self._ph] * len(VERSION_COLUMNS))
        self.d.bookkeep(f"INSERT INTO {self.d.table_ref(self.versions_name)} ({cols}) VALUES ({marks})",
                        tuple(getattr(v, c) for c in VERSION_COLUMNS))

    def delete_versions(self, row_id: str, rank: int | None = None) -> None:
        """Forget the application of ``row_id`` at ``rank`` (every one when None)."""
        if not self.versions_exist():
            return
        q, ph = self.d.quote, self._ph
        where, params = f"{q('id')} = {ph}", [row_id]
        if rank is not None:
            where += f" AND {q('rank')} = {ph}"
            params.append(rank)
        self.d.bookkeep(f"DELETE FROM {self.d.table_ref(self.versions_name)} WHERE {where}", tuple(params))

    def restore(self, row_id: str, v: VersionRow, when: str) -> None:
        """Make the history row of ``row_id`` (in state ``when``) describe the earlier application ``v`` again."""
        self._update(row_id, when=when, description=v.description, checksum=v.checksum, down_sql=v.down_sql,
                     applied_at=v.applied_at,
                     execution_ms=v.execution_ms or 0, applied_by=v.applied_by, state="applied", batch=v.batch,
                     rank=v.rank, statements_done=0, statements_total=0, operation="up")

    def replace(self, row: HistoryRow, when: str) -> None:
        """The history row of ``row.id`` (a repeatable re-applied; in state ``when``) becomes ``row``."""
        self._update(row.id, when=when, **{c: getattr(row, c) for c in COLUMNS if c != "id"})

    @staticmethod
    def next_numbers(rows: list[HistoryRow]) -> tuple[int, int]:
        """(next batch, next rank) after ``rows``."""
        return (max((r.batch for r in rows), default=0) + 1, max((r.rank for r in rows), default=0) + 1)
