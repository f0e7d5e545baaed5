"""MySQL and MariaDB (PyMySQL).

DDL is not transactional: MySQL commits implicitly before and after ``CREATE``/``ALTER``/``DROP``, so
the runner writes a migration's history row ``dirty`` first and ``applied`` last, and a dirty
database refuses to run until ``stingerloom repair``.

The migration lock is ``GET_LOCK`` on a name derived from ``stingerloom``, the database and the
history table (named locks are server-wide, hence the database), held by the migrating connection
and released by the server when that connection ends, including when the process is killed.

URL query parameters: ``connect_timeout`` (default 10 seconds), ``unix_socket=/path`` (or
``host=/path``), ``charset`` (default utf8mb4), ``sslmode``/``ssl_mode`` (``disable``, ``require``,
``verify-ca``, ``verify-full``; MySQL's ``REQUIRED``, ``VERIFY_CA``, ``VERIFY_IDENTITY`` too) with
``ssl_ca``/``sslrootcert``, ``ssl_cert``/``sslcert``, ``ssl_key``/``sslkey``. Timestamps are stored
as UTC in ``DATETIME(6)``.
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

DEFAULT_CONNECT_TIMEOUT = 10
_NEAR = re.compile(r"near '(.*)' at line (\d+)\s*$", re.S)
_SSL_MODES = {
    "disable": None, "disabled": None, "allow": None, "prefer": None, "preferred": None,
    "require": "require", "required": "require",
    "verify-ca": "verify-ca", "verify_ca": "verify-ca",
    "verify-full": "verify-full", "verify_identity": "verify-full", "verify-identity": "verify-full",
}


class MySQLDialect(ServerDialect):
    name = "mysql"
    transactional_ddl = False  # DDL commits implicitly; the runner uses the dirty/applied protocol
    placeholder = "%s"
    _last_sql = ""

    # -- connection -----------------------------------------------------------------------------
    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``pymysql.connect`` built from the URL."""
        url = self.url
        params = dict(url.query)
        try:
            timeout = float(params.pop("connect_timeout", DEFAULT_CONNECT_TIMEOUT))
        except ValueError:
            raise InputError("connect_timeout in the database URL must be a number of seconds") from None
        kw: dict[str, Any] = {
            "user": url.user or "",
            "password": url.password or "",
            "database": url.database,
            "autocommit": True,
            # execute_then() sends a statement and its history update in one round trip.
            "client_flag": _multi_statements(),
            "charset": params.pop("charset", "utf8mb4"),
            "connect_timeout": timeout,
            # PyMySQL's connect_timeout covers only the TCP connect; bound the handshake too.
            # (Reset to no timeout once connected: a long ALTER must not time out.)
            "read_timeout": timeout,
            "write_timeout": timeout,
        }
        socket_path = params.pop("unix_socket", None) or params.pop("host", None)
        if socket_path:
            kw["unix_socket"] = socket_path
        else:
            kw["host"] = url.host or "localhost"
            kw["port"] = url.port or 3306
        ssl = self._ssl_options(params)
        if ssl is not None:
            kw["ssl"] = ssl
        if params:
            raise InputError(f"unknown MySQL URL parameter(s): {', '.join(sorted(params))}",
                             hint="supported: connect_timeout, unix_socket, charset, sslmode, ssl_ca, ssl_cert, ssl_key")
        return kw

    @staticmethod
    def _ssl_options(params: dict[str, str]) -> dict[str, Any] | None:
        raw = params.pop("sslmode", None) or params.pop("ssl_mode", None) or params.pop("ssl-mode", None)
        ca = params.pop("ssl_ca", None) or params.pop("sslrootcert", None)
        cert = params.pop("ssl_cert", None) or params.pop("sslcert", None)
        key = params.pop("ssl_key", None) or params.pop("sslkey", None)
        mode = _SSL_MODES.get((raw or "").lower(), "?") if raw else ("verify-ca" if ca else None)
        if mode == "?":
            raise InputError(f"unknown sslmode {raw!r} in the database URL",
                             hint="use disable, require, verify-ca or verify-full")
        if mode is None:
            return None
        ssl: dict[str, Any] = {"check_hostname": mode == "verify-full"}
        if ca:
            ssl["ca"] = ca
        elif mode != "require":
            raise InputError(f"sslmode={raw or mode} needs the CA certificate: add ssl_ca=/path/to/ca.pem")
        if cert:
            ssl["cert"] = cert
        if key:
            ssl["key"] = key
        return ssl

    def connect(self) -> None:
        if self.url is not None and not self.url.database:
            raise InputError(f"the MySQL URL {self.url} names no database",
                             hint="add it to the URL: mysql://user@host:3306/DATABASE")
        pymysql = require_driver("pymysql", "PyMySQL")
        kwargs = self.connect_kwargs()
        try:
            self.connection = pymysql.connect(**kwargs)
        except Exception as exc:
            # ``from None``: keep the driver's exception (and the arguments) out of tracebacks.
            raise self.connection_failed(exc) from None
        with contextlib.suppress(AttributeError):  # see connect_kwargs: no timeout after the handshake
            self.connection._read_timeout = None
            self.connection._write_timeout = None

    def connection_failed(self, exc: BaseException):
        message, _ = self.error_message(exc)
        return super().connection_failed(Exception(message))

    # -- execution and errors -------------------------------------------------------------------
    def execute(self, sql: str, params: Any = None) -> list[tuple]:
        self._last_sql = sql  # error_message() locates "near '...' at line N" in it
        return super().execute(sql, params)

    def execute_then(self, sql: str, followup: tuple[str, tuple]) -> None:
        """One round trip: ``sql`` and the history update as a multi-statement query. The server
        stops at the first error, so the update runs only when ``sql`` succeeded. The update's
        values are escaped by the driver (``connection.escape``) and the query is sent without
        client-side ``%`` interpolation, so ``%`` in the user's SQL is left alone."""
        follow_sql, params = followup
        literal = follow_sql % tuple(self.connection.escape(p) for p in params)
        self._last_sql = sql
        cur = self.connection.cursor()
        try:
            cur.execute(f"{sql};\n{literal}")
            while cur.nextset():
                pass
        finally:
            with contextlib.suppress(Exception):
                cur.close()

    def is_database_error(self, exc: BaseException) -> bool:
        try:
            import pymysql
        except ImportError:  # pragma: no cover
            return False
        return isinstance(exc, pymysql.err.DatabaseError)

    def error_message(self, exc: BaseException) -> tuple[str, int | None]:
        args = getattr(exc, "args", ())
        if len(args) >= 2 and isinstance(args[0], int):
            code, text = args[0], str(args[1])
            return self.redact(f"({code}) {text}"), _near_position(text, self._last_sql)
        return super().error_message(exc)

    # -- identifiers and history table ---------------------------------------------------------
    def quote(self, ident: str) -> str:
        return "`" + ident.replace("`", "``") + "`"

    def history_exists(self) -> bool:
        schema, table = self.split_name(self.history_table)
        rows = self.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = COALESCE(%s, DATABASE()) AND table_name = %s",
            (schema, table),
        )
        return bool(rows)

    def history_ddl(self) -> list[str]:
        q = self.quote
        return [f"""CREATE TABLE IF NOT EXISTS {self.history_ref()} (
  {q('id')} VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
  {q('description')} TEXT,
  {q('checksum')} VARCHAR(255),
  {q('down_sql')} LONGTEXT,
  {q('applied_at')} DATETIME(6) NOT NULL,
  {q('execution_ms')} BIGINT NOT NULL DEFAULT 0,
  {q('applied_by')} VARCHAR(255),
  {q('state')} VARCHAR(16) NOT NULL DEFAULT 'applied',
  {q('batch')} INT NOT NULL,
  {q('rank')} INT NOT NULL,
  {q('statements_done')} INT NOT NULL DEFAULT 0,
  {q('statements_total')} INT NOT NULL DEFAULT 0,
  {q('operation')} VARCHAR(8) NOT NULL DEFAULT 'up'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"""]

    def now(self) -> Any:
        # DATETIME has no time zone: store naive UTC (read back naive, rendered as UTC).
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

    # -- locking --------------------------------------------------------------------------------
    @property
    def lock_name(self) -> str:
        """The GET_LOCK name: at most 64 characters, as MySQL requires."""
        database = self.url.database if self.url is not None else ""
        if self.connection is not None:
            with contextlib.suppress(Exception):
                database = self.execute("SELECT DATABASE()")[0][0] or database
        name = f"stingerloom:{database}:{self.history_table}"
        if len(name) > 64:
            name = "stingerloom:" + hashlib.sha256(name.encode()).hexdigest()[:52]
        return name

    def _prepare_lock(self) -> None:
        self._held_name = self.lock_name  # the name released later, even if a migration runs USE

    def _try_lock(self) -> bool:
        return self.execute("SELECT GET_LOCK(%s, 0)", (self._held_name,))[0][0] == 1

    def _connection_usable(self) -> bool:
        return self.connection is not None and self.connection.open

    def _unlock(self) -> None:
        self.execute("SELECT RELEASE_LOCK(%s)", (self._held_name,))

    user_query = "SELECT CURRENT_USER()"

    def lock_holder(self, name: str | None = None) -> dict[str, Any] | None:
        """Connection id, user, host and time in state of the connection holding the lock."""
        rows = self.execute("SELECT IS_USED_LOCK(%s)", (name or self.lock_name,))
        if not rows or rows[0][0] is None:
            return None
        conn_id = rows[0][0]
        holder: dict[str, Any] = {"id": conn_id, "user": None, "host": None, "time": None}
        with contextlib.suppress(Exception):  # without the PROCESS privilege others are invisible
            info = self.execute(
                "SELECT user, host, time FROM information_schema.processlist WHERE id = %s", (conn_id,))
            if info:
                holder["user"], holder["host"], holder["time"] = info[0]
        return holder

    def _lock_timeout(self, timeout: float) -> LockTimeout:
        name = self._held_name
        holder = None
        with contextlib.suppress(Exception):
            holder = self.lock_holder(name)
        msg = f"another stingerloom run holds the migration lock on {self.display_url} (lock {name!r}"
        hint = "wait for it to finish, or raise --lock-timeout; the lock is released when that connection ends"
        if holder:
            msg += f", held by connection {holder['id']}"
            if holder["user"]:
                msg += f", user {holder['user']}@{holder['host']}"
            if holder["time"] is not None:
                msg += f", {holder['time']}s in its current state"
            hint += f"; if that run is stuck or gone, end it with KILL {holder['id']}"
        return LockTimeout(f"{msg}); gave up after {timeout:g}s", hint=hint)


def _near_position(message: str, sql: str) -> int | None:
    """0-based position in ``sql`` of a syntax error reported as ``near '<rest>' at line N``."""
    match = _NEAR.search(message)
    if not match or not sql:
        return None
    near, line = match.group(1), int(match.group(2))
    start = 0
    for _ in range(line - 1):
        nl = sql.find("\n", start)
        if nl < 0:
            return None
        start = nl + 1
    if not near:  # the error is at the end of the statement
        return len(sql.rstrip().rstrip(";").rstrip())
    pos = sql.find(near, start)
    return pos if pos >= 0 else None


def _multi_statements() -> int:
    from pymysql.constants import CLIENT

    return CLIENT.MULTI_STATEMENTS
