"""Shared fixtures: real database servers and fresh databases.

- ``postgres_server`` / ``mysql_server`` (session): a ``tests.servers.Server`` whose ``.url`` is the admin
  URL (with password). Started on first use only, once per session, stopped and deleted at the end.
  ``STINGERLOOM_TEST_POSTGRES_URL`` / ``STINGERLOOM_TEST_MYSQL_URL`` point them at existing servers.
  Missing server programs skip the test, or fail it when ``CI=true``.
- ``fresh_database(dialect) -> url``: a new empty database per call (``sqlite``, ``postgres``, ``mysql``),
  dropped after the test.
- ``db_url``: parametrized over sqlite, postgres and mysql (marks ``postgres``/``mysql``); a fresh URL.
- ``lock_holder_process(url)``: another process holding the migration lock on ``url``.
- ``connect_failure(url) -> ConnectionFailed``: asserts that connecting fails cleanly, password unseen.
- ``galera_cluster`` (session): a 3-node MariaDB Galera cluster on loopback (``tests.servers.GaleraCluster``,
  ``.urls`` the nodes' admin URLs); skipped when galera-4/rsync are missing, failed when ``CI=true``.
- ``postgres_standby`` (module): a hot standby streaming from ``postgres_server`` (``pg_basebackup -R``).
- ``galera_database() -> [url of node 1, node 2, node 3]``: a new database on the cluster, dropped after.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import uuid
from typing import Any, Callable, Iterator

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import servers  # noqa: E402  (tests/servers.py, importable without tests/ being a package)

DIALECTS = ("sqlite", "postgres", "mysql")


@pytest.fixture(autouse=True, scope="session")
def _private_manifest_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the manifest cache of every test (and CLI process it starts) out of ~/.cache."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _server(dialect: str) -> Iterator[servers.Server]:
    try:
        server = servers.get_server(dialect)
    except servers.ServerUnavailable as exc:
        if _in_ci():
            pytest.fail(f"CI=true but the {dialect} test server is unavailable: {exc}", pytrace=False)
        pytest.skip(str(exc))
    except servers.ServerFailed as exc:
        pytest.fail(f"the {dialect} test server did not start: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()  # a server from the environment has no process or folder: nothing happens


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[servers.Server]:
    """The PostgreSQL test server (``.url``: admin URL, database ``postgres``)."""
    yield from _server("postgres")


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[servers.Server]:
    """The MariaDB/MySQL test server (``.url``: admin URL, no database selected)."""
    yield from _server("mysql")


def _started(what: str, start: Callable[[], Any]) -> Iterator[Any]:
    """Yield ``start()`` (stopped at the end, or at exit at the latest). Missing programs skip the
    test, or fail it when ``CI=true``."""
    try:
        thing = start()
    except servers.ServerUnavailable as exc:
        if _in_ci():
            pytest.fail(f"CI=true but {what} is unavailable: {exc}", pytrace=False)
        pytest.skip(str(exc))
    except servers.ServerFailed as exc:
        pytest.fail(f"{what} did not start: {exc}", pytrace=False)
    servers.register_for_cleanup(thing)
    try:
        yield thing
    finally:
        thing.stop()


@pytest.fixture(scope="module")
def postgres_standby(postgres_server: servers.Server) -> Iterator[servers.Server]:
    """A read-only hot standby of the PostgreSQL test server (same databases, users and passwords)."""
    yield from _started("the PostgreSQL standby", lambda: servers.start_postgres_standby(postgres_server))


@pytest.fixture(scope="session")
def galera_cluster() -> Iterator[servers.GaleraCluster]:
    """A 3-node MariaDB Galera cluster, started on first use (10-20 s), stopped and deleted at the end."""
    yield from _started("the Galera test cluster", servers.start_galera_cluster)


@pytest.fixture
def galera_database(galera_cluster: servers.GaleraCluster) -> Iterator[Callable[[], list[str]]]:
    """A factory: ``galera_database()`` creates a database on the cluster (DDL replicates to every
    node) and returns its URL on each node, node 1 first. Dropped when the test ends."""
    made: list[str] = []

    def make() -> list[str]:
        galera_cluster.wait_synced()  # an earlier test may have killed and restarted a node
        name = f"sl_galera_{uuid.uuid4().hex[:12]}"
        servers.create_database(galera_cluster.nodes[0].server, name)
        made.append(name)
        return [galera_cluster.url_for(i, name) for i in range(len(galera_cluster.nodes))]

    yield make
    for name in made:
        servers.drop_database(galera_cluster.nodes[0].server, name)


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """A factory: ``fresh_database("postgres")`` creates an empty database and returns its URL.

    Every database made is dropped (SQLite: its folder deleted) when the test ends.
    """
    made: list[tuple[servers.Server, str]] = []

    def make(dialect: str) -> str:
        if dialect == "sqlite":
            folder = tmp_path_factory.mktemp("sqlite")
            return f"sqlite:///{folder / 'test.db'}"  # an absolute path: sqlite:////tmp/.../test.db
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; use one of {DIALECTS}")
        server = request.getfixturevalue(f"{dialect}_server")
        name = f"sl_test_{uuid.uuid4().hex[:12]}"
        url = servers.create_database(server, name)
        made.append((server, name))
        return url

    yield make
    for server, name in reversed(made):
        servers.drop_database(server, name)


@pytest.fixture(params=[
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", id="mysql", marks=pytest.mark.mysql),
])
def db_url(request: pytest.FixtureRequest, fresh_database: Callable[[str], str]) -> str:
    """The URL of a fresh, empty database; the test runs once per dialect."""
    return fresh_database(request.param)


_HOLD_LOCK = """
import sys, time
from stingerloom.dialects import get_dialect

dialect = get_dialect(sys.argv[1], history_table=sys.argv[2])
dialect.connect()
with dialect.lock(30):
    print("locked", flush=True)
    if sys.argv[3]:
        dialect.execute(sys.argv[3])
    time.sleep(600)
"""


@pytest.fixture
def lock_holder_process() -> Iterator[Callable[..., subprocess.Popen]]:
    """A factory: ``lock_holder_process(url)`` starts a process that takes the migration lock on
    ``url`` through the dialect and keeps it (running ``statement`` if given, e.g. a long sleep);
    returns once the lock is held. Killed at teardown."""
    started: list[subprocess.Popen] = []

    def start(url: str, history_table: str = "__migrations", statement: str = "") -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, url, history_table, statement],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        started.append(proc)
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        line = proc.stdout.readline() if ready else ""
        if line.strip() != "locked":
            proc.kill()
            raise RuntimeError(f"the lock holder did not take the lock: {line!r} {proc.stderr.read()[-2000:]}")
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def connect_failure() -> Callable[[str], Any]:
    """``connect_failure(url)``: connecting through the dialect must raise ConnectionFailed (exit 2) with
    a one-line message that shows no form of the password, and without the driver error chained."""
    from urllib.parse import quote

    from stingerloom.dialects import get_dialect
    from stingerloom.errors import ConnectionFailed

    def check(url: str) -> ConnectionFailed:
        with pytest.raises(ConnectionFailed) as info:
            get_dialect(url).connect()
        err = info.value
        for form in (servers.PASSWORD, quote(servers.PASSWORD, safe=""), quote(servers.PASSWORD)):
            assert form not in err.format()
        assert err.exit_code == 2 and "\n" not in err.message
        assert err.__cause__ is None and err.__suppress_context__  # the driver's error is not chained
        return err

    return check
