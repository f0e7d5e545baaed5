"""Private PostgreSQL and MariaDB servers for the test suite.

Each server lives in its own temporary folder (data directory, unix socket, log), listens only on
127.0.0.1 on a free port picked at start, and has a login user with a password, so that the tests
exercise URLs that carry one. Settings favour a fast start over durability (no fsync, tiny buffers).

When running as root the server processes run as the ``postgres``/``mysql`` system users (initdb
refuses root), started through ``setpriv`` with a parent-death signal: if the test process is killed
outright, the servers shut down with it. ``stop()`` (called by the session fixtures, and by ``atexit``
or on SIGTERM as a fallback) stops the server and deletes its folder; folders left by a killed run
are deleted by the next one.

``STINGERLOOM_TEST_POSTGRES_URL`` / ``STINGERLOOM_TEST_MYSQL_URL`` name existing servers to use
instead; their user must be allowed to create and drop databases.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

#: Password of the test servers' login user. It holds URL-reserved characters on purpose, so that
#: percent-encoding and redaction are exercised by every test that connects.
PASSWORD = "s3cr3t p@ss:w/rd"
USER = "stingerloom"
START_TIMEOUT = 90.0  # seconds; a loaded CI machine can be slow to run initdb


class ServerUnavailable(Exception):
    """The server's programs are not installed (tests skip, or fail when CI=true)."""


class ServerFailed(Exception):
    """The server was found but could not be set up or started (always a test error)."""


def url_for(dialect: str, host: str, port: int, database: str = "", user: str = USER,
            password: str | None = PASSWORD) -> str:
    scheme = {"postgres": "postgresql", "mysql": "mysql"}[dialect]
    auth = quote(user, safe="")
    if password is not None:
        auth += ":" + quote(password, safe="")
    return f"{scheme}://{auth}@{host}:{port}/{quote(database, safe='')}"


