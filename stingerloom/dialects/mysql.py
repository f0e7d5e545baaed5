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
import math
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
    _current_schema_sql = "SELECT DATABASE()"
    name = "mysql"
    transactional_ddl = False  # DDL commits implicitly; the runner uses the dirty/applied protocol
    placeholder = "%s"
    _last_sql = ""
    _last_followup = ""  # the history UPDATE sent with the last statement (execute_then)

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
        if self.lock_wait is not None:  # --lock-timeout bounds every wait (metadata and row locks)
            wait = max(1, math.ceil(self.lock_wait))
            self.execute("SET SESSION lock_wait_timeout = %s, innodb_lock_wait_timeout = %s", (wait, wait))
        self._resolve_history_table()

    def connection_failed(self, exc: BaseException):
        message, _ = self.error_message(exc)
        return super().connection_failed(Exception(message))

    # -- execution and errors -------------------------------------------------------------------
    def execute(self, sql: str, params: Any = None) -> list[tuple]:
        self._last_sql = sql  # error_message() locates "near '...' at line N" in it
        self._last_followup = ""
        return super().execute(sql, params)

    def execute_then(self, sql: str, followup: tuple[str, tuple]) -> None:
        """One round trip: ``sql`` and the history update as a multi-statement query. The server
        stops at the first error, so the update runs only when ``sql`` succeeded. The update's
        values are escaped by the driver (``connection.escape``) and the query is sent without
        client-side ``%`` interpolation, so ``%`` in the user's SQL is left alone."""
        follow_sql, params = followup
        literal = follow_sql % tuple(self.connection.escape(p) for p in params)
        self._last_sql = sql
        self._last_followup = literal
        cur = self.connection.cursor()
        try:
            cur.execute(f"{sql};\n{literal}")
            while cur.nextset():
                pass
        finally:
            with contextlib.suppress(Exception):
                cur.close()

    def all_transactional(self, tables: list[str]) -> bool:
        """Every table exists now with a transactional engine (InnoDB...): an unknown table, a
        table created earlier in the same run or a MyISAM/Aria/MEMORY one means no."""
        if not tables:
            return False
        engines = {}
        for name in tables:
            schema, table = self.split_name(name)
            rows = self.execute("SELECT ENGINE FROM information_schema.tables WHERE table_schema = "
                                "COALESCE(%s, DATABASE()) AND table_name = %s", (schema, table))
            engines[name] = (rows[0][0] or "").upper() if rows else ""
        return all(e in _TRANSACTIONAL_ENGINES for e in engines.values())

    def table_lock_holder(self) -> str:
        rows = self.execute(
            "SELECT id, user, host, command, time FROM information_schema.processlist "
            "WHERE id <> CONNECTION_ID() AND db = DATABASE() AND command <> 'Daemon' ORDER BY time DESC LIMIT 3")
        if not rows:
            return ""
        return "; ".join(f"connection {i}, user {u}@{h}, {c} for {t}s" for i, u, h, c, t in rows) + (
            "; one of these holds it (e.g. LOCK TABLES): end it with KILL <id>")

    def usable(self) -> bool:
        return self._connection_usable()

    def abandon(self) -> None:
        """Close without a goodbye (the old connection may be mid-reply), then end the old session
        on the server from a new one, so that a statement it still runs stops now."""
        old = None
        if self.connection is not None:
            with contextlib.suppress(Exception):
                old = self.connection.thread_id()
            with contextlib.suppress(Exception):
                self.connection._force_close()
            self.connection = None
        self._abandoned = old

    def recover(self, interrupted: bool = False) -> None:
        super().recover(interrupted)
        old = getattr(self, "_abandoned", None)
        if old:
            self._abandoned = None
            with contextlib.suppress(Exception):
                self.execute(f"KILL CONNECTION {int(old)}")

    def fault_kind(self, exc: BaseException) -> str | None:
        args = getattr(exc, "args", ())
        code = args[0] if args and isinstance(args[0], int) else None
        if code in _CODES:
            return _CODES[code]
        try:
            import pymysql
        except ImportError:  # pragma: no cover
            return super().fault_kind(exc)
        if isinstance(exc, pymysql.err.InterfaceError) or (
                isinstance(exc, pymysql.err.OperationalError) and not self._connection_usable()):
            return "connection"  # PyMySQL's InterfaceError(0, '') is a connection already gone
        return super().fault_kind(exc)

    def is_database_error(self, exc: BaseException) -> bool:
        try:
            import pymysql
        except ImportError:  # pragma: no cover
            return False
        return isinstance(exc, pymysql.err.DatabaseError)

    def error_message(self, exc: BaseException) -> tuple[str, int | None]:
        args = getattr(exc, "args", ())
        if len(args) >= 2 and isinstance(args[0], int):
            code, text = args[0], _without(str(args[1]), self._last_followup)
            return self.redact(f"({code}) {text}"), _near_position(text, self._last_sql)
        return super().error_message(exc)

    # -- identifiers and history table ---------------------------------------------------------
    def quote(self, ident: str) -> str:
        return "`" + ident.replace("`", "``") + "`"

    def history_exists(self) -> bool:
        schema, table = self.split_name(self.history_name)
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
        name = f"stingerloom:{database}:{self.history_name}"
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


_TRANSACTIONAL_ENGINES = {"INNODB", "XTRADB", "ROCKSDB", "TOKUDB", "NDBCLUSTER", "NDB"}
_CODES = {
    2006: "connection", 2013: "connection", 2003: "connection", 2055: "connection", 1927: "connection",
    4031: "connection", 1053: "connection", 2014: "connection",
    1044: "permission", 1142: "permission", 1143: "permission", 1227: "permission", 1370: "permission",
    1410: "permission", 1290: "read_only", 1836: "read_only", 1792: "read_only",
    1021: "disk_full", 1114: "disk_full", 1205: "lock_timeout", 1213: "deadlock",
    1062: "duplicate", 1586: "duplicate",
}


def _without(message: str, followup: str) -> str:
    """``message`` without the tool's own bookkeeping UPDATE, which MySQL may quote in ``near '…'``."""
    match = _NEAR.search(message)
    if not followup or not match:
        return message
    near = match.group(1)
    cut = near.find(followup[:24])
    if cut < 0:
        return message
    near = near[:cut].rstrip().rstrip(";").rstrip()
    return message[:match.start()] + f"near '{near}' at line {match.group(2)}"


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
