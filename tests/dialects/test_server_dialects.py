"""What PostgresDialect and MySQLDialect must both do, on the real test servers.

Dialect-specific behaviour is in test_postgres.py and test_mysql.py.
"""

from __future__ import annotations

import datetime as dt
import signal
import socket
import time

import pytest
import servers

from stingerloom.dialects import get_dialect
from stingerloom.errors import LockTimeout
from stingerloom.history import History, HistoryRow
from stingerloom.urls import DatabaseURL

#: What each server says, and how each dialect names a lock holder.
EXPECT = {
    "postgres": {
        "scheme": "postgresql",
        "wrong_password": "password authentication failed for user",
        "refused": "Connection refused",
        "unknown_db": 'database "no_such_db" does not exist',
        "silent": ("timeout",),
        "set_time_zone": "SET TIME ZONE 'America/New_York'",
        "holder_key": "pid",
        "holder": "backend pid {id}, user stingerloom, application 'stingerloom'",
        "end_holder": "pg_terminate_backend({id})",
    },
    "mysql": {
        "scheme": "mysql",
        "wrong_password": "(1045) Access denied for user 'stingerloom'",
        "refused": "(2003) Can't connect to MySQL server",
        "unknown_db": "(1049) Unknown database 'no_such_db'",
        "silent": ("(2013) Lost connection", "timed out"),
        "set_time_zone": "SET time_zone = '-05:00'",
        "holder_key": "id",
        "holder": "held by connection {id}, user stingerloom@127.0.0.1",
        "end_holder": "KILL {id}",
    },
}


def _session_id(dialect) -> int:
    conn = dialect.connection
    return conn.info.backend_pid if dialect.name == "postgres" else conn.thread_id()


@pytest.fixture(params=[
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
])
def server_url(request, fresh_database) -> str:
    """A fresh database on each server."""
    return fresh_database(request.param)


@pytest.fixture
def expect(server_url) -> dict:
    return EXPECT[DatabaseURL.parse(server_url).dialect]


def test_wrong_password(server_url, expect, connect_failure):
    err = connect_failure(servers.url_with(server_url, password="not the password"))
    assert expect["wrong_password"] in err.message
    assert "not the password" not in err.format()


def test_unreachable_port(server_url, expect, connect_failure):
    err = connect_failure(servers.url_with(server_url, port=servers.free_port()))
    assert expect["refused"] in err.message
    assert err.message.startswith(f"cannot connect to {expect['scheme']}://stingerloom:***@127.0.0.1:")


def test_unknown_database(server_url, expect, connect_failure):
    err = connect_failure(servers.url_with(server_url, database="no_such_db"))
    assert expect["unknown_db"] in err.message


def test_connect_timeout_applies_to_a_silent_server(server_url, expect, connect_failure):
    with socket.socket() as silent:  # accepts TCP connections but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        started = time.monotonic()
        err = connect_failure(servers.url_with(server_url, port=silent.getsockname()[1], query="connect_timeout=1"))
        assert time.monotonic() - started < 5  # libpq rounds 1 s up to 2 s
    assert any(text in err.message.lower() for text in map(str.lower, expect["silent"])), err.message


def test_history_rows_round_trip_with_utc_timestamps(server_url, expect):
    with get_dialect(server_url) as d:
        history = History(d)
        history.ensure()
        now = d.now()
        history.insert(HistoryRow(id="001_a", description="A", checksum="c" * 64, down_sql="DROP TABLE a;",
                                  applied_at=now, execution_ms=12, applied_by="me", state="applied", batch=1,
                                  rank=1))
        d.execute(expect["set_time_zone"])  # the session time zone must not matter
        [row] = history.rows()
    utc_now = dt.datetime.now(dt.timezone.utc)
    stored = dt.datetime.strptime(row.applied_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert abs((utc_now - stored).total_seconds()) < 60
    assert (row.id, row.down_sql, row.execution_ms, row.state, row.batch) == ("001_a", "DROP TABLE a;", 12,
                                                                             "applied", 1)


def test_error_message_redacts_the_password(server_url):
    with get_dialect(server_url) as d:
        with pytest.raises(Exception) as info:
            d.execute(f"SELECT * FROM {d.quote(servers.PASSWORD)}")
        assert d.is_database_error(info.value) and not d.is_database_error(ValueError("x"))
        message, _ = d.error_message(info.value)
    assert servers.PASSWORD not in message and "***" in message


def test_second_run_times_out_naming_the_holder(server_url, expect):
    with get_dialect(server_url) as first, get_dialect(server_url) as second:
        with first.lock(1):
            started = time.monotonic()
            with pytest.raises(LockTimeout) as info:
                with second.lock(0.3):
                    pytest.fail("the lock was taken twice")
            assert time.monotonic() - started >= 0.3
            err, holder = info.value, _session_id(first)
            assert expect["holder"].format(id=holder) in err.message
            assert "gave up after 0.3s" in err.message
            assert expect["end_holder"].format(id=holder) in err.hint and "--lock-timeout" in err.hint
            assert err.exit_code == 1 and servers.PASSWORD not in err.format()
            with first.lock(1):  # re-entrant on the same connection
                pass
            assert first.lock_holder()[expect["holder_key"]] == holder  # still held after the nested exit
        with second.lock(0.5):  # released when the first run's block ended
            assert second.lock_holder()[expect["holder_key"]] == _session_id(second)
        assert second.lock_holder() is None


def test_lock_is_released_when_the_holder_is_killed(server_url, expect, lock_holder_process):
    holder = lock_holder_process(server_url)
    with get_dialect(server_url) as d:
        with pytest.raises(LockTimeout, match="holds the migration lock"):
            with d.lock(0.2):
                pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        with d.lock(10):
            assert d.lock_holder()[expect["holder_key"]] == _session_id(d)


def test_open_connection_is_used_and_not_closed(server_url, expect):
    dialect = get_dialect(server_url)
    dialect.connect()
    conn = dialect.connection
    try:
        d = get_dialect(conn)
        assert type(d) is type(dialect) and d.display_url == f"{dialect.name} (open connection)"
        History(d).ensure()
        assert d.history_exists()
        with d.lock(1):
            assert d.lock_holder()[expect["holder_key"]] == _session_id(d)
        d.close()
        assert d.execute("SELECT 1") == [(1,)]  # a connection we were given is not ours to close
    finally:
        dialect.close()
