"""Faults and hostile use (issue 8, items 12-15, 17, 19, 20): transaction control inside a migration,
infrastructure failures, foreign locks, permissions, Ctrl-C. Everything through the CLI, on real
databases."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import history, query, run_cli, tables, write_manifest

from stingerloom.dialects import get_dialect


def _apply(manifest, url, *extra, **kw):
    return run_cli("apply", str(manifest), "--database", url, *extra, **kw)


# -- item 13: transaction control inside a migration -------------------------------------------
@pytest.mark.parametrize("word", ["ROLLBACK", "COMMIT", "BEGIN", "START TRANSACTION", "END"])
def test_transaction_control_in_a_transactional_migration_is_refused_before_anything_runs(tmp_path, db_url, word):
    if word in ("END", "COMMIT") and db_url.startswith("mysql"):
        pytest.skip("MySQL runs this migration statement by statement: a COMMIT there commits nothing more")
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: CREATE TABLE a (id int);\ndown: DROP TABLE a;\n",
        "002_b.yaml": f"up: |\n  INSERT INTO a VALUES (1);\n  {word};\ndown: DELETE FROM a;\n",
    })
    proc = _apply(manifest, db_url)
    assert proc.returncode == 2, proc.stderr
    assert "002_b.yaml:3:" in proc.stderr and "refused" in proc.stderr and "Traceback" not in proc.stderr
    assert "a" not in tables(db_url)  # nothing ran, not even the first migration
    assert not [r for r in _rows(db_url)]


def _rows(url):
    try:
        return history(url)
    except Exception:  # no history table yet
        return []


@pytest.mark.mysql
def test_mysql_set_autocommit_is_refused(tmp_path, fresh_database):
    url = fresh_database("mysql")
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: |\n  CREATE TABLE a (id int);\n  SET autocommit = 0;\n  INSERT INTO a VALUES (1);\n"
                      "down: DROP TABLE a;\n",
    })
    proc = _apply(manifest, url)
    assert proc.returncode == 2 and "001_a.yaml:3:" in proc.stderr and "SET autocommit" in proc.stderr
    assert "a" not in tables(url)


@pytest.mark.postgres
def test_postgres_begin_never_committed_in_a_non_transactional_migration_is_refused(tmp_path, fresh_database):
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "transaction: false\nup: |\n  CREATE TABLE a (id int);\n  BEGIN;\n  INSERT INTO a VALUES (1);\n"
                      "down: DROP TABLE a;\n",
    })
    proc = _apply(manifest, url)
    assert proc.returncode == 2 and "001_a.yaml:4:" in proc.stderr and "never committed" in proc.stderr
    assert "a" not in tables(url)
    # a BEGIN ... COMMIT the migration closes itself is its own business
    (tmp_path / "001_a.yaml").write_text(
        "transaction: false\nup: |\n  CREATE TABLE a (id int);\n  BEGIN;\n  INSERT INTO a VALUES (1);\n  COMMIT;\n"
        "down: DROP TABLE a;\n")
    proc = _apply(manifest, url)
    assert proc.returncode == 0, proc.stderr
    assert history(url) == [("001_a", "applied", 4, 4)]


def test_begin_inside_bodies_is_not_transaction_control(tmp_path, db_url):
    name = db_url.split(":", 1)[0]
    if name == "postgresql":
        body = ("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
                "  CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n")
    elif name == "mysql":
        body = "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.id = NEW.id + 1; END;\n"
    else:
        body = "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO a SELECT 0 WHERE 0; END;\n"
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": f"up: |\n  CREATE TABLE a (id int);\n  {body}down: DROP TABLE a;\n",
    })
    proc = _apply(manifest, db_url)
    assert proc.returncode == 0, proc.stderr
    assert [r[:2] for r in history(db_url)] == [("001_a", "applied")]


def test_lint_reports_transaction_control_as_an_error(tmp_path):
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: |\n  CREATE TABLE a (id int);\n  COMMIT;\n"},
                              header="database: sqlite:///x.db")
    proc = run_cli("lint", str(manifest), "--dialect", "sqlite")
    assert proc.returncode == 1 and "SL302" in proc.stdout + proc.stderr


# -- helpers for faults from another session ---------------------------------------------------


def _start_cli(*args):
    env = {"NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    return subprocess.Popen([sys.executable, "-m", "stingerloom.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _wait_for_session(url, pattern):
    """The server-side id of the stingerloom session running a statement matching ``pattern``."""
    with get_dialect(url) as d:
        sql = ("SELECT pid FROM pg_stat_activity WHERE query LIKE %s AND pid <> pg_backend_pid()"
               if d.name == "postgres" else
               "SELECT id FROM information_schema.processlist WHERE info LIKE %s AND id <> CONNECTION_ID()")
        for _ in range(200):
            rows = d.execute(sql, (f"%{pattern}%",))
            if rows:
                return rows[0][0]
            time.sleep(0.05)
    raise AssertionError("the migration never started its statement")


def _sleep(url, seconds):
    return f"SELECT pg_sleep({seconds})" if url.startswith("postgres") else f"DO SLEEP({seconds})"


@pytest.mark.parametrize("dialect", [pytest.param("postgres", marks=pytest.mark.postgres),
                                     pytest.param("mysql", marks=pytest.mark.mysql)])
@pytest.mark.parametrize("transaction", [True, False])
def test_session_killed_mid_migration_is_explained_with_the_state_it_left(tmp_path, fresh_database, dialect, transaction):
    url = fresh_database(dialect)
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": f"transaction: {'true' if transaction else 'false'}\nup: |\n  CREATE TABLE t1 (id int);\n"
                      f"  {_sleep(url, 20)};\n  CREATE TABLE t2 (id int);\ndown: DROP TABLE t1;\n",
    })
    proc = _start_cli("apply", str(manifest), "--database", url)
    pid = _wait_for_session(url, "SLEEP(20" if dialect == "mysql" else "pg_sleep(20")
    kill = f"SELECT pg_terminate_backend({pid})" if dialect == "postgres" else f"KILL CONNECTION {pid}"
    with get_dialect(url) as d:
        d.execute(kill)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "internal error" not in err and "Traceback" not in err and "InterfaceError" not in err
    assert "lost the connection" in err and "001_a" in err
    atomic = transaction and dialect == "postgres"
    if atomic:
        assert "nothing of it was kept" in err
        assert history(url) == [] and "t1" not in tables(url)
    else:
        if dialect == "mysql":  # the statement and its counter update are two commits
            assert "statements 1–1 of 3 committed; statement 2 may or may not have" in err
        else:  # they commit together: the counter is exact
            assert "statements 1–1 of 3 committed" in err and "may or may not" not in err
        assert history(url) == [("001_a", "dirty", 1, 3)]
        assert "repair" in err


_SLOW = {
    "postgres": "CREATE TABLE slow AS SELECT 1 AS x FROM pg_sleep(20)",
    "mysql": "CREATE TABLE slow AS SELECT SLEEP(20) AS x",
    "sqlite": "CREATE TABLE slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
              "WHERE x < 3000000) SELECT max(x) AS x FROM c",
}


@pytest.mark.parametrize("dialect", [pytest.param("postgres", marks=pytest.mark.postgres),
                                     pytest.param("mysql", marks=pytest.mark.mysql), "sqlite"])
def test_ctrl_c_reports_what_it_left_and_exits_130(tmp_path, fresh_database, dialect):
    url = fresh_database(dialect)
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: CREATE TABLE a (id int);\ndown: DROP TABLE a;\n",
        "002_b.yaml": f"transaction: false\nup: |\n  CREATE TABLE b (id int);\n  {_SLOW[dialect]};\n"
                      "  CREATE TABLE c (id int);\ndown: DROP TABLE b;\n",
    })
    proc = _start_cli("apply", str(manifest), "--database", url)
    if dialect == "sqlite":  # statement 1 committed: statement 2 is running
        for _ in range(400):
            if proc.poll() is not None or ("002_b", "dirty", 1, 3) in _rows(url):
                break
            time.sleep(0.01)
    else:
        _wait_for_session(url, "SLEEP(20" if dialect == "mysql" else "pg_sleep(20")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "002_b" in err and "Traceback" not in err
    assert "001_a" in out  # what was applied before the interruption
    rows = history(url)
    assert rows[0] == ("001_a", "applied", 1, 1)
    assert rows[1] in (("002_b", "dirty", 1, 3), ("002_b", "dirty", 2, 3))
    assert ("slow" in tables(url)) == (rows[1][2] == 2)  # the counter tells the truth
    assert f"statements 1–{rows[1][2]} of 3 committed" in err


# -- item 20: foreign locks, bounded by --lock-timeout ----------------------------------------
def _lock_as_another_session(url, table):
    """Another session holding ``table`` (PostgreSQL LOCK TABLE, MySQL LOCK TABLES … WRITE) or, on
    SQLite, the database's write lock (a write to table ``a``), until it is closed."""
    holder = get_dialect(url)
    holder.connect()
    if holder.name == "postgres":
        holder.execute("BEGIN")
        holder.execute(f"LOCK TABLE {table}")
    elif holder.name == "mysql":
        holder.execute(f"LOCK TABLES {table} WRITE")
    else:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO a VALUES (1)")
    return holder


