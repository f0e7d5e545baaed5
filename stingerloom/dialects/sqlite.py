"""SQLite, the embedded default (stdlib ``sqlite3``).

DDL is transactional, so a migration and its history row commit together. The connection runs in
autocommit mode (``isolation_level=None``) and the runner issues ``BEGIN``/``COMMIT`` itself.
The migration lock is an exclusive ``flock`` on ``<database>.lock`` beside the database file: a
second run waits for it, and the operating system releases it when the process dies.
"""

from __future__ import annotations

import contextlib
import os
import re
import time

from ..errors import InputError, LockTimeout
from .base import Dialect

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any, Iterator


class SqliteDialect(Dialect):
    name = "sqlite"
    skip_existing = "INSERT OR IGNORE"  # how a statement skips rows whose key exists
    transactional_ddl = True  # SQLite rolls back CREATE/ALTER/DROP with the transaction
    placeholder = "?"

    @property
    def path(self) -> str:
        return self.url.database if self.url is not None else ":memory:"

    def missing_database(self) -> str | None:
        path = self.path
        if path == ":memory:" or path.startswith("file:") or os.path.isfile(path):
            return None
        return f"no such SQLite database file: {path}"

    def connect(self) -> None:
        import sqlite3

        path = self.path
        if path != ":memory:" and not path.startswith("file:"):
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                raise InputError(
                    f"cannot open SQLite database {path!r}: folder {folder!r} does not exist",
                    hint="create the folder, or fix the sqlite:/// URL (three slashes for a relative path, four for an absolute one)",
                )
        try:
            # the busy timeout bounds the wait for another writer's lock (--lock-timeout)
            wait = 30.0 if self.lock_wait is None else max(0.0, self.lock_wait)
            if self.read_only and path != ":memory:" and not path.startswith("file:"):
                # planning a dry run or a script: open read-only, and a file not there yet stays
                # absent (planned against an empty database)
                import urllib.parse

                target = os.path.abspath(path)
                path = f"file:{urllib.parse.quote(target)}?mode=ro" if os.path.exists(target) else ":memory:"
            self.connection = sqlite3.connect(path, isolation_level=None, timeout=wait, uri=path.startswith("file:"))
        except sqlite3.Error as exc:
            folder = os.path.dirname(os.path.abspath(path))
            if path != ":memory:" and not os.path.exists(path) and not os.access(folder, os.W_OK | os.X_OK):
                from ..faults import DatabaseFault
                from .base import _os_user

                raise DatabaseFault(f"permission denied: user {_os_user()} cannot create the SQLite database {path!r} "
                                    f"in folder {folder!r}", kind="permission",
                                    hint="make the folder writable for this user, or check the sqlite:/// URL") from None
            raise InputError(f"cannot open SQLite database {path!r}: {exc}") from None

    #: on a connection of its own, one cursor for every statement while the connection is the same:
    #: apply runs six statements a migration, and a new cursor for each (what Connection.execute
    #: makes) costs up to ~1 µs more
    _cursor: Any = None

    def _send(self, sql: str, params: Any) -> Any:
        """Run one statement; the cursor holding its result (every row is read before the next one)."""
        if not self._owns_connection:  # a connection the caller gave: through its own execute, as always
            return self.connection.execute(sql, () if params is None else params)
        cur = self._cursor
        if cur is None or cur.connection is not self.connection:
            cur = self._cursor = self.connection.cursor()
        cur.execute(sql, () if params is None else params)
        return cur

    def execute(self, sql: str, params: Any = None) -> list[tuple]:
        # sqlite3 rows are tuples already: the lean path, since apply runs this once per statement
        cur = self._send(sql, params)
        return cur.fetchall() if cur.description is not None else []

    def execute_count(self, sql: str, params: Any = None) -> int:
        # the history writes of apply
        return self._send(sql, params).rowcount

    def begin(self) -> None:
        # IMMEDIATE takes the write lock now, so a concurrent writer fails early instead of midway.
        self.execute("BEGIN IMMEDIATE")

    def execute_then(self, sql: str, followup: tuple[str, tuple]) -> None:
        """``sql`` and the history update in one transaction, so that they commit together; the
        statements a transaction changes or refuses (``PRAGMA``, ``VACUUM``, ``ATTACH``…) run alone."""
        if _ALONE.match(sql) or self.connection.in_transaction:
            super().execute_then(sql, followup)
            return
        self.together = True
        self.execute("BEGIN")
        try:
            self.execute(sql)
            self.execute(*followup)
            self.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                self.execute("ROLLBACK")
            raise

    lock_timeout_names_holder = True  # "database is locked" says nothing of who holds the write lock

    def table_lock_holder(self) -> str:
        return f"another process is writing to {self.path} and holds its write lock"

    def recover(self, interrupted: bool = False) -> None:
        if self.connection is not None and self.connection.in_transaction:
            self.rollback()
        if self.connection is None:
            self.connect()

    def fault_kind(self, exc: BaseException) -> str | None:
        name = getattr(exc, "sqlite_errorname", "") or ""
        for prefix, kind in _ERRORS:
            if name.startswith(prefix):
                return kind
        return super().fault_kind(exc)

    def is_database_error(self, exc: BaseException) -> bool:
        import sqlite3

        return isinstance(exc, sqlite3.Error)

    @contextlib.contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        path = self.path
        if path == ":memory:" or path.startswith("file:"):
            yield
            return
        import fcntl

        lock_path = os.path.abspath(path) + ".lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + max(0.0, timeout)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = _read_holder(fd)
                        raise LockTimeout(
                            f"another stingerloom run holds the lock on {path}"
                            + (f" ({holder})" if holder else "")
                            + f"; gave up after {timeout:g}s",
                            hint="wait for it to finish, or raise --lock-timeout; the lock is released when that process exits",
                        ) from None
                    time.sleep(0.05)
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}".encode())
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def lock_holder_text(self) -> str | None:
        path = self.path
        if path == ":memory:" or path.startswith("file:"):
            return None
        import fcntl

        try:
            fd = os.open(os.path.abspath(path) + ".lock", os.O_RDONLY)
        except OSError:  # no lock file: no run ever took the lock
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return f"process {_read_holder(fd) or '(unknown pid)'}".replace("process pid ", "process ")
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def history_exists(self) -> bool:
        return self.table_exists(self.history_table)

    def table_exists(self, name: str) -> bool:
        rows = self.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
        return bool(rows)

    def history_ddl(self) -> list[str]:
        t = self.history_ref()
        return [
            f"""CREATE TABLE IF NOT EXISTS {t} (
  id TEXT PRIMARY KEY,
  description TEXT,
  checksum TEXT,
  down_sql TEXT,
  applied_at TEXT NOT NULL,
  execution_ms INTEGER NOT NULL DEFAULT 0,
  applied_by TEXT,
  state TEXT NOT NULL DEFAULT 'applied',
  batch INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  statements_done INTEGER NOT NULL DEFAULT 0,
  statements_total INTEGER NOT NULL DEFAULT 0,
  operation TEXT NOT NULL DEFAULT 'up'
)"""
        ]

    # -- scripts --------------------------------------------------------------------------------
    script_client = "sqlite3 DATABASE < FILE"
    script_begin = "BEGIN IMMEDIATE"  # takes the write lock now, like the tool

    def _text_literal(self, text: str) -> str:
        """``'...'`` (no backslash escapes in SQLite); a carriage return, which the sqlite3 shell drops
        from the lines it reads, is written ``char(13)``."""
        parts = ["'" + part.replace("'", "''") + "'" for part in text.split("\r")]
        return "(" + " || char(13) || ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def script_preamble(self) -> list[str]:
        return [".bail on",
                "-- the tool's lock file (DATABASE.lock) cannot be taken from a script: each migration runs "
                "in BEGIN IMMEDIATE, which holds SQLite's write lock"]

    def script_now(self) -> str:
        return "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

    def script_guard(self, number: int, refused_when: str, message: str) -> list[str]:
        """SQLite raises errors only from triggers: a temporary table whose named CHECK constraint
        fails with ``message`` when the condition holds (it goes away with the session)."""
        table = self.quote(f"stingerloom_guard_{number}")
        return [f"CREATE TEMP TABLE {table} (ok INTEGER CONSTRAINT {self.quote(message)} CHECK (ok))",
                f"INSERT INTO {table} (ok) SELECT NOT ({refused_when})"]

    def now(self) -> Any:
        # applied_at, once per migration: formatting time.gmtime() costs half of datetime's strftime
        return "%04d-%02d-%02dT%02d:%02d:%02dZ" % time.gmtime()[:6]


_ALONE = re.compile(r"(?is)\s*(?:PRAGMA|VACUUM|ATTACH|DETACH|BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b")
_ERRORS = (
    ("SQLITE_BUSY", "lock_timeout"), ("SQLITE_LOCKED", "lock_timeout"), ("SQLITE_READONLY", "read_only"),
    ("SQLITE_CANTOPEN", "read_only"), ("SQLITE_FULL", "disk_full"), ("SQLITE_PERM", "permission"),
    ("SQLITE_AUTH", "permission"), ("SQLITE_CONSTRAINT_UNIQUE", "duplicate"),
    ("SQLITE_CONSTRAINT_PRIMARYKEY", "duplicate"),
)


def _read_holder(fd: int) -> str:
    with contextlib.suppress(OSError):
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 64).decode("ascii", "replace").strip()
    return ""