def url_with(url: str, **changes) -> str:
    """A server ``url`` with ``host``, ``port``, ``database``, ``password`` or ``query`` replaced."""
    from stingerloom.urls import DatabaseURL

    u = DatabaseURL.parse(url)
    out = url_for(u.dialect, changes.get("host", u.host), changes.get("port", u.port),
                  changes.get("database", u.database or ""), u.user or "", changes.get("password", u.password))
    return out + ("?" + changes["query"] if changes.get("query") else "")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class Server:
    """A started server. ``url`` is the admin URL (password included, database ``admin_db``)."""

    dialect: str
    host: str
    port: int
    user: str
    password: str | None
    admin_db: str
    startup_seconds: float = 0.0
    tempdir: str | None = None  # None for a server given by environment variable
    socket_dir: str | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)
    log_path: str | None = None

    @property
    def url(self) -> str:
        return self.url_for(self.admin_db)

    def url_for(self, database: str) -> str:
        return url_for(self.dialect, self.host, self.port, database, self.user, self.password)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path:
            return ""
        with contextlib.suppress(OSError), open(self.log_path, errors="replace") as fh:
            return "".join(fh.readlines()[-lines:])
        return ""

    def stop(self, keep_dir: bool = False) -> None:
        """Stop the server (fast shutdown, then kill) and delete its folder. Idempotent."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            # pg: SIGINT is the "fast" shutdown; mariadbd shuts down cleanly on SIGTERM.
            proc.send_signal(signal.SIGINT if self.dialect == "postgres" else signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self.tempdir and not keep_dir:
            shutil.rmtree(self.tempdir, ignore_errors=True)
            self.tempdir = None


# -- helpers ----------------------------------------------------------------------------------------
def _as_user(account: str) -> tuple[list[str], dict]:
    """Command prefix and chown target to run a server as ``account`` (only needed as root).

    ``setpriv`` execs the server in place (so our Popen is the server itself) and sets the parent
    death signal after switching user, so a SIGKILLed test run does not leave servers behind.
    """
    if os.geteuid() != 0:
        return [], {}
    try:
        pw = pwd.getpwnam(account)
    except KeyError:
        raise ServerFailed(f"running as root but there is no {account!r} system user to run the server as") from None
    if not shutil.which("setpriv"):
        raise ServerFailed("running as root but setpriv (util-linux) is missing")
    prefix = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups",
              "--pdeathsig=TERM", "--"]
    return prefix, {"uid": pw.pw_uid, "gid": pw.pw_gid}


def _make_tempdir(prefix: str, owner: dict) -> str:
    base = tempfile.gettempdir()
    # The server user must be able to reach the folder: fall back to /tmp if TMPDIR is private.
    probe = base
    while probe not in ("/", ""):
        if not os.stat(probe).st_mode & 0o001:
            base = "/tmp"
            break
        probe = os.path.dirname(probe)
    path = tempfile.mkdtemp(prefix=prefix, dir=base)
    if owner:
        os.chown(path, owner["uid"], owner["gid"])
    with open(os.path.join(path, "owner.pid"), "w") as fh:
        fh.write(str(os.getpid()))
    return path


def _remove_stale_tempdirs(prefix: str) -> None:
    """Delete folders left by earlier runs whose test process is gone (e.g. after SIGKILL)."""
    for path in glob.glob(os.path.join(tempfile.gettempdir(), prefix + "*")) + glob.glob(f"/tmp/{prefix}*"):
        try:
            with open(os.path.join(path, "owner.pid")) as fh:
                pid = int(fh.read().strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass


def _run(cmd: list[str], what: str, **kw) -> None:
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=START_TIMEOUT, **kw)
    if res.returncode != 0:
        raise ServerFailed(f"{what} failed (exit {res.returncode}):\n{res.stdout[-3000:]}")


def _wait_ready(server: Server, probe, started: float) -> None:
    deadline = started + START_TIMEOUT
    last: Exception | None = None
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise ServerFailed(f"{server.dialect} server exited with {server.process.returncode} during startup:\n"
                               + server.log_tail())
        try:
            probe()
            return
        except Exception as exc:  # not ready yet
            last = exc
            time.sleep(0.05)
    raise ServerFailed(f"{server.dialect} server not ready after {START_TIMEOUT:g}s ({last}):\n" + server.log_tail())


def _launch(dialect: str, tmp: str, admin_db: str, command_for_port, env: dict, started: float) -> Server:
    """Start the server on a free port and wait until it accepts our login.

    Another process may grab the port between picking and binding it: then retry on another one.
    """
    log_path = os.path.join(tmp, f"{dialect}.log")
    last: ServerFailed | None = None
    for _ in range(3):
        server = Server(dialect, "127.0.0.1", free_port(), USER, PASSWORD, admin_db, tempdir=tmp,
                        socket_dir=tmp, log_path=log_path)
        with open(log_path, "ab") as log:
            server.process = subprocess.Popen(command_for_port(server.port), stdin=subprocess.DEVNULL,
                                              stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp)
        try:
            _wait_ready(server, lambda s=server: admin_connect(s, connect_timeout=2).close(), time.monotonic())
        except ServerFailed as exc:
            server.stop(keep_dir=True)
            text = str(exc).lower()
            if "address already in use" in text or "could not create listen socket" in text:
                last = exc
                continue
            raise
        server.startup_seconds = time.monotonic() - started
        return server
    raise last or ServerFailed(f"could not start {dialect}")


# -- PostgreSQL -------------------------------------------------------------------------------------
def find_postgres_bindir() -> str:
    """The folder holding initdb and postgres: $PG_BINDIR, Debian's newest, or the PATH."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])

    def version(path: str) -> float:
        try:
            return float(path.split("/")[-2])
        except ValueError:
            return 0.0

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(os.path.dirname(os.path.realpath(initdb)))
    for folder in candidates:
        if all(os.access(os.path.join(folder, exe), os.X_OK) for exe in ("initdb", "postgres")):
            return folder
    raise ServerUnavailable(
        "PostgreSQL server programs (initdb, postgres) not found in /usr/lib/postgresql/*/bin or on PATH; "
        "install them with `apt-get install postgresql` (or run .ci/run), or set STINGERLOOM_TEST_POSTGRES_URL"
    )