@pytest.mark.parametrize("dialect", [pytest.param("postgres", marks=pytest.mark.postgres),
                                     pytest.param("mysql", marks=pytest.mark.mysql), "sqlite"])
def test_a_foreign_lock_is_bounded_by_lock_timeout_and_named(tmp_path, fresh_database, dialect):
    url = fresh_database(dialect)
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\ndown: DROP TABLE a;\n",
                                         "002_b.yaml": "up: CREATE TABLE b (id int);\ndown: DROP TABLE b;\n"})
    assert run_cli("apply", str(manifest), "--database", url, "--to", "001_a").returncode == 0
    holder = _lock_as_another_session(url, "__migrations")
    try:
        for command in ("apply", "status"):
            if dialect == "sqlite" and command == "status":
                continue  # a reader is not blocked by a SQLite writer
            started = time.monotonic()
            proc = run_cli(command, str(manifest), "--database", url, "--lock-timeout", "1", timeout=60)
            elapsed = time.monotonic() - started
            assert proc.returncode == 1, proc.stderr
            assert elapsed < 15, elapsed
            assert "internal error" not in proc.stderr and "lock" in proc.stderr
            if dialect == "postgres":
                assert "pg_terminate_backend" in proc.stderr
    finally:
        holder.close()
    assert [r[0] for r in history(url)] == ["001_a"]


def test_negative_lock_timeout_is_refused(tmp_path):
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\n"})
    proc = run_cli("apply", str(manifest), "--database", f"sqlite:///{tmp_path / 'x.db'}", "--lock-timeout", "-1")
    assert proc.returncode == 2 and "--lock-timeout" in proc.stderr
    assert not (tmp_path / "x.db").exists()


# -- item 17: one identity for the history table ----------------------------------------------
@pytest.mark.postgres
def test_search_path_in_a_migration_does_not_move_the_history(tmp_path, fresh_database):
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: |\n  CREATE SCHEMA other;\n  CREATE TABLE other.__migrations (id int);\n"
                      "  SET search_path TO other;\n  CREATE TABLE a (id int);\ndown: DROP SCHEMA other CASCADE;\n",
        "002_b.yaml": "up: CREATE TABLE b (id int);\ndown: DROP TABLE b;\n",
    })
    proc = _apply(manifest, url)
    assert proc.returncode == 0, proc.stderr
    assert [r[:2] for r in history(url)] == [("001_a", "applied"), ("002_b", "applied")]
    assert query(url, "SELECT count(*) FROM other.__migrations") == [(0,)]
    proc = run_cli("status", str(manifest), "--database", url)
    assert "2 applied" in proc.stdout and "pending" not in proc.stdout


