"""The dialect boundary: everything the runner needs from a database, one subclass per database.

A dialect owns one connection. The runner drives transactions explicitly: the connection is kept in
autocommit mode and ``begin()/commit()/rollback()`` issue the statements, so that the same code path
serves transactional and non-transactional migrations.

Subclasses set capability flags (with a comment saying why) and override the hooks below. Driver
exceptions are translated here into stingerloom errors with passwords redacted.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import re

from ..errors import ConnectionFailed, InputError
from ..urls import DatabaseURL

#: words of a statement that may change the session (see Dialect.may_change_session)
_SESSION_WORDS = re.compile(r"\b(?:set|reset|use|lock|unlock|select|call|do|execute|discard|load|role|"
                            r"authorization|begin|handler|prepare|listen)\b|set_config", re.I | re.A)

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any, Iterator


_split_statements = None  # stingerloom.sqltext.split_statements once Dialect.split has run


class Dialect:
    #: ``sqlite``, ``postgres`` or ``mysql``; also the key of per-dialect SQL blocks.
    name = "base"
    skip_existing: str | None = None  # e.g. "INSERT IGNORE": named in the hint for a duplicate key
    #: DDL runs inside transactions and rolls back with them (PostgreSQL, SQLite; not MySQL).
    transactional_ddl = True
    #: DB-API parameter placeholder used by the history SQL.
    placeholder = "?"
    #: The query answering the database user (``applied_by``); None where there are no users (SQLite).
    user_query: str | None = None
    _db_user: str | None = None

    def __init__(self, url: DatabaseURL | None = None, connection: Any = None,
                 history_table: str = "__migrations") -> None:
        self.url = url
        self.connection = connection
        self._owns_connection = connection is None
        self.history_table = history_table

    # -- connection -----------------------------------------------------------------------------
    @property
    def display_url(self) -> str:
        """The target as shown to users, password masked."""
        if self.url is not None:
            return str(self.url)
        return f"{self.name} (open connection)"

    def connect(self) -> None:
        """Open ``self.connection`` from ``self.url`` (autocommit mode). Raises ConnectionFailed."""
        raise NotImplementedError

    def close(self) -> None:
        if self.connection is not None and self._owns_connection:
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None

    def all_transactional(self, tables: list[str]) -> bool:
        """Whether every one of ``tables`` rolls back with a transaction (MySQL: its engine)."""
        return self.transactional_ddl

    def table_lock_holder(self) -> str:
        """Who holds a lock on the history table, as far as the database tells (or "")."""
        return ""

    def reset_session(self) -> None:
        """After a migration's statements: undo the session settings they changed (``SET
        statement_timeout``, ``SET ROLE``, ``SET default_transaction_read_only``...), so that the
        history write and the next migration run as in a fresh session. A no-op where the driver
        cannot (MySQL/MariaDB: see the README)."""

    @staticmethod
    def may_change_session(statements: list) -> bool:
        """Whether ``statements`` (a migration's, split) may have changed session state, so that
        :meth:`reset_session` must run: any word that sets, uses, locks or calls code (``SET``,
        ``RESET``, ``USE``, ``LOCK``, ``SELECT``, ``CALL``, ``DO``, ...), or statements not known in
        advance (a Python migration). A migration of plain DDL and ``INSERT ... VALUES`` (most of
        them) saves the reset's round trips; a false alarm (``UPDATE ... SET``) costs only those."""
        if not statements:
            return True
        search = _SESSION_WORDS.search
        return any(search(st.sql) for st in statements)

    def usable(self) -> bool:
        """Whether the connection can still take a statement."""
        return self.connection is not None

    def recover(self, interrupted: bool = False) -> None:
        """After a fault or Ctrl-C: a connection ready to ask what the database kept. Reconnects
        when the old one is gone (``interrupted``: it may be in the middle of a reply)."""
        if self.usable() and not interrupted:
            self.rollback()
            return
        self.abandon()
        self.connect()

    def abandon(self) -> None:
        """Drop the connection without waiting for the server (its transaction rolls back)."""
        self.close()

    def __enter__(self) -> "Dialect":
        if self.connection is None:
            self.connect()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- execution ------------------------------------------------------------------------------
    def execute(self, sql: str, params: Any = None) -> list[tuple]:
        """Run one statement and return its rows (``[]`` when it returns none)."""
        return self._on_cursor(sql, params, lambda cur: [tuple(r) for r in cur.fetchall()]
                               if cur.description is not None else [])

    def execute_count(self, sql: str, params: Any = None) -> int:
        """Run one writing statement and return how many rows it touched."""
        return self._on_cursor(sql, params, lambda cur: cur.rowcount)

    def _on_cursor(self, sql: str, params: Any, read: Any) -> Any:
        cur = self.connection.cursor()
        try:
            if params is None:
                cur.execute(sql)
            else:
                cur.execute(sql, params)
            return read(cur)
        finally:
            with contextlib.suppress(Exception):
                cur.close()

    def bookkeep(self, sql: str, params: Any = None) -> int:
        """Run one of the tool's own writes (history, lock row) and return the rows it touched.
        A dialect may send it on a connection of its own when a migration changed the session."""
        return self.execute_count(sql, params)

    def execute_then(self, sql: str, followup: tuple[str, tuple]) -> None:
        """Run ``sql`` and then, only if it succeeded, the bookkeeping statement ``followup``
        (SQL with placeholders, parameters). A dialect may send both in one round trip, and sets
        ``together`` when both commit or neither does (then the history counter is never behind)."""
        self.together = False
        self.execute(sql)
        self.execute(*followup)

    def begin(self) -> None:
        self.execute("BEGIN")

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        with contextlib.suppress(Exception):
            self.execute("ROLLBACK")

    def split(self, sql: str):
        """The statements of a block, with their offsets (see ``stingerloom.sqltext``)."""
        global _split_statements
        if _split_statements is None:  # imported on first use: sqltext costs ~2 ms, and not every command splits
            from ..sqltext import split_statements as _split_statements
        return _split_statements(sql, self.name)

    # -- locking --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        """Hold the migration lock for the duration of the block.

        Waits up to ``timeout`` seconds, then raises LockTimeout naming the holder where the
        database can tell. Released on exit, and by the database when the process dies.
        """
        yield

    #: a migration statement that timed out waiting for a lock is reported with the lock's holder
    #: (``table_lock_holder``): set where the database's own message does not name it
    lock_timeout_names_holder = False

    #: connect read-only (planning ``--dry-run`` and ``--script``: nothing may be written)
    read_only = False
    #: whether the last ``execute_then`` committed the statement and its bookkeeping atomically
    together = False
    #: seconds any wait for a lock may last (``--lock-timeout``); applied to the session at connect
    lock_wait: float | None = None

    # -- errors ---------------------------------------------------------------------------------
    def fault_kind(self, exc: BaseException) -> str | None:
        """What kind of fault ``exc`` is: ``connection``, ``permission``, ``read_only``,
        ``disk_full``, ``lock_timeout``, ``deadlock``, ``duplicate``, ``no_tx_block`` (a statement
        that cannot run inside a transaction block), or None (an ordinary SQL error, or a bug)."""
        from ..faults import os_fault

        return os_fault(exc)

    def where_to_ask_after_loss(self) -> str:
        """Where to run ``status`` when the database cannot be reached after a lost connection."""
        return "once it is back"

    def write_conflict(self, exc: BaseException) -> bool:
        """True when a write failed because another session got there first: a duplicate key, or a
        deadlock (on Galera: a certification conflict). The history and lock-row writes check it."""
        return self.fault_kind(exc) in ("duplicate", "deadlock")

    def is_database_error(self, exc: BaseException) -> bool:
        """True for the driver's errors raised by a statement (as opposed to bugs)."""
        return False

    def error_message(self, exc: BaseException) -> tuple[str, int | None]:
        """The database's message for ``exc`` (password redacted) and, when the server gives one,
        the 0-based character position of the error inside the statement."""
        return self.redact(str(exc).strip()), None

    def redact(self, text: str) -> str:
        if self.url is not None:
            return self.url.redact(text)
        from ..urls import redact

        return redact(text)

    def connection_failed(self, exc: BaseException) -> ConnectionFailed:
        msg = self.redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return ConnectionFailed(
            f"cannot connect to {self.display_url}: {msg}",
            hint="check that the server is running and reachable, and the user name, password and database",
        )

    # -- identifiers and history table ---------------------------------------------------------
    def quote(self, ident: str) -> str:
        return '"' + ident.replace('"', '""') + '"'

    def table_ref(self, name: str) -> str:
        """A quoted (possibly schema-qualified) reference to table ``name``."""
        return self.quote(name)

    #: the history table as resolved at connect (schema-qualified on PostgreSQL and MySQL)
    resolved_history: str | None = None

    @property
    def history_name(self) -> str:
        """The one identity of the history table, used for every read, write and lock key."""
        return self.resolved_history or self.history_table

    def history_ref(self) -> str:
        return self.table_ref(self.history_name)

    def history_exists(self) -> bool:
        raise NotImplementedError

    def table_exists(self, name: str) -> bool:
        """Whether table ``name`` (possibly schema-qualified) exists."""
        raise NotImplementedError

    def history_ddl(self) -> list[str]:
        """Statements creating the history table (see SPEC §3)."""
        raise NotImplementedError

    #: column types of the tool's own tables: (id, short text, long text, integer, timestamp)
    bookkeeping_types: tuple[str, str, str, str, str] = ("TEXT", "TEXT", "TEXT", "INTEGER", "TEXT")
    #: what follows the closing parenthesis of the tool's own CREATE TABLE statements
    bookkeeping_table_options = ""

    def now(self) -> Any:
        """The value stored in ``applied_at`` for the current time (UTC)."""
        return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)

    def timestamp_to_iso(self, value: Any) -> str | None:
        """``applied_at`` as read back, rendered as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")

    def current_user(self) -> str:
        """Who applied a migration (``applied_by``): the operating-system user running stingerloom
        and, where the database has users, the one it connected as: ``alice as app``."""
        if self.user_query is None or self.connection is None:
            return _os_user()
        if self._db_user is None:
            try:
                self._db_user = str(self.execute(self.user_query)[0][0])
            except Exception:  # never fail a migration over who ran it
                self._db_user = ""
        return f"{_os_user()} as {self._db_user}"[:255] if self._db_user else _os_user()

    def missing_database(self) -> str | None:
        """What is missing when the target cannot exist yet (a database file not there), else None:
        read-only commands (``schema dump``) refuse rather than create an empty database."""
        return None

    #: how ``lint --verify`` drops its scratch database (``{name}``: quoted); None: no server to create
    #: one on (SQLite replays in memory)
    drop_database_sql: str | None = None

    # -- scripts (``apply --script``; stingerloom.render.script) -------------------------------
    #: how the script's reader runs it, for its header
    script_client = ""
    #: a compound body (trigger, procedure...) goes between ``DELIMITER`` lines in a script, since the
    #: database's client would cut it at its first ``;``
    script_delimiter_blocks = False
    #: opens and ends a migration's transaction in a script (None: the dialect has none for DDL)
    script_begin = "BEGIN"
    script_commit = "COMMIT"

    def sql_literal(self, value: Any) -> str:
        """``value`` (None, int or str) as a SQL literal of this dialect, for scripts that cannot
        take parameters. Refuses NUL characters (no text column of ours can hold them everywhere)."""
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int):
            return str(value)
        text = str(value)
        if "\x00" in text:
            raise InputError("a value of the history row holds a NUL character, which a script cannot carry",
                             hint="remove the NUL character from the migration (description or down SQL)")
        return self._text_literal(text)

    def _text_literal(self, text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    #: the SQL expression naming the database a script runs in (None: the dialect cannot tell)
    script_database_sql: str | None = None

    def script_database(self) -> str | None:
        """The database this connection is in, which a script checks it runs in (None: no check)."""
        if self.script_database_sql is None:
            return None
        return self.execute(f"SELECT {self.script_database_sql}")[0][0]

    def script_preamble(self) -> list[str]:
        """Client settings at the top of a script (psql/sqlite3 meta-commands included)."""
        return []

    def script_lock(self) -> tuple[list[str], list[str]]:
        """The statements taking and releasing the migration lock in a script."""
        return [], []

    def script_session_reset(self) -> list[str]:
        """What a script runs after a migration whose statements may have changed the session (see
        :meth:`may_change_session`), as :meth:`reset_session` does for the tool; ``[]``: nothing."""
        return []

    def script_now(self) -> str:
        """A SQL expression for ``applied_at`` now."""
        raise NotImplementedError

    def script_applied_by(self, written_by: str) -> str:
        """A SQL expression for ``applied_by`` when the script runs."""
        return self.sql_literal(f"script by {written_by}")

    def script_guard(self, number: int, refused_when: str, message: str) -> list[str]:
        """Statements that fail with ``message`` when the SQL condition ``refused_when`` holds."""
        raise NotImplementedError

    def lock_holder_text(self) -> str | None:
        """Who holds the migration lock now (another session: ``status`` does not take it), as shown
        to users, or None when it is free."""
        return None


_USER: list[str] = []


def _os_user() -> str:
    if not _USER:
        import getpass

        try:
            _USER.append(getpass.getuser())
        except Exception:  # pragma: no cover - no user database entry
            _USER.append("unknown")
    return _USER[0]


def require_driver(module: str, package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(f"the {package} driver is not installed", hint=f"pip install {package}") from None