def start_postgres() -> Server:
    bindir = find_postgres_bindir()
    prefix, owner = _as_user("postgres")
    _remove_stale_tempdirs("stingerloom-pg-")
    tmp = _make_tempdir("stingerloom-pg-", owner)
    try:
        started = time.monotonic()
        data = os.path.join(tmp, "data")
        pwfile = os.path.join(tmp, "pwfile")
        with open(pwfile, "w") as fh:
            fh.write(PASSWORD + "\n")
        if owner:
            os.chown(pwfile, owner["uid"], owner["gid"])
        os.chmod(pwfile, 0o600)
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "HOME": tmp, "TZ": "UTC"}
        _run(prefix + [os.path.join(bindir, "initdb"), "-D", data, "-U", USER, f"--pwfile={pwfile}",
                       "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C",
                       "--no-sync", "--no-instructions"],
             "initdb", env=env, cwd=tmp)
        os.unlink(pwfile)

        return _launch("postgres", tmp, "postgres", _postgres_command(prefix, bindir, data, tmp), env, started)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _postgres_command(prefix: list[str], bindir: str, data: str, tmp: str):
    def command(port: int) -> list[str]:
        return prefix + [
            os.path.join(bindir, "postgres"), "-D", data, "-p", str(port),
            "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={tmp}",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=60", "-c", "shared_buffers=32MB",
            "-c", "timezone=UTC", "-c", "log_min_messages=warning", "-c", "logging_collector=off"]

    return command


def start_postgres_standby(primary: Server) -> Server:
    """A hot standby streaming from ``primary`` (a private test server): ``pg_basebackup -R`` over
    the primary's unix socket (initdb's ``local replication`` entry), then a server on its own port."""
    if not primary.socket_dir:
        raise ServerUnavailable("a standby needs the suite's private PostgreSQL server (not one from "
                                "STINGERLOOM_TEST_POSTGRES_URL)")
    bindir = find_postgres_bindir()
    prefix, owner = _as_user("postgres")
    tmp = _make_tempdir("stingerloom-pg-", owner)
    try:
        started = time.monotonic()
        data = os.path.join(tmp, "data")
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "HOME": tmp, "TZ": "UTC"}
        _run(prefix + [os.path.join(bindir, "pg_basebackup"), "-h", primary.socket_dir, "-p", str(primary.port),
                       "-U", primary.user, "-D", data, "-R", "-X", "stream", "-c", "fast", "--no-sync"],
             "pg_basebackup", env=env, cwd=tmp)
        return _launch("postgres", tmp, "postgres", _postgres_command(prefix, bindir, data, tmp), env, started)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# -- MariaDB / MySQL --------------------------------------------------------------------------------
def find_mariadb() -> tuple[str, str]:
    """(server binary, install-db script)."""
    server = shutil.which("mariadbd") or shutil.which("mysqld") or next(
        (p for p in ("/usr/sbin/mariadbd", "/usr/sbin/mysqld") if os.access(p, os.X_OK)), None)
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    if not server or not install:
        raise ServerUnavailable(
            "MariaDB server programs (mariadbd, mariadb-install-db) not found; install them with "
            "`apt-get install mariadb-server` (or run .ci/run), or set STINGERLOOM_TEST_MYSQL_URL"
        )
    return server, install