@pytest.mark.postgres
def test_both_spellings_of_the_history_table_take_the_same_lock(tmp_path, fresh_database, lock_holder_process):
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\n"},
                              header="history_table: public.__migrations")
    lock_holder_process(url, "__migrations")
    proc = run_cli("apply", str(manifest), "--database", url, "--lock-timeout", "0.5")
    assert proc.returncode == 1 and "migration lock" in proc.stderr, proc.stderr


# -- item 12: messages that say the right next step --------------------------------------------
@pytest.mark.postgres
def test_create_index_concurrently_in_a_transaction_says_transaction_false(tmp_path, fresh_database):
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: CREATE TABLE a (id int);\n",
        "002_b.yaml": "up: CREATE INDEX CONCURRENTLY a_id ON a (id);\n",
    })
    proc = _apply(manifest, url)
    assert proc.returncode == 1
    assert "`transaction: false` to migration 002_b" in proc.stderr and "002_b.yaml:1" in proc.stderr


@pytest.mark.postgres
def test_create_index_concurrently_in_a_sql_file_names_the_marker_option(tmp_path, fresh_database):
    # a dbmate .sql file has no `transaction:` key: the fix is an option on its marker line
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: CREATE TABLE a (id int);\n",
        "002_b.sql": "-- indexes\n-- migrate:up\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n",
    })
    proc = _apply(manifest, url)
    assert proc.returncode == 1 and "002_b.sql:3:1:" in proc.stderr
    assert "make line 2 of" in proc.stderr and "002_b.sql `-- migrate:up transaction:false`" in proc.stderr
    assert "add `transaction: false`" not in proc.stderr
    (tmp_path / "002_b.sql").write_text("-- indexes\n-- migrate:up transaction:false\n"
                                        "CREATE INDEX CONCURRENTLY a_id ON a (id);\n")
    assert _apply(manifest, url).returncode == 0  # the fix it names works


@pytest.mark.mysql
def test_mysql_part_way_failure_says_repair_and_hides_the_bookkeeping(tmp_path, fresh_database):
    url = fresh_database("mysql")
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: |\n  CREATE TABLE a (id int);\n  CREATE TABLE b (id int\ndown: DROP TABLE a;\n",
    })
    proc = _apply(manifest, url)
    assert proc.returncode == 1
    assert "statements_done" not in proc.stderr and "__migrations" not in proc.stderr
    assert "repair" in proc.stderr and "--mark-applied 001_a" in proc.stderr
    assert "run the command again" not in proc.stderr
    assert history(url) == [("001_a", "dirty", 1, 2)]


def test_rollback_failure_says_how_to_refresh_the_stored_down(tmp_path, db_url):
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\ndown: DROP TABLE nope;\n"})
    assert _apply(manifest, db_url).returncode == 0
    proc = run_cli("rollback", str(manifest), "--database", db_url)
    assert proc.returncode == 1
    assert "stingerloom repair" in proc.stderr and "run the command again" not in proc.stderr


# -- item 14: MySQL DML on non-transactional tables --------------------------------------------
# -- items 19 and 12: permissions and read-only databases --------------------------------------
@pytest.mark.postgres
def test_postgres_read_only_and_missing_privileges_are_explained(tmp_path, fresh_database, postgres_server):
    import servers

    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\n"})
    database = url.rsplit("/", 1)[1]
    with get_dialect(url) as d:
        d.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
    proc = _apply(manifest, url)
    assert proc.returncode == 1 and "read-only" in proc.stderr and "internal error" not in proc.stderr
    with get_dialect(url) as d:
        d.execute("SET default_transaction_read_only = off")
        d.execute(f'ALTER DATABASE "{database}" RESET default_transaction_read_only')
        role = f"r_{database[-8:]}"
        d.execute(f'DROP ROLE IF EXISTS "{role}"')
        d.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{servers.PASSWORD}'")
    role_url = _as(url, role)
    assert _apply(manifest, url).returncode == 0  # the administrator made the history table
    (tmp_path / "002_b.yaml").write_text("up: CREATE TABLE b (id int);\n")
    manifest.write_text(manifest.read_text() + "  - 002_b.yaml\n")
    try:
        proc = _apply(manifest, role_url)
        assert proc.returncode == 1, proc.stderr
        assert "permission denied" in proc.stderr and role in proc.stderr and "__migrations" in proc.stderr
        assert "internal error" not in proc.stderr and len(proc.stderr.strip().splitlines()) <= 2
    finally:
        with get_dialect(url) as d:
            d.execute(f'DROP OWNED BY "{role}"')
            d.execute(f'DROP ROLE "{role}"')


@pytest.mark.mysql
def test_mysql_missing_privileges_are_explained(tmp_path, fresh_database):
    url = fresh_database("mysql")
    with _mysql_user(url, "SELECT") as (user, user_url):
        manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\n"})
        proc = _apply(manifest, user_url)
        assert proc.returncode == 1, proc.stderr
        assert "permission denied" in proc.stderr and user in proc.stderr and "internal error" not in proc.stderr


@contextlib.contextmanager
def _mysql_user(url, privileges):
    """A MariaDB user with only ``privileges`` on the database of ``url``: (name, URL)."""
    import servers

    database = url.rsplit("/", 1)[1].split("?")[0]
    user = f"u{database[-10:]}"
    with get_dialect(url) as d:
        d.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (servers.PASSWORD,))
        d.execute(f"GRANT {privileges} ON `{database}`.* TO '{user}'@'%'")
    try:
        yield user, _as(url, user)
    finally:
        with get_dialect(url) as d:
            d.execute(f"DROP USER '{user}'@'%'")


