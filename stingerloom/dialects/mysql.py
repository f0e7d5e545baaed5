"""MySQL and MariaDB (PyMySQL).

DDL is not transactional: MySQL commits implicitly before and after ``CREATE``/``ALTER``/``DROP``, so
the runner writes a migration's history row ``dirty`` first and ``applied`` last, and a dirty
database refuses to run until ``stingerloom repair``.

The migration lock is ``GET_LOCK`` on a name derived from ``stingerloom``, the database and the
history table (named locks are server-wide, hence the database), held by the migrating connection
and released by the server when that connection ends, including when the process is killed.

On MariaDB Galera (``wsrep_on``) ``GET_LOCK`` is node-local, so the lock is a replicated row instead
(``stingerloom.dialects.lockrow``); a node that is not ready, not synced or outside the primary
component is refused at connect; reads wait for the cluster (``wsrep_sync_wait``); and once a
migration changes the session (``wsrep_on``, ``sql_log_bin``, ``autocommit``, ``LOCK TABLES``), the
tool's own writes go through a second connection that it did not touch.

URL query parameters: ``lock_lease`` (Galera lock row lease, default 60 seconds), ``connect_timeout``
(default 10 seconds), ``unix_socket=/path`` (or ``host=/path``), ``charset`` (default utf8mb4), ``sslmode``/``ssl_mode`` (``disable``, ``require``,
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
from typing import Any, Iterator

from ..errors import InputError, LockTimeout
from ._server import ServerDialect
from .base import require_driver

DEFAULT_CONNECT_TIMEOUT = 10
_NEAR = re.compile(r"near '(.*)' at line (\d+)\s*$", re.S)
#: Statements that change what the session's writes do: after one, bookkeeping uses another connection.
_SESSION_CHANGE = re.compile(
    r"(?is)\bSET\b.*\b(?:wsrep_on|sql_log_bin|autocommit|wsrep_osu_method|tx_read_only|transaction_read_only"
    r"|READ\s+ONLY)\b|\bLOCK\s+TABLES?\b")
#: Session variables a migration may change with ``SET``, put back after each migration (see
#: ``reset_session``). Not wsrep_on, sql_log_bin, wsrep_OSU_method or autocommit: those last for
#: the run, their bookkeeping going through a second connection (README: Galera).
_RESTORED = ("sql_mode", "time_zone", "foreign_key_checks", "unique_checks", "sql_safe_updates",
             "max_statement_time", "max_execution_time", "lock_wait_timeout", "innodb_lock_wait_timeout",
             "tx_read_only", "transaction_read_only", "tx_isolation", "transaction_isolation",
             "character_set_client", "character_set_connection", "character_set_results",
             "collation_connection", "default_storage_engine", "sql_select_limit")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
#: Galera status a node must show to be used: ready, synced, in the primary component.
_GALERA_READY = {"wsrep_ready": "ON", "wsrep_cluster_status": "Primary", "wsrep_local_state_comment": "Synced"}
_SSL_MODES = {
    "disable": None, "disabled": None, "allow": None, "prefer": None, "preferred": None,
    "require": "require", "required": "require",
    "verify-ca": "verify-ca", "verify_ca": "verify-ca",
    "verify-full": "verify-full", "verify_identity": "verify-full", "verify-identity": "verify-full",
}


class MySQLDialect(ServerDialect):
    _current_schema_sql = "SELECT DATABASE()"
    name = "mysql"
    skip_existing = "INSERT IGNORE"  # how a statement skips rows whose key exists
    transactional_ddl = False  # DDL commits implicitly; the runner uses the dirty/applied protocol
    placeholder = "%s"
    _last_sql = ""
    _last_followup = ""  # the history UPDATE sent with the last statement (execute_then)
    #: MariaDB Galera with wsrep on: the lock is a replicated row (see ``lockrow``)
    galera = False
    now_sql = "UTC_TIMESTAMP(6)"
    _lock_row: Any = None
    _lease: float | None = None
    _session_changed = False  # a migration statement changed wsrep_on, sql_log_bin, autocommit, read-only, LOCK TABLES
    _in_transaction = False
    _tables_locked = False  # a migration ran LOCK TABLES since the last reset_session
    _defaults: list = []  # (name, value) of the _RESTORED session variables at connect
    _database: str | None = None
    _side: Any = None  # the bookkeeping connection, opened once the session was changed

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
        lease = params.pop("lock_lease", None)
        if lease is not None:
            try:
                self._lease = float(lease)
            except ValueError:
                raise InputError("lock_lease in the database URL must be a number of seconds") from None
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
                             hint="supported: connect_timeout, lock_lease, unix_socket, charset, sslmode, ssl_ca, ssl_cert, ssl_key")
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
            # sendall's timeout bounds the whole statement: a 50 MB seed INSERT over a 20 Mbit/s link
            # needs 20 s, so the connect timeout must not stay on writes either
            self.connection._write_timeout = None
        if self.lock_wait is not None:  # --lock-timeout bounds every wait (metadata and row locks)
            wait = max(1, math.ceil(self.lock_wait))
            self.execute("SET SESSION lock_wait_timeout = %s, innodb_lock_wait_timeout = %s", (wait, wait))
        if self.read_only:  # planning a dry run or a script: this session writes nothing
            self.execute("SET SESSION TRANSACTION READ ONLY")
        self._resolve_history_table()
        self._session_changed = self._in_transaction = False  # a new session: no migration touched it
        names = ", ".join(f"'{n}'" for n in _RESTORED)
        self._defaults = [(str(k).lower(), v) for k, v in self.execute(
            f"SHOW SESSION VARIABLES WHERE Variable_name IN ({names})")]
        self._database = self.execute("SELECT DATABASE()")[0][0]
        self._check_cluster()

    # -- Galera ---------------------------------------------------------------------------------
    def _check_cluster(self) -> None:
        """On a Galera node (wsrep on): refuse a node that is not ready, synced and in the primary
        component, and make reads wait until the node has applied what the cluster committed."""
        rows = self.execute("SHOW VARIABLES LIKE 'wsrep_on'")
        if not rows or str(rows[0][1]).upper() != "ON":
            return
        names = ", ".join(f"'{n}'" for n in (*_GALERA_READY, "wsrep_cluster_size"))
        status = {str(k).lower(): str(v) for k, v in self.execute(f"SHOW STATUS WHERE Variable_name IN ({names})")}
        wrong = [f"{k}={status.get(k, '?')}" for k, want in _GALERA_READY.items() if status.get(k) != want]
        if wrong:
            self.close()
            raise InputError(
                f"refusing {self.display_url}: this Galera node is not ready to take writes ({', '.join(wrong)}; "
                "it must be ready, Synced and in the Primary component)",
                hint="connect to another node of the cluster (SHOW STATUS LIKE 'wsrep_%' tells), or wait until "
                     "this one has rejoined and synced")
        self.galera = True
        self.execute("SET SESSION wsrep_sync_wait = 15")

    def where_to_ask_after_loss(self) -> str:
        if self.galera:  # the other nodes hold the same history, synchronously replicated
            return "against another node of the Galera cluster (or this one once it is back)"
        return super().where_to_ask_after_loss()

    def open_side_connection(self) -> Any:
        """A second connection to the same database (autocommit, causal reads on Galera)."""
        import pymysql

        try:
            conn = pymysql.connect(**self.connect_kwargs())
        except Exception as exc:
            raise self.connection_failed(exc) from None
        if self.galera:
            with conn.cursor() as cur:
                cur.execute("SET SESSION wsrep_sync_wait = 15")
        return conn

    def bookkeep(self, sql: str, params: Any = None) -> int:
        """The tool's own writes. Once a migration changed the session (e.g. ``wsrep_on=OFF``, which
        would keep them off the other nodes, or ``LOCK TABLES``), outside a transaction they go
        through a second, untouched connection."""
        self._check_still_locked()
        if not (self._session_changed and not self._in_transaction):
            return self.execute_count(sql, params)
        if self._side is None:
            self._side = self.open_side_connection()
        self._last_sql = sql
        with self._side.cursor() as cur:
            cur.execute(sql, params)
            return cur.rowcount

    def _check_still_locked(self) -> None:
        """Stop before writing anything once the lock row was taken over (see ``LockRow.still_held``)."""
        if self._lock_row is not None and not self._lock_row.still_held():
            raise LockTimeout(
                f"this run lost the migration lock on {self.display_url}: its lease expired (no heartbeat "
                f"for {self._lock_row.lease:g}s) and another run took it over; stopped before its next statement "
                "or history write",
                hint="run `stingerloom status` against another node, settle any dirty migration with "
                     "`stingerloom repair`, and raise lock_lease= in the URL if a statement blocks the cluster longer")

    def reset_session(self) -> None:
        """Put back the session variables a migration's ``SET`` may have changed (``_RESTORED``, as
        they were at connect) and the URL's database after a ``USE``, and release its ``LOCK TABLES``. Inside a transaction (a
        DML-only migration: no ``SET`` ran) there is nothing to undo."""
        if self._in_transaction or not self._defaults:
            return
        if self._tables_locked:  # a LOCK TABLES the migration left: the next one would fail on any other table
            self.execute("UNLOCK TABLES")
            self._tables_locked = False
        values = [None if v in ("", None) and k == "character_set_results" else
                  (float(v) if "." in v else int(v)) if _NUMBER.fullmatch(str(v)) else v
                  for k, v in self._defaults]
        self.execute("SET SESSION " + ", ".join(f"{k} = %s" for k, _ in self._defaults), values)
        if self._database and self.execute("SELECT DATABASE()")[0][0] != self._database:
            self.execute(f"USE {self.quote(self._database)}")

    def begin(self) -> None:
        super().begin()
        self._in_transaction = True

    def commit(self) -> None:
        self._in_transaction = False
        super().commit()

    def rollback(self) -> None:
        self._in_transaction = False
        super().rollback()

    def close(self) -> None:
        side, self._side = self._side, None
        if side is not None:
            with contextlib.suppress(Exception):
                side.close()
        super().close()


    bookkeeping_types = ("VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "VARCHAR(255)", "LONGTEXT",
                         "BIGINT", "DATETIME(6)")
    # a transactional engine and full Unicode whatever the server's defaults
    bookkeeping_table_options = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"

    def lock_row_ddl(self, ref: str) -> str:
        q = self.quote
        return f"""CREATE TABLE IF NOT EXISTS {ref} (
  {q('name')} VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
  {q('owner')} CHAR(36) NOT NULL,
  {q('host')} VARCHAR(255),
  {q('pid')} INT,
  {q('acquired')} DATETIME(6) NOT NULL,
  {q('heartbeat')} DATETIME(6) NOT NULL,
  {q('expires')} DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"""

    def lock_row_expiry_sql(self, lease: float) -> str:
        return f"{self.now_sql} + INTERVAL {int(round(lease * 1000))} * 1000 MICROSECOND"

    def connection_failed(self, exc: BaseException):
        message, _ = self.error_message(exc)
        return super().connection_failed(Exception(message))

    # -- execution and errors -------------------------------------------------------------------
    def execute(self, sql: str, params: Any = None) -> list[tuple]:
        self._last_sql = sql  # error_message() locates "near '...' at line N" in it
        self._last_followup = ""
        if not self._session_changed and _SESSION_CHANGE.search(sql):
            self._session_changed = True
        if sql[:4].upper() == "LOCK":
            self._tables_locked = True
        return super().execute(sql, params)

    def execute_then(self, sql: str, followup: tuple[str, tuple]) -> None:
        """One round trip: ``sql`` and the history update as a multi-statement query. The server
        stops at the first error, so the update runs only when ``sql`` succeeded. The update's
        values are escaped by the driver (``connection.escape``) and the query is sent without
        client-side ``%`` interpolation, so ``%`` in the user's SQL is left alone."""
        self._check_still_locked()
        if self._session_changed or _SESSION_CHANGE.search(sql):
            self.execute(sql)  # the history update must not share the session this statement changed
            self.bookkeep(*followup)
            return
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
                isinstance(exc, pymysql.err.OperationalError) and not self._connection_usable()
                and not (code and code not in _DISCONNECTS and (1000 <= code < 2000 or code >= 3000))):
            # (the server's own error about a statement, e.g. 1054 unknown column, is not a lost
            # connection, even when the session has been closed since)
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
            message = self.redact(f"({code}) {text}")
            if self.galera and code in _GALERA_NOTES:
                message += f" [{_GALERA_NOTES[code]}]"
            return message, _near_position(text, self._last_sql)
        return super().error_message(exc)

    # -- identifiers and history table ---------------------------------------------------------
    def quote(self, ident: str) -> str:
        return "`" + ident.replace("`", "``") + "`"

    def history_exists(self) -> bool:
        return self.table_exists(self.history_name)

    def table_exists(self, name: str) -> bool:
        schema, table = self.split_name(name)
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

    # -- scripts --------------------------------------------------------------------------------
    script_client = "mariadb DATABASE < FILE (or mysql; it stops at the first error)"
    script_begin = "START TRANSACTION"
    script_delimiter_blocks = True  # the mariadb/mysql client splits at every ; outside DELIMITER
    script_database_sql = "DATABASE()"

    def _text_literal(self, text: str) -> str:
        """Plain ``'...'`` when the text has no backslash and no control character other than tab,
        newline and carriage return; else a hex literal converted to utf8mb4, which means the same
        bytes whatever ``sql_mode`` (``NO_BACKSLASH_ESCAPES``) says."""
        if "\\" in text or any(ord(c) < 32 and c not in "\t\n\r" for c in text):
            return f"CONVERT(X'{text.encode('utf-8').hex()}' USING utf8mb4)"
        return "'" + text.replace("'", "''") + "'"

    def script_preamble(self) -> list[str]:
        return ["SET NAMES utf8mb4;",
                "CREATE TEMPORARY TABLE `stingerloom_guard` (`problem` VARCHAR(255) NOT NULL PRIMARY KEY) "
                "DEFAULT CHARSET=utf8mb4;"]

    def script_session_reset(self) -> list[str]:
        """As :meth:`reset_session`, in SQL a client runs: release a leftover ``LOCK TABLES``, the
        restored session variables back to the server's defaults (the ones this server has, read
        when the script was planned; the character set ones by the preamble's ``SET NAMES``), and the
        URL's database after a ``USE``."""
        names = [k for k, _ in self._defaults if not k.startswith(("character_set", "collation"))]
        out = ["UNLOCK TABLES;"]
        if names:
            out.append("SET SESSION " + ", ".join(f"{k} = DEFAULT" for k in names) + ";")
        out.append("SET NAMES utf8mb4;")
        if self._database:
            out.append(f"USE {self.quote(self._database)};")
        return out

    def script_lock(self) -> tuple[list[str], list[str]]:
        if self.galera:  # the lock is a row with a lease that the tool keeps alive: no client can
            raise InputError(
                f"--script cannot take the migration lock of the Galera cluster at {self.display_url}: it is a "
                "replicated row whose lease the tool renews while it runs, which a SQL script cannot do",
                hint="run apply or rollback with stingerloom itself on a Galera cluster")
        name = self.sql_literal(self.lock_name)
        # -1: wait as long as it takes, like the tool with no --lock-timeout limit
        return [f"DO GET_LOCK({name}, -1)"], [f"DO RELEASE_LOCK({name})"]

    def script_now(self) -> str:
        return self.now_sql

    def script_applied_by(self, written_by: str) -> str:
        return f"LEFT(CONCAT({self.sql_literal(f'script by {written_by}, run as ')}, CURRENT_USER()), 255)"

    def script_guard(self, number: int, refused_when: str, message: str) -> list[str]:
        """MySQL has no anonymous blocks to raise an error from: the message is inserted twice into a
        temporary table's primary key when the condition holds, so the client stops on
        ``Duplicate entry '<message>'``."""
        msg = self.sql_literal(message[:255])
        return [f"INSERT INTO `stingerloom_guard` (`problem`) SELECT {msg} FROM DUAL WHERE {refused_when} "
                f"UNION ALL SELECT {msg} FROM DUAL"]

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
        if self.galera:
            self._lock_row = self._new_lock_row()

    def _new_lock_row(self):
        from .lockrow import DEFAULT_LEASE, LockRow

        return LockRow(self, self.history_table + "_lock", "migrations", self._lease or DEFAULT_LEASE)

    def lock_holder_text(self) -> str | None:
        """On Galera the lock row's live holder (an expired row belongs to a run that is gone)."""
        if not self.galera:
            return super().lock_holder_text()
        row = self._new_lock_row()
        try:
            holder = row.holder()
        except Exception as exc:  # no lock table yet: nobody ever held the lock here
            if self.is_database_error(exc):
                return None
            raise
        if holder is None or holder["expired"]:
            return None
        return f"pid {holder['pid']} on host {holder['host']}, lock row since {holder['acquired']}"

    def _try_lock(self) -> bool:
        if self._lock_row is not None:
            if not self._lock_row.try_acquire():
                return False
            try:
                self._lock_row.start_heartbeat()
            except BaseException:
                with contextlib.suppress(Exception):  # do not leave the row held until its lease expires
                    self._lock_row.release()
                self._lock_row = None
                raise
            return True
        return self.execute("SELECT GET_LOCK(%s, 0)", (self._held_name,))[0][0] == 1

    def _connection_usable(self) -> bool:
        return self.connection is not None and self.connection.open

    @contextlib.contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        try:
            with super().lock(timeout):
                yield
        finally:
            if not self._lock_depth and self._lock_row is not None:
                # not released (the connection broke, or the lock was never taken): stop the
                # heartbeat, so that the row's lease runs out and the next run can take it over
                row, self._lock_row = self._lock_row, None
                row.stop_heartbeat()

    def _unlock(self) -> None:
        row, self._lock_row = self._lock_row, None
        if row is not None:
            row.release()
            return
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
        if self._lock_row is not None:
            row, self._lock_row = self._lock_row, None
            holder = None
            with contextlib.suppress(Exception):
                holder = row.holder()
            return LockTimeout(
                f"another stingerloom run holds the migration lock on {self.display_url} (lock row "
                f"{row.table}: {row.describe_holder(holder)}); gave up after {timeout:g}s",
                hint="wait for it to finish, or raise --lock-timeout; if that run crashed, its lock is taken over "
                     f"automatically once its lease ({row.lease:g}s after the last heartbeat) has expired")
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
#: server errors that mean the session is gone (the client's own are 2000-2999)
_DISCONNECTS = frozenset({1047, 1152, 1158, 1159, 1160, 1161})

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


#: What a MySQL error means on a Galera node, added to its message.
_GALERA_NOTES = {
    1213: "on Galera this is a certification conflict: another node committed a change to the same rows "
          "first; run the command again",
    1047: "this Galera node left the primary component mid-run; run `stingerloom status` against another node",
    1180: "on Galera the commit failed certification; run the command again",
    2006: "the Galera node went away; what it was running may have taken effect on the other nodes: "
          "run `stingerloom status` against another node",
    2013: "the Galera node went away mid-statement; the statement may have taken effect on the other nodes: "
          "run `stingerloom status` against another node",
}


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