def start_mysql() -> Server:
    mariadbd, install_db = find_mariadb()
    prefix, owner = _as_user("mysql")
    _remove_stale_tempdirs("stingerloom-my-")
    tmp = _make_tempdir("stingerloom-my-", owner)
    try:
        started = time.monotonic()
        data = os.path.join(tmp, "data")
        sock = os.path.join(tmp, "mysqld.sock")
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "HOME": tmp, "TZ": "UTC"}
        common = ["--no-defaults"]
        # Options shared by the bootstrap and the server (InnoDB sizes must match between them).
        innodb = ["--innodb-buffer-pool-size=16M", "--innodb-log-file-size=16M",
                  "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--skip-log-bin"]
        _run(prefix + [install_db, *common, f"--datadir={data}", "--skip-test-db",
                       "--auth-root-authentication-method=socket", "--skip-name-resolve",
                       "--basedir=/usr", *innodb],
             "mariadb-install-db", env=env, cwd=tmp)
        init_sql = os.path.join(tmp, "init.sql")
        with open(init_sql, "w") as fh:
            pw = PASSWORD.replace("\\", "\\\\").replace("'", "\\'")
            for host in ("127.0.0.1", "localhost"):
                fh.write(f"CREATE USER IF NOT EXISTS '{USER}'@'{host}' IDENTIFIED BY '{pw}';\n"
                         f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'{host}' WITH GRANT OPTION;\n")
        if owner:
            os.chown(init_sql, owner["uid"], owner["gid"])
        os.chmod(init_sql, 0o600)

        def command(port: int) -> list[str]:
            return prefix + [
                mariadbd, *common, f"--datadir={data}", f"--socket={sock}", f"--port={port}",
                "--bind-address=127.0.0.1", f"--pid-file={os.path.join(tmp, 'mariadbd.pid')}",
                f"--init-file={init_sql}", "--skip-name-resolve", "--default-time-zone=+00:00",
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                "--max-connections=100", "--performance-schema=OFF", *innodb, f"--tmpdir={tmp}",
                "--innodb-use-native-aio=0"]

        return _launch("mysql", tmp, "", command, env, started)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# -- from the environment -----------------------------------------------------------------------------
ENV_VARS = {"postgres": "STINGERLOOM_TEST_POSTGRES_URL", "mysql": "STINGERLOOM_TEST_MYSQL_URL"}


def server_from_env(dialect: str) -> Server | None:
    raw = os.environ.get(ENV_VARS[dialect], "").strip()
    if not raw:
        return None
    from stingerloom.urls import DatabaseURL

    url = DatabaseURL.parse(raw)
    if url.dialect != dialect:
        raise ServerFailed(f"{ENV_VARS[dialect]} is not a {dialect} URL: {url}")
    return Server(dialect, url.host or "127.0.0.1", url.port or {"postgres": 5432, "mysql": 3306}[dialect],
                  url.user or "", url.password, url.database or ("postgres" if dialect == "postgres" else ""))


_STARTED: list[Any] = []  # anything with stop(): servers, clusters


def get_server(dialect: str) -> Server:
    """The server to test ``dialect`` against: from the environment, or a new private one.

    A private server is stopped and deleted at interpreter exit at the latest.
    """
    server = server_from_env(dialect)
    if server is not None:
        return server
    server = start_postgres() if dialect == "postgres" else start_mysql()
    _STARTED.append(server)
    _cleanup_on_sigterm()
    return server


def register_for_cleanup(thing: Any) -> None:
    """Stop ``thing`` (anything with ``stop()``) at interpreter exit or SIGTERM at the latest."""
    _STARTED.append(thing)
    _cleanup_on_sigterm()


@atexit.register
def _stop_all() -> None:
    while _STARTED:
        _STARTED.pop().stop()


def _stop_all_then_die(signum: int, frame: Any) -> None:
    """SIGTERM skips atexit: clean up first, then die of the signal as before."""
    _stop_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _cleanup_on_sigterm() -> None:
    import threading

    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _stop_all_then_die)