def _as(url, user):
    import servers

    from stingerloom.urls import DatabaseURL

    u = DatabaseURL.parse(url)
    return servers.url_for(u.dialect, u.host, u.port, u.database, user, servers.PASSWORD)


# -- item 15: the dirty counter never lies -----------------------------------------------------
@pytest.mark.parametrize("dialect", [pytest.param("postgres", marks=pytest.mark.postgres), "sqlite"])
def test_a_statement_and_its_counter_commit_together(tmp_path, fresh_database, dialect):
    """The session dies (PostgreSQL) or the counter update fails (SQLite) right after statement 2
    of a `transaction: false` migration: statement 2 must not stay committed behind the counter."""
    url = fresh_database(dialect)
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: CREATE TABLE a (id int);\n",
        "002_b.yaml": "transaction: false\nup: |\n  CREATE TABLE b (id int);\n  CREATE TABLE c (id int);\n"
                      "  CREATE TABLE d (id int);\ndown: DROP TABLE b;\n",
    })
    assert _apply(manifest, url, "--to", "001_a").returncode == 0
    with get_dialect(url) as d:
        if dialect == "postgres":
            d.execute("CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                      "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$")
            d.execute("CREATE TRIGGER die BEFORE UPDATE ON __migrations FOR EACH ROW "
                      "WHEN (NEW.statements_done = 2) EXECUTE FUNCTION die()")
        else:
            d.execute("CREATE TRIGGER die BEFORE UPDATE ON __migrations WHEN NEW.statements_done = 2 "
                      "BEGIN SELECT RAISE(ABORT, 'the counter update failed'); END")
    proc = _apply(manifest, url)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert history(url)[1] == ("002_b", "dirty", 1, 3)
    assert "c" not in tables(url) and "b" in tables(url)  # statement 2 went with its counter
    assert "internal error" not in proc.stderr


# -- SQLite: a read-only file and an unwritable lock file ---------------------------------------
def _as_unprivileged(tmp: str):
    """Command prefix that runs the CLI as a user the file permissions apply to (root bypasses them)."""
    import shutil

    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    os.chmod(tmp, 0o755)
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


@pytest.mark.parametrize("what", ["read-only file", "unwritable lock file"])
def test_sqlite_permission_faults_are_explained(what):
    import shutil
    import tempfile

    tmp = tempfile.mkdtemp(prefix="sl-faults-")
    try:
        prefix = _as_unprivileged(tmp)
        folder = os.path.join(tmp, "m")
        from pathlib import Path

        manifest = write_manifest(Path(folder), {"001_a.yaml": "up: CREATE TABLE a (id int);\n",
                                                 "002_b.yaml": "up: CREATE TABLE b (id int);\n"})
        db = os.path.join(tmp, "x.db")
        url = f"sqlite:///{db}"
        assert _apply(manifest, url, "--to", "001_a").returncode == 0
        os.chmod(db, 0o444)
        os.chmod(db + ".lock", 0o666 if what == "read-only file" else 0o444)
        for root, dirs, _files in os.walk(tmp):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        os.chmod(tmp, 0o755 if what == "read-only file" else 0o555)
        env = dict(os.environ, NO_COLOR="1", STINGERLOOM_NO_CACHE="1", PYTHONPATH=os.pathsep.join(sys.path))
        env.pop("STINGERLOOM_DATABASE_URL", None)
        proc = subprocess.run([*prefix, sys.executable, "-m", "stingerloom.cli", "apply", str(manifest),
                               "--database", url], capture_output=True, text=True, env=env, timeout=60)
        if os.geteuid() != 0 and os.access(db, os.W_OK):
            pytest.skip("this user can write read-only files")
        assert proc.returncode == 1, proc.stderr
        assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
        if what == "read-only file":
            assert "read-only" in proc.stderr and "002_b" in proc.stderr
        else:
            assert "permission denied" in proc.stderr and "x.db.lock" in proc.stderr
        assert [r[:2] for r in history(url)] == [("001_a", "applied")]
    finally:
        os.chmod(tmp, 0o755)
        shutil.rmtree(tmp, ignore_errors=True)


def test_duplicate_key_is_explained_with_the_next_step(tmp_path, db_url):
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: CREATE TABLE a (id int PRIMARY KEY);\ndown: DROP TABLE a;\n",
        "002_b.yaml": "up: |\n  INSERT INTO a VALUES (1);\n  INSERT INTO a VALUES (1);\ndown: DELETE FROM a;\n",
    })
    proc = _apply(manifest, db_url)
    assert proc.returncode == 1
    assert "002_b.yaml:3:" in proc.stderr and "a row with the same key already exists" in proc.stderr
    assert "nothing of 002_b was kept" in proc.stderr  # InnoDB, PostgreSQL, SQLite: one transaction
    assert [r[:2] for r in history(db_url)] == [("001_a", "applied")]
    assert query(db_url, "SELECT count(*) FROM a") == [(0,)]


@pytest.mark.mysql
def test_mysql_read_only_server_is_explained(tmp_path, fresh_database):
    url = fresh_database("mysql")
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\n",
                                         "002_b.yaml": "up: CREATE TABLE b (id int);\n"})
    with _mysql_user(url, "ALL") as (_user, user_url):
        assert _apply(manifest, user_url, "--to", "001_a").returncode == 0
        try:
            with get_dialect(url) as d:
                d.execute("SET GLOBAL read_only = 1")
            proc = _apply(manifest, user_url)
        finally:
            with get_dialect(url) as d:
                d.execute("SET GLOBAL read_only = 0")
    assert proc.returncode == 1, proc.stderr
    assert "read-only" in proc.stderr and "internal error" not in proc.stderr
    assert [r[:2] for r in history(url)] == [("001_a", "applied")]


