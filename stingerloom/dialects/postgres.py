"""PostgreSQL (psycopg 3).

DDL is transactional, so a migration and its history row commit together. The connection runs in
autocommit mode and the runner issues ``BEGIN``/``COMMIT`` itself.

The migration lock is a session-level advisory lock (``pg_try_advisory_lock``) on a fixed 64-bit key
derived from ``stingerloom`` and the history table's name, held by the migrating connection. The
server releases it when that connection ends, including when the process is killed: on PostgreSQL
14+ the session sets ``client_connection_check_interval`` so that a statement still running for a
killed client is cancelled within a second (older servers finish the statement first). Advisory locks
are per database, so runs against different databases of one server do not block each other.

URL query parameters: ``sslmode`` and any other libpq keyword (``sslrootcert``,
``target_session_attrs``...) are passed through; ``connect_timeout`` defaults to 10 seconds;
``host=/path`` or ``unix_socket=/path`` connects through a unix socket folder; ``search_path=app``
(or ``options=-csearch_path=app``) selects the schema. ``history_table`` may be schema-qualified
(``audit.__migrations``); the schema is created with the table.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from typing import Any

from ..errors import InputError, LockTimeout
from ._server import ServerDialect
from .base import require_driver

DEFAULT_CONNECT_TIMEOUT = "10"
#: a COPY whose rows go through the client (psql's stdin/stdout), not a file on the server
_BAD_OPTION = re.compile(r'invalid connection option "|invalid \w+ value: |bad value for \w+: ')
_CLIENT_COPY = re.compile(r"\b(?:FROM\s+STDIN|TO\s+STDOUT)\b", re.IGNORECASE)


_SQLSTATES = {
    "42501": "permission", "25006": "read_only", "53100": "disk_full", "55P03": "lock_timeout",
    "40P01": "deadlock", "23505": "duplicate", "25001": "no_tx_block",
    "57P01": "connection", "57P02": "connection", "57P03": "connection", "08": "connection",
}


def advisory_key(history_table: str) -> int:
    """The signed 64-bit advisory lock key for a history table (stable across runs and versions)."""
    digest = hashlib.sha256(f"stingerloom:{history_table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresDialect(ServerDialect):
    _current_schema_sql = "SELECT current_schema()"
    name = "postgres"
    skip_existing = "INSERT … ON CONFLICT DO NOTHING"  # how a statement skips rows whose key exists
    transactional_ddl = True  # CREATE/ALTER/DROP roll back with the transaction
    placeholder = "%s"

    # -- connection -----------------------------------------------------------------------------
    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``psycopg.connect`` built from the URL."""
        url = self.url
        params = dict(url.query)
        kw: dict[str, Any] = {"autocommit": True}
        socket_dir = params.pop("unix_socket", None) or params.pop("host", None)
        if socket_dir or url.host:
            kw["host"] = socket_dir or url.host
        if url.port:
            kw["port"] = url.port
        if url.user:
            kw["user"] = url.user
        if url.password is not None:
            kw["password"] = url.password
        if url.database:
            kw["dbname"] = url.database
        search_path = params.pop("search_path", None)
        if search_path:
            options = params.get("options", "")
            params["options"] = (options + " " if options else "") + "-c search_path=" + search_path.replace(
                " ", "\\ ")
        params.setdefault("connect_timeout", DEFAULT_CONNECT_TIMEOUT)
        params.setdefault("application_name", "stingerloom")
        # the files are Unicode: the server converts to the database's encoding (and says what does not fit)
        params.setdefault("client_encoding", "UTF8")
        kw.update(params)
        return kw

    def connect(self) -> None:
        psycopg = require_driver("psycopg", "psycopg[binary]")
        try:
            self.connection = psycopg.connect(**self.connect_kwargs())
        except Exception as exc:
            # ``from None``: the driver's exception may carry the connection string with the password.
            raise self.connection_failed(exc) from None
        self._session_settings()
        self._resolve_history_table()

    def _resolve_history_table(self) -> None:
        super()._resolve_history_table()
        if self.resolved_history is None and self.split_name(self.history_table)[0] is None:
            # current_schema() is NULL: no schema of the search_path exists (a typo in search_path=)
            path = self.execute("SHOW search_path")[0][0]
            self.close()
            raise InputError(
                f"no schema of the search_path ({path}) exists in this database, so the history table "
                f"{self.history_table} has no schema to live in",
                hint="correct search_path= in the database URL, create the schema (CREATE SCHEMA …), or "
                     f"qualify history_table (public.{self.history_table})")

    def split(self, sql: str):
        """The statements of a block; ``COPY … FROM STDIN`` / ``TO STDOUT`` is refused at its line:
        it streams rows through the client (psql sends the lines after it), which stingerloom is not."""
        statements = super().split(sql)
        for st in statements:
            if st.sql[:4].upper() == "COPY" and _CLIENT_COPY.search(st.sql):
                from ..sqltext import SplitError

                raise SplitError(
                    "COPY … FROM STDIN / TO STDOUT needs a client that streams the rows (psql), and "
                    "stingerloom sends none: write the rows as INSERT … VALUES, or COPY from a file on "
                    "the database server (COPY t FROM '/path')", st.offset)
        return statements

    def _session_settings(self) -> None:
        self._abort_when_client_dies()
        if self.lock_wait is not None:  # --lock-timeout bounds every wait for a lock, ours or not
            self.execute("SELECT set_config('lock_timeout', %s, false)", (f"{max(1, int(self.lock_wait * 1000))}ms",))
        if self.read_only:  # planning a dry run or a script: this session writes nothing
            self.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    def reset_session(self) -> None:
        """``RESET ALL`` (back to the URL's settings, ``search_path`` and ``options`` included), then
        this tool's own settings again. Not ``DISCARD ALL``: that would drop the migration lock."""
        self.execute("RESET ALL")
        self._session_settings()

    def _abort_when_client_dies(self) -> None:
        """Make the server notice a vanished client during a long statement (PostgreSQL 14+, Linux).

        Otherwise a killed run's backend keeps executing (say) a 10-minute ALTER TABLE, holding the
        migration lock and table locks, only to roll it all back at the end when nobody commits.
        """
        if self.connection.info.server_version < 140000:
            return
        with contextlib.suppress(Exception):  # e.g. "must be set to 0 on this platform"
            self.execute("SET client_connection_check_interval = 1000")

    def connection_failed(self, exc: BaseException):
        text = str(exc).strip()
        # psycopg prefixes "connection failed: connection to server at ... failed: FATAL:  reason";
        # keep the server and the reason, drop the repetition and libpq's double spaces.
        for prefix in ("connection failed: ", "connection is bad: "):
            text = text.removeprefix(prefix)
        text = text.replace("FATAL:  ", "")
        err = super().connection_failed(Exception(text) if text else exc)
        if _BAD_OPTION.match(text):  # libpq refused a URL query parameter before trying to connect
            err.hint = ("correct that query parameter of the database URL (?name=value takes libpq's "
                        "connection parameters, plus search_path=)")
        return err

    # -- errors ---------------------------------------------------------------------------------
    def table_lock_holder(self) -> str:
        rows = self.execute(
            """SELECT l.pid, a.usename, a.application_name, l.mode FROM pg_locks l
                 LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.relation = to_regclass(%s) AND l.granted AND l.pid <> pg_backend_pid()
                ORDER BY l.pid LIMIT 1""", (self.history_ref(),))
        if not rows:
            return ""
        pid, user, app, mode = rows[0]
        return (f"backend pid {pid}, user {user}" + (f", application {app!r}" if app else "")
                + f", {mode}; end it with SELECT pg_terminate_backend({pid})")

    def execute_then(self, sql: str, followup: tuple[str, tuple]) -> None:
        """``sql`` and the history update in one simple-protocol query: PostgreSQL runs a
        multi-statement query as one implicit transaction, so the statement and its counter commit
        together (a kill or lost connection can never leave the counter one behind). A statement
        that cannot run in a transaction block (``CREATE INDEX CONCURRENTLY``, ``VACUUM``…) is
        refused there before doing anything, and then runs alone, followed by the update."""
        from psycopg import errors
        from psycopg.sql import Literal

        follow_sql, params = followup
        literal = follow_sql % tuple(Literal(p).as_string(self.connection) for p in params)
        self.together = True  # even if the connection drops now: both or neither committed
        try:
            self.execute(f"{sql}\n;\n{literal}")
            return
        except errors.ActiveSqlTransaction:
            pass
        super().execute_then(sql, followup)

    def usable(self) -> bool:
        return self.connection is not None and not self.connection.closed and not self.connection.broken

    def recover(self, interrupted: bool = False) -> None:
        # psycopg cancels the running statement on Ctrl-C: the connection stays usable
        super().recover(False)

    def fault_kind(self, exc: BaseException) -> str | None:
        state = getattr(exc, "sqlstate", None) or ""
        kind = _SQLSTATES.get(state) or _SQLSTATES.get(state[:2])
        if kind:
            return kind
        try:
            import psycopg
        except ImportError:  # pragma: no cover
            return super().fault_kind(exc)
        if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) and not state and (
                self.connection is None or self.connection.closed or self.connection.broken):
            return "connection"
        return super().fault_kind(exc)

    def is_database_error(self, exc: BaseException) -> bool:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - no driver, no database errors
            return False
        return isinstance(exc, psycopg.DatabaseError)

    def error_message(self, exc: BaseException) -> tuple[str, int | None]:
        diag = getattr(exc, "diag", None)
        primary = getattr(diag, "message_primary", None) if diag is not None else None
        if not primary:
            return super().error_message(exc)
        message = primary
        if diag.message_detail:
            message += f" (detail: {diag.message_detail})"
        if diag.message_hint:
            message += f" (hint: {diag.message_hint})"
        position = None
        if diag.statement_position:
            with contextlib.suppress(ValueError):
                position = max(0, int(diag.statement_position) - 1)  # the server counts from 1
        return self.redact(message), position

    # -- identifiers and history table ---------------------------------------------------------
    def history_exists(self) -> bool:
        return self.table_exists(self.history_name)

    def table_exists(self, name: str) -> bool:
        rows = self.execute("SELECT to_regclass(%s) IS NOT NULL", (self.table_ref(name),))
        return bool(rows and rows[0][0])

    bookkeeping_types = ("varchar(255)", "varchar(255)", "text", "bigint", "timestamptz")

    def history_ddl(self) -> list[str]:
        q = self.quote
        schema, _ = self.split_name(self.history_name)
        # only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even then
        missing = schema and not self.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        ddl = [f"CREATE SCHEMA IF NOT EXISTS {q(schema)}"] if missing else []
        ddl.append(f"""CREATE TABLE IF NOT EXISTS {self.history_ref()} (
  {q('id')} varchar(255) PRIMARY KEY,
  {q('description')} text,
  {q('checksum')} varchar(255),
  {q('down_sql')} text,
  {q('applied_at')} timestamptz NOT NULL,
  {q('execution_ms')} bigint NOT NULL DEFAULT 0,
  {q('applied_by')} varchar(255),
  {q('state')} varchar(16) NOT NULL DEFAULT 'applied',
  {q('batch')} integer NOT NULL,
  {q('rank')} integer NOT NULL,
  {q('statements_done')} integer NOT NULL DEFAULT 0,
  {q('statements_total')} integer NOT NULL DEFAULT 0,
  {q('operation')} varchar(8) NOT NULL DEFAULT 'up'
)""")
        return ddl

    def now(self) -> Any:
        return dt.datetime.now(dt.timezone.utc)  # timestamptz keeps the instant; read back as aware

    # -- scripts --------------------------------------------------------------------------------
    script_client = "psql -v ON_ERROR_STOP=1 -d DATABASE -f FILE"
    drop_database_sql = "DROP DATABASE IF EXISTS {name} WITH (FORCE)"  # sessions left by a failed replay
    script_database_sql = "current_database()"

    def _text_literal(self, text: str) -> str:
        """An ``E'...'`` string: the same meaning whatever ``standard_conforming_strings`` says."""
        if "\\" not in text:
            return "'" + text.replace("'", "''") + "'"
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

    def script_preamble(self) -> list[str]:
        return ["\\set ON_ERROR_STOP on", "SET client_encoding = 'UTF8';"]

    def script_session_reset(self) -> list[str]:
        # as reset_session: back to the connection's settings, then the script's own again
        return ["RESET ALL;", *[x for x in self.script_preamble() if x.startswith("SET ")]]

    def script_lock(self) -> tuple[list[str], list[str]]:
        key = self.lock_key
        return [f"SELECT pg_advisory_lock({key})"], [f"SELECT pg_advisory_unlock({key})"]

    def script_now(self) -> str:
        return "now()"

    def script_applied_by(self, written_by: str) -> str:
        return f"left({self.sql_literal(f'script by {written_by}, run as ')} || current_user, 255)"

    def script_guard(self, number: int, refused_when: str, message: str) -> list[str]:
        body = f"BEGIN IF {refused_when} THEN RAISE EXCEPTION USING MESSAGE = {self.sql_literal(message)}; END IF; END"
        tag = "$stingerloom$"
        while tag in body:
            tag = tag[:-1] + "_$"
        return [f"DO {tag} {body} {tag}"]

    # -- locking --------------------------------------------------------------------------------
    @property
    def lock_key(self) -> int:
        return advisory_key(self.history_name)

    def _prepare_lock(self) -> None:
        # Every command that writes takes the lock first: a hot standby is refused here, before any
        # write fails with a bare "cannot execute ... in a read-only transaction".
        if self.execute("SELECT pg_is_in_recovery()")[0][0]:
            raise InputError(
                f"read-only standby: connect to the primary ({self.display_url} is a hot standby replaying "
                "the primary's WAL; it answers `status` but cannot take migrations)",
                hint="run apply, rollback, baseline and repair against the primary server")

    def _try_lock(self) -> bool:
        return bool(self.execute("SELECT pg_try_advisory_lock(%s)", (self.lock_key,))[0][0])

    def _connection_usable(self) -> bool:
        return self.connection is not None and not self.connection.closed

    def _unlock(self) -> None:
        from psycopg.pq import TransactionStatus

        # An aborted transaction would refuse the unlock: end it first.
        if self.connection.info.transaction_status != TransactionStatus.IDLE:
            self.rollback()
        self.execute("SELECT pg_advisory_unlock(%s)", (self.lock_key,))

    user_query = "SELECT current_user"

    def lock_holder(self) -> dict[str, Any] | None:
        """pid, user, application and backend start of the session holding the lock, if visible."""
        key = self.lock_key
        rows = self.execute(
            """SELECT l.pid, a.usename, a.application_name, a.backend_start, a.client_addr
                 FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND l.classid::bigint = %s AND l.objid::bigint = %s""",
            ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
        )
        if not rows:
            return None
        pid, user, app, started, addr = rows[0]
        return {"pid": pid, "user": user, "application_name": app, "backend_start": started,
                "client_addr": addr}

    def _lock_timeout(self, timeout: float) -> LockTimeout:
        holder = None
        with contextlib.suppress(Exception):
            holder = self.lock_holder()
        where = f"{self.display_url} (history table {self.history_table})"
        msg = f"another stingerloom run holds the migration lock on {where}"
        hint = "wait for it to finish, or raise --lock-timeout; the lock is released when that session ends"
        if holder:
            parts = [f"backend pid {holder['pid']}"]
            if holder["user"]:
                parts.append(f"user {holder['user']}")
            if holder["application_name"]:
                parts.append(f"application {holder['application_name']!r}")
            if holder["client_addr"]:
                parts.append(f"from {holder['client_addr']}")
            if holder["backend_start"]:
                started = holder["backend_start"].astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                parts.append(f"connected since {started}")
            msg += f" ({', '.join(parts)})"
            hint += (f"; if that run is stuck or gone, end its session with "
                     f"SELECT pg_terminate_backend({holder['pid']})")
        return LockTimeout(f"{msg}; gave up after {timeout:g}s", hint=hint)