# -- databases ----------------------------------------------------------------------------------------
def admin_connect(server: Server, connect_timeout: int = 10):
    """A driver connection (autocommit) to the server's admin database."""
    if server.dialect == "postgres":
        import psycopg

        return psycopg.connect(host=server.host, port=server.port, user=server.user, password=server.password,
                               dbname=server.admin_db or "postgres", autocommit=True,
                               connect_timeout=connect_timeout)
    import pymysql

    return pymysql.connect(host=server.host, port=server.port, user=server.user, password=server.password or "",
                           database=server.admin_db or None, autocommit=True, connect_timeout=connect_timeout)


def create_database(server: Server, name: str) -> str:
    q = '"' if server.dialect == "postgres" else "`"
    with contextlib.closing(admin_connect(server)) as conn:
        cur = conn.cursor()
        cur.execute(f"CREATE DATABASE {q}{name}{q}")
    return server.url_for(name)


def drop_database(server: Server, name: str) -> None:
    with contextlib.closing(admin_connect(server)) as conn:
        cur = conn.cursor()
        if server.dialect == "postgres":
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            # Connections left open by a test would make DROP DATABASE wait on metadata locks.
            cur.execute("SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()",
                        (name,))
            for (conn_id,) in cur.fetchall():
                with contextlib.suppress(Exception):
                    cur.execute(f"KILL {int(conn_id)}")
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


# -- MariaDB Galera cluster -----------------------------------------------------------------------------
GALERA_PROVIDERS = ("/usr/lib/galera/libgalera_smm.so", "/usr/lib/libgalera_smm.so",
                    "/usr/lib64/galera-4/libgalera_smm.so", "/usr/lib64/galera/libgalera_smm.so")
GALERA_NODES = 3


def find_galera() -> str:
    """The Galera provider library, after checking that state transfer (rsync) is possible."""
    provider = os.environ.get("STINGERLOOM_GALERA_PROVIDER") or next(
        (p for p in GALERA_PROVIDERS if os.path.exists(p)), None)
    missing = [what for what, ok in (("galera-4 (libgalera_smm.so)", provider),
                                     ("rsync", shutil.which("rsync")),
                                     ("wsrep_sst_rsync (mariadb-server)", shutil.which("wsrep_sst_rsync")))
               if not ok]
    if missing:
        raise ServerUnavailable(f"Galera cluster programs missing: {', '.join(missing)}; install them with "
                                "`apt-get install galera-4 rsync socat` (or run .ci/run)")
    return provider


@dataclass
class GaleraNode:
    """One node of a :class:`GaleraCluster`: a MariaDB server with wsrep on."""

    index: int
    server: Server
    config: str  # its option file (--defaults-file)
    ports: dict[str, int]

    @property
    def url(self) -> str:
        return self.server.url


