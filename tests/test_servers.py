"""The test servers and database fixtures themselves."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
import servers

from stingerloom.urls import DatabaseURL


def _query(server: servers.Server, sql: str, params=None) -> list[tuple]:
    with contextlib.closing(servers.admin_connect(server)) as conn:
        cur = conn.cursor()
        cur.execute(sql, params)
        return [tuple(r) for r in cur.fetchall()]


@pytest.mark.postgres
def test_postgres_server_listens_on_loopback_with_password(postgres_server):
    url = DatabaseURL.parse(postgres_server.url)
    assert url.password == servers.PASSWORD or "STINGERLOOM_TEST_POSTGRES_URL" in os.environ
    if postgres_server.tempdir is None:
        pytest.skip("server given by STINGERLOOM_TEST_POSTGRES_URL")
    assert url.host == "127.0.0.1"
    assert _query(postgres_server, "SHOW listen_addresses") == [("127.0.0.1",)]
    assert _query(postgres_server, "SHOW unix_socket_directories") == [(postgres_server.socket_dir,)]
    assert _query(postgres_server, "SHOW fsync") == [("off",)]


@pytest.mark.postgres
def test_postgres_server_refuses_a_wrong_password(postgres_server):
    import psycopg

    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host=postgres_server.host, port=postgres_server.port, user=postgres_server.user,
                        password="wrong", dbname="postgres", connect_timeout=5)


@pytest.mark.mysql
def test_mysql_server_listens_on_loopback_with_password(mysql_server):
    url = DatabaseURL.parse(mysql_server.url)
    if mysql_server.tempdir is None:
        pytest.skip("server given by STINGERLOOM_TEST_MYSQL_URL")
    assert url.password == servers.PASSWORD and url.host == "127.0.0.1"
    rows = _query(mysql_server, "SELECT @@bind_address, @@port, @@socket, @@log_bin, @@skip_grant_tables")
    assert rows == [("127.0.0.1", mysql_server.port, os.path.join(mysql_server.socket_dir, "mysqld.sock"), 0, 0)]


@pytest.mark.mysql
def test_mysql_server_refuses_a_wrong_password(mysql_server):
    import pymysql

    with pytest.raises(pymysql.err.OperationalError) as info:
        pymysql.connect(host=mysql_server.host, port=mysql_server.port, user=mysql_server.user,
                        password="wrong", connect_timeout=5)
    assert info.value.args[0] == 1045  # access denied


def _database_exists(dialect: str, server: servers.Server, name: str) -> bool:
    if dialect == "postgres":
        return bool(_query(server, "SELECT 1 FROM pg_database WHERE datname = %s", (name,)))
    return bool(_query(server, "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (name,)))


_MADE: list[tuple[str, servers.Server, str]] = []  # databases made by the test below


@pytest.mark.parametrize("dialect", [
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
])
def test_fresh_database_is_new_and_empty(dialect, request, fresh_database):
    server = request.getfixturevalue(f"{dialect}_server")
    a, b = DatabaseURL.parse(fresh_database(dialect)), DatabaseURL.parse(fresh_database(dialect))
    assert a.database != b.database and a.dialect == dialect
    assert (a.user, a.password, a.host, a.port) == (server.user, server.password, server.host, server.port)
    assert _database_exists(dialect, server, a.database)
    if dialect == "postgres":
        tables = _query(server, "SELECT count(*) FROM pg_database WHERE datname = %s", (a.database,))
        assert tables == [(1,)]
    else:
        tables = _query(server, "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
                        (a.database,))
        assert tables == [(0,)]
    # A connection left open must not keep the database from being dropped (nor hang the drop).
    conn = servers.admin_connect(servers.Server(dialect, a.host, a.port, a.user, a.password, a.database))
    request.addfinalizer(conn.close)
    _MADE.extend((dialect, server, name) for name in (a.database, b.database))


def test_fresh_databases_are_dropped_after_the_test():
    """Runs after the test above (file order): the databases it made must be gone by now."""
    while _MADE:
        dialect, server, name = _MADE.pop()
        assert not _database_exists(dialect, server, name), f"{name} was not dropped"


@pytest.mark.parametrize("dialect", [
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
])
def test_drop_database_does_not_wait_for_open_connections(dialect, request):
    server = request.getfixturevalue(f"{dialect}_server")
    url = DatabaseURL.parse(servers.create_database(server, "sl_test_open_conn"))
    conn = servers.admin_connect(servers.Server(dialect, url.host, url.port, url.user, url.password, url.database))
    try:
        conn.cursor().execute("CREATE TABLE t (x int)")
        servers.drop_database(server, "sl_test_open_conn")
        assert not _database_exists(dialect, server, "sl_test_open_conn")
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def test_fresh_sqlite_database_is_an_absolute_file_url(fresh_database):
    url = DatabaseURL.parse(fresh_database("sqlite"))
    assert url.dialect == "sqlite" and os.path.isabs(url.database)
    assert not os.path.exists(url.database)
    sqlite3.connect(url.database).execute("CREATE TABLE t (x)")
    assert os.path.exists(url.database)


def test_db_url_runs_once_per_dialect(db_url, request):
    assert DatabaseURL.parse(db_url).dialect == request.node.callspec.id
    marks = {m.name for m in request.node.iter_markers()}
    assert request.node.callspec.id in marks or request.node.callspec.id == "sqlite"


def test_fresh_database_rejects_an_unknown_dialect(fresh_database):
    with pytest.raises(ValueError, match="unknown dialect"):
        fresh_database("oracle")


def _run_pytest_on(tmp_path, body: str, env: dict) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(open(os.path.join(os.path.dirname(__file__), "conftest.py")).read())
    (tmp_path / "test_x.py").write_text(textwrap.dedent(body))
    full_env = {**os.environ, **env, "PYTHONPATH": os.path.dirname(__file__)}
    for var in servers.ENV_VARS.values():
        full_env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          capture_output=True, text=True, env=full_env, cwd=tmp_path, timeout=120)


def test_find_postgres_reports_missing_programs(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(servers.glob, "glob", lambda pattern: [])
    monkeypatch.delenv("PG_BINDIR", raising=False)
    with pytest.raises(servers.ServerUnavailable, match="apt-get install postgresql"):
        servers.find_postgres_bindir()


def test_find_mariadb_reports_missing_programs(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(servers.os, "access", lambda path, mode: False)
    with pytest.raises(servers.ServerUnavailable, match="apt-get install mariadb-server"):
        servers.find_mariadb()


@pytest.mark.parametrize("ci, expected", [("", "skipped"), ("true", "error")])
def test_unavailable_server_skips_locally_and_fails_in_ci(tmp_path, ci, expected):
    """End to end through the fixtures, with the PostgreSQL programs hidden via PG_BINDIR/PATH."""
    body = """
        import servers

        def fake():
            raise servers.ServerUnavailable("PostgreSQL server programs (initdb, postgres) not found")

        servers.find_postgres_bindir = fake

        def test_needs_postgres(postgres_server):
            pass
    """
    res = _run_pytest_on(tmp_path, body, {"CI": ci})
    assert f"1 {expected}" in res.stdout, res.stdout + res.stderr
    if ci:
        assert "CI=true but the postgres test server is unavailable" in res.stdout
        assert "not found" in res.stdout


def test_server_from_environment_is_used_as_given(monkeypatch):
    monkeypatch.setenv("STINGERLOOM_TEST_MYSQL_URL", "mysql://admin:pw%40x@db.example:3307/")
    server = servers.get_server("mysql")
    assert (server.host, server.port, server.user, server.password) == ("db.example", 3307, "admin", "pw@x")
    assert server.process is None and server.tempdir is None
    assert server.url == "mysql://admin:pw%40x@db.example:3307/"


def test_free_port_is_bindable():
    port = servers.free_port()
    assert 1024 < port < 65536 and servers._port_is_free(port)


@pytest.mark.postgres
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killed_test_process_leaves_no_server_behind(postgres_server, sig):
    if postgres_server.tempdir is None:
        pytest.skip("server given by STINGERLOOM_TEST_POSTGRES_URL")
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); import servers\n"
            "s = servers.get_server('postgres'); print(s.tempdir, s.process.pid, flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, os.path.dirname(__file__)], stdout=subprocess.PIPE,
                            text=True, env={k: v for k, v in os.environ.items() if k not in servers.ENV_VARS.values()})
    tempdir, pid = proc.stdout.readline().split()
    proc.send_signal(sig)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    while _alive(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(int(pid)), "the server outlived the test process"
    if sig == signal.SIGTERM:
        assert not os.path.exists(tempdir)
    else:  # nothing runs on SIGKILL: the next start removes the folder
        servers._remove_stale_tempdirs("stingerloom-pg-")
        assert not os.path.exists(tempdir)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