@pytest.mark.postgres
def test_deadlock_is_explained_and_rolled_back(tmp_path, fresh_database):
    import threading

    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: |\n  CREATE TABLE t (id int PRIMARY KEY, v int);\n  INSERT INTO t VALUES (1, 0), (2, 0);\n",
        "002_b.yaml": "up: |\n  UPDATE t SET v = 2 WHERE id = 2;\n  UPDATE t SET v = 2 WHERE id = 1;\n",
    })
    assert _apply(manifest, url, "--to", "001_a").returncode == 0
    other = get_dialect(url)
    other.connect()
    try:
        other.execute("BEGIN")
        other.execute("UPDATE t SET v = 1 WHERE id = 1")
        proc = _start_cli("apply", str(manifest), "--database", url)
        _wait_for_session(url, "v = 2 WHERE id = 1")  # the migration now waits for row 1
        closing = threading.Thread(target=lambda: other.execute("UPDATE t SET v = 1 WHERE id = 2"))
        closing.start()  # ... and this session for row 2: a deadlock, one of them is aborted
        out, err = proc.communicate(timeout=60)
        closing.join(timeout=30)
    finally:
        other.close()
    assert proc.returncode == 1, err
    assert "deadlock" in err and "002_b.yaml:3:" in err and "nothing of 002_b was kept" in err
    assert [r[:2] for r in history(url)] == [("001_a", "applied")]