@dataclass
class GaleraCluster:
    """A 3-node MariaDB Galera cluster on loopback, in one temp folder. ``urls`` are the nodes' admin
    URLs (no database selected); ``url_for(i, db)`` names a database on node ``i``."""

    tempdir: str
    nodes: list[GaleraNode]
    prefix: list[str]
    mariadbd: str
    env: dict
    startup_seconds: float = 0.0

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def url_for(self, index: int, database: str) -> str:
        return self.nodes[index].server.url_for(database)

    def status(self, index: int) -> dict[str, str]:
        with contextlib.closing(admin_connect(self.nodes[index].server, connect_timeout=2)) as conn:
            cur = conn.cursor()
            cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep%'")
            return {k: str(v) for k, v in cur.fetchall()}

    def kill(self, index: int) -> None:
        """SIGKILL node ``index``'s mariadbd (a crash: no clean leave from the cluster)."""
        proc = self.nodes[index].server.process
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        self.nodes[index].server.process = None

    def start_node(self, index: int, new_cluster: bool = False) -> None:
        """(Re)start node ``index``; it joins the others (IST or SST) unless ``new_cluster``."""
        node = self.nodes[index]
        cmd = self.prefix + [self.mariadbd, f"--defaults-file={node.config}"]
        if new_cluster:
            cmd.append("--wsrep-new-cluster")
        with open(node.server.log_path, "ab") as log:
            node.server.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                                   stderr=subprocess.STDOUT, env=self.env, cwd=self.tempdir)

    def wait_synced(self, indexes: list[int] | None = None, size: int | None = None,
                    timeout: float = START_TIMEOUT) -> None:
        """Wait until every node in ``indexes`` accepts our login, is ready, synced, in the primary
        component, and sees a cluster of ``size`` nodes (default: all of them)."""
        indexes = list(range(len(self.nodes))) if indexes is None else indexes
        size = len(indexes) if size is None else size
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            for i in indexes:
                proc = self.nodes[i].server.process
                if proc is not None and proc.poll() is not None:
                    raise ServerFailed(f"galera node {i + 1} exited with {proc.returncode}:\n"
                                       + self.nodes[i].server.log_tail(40))
            try:
                states = [self.status(i) for i in indexes]
            except Exception as exc:  # not accepting connections yet
                last = exc
                time.sleep(0.1)
                continue
            last = [(s.get("wsrep_cluster_size"), s.get("wsrep_ready"), s.get("wsrep_local_state_comment"))
                    for s in states]
            if all(s.get("wsrep_cluster_size") == str(size) and s.get("wsrep_ready") == "ON"
                   and s.get("wsrep_cluster_status") == "Primary" and s.get("wsrep_local_state_comment") == "Synced"
                   for s in states):
                return
            time.sleep(0.1)
        tails = "\n".join(f"-- node {i + 1}:\n" + self.nodes[i].server.log_tail(15) for i in indexes)
        raise ServerFailed(f"galera cluster not synced after {timeout:g}s ({last}):\n{tails}")

    def stop(self) -> None:
        """Stop every node (the last one standing last) and delete the folder. Idempotent."""
        for node in reversed(self.nodes):
            node.server.stop(keep_dir=True)
        if self.tempdir:
            shutil.rmtree(self.tempdir, ignore_errors=True)
            self.tempdir = ""


def _galera_config(tmp: str, index: int, ports: list[dict[str, int]], provider: str, init_sql: str) -> str:
    me = ports[index]
    folder = os.path.join(tmp, f"node{index + 1}")
    peers = ",".join(f"127.0.0.1:{p['wsrep']}" for p in ports)
    # Short failure-detection timeouts: a killed node leaves the component in about 3 s, not 15.
    provider_options = ";".join([
        "base_host=127.0.0.1", f"base_port={me['wsrep']}", f"gmcast.listen_addr=tcp://127.0.0.1:{me['wsrep']}",
        f"ist.recv_addr=127.0.0.1:{me['ist']}", "gcache.size=32M", "gcache.page_size=16M",
        "evs.suspect_timeout=PT2S", "evs.inactive_timeout=PT3S", "evs.install_timeout=PT3S",
        "evs.keepalive_period=PT0.5S", "evs.inactive_check_period=PT0.5S", "pc.wait_prim_timeout=PT10S",
    ])
    lines = [
        "[mysqld]",
        f"datadir={os.path.join(folder, 'data')}",
        f"socket={os.path.join(folder, 'mysqld.sock')}",
        f"pid-file={os.path.join(folder, 'mariadbd.pid')}",
        f"port={me['mysql']}",
        "bind-address=127.0.0.1",
        f"tmpdir={folder}",
        "skip-name-resolve",
        "default-time-zone=+00:00",
        "character-set-server=utf8mb4",
        "collation-server=utf8mb4_unicode_ci",
        "max-connections=100",
        "performance-schema=OFF",
        "innodb-buffer-pool-size=16M",
        "innodb-log-file-size=16M",
        "innodb-flush-log-at-trx-commit=0",
        "innodb-doublewrite=0",
        "innodb-use-native-aio=0",
        "innodb-autoinc-lock-mode=2",
        "binlog-format=ROW",
        "skip-log-bin",
        "wsrep-on=ON",
        f"wsrep-provider={provider}",
        f"wsrep-provider-options={provider_options}",
        f"wsrep-cluster-address=gcomm://{peers}",
        "wsrep-cluster-name=stingerloom-test",
        f"wsrep-node-name=node{index + 1}",
        f"wsrep-node-address=127.0.0.1:{me['wsrep']}",
        f"wsrep-node-incoming-address=127.0.0.1:{me['mysql']}",
        "wsrep-sst-method=rsync",
        f"wsrep-sst-receive-address=127.0.0.1:{me['sst']}",
        "wsrep-slave-threads=2",
    ]
    if index == 0:
        lines.append(f"init-file={init_sql}")
    path = os.path.join(folder, "my.cnf")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def _distinct_free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def start_galera_cluster(nodes: int = GALERA_NODES) -> GaleraCluster:
    """A fresh ``nodes``-node Galera cluster: node 1 bootstraps it (``--wsrep-new-cluster``), the
    others join it with an rsync state transfer; returns once all are synced in one primary component.
    Another process may grab one of the 4 ports per node between picking and binding: then start over."""
    for attempt in range(3):
        try:
            return _start_galera_cluster(nodes)
        except ServerFailed as exc:
            if attempt == 2 or "already in use" not in str(exc).lower():
                raise
    raise AssertionError("unreachable")


