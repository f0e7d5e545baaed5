"""MySQLDialect against the real MariaDB test server."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import servers

from stingerloom.dialects import get_dialect
from stingerloom.dialects.mysql import MySQLDialect, _near_position
from stingerloom.errors import InputError
from stingerloom.history import History, HistoryRow
from stingerloom.urls import DatabaseURL

pytestmark = pytest.mark.mysql



@pytest.fixture
def my_url(fresh_database) -> str:
    return fresh_database("mysql")


@pytest.fixture
def my(my_url):
    with get_dialect(my_url) as dialect:
        yield dialect


def test_flags():
    d = MySQLDialect()
    assert d.name == "mysql" and d.transactional_ddl is False and d.placeholder == "%s"
    assert d.quote("we`ird") == "`we``ird`"
    assert d.table_ref("other.__migrations") == "`other`.`__migrations`"


def test_connects_in_autocommit_with_password_url(my, my_url):
    assert DatabaseURL.parse(my_url).password == servers.PASSWORD
    assert my.execute("SELECT @@autocommit, DATABASE(), @@character_set_client") == [
        (1, DatabaseURL.parse(my_url).database, "utf8mb4")]


def test_url_without_database_is_an_input_error(mysql_server):
    with pytest.raises(InputError, match="names no database") as info:
        get_dialect(mysql_server.url).connect()
    assert servers.PASSWORD not in info.value.format()


def test_unknown_url_parameter_is_an_input_error(my_url):
    with pytest.raises(InputError, match="unknown MySQL URL parameter"):
        get_dialect(my_url + "?bogus=1").connect()


def test_no_read_timeout_once_connected(my_url):
    with get_dialect(my_url + "?connect_timeout=1") as d:
        assert d.execute("SELECT SLEEP(1.5)") == [(0,)]


@pytest.mark.parametrize("param", ["unix_socket", "host"])
def test_unix_socket(mysql_server, my_url, param):
    if mysql_server.socket_dir is None:
        pytest.skip("server given by STINGERLOOM_TEST_MYSQL_URL: socket path unknown")
    u = DatabaseURL.parse(my_url)
    sock = f"{mysql_server.socket_dir}/mysqld.sock"
    url = f"mysql://{u.user}:{quote(u.password, safe='')}@/{u.database}?{param}={quote(sock)}"
    with get_dialect(url) as d:
        assert d.execute("SELECT DATABASE(), USER()") == [(u.database, f"{u.user}@localhost")]


def test_ssl_options():
    kw = get_dialect("mysql://u@h/db?sslmode=require").connect_kwargs()
    assert kw["ssl"] == {"check_hostname": False}
    kw = get_dialect("mysql://u@h/db?ssl_mode=VERIFY_IDENTITY&ssl_ca=/ca.pem").connect_kwargs()
    assert kw["ssl"] == {"check_hostname": True, "ca": "/ca.pem"}
    assert "ssl" not in get_dialect("mysql://u@h/db?sslmode=disable").connect_kwargs()
    with pytest.raises(InputError, match="needs the CA certificate"):
        get_dialect("mysql://u@h/db?sslmode=verify-full").connect_kwargs()
    with pytest.raises(InputError, match="unknown sslmode"):
        get_dialect("mysql://u@h/db?sslmode=sometimes").connect_kwargs()
    assert get_dialect("mysql://u@h/db").connect_kwargs()["connect_timeout"] == 10


def test_history_ddl_creates_the_table(my):
    assert not my.history_exists()
    for stmt in my.history_ddl():
        my.execute(stmt)
    assert my.history_exists()
    types = dict(my.execute(
        "SELECT column_name, column_type FROM information_schema.columns"
        " WHERE table_schema = DATABASE() AND table_name = '__migrations'"))
    assert types["id"] == "varchar(255)" and types["down_sql"] == "longtext"
    assert types["applied_at"] == "datetime(6)" and types["execution_ms"] == "bigint(20)"
    assert len(types) == 13
    for stmt in my.history_ddl():  # idempotent
        my.execute(stmt)


def test_history_ids_are_case_sensitive(my):
    History(my).ensure()
    for rid in ("001_A", "001_a"):
        History(my).insert(HistoryRow(id=rid, description=None, checksum=None, down_sql=None, applied_at=my.now(),
                                      execution_ms=0, applied_by=None, state="applied", batch=1, rank=1))
    assert sorted(r.id for r in History(my).rows()) == ["001_A", "001_a"]


def test_history_table_in_another_database(my, fresh_database):
    other = DatabaseURL.parse(fresh_database("mysql")).database
    with get_dialect(my.url, history_table=f"{other}.__migrations") as d:
        assert not d.history_exists()
        History(d).ensure()
        assert d.history_exists()
    assert not my.history_exists()


def test_syntax_error_message_and_position(my):
    sql = "CREATE TABLE t (\n  id INT,\n  name TEXT,,\n  x INT\n)"
    with pytest.raises(Exception) as info:
        my.execute(sql)
    assert my.is_database_error(info.value)
    message, position = my.error_message(info.value)
    assert message.startswith("(1064) You have an error in your SQL syntax")
    # The server quotes the text after the token it stumbled on: here, right after ",,".
    assert position == sql.index(",,") + 2


def test_error_at_end_of_statement(my):
    sql = "SELECT * FROM"
    with pytest.raises(Exception) as info:
        my.execute(sql)
    assert my.error_message(info.value)[1] == len(sql)


def test_other_errors_have_code_and_no_position(my):
    with pytest.raises(Exception) as info:
        my.execute("SELECT * FROM no_such_table")
    message, position = my.error_message(info.value)
    assert message.startswith("(1146) Table '") and "no_such_table' doesn't exist" in message
    assert position is None


def test_near_position_cases():
    assert _near_position("near 'b' at line 2", "a\nb") == 2
    assert _near_position("near 'zz' at line 1", "a") is None
    assert _near_position("no position here", "a") is None


def test_lock_is_per_database(fresh_database):
    with get_dialect(fresh_database("mysql")) as a, get_dialect(fresh_database("mysql")) as b:
        assert a.lock_name != b.lock_name and len(a.lock_name) <= 64
        with a.lock(1), b.lock(0.2):
            pass


def test_long_lock_names_are_hashed(my):
    my.history_table = "h" * 80
    assert len(my.lock_name) <= 64 and my.lock_name.startswith("stingerloom:")