@pytest.mark.postgres
def test_connection_lost_during_commit_asks_the_database_what_happened(tmp_path, fresh_database):
    """A deferred trigger ends the session inside COMMIT: the client cannot know the outcome, so it
    reconnects and reads the history instead of guessing."""
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\n",
                                         "002_b.yaml": "up: CREATE TABLE b (id int);\n"})
    assert _apply(manifest, url, "--to", "001_a").returncode == 0
    with get_dialect(url) as d:
        d.execute("CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                  "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$")
        d.execute("CREATE CONSTRAINT TRIGGER die AFTER INSERT ON __migrations DEFERRABLE INITIALLY DEFERRED "
                  "FOR EACH ROW EXECUTE FUNCTION die()")
    proc = _apply(manifest, url)
    assert proc.returncode == 1, proc.stderr
    assert "lost the connection" in proc.stderr and "002_b (during COMMIT" in proc.stderr
    assert "nothing of it was kept" in proc.stderr and "internal error" not in proc.stderr
    assert [r[:2] for r in history(url)] == [("001_a", "applied")] and "b" not in tables(url)


def test_sqlite_full_database_is_explained(tmp_path):
    """SQLite reports a full disk as SQLITE_FULL; `max_page_count` produces the same error on demand."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    manifest = write_manifest(tmp_path / "m", {
        "001_a.yaml": "transaction: false\nup: |\n  CREATE TABLE big (x blob);\n  PRAGMA max_page_count = 8;\n"
                      "  INSERT INTO big VALUES (zeroblob(200000));\n",
    })
    proc = _apply(manifest, url)
    assert proc.returncode == 1, proc.stderr
    assert "disk of the database is full" in proc.stderr and "001_a.yaml:5:" in proc.stderr
    assert "internal error" not in proc.stderr
    assert history(url) == [("001_a", "dirty", 2, 3)]


@pytest.mark.mysql
@pytest.mark.parametrize("engine", ["InnoDB", "MyISAM"])
def test_mysql_dml_is_atomic_only_on_transactional_tables(tmp_path, fresh_database, engine):
    """The table is created earlier in the same run; the seed fails on its second row."""
    url = fresh_database("mysql")
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": f"up: CREATE TABLE t (id int PRIMARY KEY) ENGINE={engine};\n",
        "002_b.yaml": "up: |\n  INSERT INTO t VALUES (1);\n  INSERT INTO t VALUES (1);\ndown: DELETE FROM t;\n",
    })
    proc = _apply(manifest, url)
    assert proc.returncode == 1 and "a row with the same key already exists" in proc.stderr
    if engine == "InnoDB":  # one transaction: the seed rolled back whole
        assert query(url, "SELECT count(*) FROM t") == [(0,)]
        assert [r[:2] for r in history(url)] == [("001_a", "applied")]
    else:  # MyISAM kept the first row, and the history says so
        assert query(url, "SELECT id FROM t") == [(1,)]
        assert history(url)[1] == ("002_b", "dirty", 1, 2)
        proc = _apply(manifest, url)  # the rerun is refused instead of inserting twice
        assert proc.returncode == 1 and "dirty" in proc.stderr


def test_mysql_statement_longer_to_send_than_the_connect_timeout(mysql_server):
    """A big statement whose sending takes longer than `connect_timeout` (here the server stops
    reading for 2 s while 12 MB are sent, as a slow link would) is applied: the connect timeout
    bounds only the handshake, not writes (it failed as "server gone away" after 1 s)."""
    import threading

    import servers

    from stingerloom import Migration, MigrationRunner

    if mysql_server.process is None:
        pytest.skip("needs the test's own server process (to pause it)")
    url = servers.create_database(mysql_server, "sl_slow_write") + "?connect_timeout=1"
    size = 12 * 1024 * 1024  # more than the loopback socket buffers hold, under max_allowed_packet (16 MB)

    class Seed(Migration):  # Python migrations have no file-size bound
        def up(self, context) -> None:
            context.query("CREATE TABLE big (v LONGTEXT)")
            pid = mysql_server.process.pid
            os.kill(pid, signal.SIGSTOP)
            threading.Timer(2, os.kill, (pid, signal.SIGCONT)).start()
            context.query("INSERT INTO big VALUES ('" + "x" * size + "')")

        def down(self, context) -> None:
            context.query("DROP TABLE big")

    try:
        results = MigrationRunner([Seed], database=url).run()
    finally:
        os.kill(mysql_server.process.pid, signal.SIGCONT)
    assert [(r.id, r.success) for r in results] == [("Seed", True)], results[0].error
    assert query(url, "SELECT LENGTH(v) FROM big") == [(size,)]


@pytest.mark.mysql
def test_python_migration_losing_its_connection_says_how_many_statements_committed(fresh_database):
    """A Python migration has no statement count before it runs: the message says how many of its
    statements committed (it said "statements 1–1 of 0")."""
    from stingerloom import Migration, MigrationRunner

    url = fresh_database("mysql")

    class Two(Migration):
        def up(self, context) -> None:
            context.query("CREATE TABLE t1 (id int)")
            own = context.query("SELECT CONNECTION_ID()")[0][0]
            with get_dialect(url) as other:
                other.execute(f"KILL CONNECTION {int(own)}")
            context.query("CREATE TABLE t2 (id int)")

        def down(self, context) -> None:
            context.query("DROP TABLE t1")

    results = MigrationRunner([Two], database=url).run()
    assert not results[0].success
    assert "lost the connection" in results[0].error and "it is dirty: 2 statement(s) committed" in results[0].error  # the SELECT counts
    assert " of 0" not in results[0].error
    assert history(url) == [("Two", "dirty", 2, 0)]
    status = MigrationRunner([Two], database=url).status_report()
    label = status.states[0].label
    assert label == "dirty (2 statement(s) committed)", label


@pytest.mark.parametrize("when", ["before", "after", "after_last"])
@pytest.mark.parametrize("direction", ["up", "down"])
def test_ctrl_c_around_a_statement_and_its_counter_gives_the_hint_the_history_agrees_with(
        tmp_path, monkeypatch, when, direction):
    """A Ctrl-C that lands just after a statement and its counter committed together (or just
    before statement 1 was sent, with the row already dirty) left the history dirty while the hint
    said "nothing of it was kept, so run the command again", which `apply` then refused; after the
    last statement it said to finish by hand what had all run. The hint follows the row read back."""
    from stingerloom import MigrationRunner, load_manifest
    from stingerloom.dialects.sqlite import SqliteDialect

    url = f"sqlite:///{tmp_path / 'x.db'}"
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "transaction: false\nup: |\n  CREATE TABLE a (id int);\n  CREATE TABLE b (id int);\n"
                      "down: |\n  DROP TABLE b;\n  DROP TABLE a;\n"})
    if direction == "down":
        assert _apply(manifest, url).returncode == 0
    real = SqliteDialect.execute_then
    k = {"before": 0, "after": 1, "after_last": 2}[when]
    calls = []

    def interrupted(self, sql, followup):
        calls.append(sql)
        if k == 0:
            raise KeyboardInterrupt
        real(self, sql, followup)
        if len(calls) == k:
            raise KeyboardInterrupt  # the signal arrives as the COMMIT of statement k returns

    monkeypatch.setattr(SqliteDialect, "execute_then", interrupted)
    runner = MigrationRunner(load_manifest(manifest).migrations, database=url)
    results = runner.run() if direction == "up" else runner.rollback()
    monkeypatch.setattr(SqliteDialect, "execute_then", real)
    err = results[-1].exception
    assert history(url) == [("001_a", "dirty", k, 2)]
    assert f"it is dirty: {f'statements 1–{k} of 2' if k else 'none of its 2 statements'} committed" in err.message
    assert "was kept, so run the command again" not in err.hint
    assert "stingerloom repair MANIFEST --remove 001_a" in err.hint, err.hint
    assert "stingerloom repair MANIFEST --mark-applied 001_a" in err.hint, err.hint
    if k == 2:  # everything ran: nothing to finish by hand
        assert "only the history row was not updated" in err.hint and "finish it by hand" not in err.hint
    # what the hint says `apply` does: it refuses the dirty row until it is repaired
    assert _apply(manifest, url).returncode == 1
    assert run_cli("repair", str(manifest), "--database", url, "--remove", "001_a").returncode == 0


@pytest.mark.mysql
def test_ctrl_c_before_the_reply_of_a_completed_statement_does_not_doubt_the_next_one(tmp_path, fresh_database,
                                                                                       monkeypatch):
    """On MySQL a statement and its counter update travel together: when the counter read back says
    the statement being sent completed, the next statement was never sent. It said "statement 2 may
    or may not have" (a Ctrl-C between the server's reply and the client reading it)."""
    from stingerloom import MigrationRunner, load_manifest
    from stingerloom.dialects.mysql import MySQLDialect

    url = fresh_database("mysql")
    real = MySQLDialect.execute_then

    def interrupted(self, sql, followup):
        real(self, sql, followup)
        raise KeyboardInterrupt  # before the client has taken in the reply

    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: |\n  CREATE TABLE a (id int);\n  CREATE TABLE b (id int);\ndown: DROP TABLE a;\n"})
    monkeypatch.setattr(MySQLDialect, "execute_then", interrupted)
    results = MigrationRunner(load_manifest(manifest).migrations, database=url).run()
    monkeypatch.setattr(MySQLDialect, "execute_then", real)
    err = results[-1].exception
    assert history(url) == [("001_a", "dirty", 1, 2)] and "b" not in tables(url)
    assert "it is dirty: statements 1–1 of 2 committed" in err.message
    assert "may or may not" not in err.message, err.message


@pytest.mark.parametrize("dialect", [pytest.param("postgres", marks=pytest.mark.postgres),
                                     pytest.param("mysql", marks=pytest.mark.mysql), "sqlite"])
def test_a_rollback_stopped_by_a_foreign_lock_does_not_blame_the_down_sql(tmp_path, fresh_database, dialect):
    """The down SQL waited out --lock-timeout behind another session: the hint said to correct the
    file's down and store it with `repair --accept`; the down was fine, so it says to roll back again."""
    url = fresh_database(dialect)
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\ndown: DROP TABLE a;\n"})
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    holder = _lock_as_another_session(url, "a")
    try:
        proc = run_cli("rollback", str(manifest), "--database", url, "--lock-timeout", "1", timeout=60)
    finally:
        holder.close()
    assert proc.returncode == 1, proc.stderr
    assert "--lock-timeout" in proc.stderr and "Traceback" not in proc.stderr
    assert "--accept" not in proc.stderr and "correct the file's down" not in proc.stderr, proc.stderr
    assert "001_a is still applied: roll back again" in proc.stderr
    assert [r[:2] for r in history(url)] == [("001_a", "applied")] and "a" in tables(url)
    assert run_cli("rollback", str(manifest), "--database", url).returncode == 0  # as the hint says


@pytest.mark.postgres
@pytest.mark.parametrize("transaction", [True, False])
def test_a_lost_connection_that_cannot_be_reopened_gives_no_hint_the_history_contradicts(
        tmp_path, fresh_database, postgres_server, transaction):
    """The session is ended and the database refuses new connections, so the runner cannot ask what
    was kept. The hint said "nothing of 001_a was kept, so run the command again" while a
    non-transactional migration had left a dirty row (which `apply` refuses); a transaction that
    never committed is known to be rolled back."""
    url = fresh_database("postgres")
    database = url.rsplit("/", 1)[1]
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": f"transaction: {'true' if transaction else 'false'}\n"
                      "up: |\n  SELECT pg_sleep(20);\n  CREATE TABLE a (id int);\ndown: DROP TABLE a;\n"})
    proc = _start_cli("apply", str(manifest), "--database", url)
    pid = _wait_for_session(url, "pg_sleep(20")
    with get_dialect(postgres_server.url) as admin:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        try:
            admin.execute(f"SELECT pg_terminate_backend({pid})")
            out, err = proc.communicate(timeout=60)
        finally:
            admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    assert proc.returncode == 1, err
    assert "lost the connection" in err and "Traceback" not in err
    if transaction:
        assert "nothing of it was kept (its transaction was never committed): it is pending" in err
        assert "run the command again" in err and history(url) == []
    else:
        assert "cannot reconnect to ask the database what was kept" in err
        assert "was kept, so run the command again" not in err, err
        assert "stingerloom status" in err and "if it is dirty" in err
        assert history(url) == [("001_a", "dirty", 0, 2)]