def _start_galera_cluster(nodes: int) -> GaleraCluster:
    provider = find_galera()
    mariadbd, install_db = find_mariadb()
    prefix, owner = _as_user("mysql")
    _remove_stale_tempdirs("stingerloom-galera-")
    tmp = _make_tempdir("stingerloom-galera-", owner)
    cluster: GaleraCluster | None = None
    try:
        started = time.monotonic()
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "HOME": tmp, "TZ": "UTC",
               "PATH": os.environ.get("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin"}
        free = _distinct_free_ports(4 * nodes)
        ports = [dict(zip(("mysql", "wsrep", "ist", "sst"), free[4 * i: 4 * i + 4])) for i in range(nodes)]
        for i in range(nodes):
            for folder in (f"node{i + 1}", f"node{i + 1}/data"):
                os.mkdir(os.path.join(tmp, folder))
                if owner:
                    os.chown(os.path.join(tmp, folder), owner["uid"], owner["gid"])
        init_sql = os.path.join(tmp, "init.sql")
        with open(init_sql, "w") as fh:
            pw = PASSWORD.replace("\\", "\\\\").replace("'", "\\'")
            for host in ("127.0.0.1", "localhost"):
                fh.write(f"CREATE USER IF NOT EXISTS '{USER}'@'{host}' IDENTIFIED BY '{pw}';\n"
                         f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'{host}' WITH GRANT OPTION;\n")
        if owner:
            os.chown(init_sql, owner["uid"], owner["gid"])
        os.chmod(init_sql, 0o600)
        configs = [_galera_config(tmp, i, ports, provider, init_sql) for i in range(nodes)]
        # Only the first node needs system tables: the others receive its data by state transfer.
        _run(prefix + [install_db, f"--defaults-file={configs[0]}", "--skip-test-db",
                       "--auth-root-authentication-method=socket", "--basedir=/usr", "--wsrep-on=OFF"],
             "mariadb-install-db", env=env, cwd=tmp)
        members = []
        for i in range(nodes):
            folder = os.path.join(tmp, f"node{i + 1}")
            server = Server("mysql", "127.0.0.1", ports[i]["mysql"], USER, PASSWORD, "", tempdir=None,
                            socket_dir=folder, log_path=os.path.join(folder, "mariadbd.log"))
            members.append(GaleraNode(i, server, configs[i], ports[i]))
        cluster = GaleraCluster(tmp, members, prefix, mariadbd, env)
        cluster.start_node(0, new_cluster=True)
        cluster.wait_synced([0])
        for i in range(1, nodes):
            cluster.start_node(i)
        cluster.wait_synced()
        cluster.startup_seconds = time.monotonic() - started
        return cluster
    except BaseException:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
