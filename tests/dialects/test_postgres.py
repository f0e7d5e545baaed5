"""PostgresDialect against the real test server."""

from __future__ import annotations

import signal
import time
from urllib.parse import quote

import pytest
import servers

from stingerloom.dialects import get_dialect
from stingerloom.dialects.postgres import PostgresDialect, advisory_key
from stingerloom.errors import InputError
from stingerloom.history import History
from stingerloom.urls import DatabaseURL

pytestmark = pytest.mark.postgres



@pytest.fixture
def pg_url(fresh_database) -> str:
    return fresh_database("postgres")


@pytest.fixture
def pg(pg_url):
    with get_dialect(pg_url) as dialect:
        yield dialect


def test_flags():
    d = PostgresDialect()
    assert d.name == "postgres" and d.transactional_ddl is True and d.placeholder == "%s"
    assert d.quote('we"ird') == '"we""ird"'


def test_connects_in_autocommit_with_password_url(pg, pg_url):
    assert DatabaseURL.parse(pg_url).password == servers.PASSWORD  # URL-encoded @ : / and space
    assert pg.connection.autocommit
    assert pg.execute("SELECT current_user, current_setting('application_name')") == [
        (servers.USER, "stingerloom")]
    assert servers.PASSWORD not in pg.display_url


def test_driver_messages_that_echo_url_values_are_redacted(pg_url, connect_failure):
    # libpq repeats option values in its errors; a password pasted into one must still not show.
    err = connect_failure(servers.url_with(pg_url, query="service=" + quote(servers.PASSWORD, safe="")))
    assert 'definition of service "***" not found' in err.message


def test_bad_option_is_a_connection_failure(pg_url, connect_failure):
    err = connect_failure(servers.url_with(pg_url, query="bogus_option=1"))
    assert 'invalid connection option "bogus_option"' in err.message


def test_default_connect_timeout_and_application_name(pg_url):
    kw = get_dialect(pg_url).connect_kwargs()
    assert kw["connect_timeout"] == "10" and kw["application_name"] == "stingerloom"
    kw = get_dialect(pg_url + "?connect_timeout=3&application_name=deploy&sslmode=disable").connect_kwargs()
    assert (kw["connect_timeout"], kw["application_name"], kw["sslmode"]) == ("3", "deploy", "disable")


@pytest.mark.parametrize("param", ["host", "unix_socket"])
def test_unix_socket(postgres_server, pg_url, param):
    if postgres_server.socket_dir is None:
        pytest.skip("server given by STINGERLOOM_TEST_POSTGRES_URL: socket folder unknown")
    u = DatabaseURL.parse(pg_url)
    url = f"postgresql://{u.user}@:{u.port}/{u.database}?{param}={quote(postgres_server.socket_dir)}"
    with get_dialect(url) as d:
        # A unix-socket connection has no client address.
        assert d.execute("SELECT inet_client_addr() IS NULL, current_database()") == [(True, u.database)]


def test_search_path_selects_the_schema(pg_url):
    with get_dialect(pg_url) as d:
        d.execute("CREATE SCHEMA app")
    with get_dialect(pg_url + "?search_path=app") as d:
        assert d.execute("SHOW search_path") == [("app",)]
        d.execute("CREATE TABLE t (x int)")
        assert d.execute("SELECT to_regclass('app.t') IS NOT NULL") == [(True,)]
    with get_dialect(pg_url + "?options=" + quote("-c search_path=app,public")) as d:
        assert d.execute("SHOW search_path") == [("app,public",)]


def test_history_ddl_creates_the_table(pg):
    assert not pg.history_exists()
    for stmt in pg.history_ddl():
        pg.execute(stmt)
    assert pg.history_exists()
    types = dict(pg.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '__migrations'"))
    assert types["id"] == "character varying" and types["down_sql"] == "text"
    assert types["applied_at"] == "timestamp with time zone" and types["execution_ms"] == "bigint"
    assert set(types) == {"id", "description", "checksum", "down_sql", "applied_at", "execution_ms", "applied_by",
                          "state", "batch", "rank", "statements_done", "statements_total", "operation"}
    for stmt in pg.history_ddl():  # idempotent
        pg.execute(stmt)


def test_schema_qualified_history_table(pg_url):
    with get_dialect(pg_url, history_table="audit.__migrations") as d:
        assert d.history_ref() == '"audit"."__migrations"'
        assert not d.history_exists()
        History(d).ensure()  # creates the schema too
        assert d.history_exists()
        assert d.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = '__migrations'") == [
            ("audit",)]
    with get_dialect(pg_url) as d:
        assert not d.history_exists()  # public.__migrations is another table


def test_error_position_and_message(pg):
    sql = "SELECT *\nFROM no_such_table"
    with pytest.raises(Exception) as info:
        pg.execute(sql)
    assert pg.is_database_error(info.value)
    message, position = pg.error_message(info.value)
    assert message == 'relation "no_such_table" does not exist'
    assert position == sql.index("no_such_table")


def test_syntax_error_position(pg):
    sql = "CREATE TABLE t (id int,, name text)"
    with pytest.raises(Exception) as info:
        pg.execute(sql)
    message, position = pg.error_message(info.value)
    assert message == 'syntax error at or near ","'
    assert position == sql.index(",,") + 1


def test_error_detail_is_included_and_positionless_errors_give_none(pg):
    pg.execute("CREATE TABLE t (id int PRIMARY KEY)")
    pg.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(Exception) as info:
        pg.execute("INSERT INTO t VALUES (1)")
    message, position = pg.error_message(info.value)
    assert message.startswith('duplicate key value violates unique constraint "t_pkey"')
    assert "(detail: Key (id)=(1) already exists.)" in message
    assert position is None


def test_non_database_errors_are_not_database_errors(pg):
    assert not pg.is_database_error(ValueError("x"))


def test_advisory_key_is_fixed_and_depends_on_the_table():
    assert advisory_key("__migrations") == advisory_key("__migrations")
    assert advisory_key("__migrations") != advisory_key("audit.__migrations")
    assert -(2 ** 63) <= advisory_key("__migrations") < 2 ** 63


def test_lock_is_per_history_table(pg_url):
    with get_dialect(pg_url) as a, get_dialect(pg_url, history_table="audit.__migrations") as b:
        with a.lock(1), b.lock(0.2):
            pass


def test_lock_is_released_after_a_failed_transaction(pg):
    with pg.lock(1):
        pg.begin()
        with pytest.raises(Exception) as info:  # noqa: B017 - the assertion below narrows it
            pg.execute("SELECT 1/0")
        assert pg.is_database_error(info.value) and "division by zero" in str(info.value)
    assert pg.lock_holder() is None


def test_unparseable_url_is_an_input_error():
    with pytest.raises(InputError):
        get_dialect("postgresql://u:p@127.0.0.1:notaport/db")


def test_killed_client_in_a_long_statement_releases_the_lock_promptly(pg_url, lock_holder_process):
    holder = lock_holder_process(pg_url, statement="SELECT pg_sleep(60)")
    with get_dialect(pg_url) as d:
        assert d.execute("SHOW client_connection_check_interval") == [("1s",)]
        time.sleep(0.3)  # the holder is inside pg_sleep now
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        started = time.monotonic()
        with d.lock(20):
            pass
        assert time.monotonic() - started < 5