@pytest.mark.parametrize("dialect", [pytest.param("postgres", marks=pytest.mark.postgres),
                                     pytest.param("mysql", marks=pytest.mark.mysql)])
def test_a_transactional_rollback_whose_session_is_killed_says_to_roll_back_again(tmp_path, fresh_database, dialect):
    """The database rolled the rollback back: the hint said to fix the file's down and store it with
    `repair --accept`, though the down SQL was fine."""
    url = fresh_database(dialect)
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": "up: INSERT INTO t VALUES (1);\ndown: |\n  DELETE FROM t;\n"
                      + ("  SELECT pg_sleep(20);\n" if dialect == "postgres"  # MySQL: DML only, so one transaction
                         else "  INSERT INTO t SELECT 2 FROM DUAL WHERE SLEEP(20) = 1;\n")})
    with get_dialect(url) as d:
        d.execute("CREATE TABLE t (id int)" + (" ENGINE=InnoDB" if dialect == "mysql" else ""))
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    proc = _start_cli("rollback", str(manifest), "--database", url)
    pid = _wait_for_session(url, "SLEEP(20" if dialect == "mysql" else "pg_sleep(20")
    with get_dialect(url) as d:
        d.execute(f"SELECT pg_terminate_backend({pid})" if dialect == "postgres" else f"KILL CONNECTION {pid}")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "the database rolled the rollback back: it is still applied" in err
    assert "--accept" not in err and "001_a is still applied: roll back again" in err, err
    assert [r[:2] for r in history(url)] == [("001_a", "applied")] and query(url, "SELECT id FROM t") == [(1,)]


def test_a_sqlite_database_in_a_folder_the_user_cannot_write_is_a_permission_fault():
    """It said "cannot open SQLite database 'x.db': unable to open database file" (exit 2), without
    saying why or what to do."""
    import shutil
    import tempfile

    tmp = tempfile.mkdtemp(prefix="sl-faults-")
    try:
        prefix = _as_unprivileged(tmp)
        manifest = write_manifest(Path(tmp) / "m", {"001_a.yaml": "up: CREATE TABLE a (id int);\n"})
        folder = os.path.join(tmp, "ro")
        os.mkdir(folder)
        for path in (tmp, os.path.dirname(manifest)):
            os.chmod(path, 0o755)
        os.chmod(folder, 0o555)
        env = dict(os.environ, NO_COLOR="1", STINGERLOOM_NO_CACHE="1", PYTHONPATH=os.pathsep.join(sys.path))
        env.pop("STINGERLOOM_DATABASE_URL", None)
        proc = subprocess.run([*prefix, sys.executable, "-m", "stingerloom.cli", "apply", str(manifest),
                               "--database", f"sqlite:///{folder}/x.db"], capture_output=True, text=True, env=env,
                              timeout=60)
        if os.geteuid() != 0 and os.access(folder, os.W_OK):
            pytest.skip("this user can write read-only folders")
        assert proc.returncode == 1, proc.stderr
        assert "permission denied" in proc.stderr and f"folder '{folder}'" in proc.stderr, proc.stderr
        assert "make the folder writable" in proc.stderr and "Traceback" not in proc.stderr
        assert not os.path.exists(os.path.join(folder, "x.db"))
    finally:
        os.chmod(tmp, 0o755)
        shutil.rmtree(tmp, ignore_errors=True)


_INTERRUPTED_AFTER_COMMIT = """
import sys
from stingerloom.cli import main
from stingerloom.dialects.sqlite import SqliteDialect

real = SqliteDialect.commit


def commit(self):
    real(self)
    if any(s.startswith("CREATE TABLE b") for s in self.sent):
        raise KeyboardInterrupt  # Ctrl-C as the COMMIT of 002_b returns


real_execute = SqliteDialect.execute


def execute(self, sql, params=None):
    self.__dict__.setdefault("sent", []).append(sql)
    return real_execute(self, sql, params)


SqliteDialect.commit, SqliteDialect.execute = commit, execute
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_ctrl_c_whose_commit_went_through_shows_the_migration_applied(tmp_path, fmt):
    """The message said "it was committed and is applied" while the results table said FAILED,
    the summary "1 failed" and JSON "success": false. The run still stops there (exit 130)."""
    import json

    url = f"sqlite:///{tmp_path / 'x.db'}"
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\n",
                                         "002_b.yaml": "up: CREATE TABLE b (id int);\n",
                                         "003_c.yaml": "up: CREATE TABLE c (id int);\n"})
    env = dict(os.environ, NO_COLOR="1", STINGERLOOM_NO_CACHE="1", PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", _INTERRUPTED_AFTER_COMMIT, "apply", str(manifest),
                           "--database", url, "--format", fmt], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 130, proc.stderr
    assert [r[:2] for r in history(url)] == [("001_a", "applied"), ("002_b", "applied")]  # 003_c never ran
    if fmt == "json":
        results = json.loads(proc.stdout)["results"]
        assert [(r["id"], r["success"]) for r in results] == [("001_a", True), ("002_b", True)]
        assert "it was committed and is applied" in results[1]["error"]
    else:
        assert "FAILED" not in proc.stdout and "failed" not in proc.stdout, proc.stdout
        assert "2 migration(s) applied" in proc.stdout
        assert "interrupted (Ctrl-C) while applying 002_b" in proc.stderr
        assert "it was committed and is applied" in proc.stderr


def test_ctrl_c_while_waiting_for_the_migration_lock_answers_json_in_json(tmp_path, lock_holder_process):
    """Outside a migration Ctrl-C printed a bare "interrupted" on stderr, and nothing on stdout for
    `--format json`, whose readers always get an error object."""
    import json

    url = f"sqlite:///{tmp_path / 'x.db'}"
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int);\n"})
    lock_holder_process(url)
    proc = _start_cli("apply", str(manifest), "--database", url, "--format", "json")
    time.sleep(1.5)  # loading, then waiting for the lock the other process holds
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert json.loads(out)["error"] == {"message": "interrupted (Ctrl-C)", "exit_code": 130}
    assert "interrupted (Ctrl-C)" in err and "Traceback" not in err
    assert "a" not in tables(url)  # nothing ran


def test_an_unreadable_migration_file_says_to_make_it_readable():
    """`cannot read 002_b.yaml: Permission denied` came with the hint "migration paths are relative
    to the manifest's folder", which sends the user looking for the wrong thing."""
    import shutil
    import tempfile

    tmp = tempfile.mkdtemp(prefix="sl-faults-")
    try:
        prefix = _as_unprivileged(tmp)
        manifest = write_manifest(Path(tmp) / "m", {"001_a.yaml": "up: CREATE TABLE a (id int);\n",
                                                    "002_b.yaml": "up: CREATE TABLE b (id int);\n"})
        os.chmod(os.path.dirname(manifest), 0o755)
        os.chmod(manifest, 0o644)
        os.chmod(Path(tmp) / "m" / "001_a.yaml", 0o644)
        os.chmod(Path(tmp) / "m" / "002_b.yaml", 0o000)
        env = dict(os.environ, NO_COLOR="1", STINGERLOOM_NO_CACHE="1", PYTHONPATH=os.pathsep.join(sys.path))
        proc = subprocess.run([*prefix, sys.executable, "-m", "stingerloom.cli", "apply", str(manifest),
                               "--database", f"sqlite:///{tmp}/x.db"], capture_output=True, text=True, env=env,
                              timeout=60)
        if os.geteuid() != 0 and os.access(Path(tmp) / "m" / "002_b.yaml", os.R_OK):
            pytest.skip("this user can read unreadable files")
        assert proc.returncode == 2, proc.stderr
        assert "manifest.yaml:4:5: cannot read" in proc.stderr and "002_b.yaml: Permission denied" in proc.stderr
        assert "readable for this user" in proc.stderr and "relative to" not in proc.stderr, proc.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.postgres
def test_a_rollback_refused_by_a_read_only_database_says_nothing_of_it_ran(tmp_path, fresh_database):
    """Outside a transaction the first write is the history row's `dirty` mark: refused, nothing of the
    down ran. The message said "the rollback was undone by the database" (no transaction undid anything)."""
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {"001_a.yaml": "transaction: false\nup: CREATE TABLE t (id int);\n"
                                                       "down: DROP TABLE t;\n"})
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    db = url.rsplit("/", 1)[1].split("?")[0]
    query(url, f'ALTER DATABASE "{db}" SET default_transaction_read_only = on')
    proc = run_cli("rollback", str(manifest), "--database", url)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "read-only" in proc.stderr and "none of its down statements ran: it is still applied" in proc.stderr
    assert "roll back again" in proc.stderr, proc.stderr
    assert [r[:2] for r in history(url)] == [("001_a", "applied")]
