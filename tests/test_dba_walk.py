"""Database-specific behaviour a DBA meets: session settings, server-side SQL forms, privileges."""

from __future__ import annotations

import contextlib
import json

import pytest
import servers
from helpers import history, query, run_cli, tables, write_manifest


@pytest.mark.postgres
def test_a_migrations_session_settings_do_not_reach_the_next_migration(tmp_path, fresh_database):
    # 002 runs alone or after 001 in the same run: it must behave the same either way.
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001.yaml": """
            up: |
              SET default_transaction_read_only = on;
              SET ROLE NONE;
              SET search_path = pg_catalog;
            down: SELECT 1;
            """,
        "002.yaml": """
            up: CREATE TABLE t2 (id int);
            down: DROP TABLE t2;
            """,
    })
    proc = run_cli("apply", str(manifest), "--database", url)
    assert proc.returncode == 0, proc.stderr
    assert [r[:2] for r in history(url)] == [("001", "applied"), ("002", "applied")]
    proc = run_cli("rollback", str(manifest), "--database", url, "--steps", "2")
    assert proc.returncode == 0, proc.stderr
    assert history(url) == []


@pytest.mark.postgres
def test_copy_from_stdin_is_refused_at_its_line_before_anything_runs(tmp_path, fresh_database):
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001.yaml": "up: CREATE TABLE t (id int);\ndown: DROP TABLE t;\n",
        "002.yaml": "up: |\n  INSERT INTO t VALUES (1);\n  copy t (id) from stdin;\ndown: DELETE FROM t;\n",
    })
    proc = run_cli("apply", str(manifest), "--database", url)
    assert proc.returncode == 2, proc.stderr
    assert "002.yaml:3:3:" in proc.stderr and "INSERT … VALUES" in proc.stderr
    assert "copy()" not in proc.stderr and "Traceback" not in proc.stderr
    assert history(url) == []


@pytest.mark.postgres
def test_a_search_path_naming_no_existing_schema_is_an_input_error(tmp_path, fresh_database):
    url = fresh_database("postgres") + "?search_path=nosuch"
    manifest = write_manifest(tmp_path, {"001.yaml": "up: CREATE TABLE t (id int);\ndown: DROP TABLE t;\n"})
    for command in ("status", "apply"):
        proc = run_cli(command, str(manifest), "--database", url)
        assert proc.returncode == 2, proc.stderr
        assert "search_path (nosuch)" in proc.stderr and "CREATE SCHEMA" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr and servers.PASSWORD not in proc.stderr + proc.stdout


@pytest.mark.postgres
def test_schema_dump_leaves_out_a_schema_qualified_history_table_only_in_its_schema(tmp_path, fresh_database):
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001.yaml": "up: |\n  CREATE TABLE public.hist (id int);\n  CREATE TABLE ops.t (id int);\ndown: SELECT 1;\n",
    }, header="history_table: ops.hist")
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    proc = run_cli("schema", "dump", str(manifest), "--database", url, "--schema-name", "ops",
                   "--schema-name", "public")
    assert proc.returncode == 0, proc.stderr
    assert "ops.t:" in proc.stdout and "public.hist:" in proc.stdout  # a user table of the same name stays
    assert "ops.hist" not in proc.stdout


@pytest.mark.mysql
def test_mysql_session_changes_reach_neither_the_bookkeeping_nor_the_next_migration(tmp_path, fresh_database):
    url = fresh_database("mysql")
    manifest = write_manifest(tmp_path, {
        "001.yaml": """
            up: |
              CREATE TABLE a (id int);
              LOCK TABLES a WRITE;
              SET SESSION sql_mode = 'ANSI_QUOTES';
              USE information_schema;
              SET SESSION TRANSACTION READ ONLY;
            down: DROP TABLE a;
            """,
        "002.yaml": """
            up: CREATE TABLE t (id int, name varchar(5) DEFAULT "x");
            down: DROP TABLE t;
            """,
    })
    proc = run_cli("apply", str(manifest), "--database", url)
    assert proc.returncode == 0, proc.stderr
    assert [r[:2] for r in history(url)] == [("001", "applied"), ("002", "applied")]
    assert {"a", "t"} <= tables(url)
    proc = run_cli("rollback", str(manifest), "--database", url, "--steps", "2")
    assert proc.returncode == 0, proc.stderr
    assert history(url) == []


@pytest.mark.mysql
def test_a_failed_first_statement_is_reported_when_the_user_cannot_delete_its_history_row(tmp_path, fresh_database):
    url = fresh_database("mysql")
    db = url.rsplit("/", 1)[1]
    query(url, "CREATE TABLE t (id int)")
    query(url, "CREATE USER 'nodelete'@'%' IDENTIFIED BY 'pw'")
    try:
        query(url, f"GRANT SELECT, INSERT, UPDATE ON `{db}`.* TO 'nodelete'@'%'")
        limited = servers.url_with(url, password="pw").replace("//stingerloom:", "//nodelete:")
        manifest = write_manifest(tmp_path, {"001.yaml": "up: |\n  CREATE TABLE t (id int);\ndown: DROP TABLE t;\n"})
        proc = run_cli("apply", manifest.name, "--database", limited, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert (f"user nodelete needs CREATE on database {db} (to create the history table {db}.__migrations)"
                in proc.stderr), proc.stderr
        query(url, f"GRANT CREATE ON `{db}`.* TO 'nodelete'@'%'")
        proc = run_cli("apply", manifest.name, "--database", limited, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        first = proc.stderr.splitlines()[0]
        # the statement's own failure, at its line, and why the history row is left dirty
        assert first.startswith("error: 001.yaml:2:3: migration 001 failed (up):"), proc.stderr
        assert "stays dirty (0/1)" in first and "may or may not" not in proc.stderr
        assert "repair" in proc.stderr and "Traceback" not in proc.stderr
        assert [r[:4] for r in history(url)] == [("001", "dirty", 0, 1)]
    finally:
        query(url, "DROP USER 'nodelete'@'%'")


@pytest.mark.mysql
def test_lint_verify_replays_each_migration_from_the_sessions_defaults(tmp_path, fresh_database):
    url = fresh_database("mysql")
    manifest = write_manifest(tmp_path, {
        "001.yaml": """
            up: |
              SET SESSION sql_mode = 'ANSI_QUOTES';
              CREATE TABLE t (id int PRIMARY KEY, name varchar(5));
            down: DROP TABLE t;
            """,
        "002.yaml": """
            up: INSERT INTO t VALUES (1, "x");
            down: DELETE FROM t WHERE id = 1;
            """,
    })
    proc = run_cli("lint", str(manifest), "--verify", "--dev-database", url, "--dialect", "mysql", "--format", "json")
    findings = json.loads(proc.stdout)["findings"]
    assert [f for f in findings if f["rule"] == "SL201"] == [], findings


@contextlib.contextmanager
def _latin1_database(server, name: str):
    """A new LATIN1 PostgreSQL database (its URL), dropped afterwards."""
    servers.drop_database(server, name)
    with contextlib.closing(servers.admin_connect(server)) as conn:
        conn.cursor().execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'")
    try:
        yield server.url_for(name)
    finally:
        servers.drop_database(server, name)


@pytest.mark.postgres
def test_text_a_latin1_database_cannot_hold_is_the_databases_error_at_its_line(tmp_path, postgres_server):
    with _latin1_database(postgres_server, "sl_test_latin1_walk") as url:
        manifest = write_manifest(tmp_path, {
            "001.yaml": "up: CREATE TABLE \"Ünï\" (id int, note text DEFAULT 'é');\ndown: DROP TABLE \"Ünï\";\n",
            "002.yaml": "up: |\n  INSERT INTO \"Ünï\" VALUES (1, '🎉');\ndown: DELETE FROM \"Ünï\";\n",
        })
        proc = run_cli("apply", manifest.name, "--database", url, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.startswith("error: 002.yaml:2:3: migration 002 failed (up):"), proc.stderr
        assert "internal error" not in proc.stderr
        assert [r[:2] for r in history(url)] == [("001", "applied")]


@pytest.mark.parametrize("dialect, skip, others", [
    pytest.param("postgres", "ON CONFLICT DO NOTHING", ("INSERT IGNORE", "INSERT OR IGNORE"),
                 marks=pytest.mark.postgres),
    pytest.param("mysql", "INSERT IGNORE", ("ON CONFLICT", "INSERT OR IGNORE"), marks=pytest.mark.mysql),
    ("sqlite", "INSERT OR IGNORE", ("ON CONFLICT", "INSERT IGNORE")),
])
def test_a_duplicate_key_hint_names_only_the_target_databases_way_to_skip_rows(tmp_path, fresh_database,
                                                                                dialect, skip, others):
    url = fresh_database(dialect)
    manifest = write_manifest(tmp_path, {
        "001.yaml": "up: |\n  CREATE TABLE t (id int PRIMARY KEY);\n  INSERT INTO t VALUES (1);\ndown: DROP TABLE t;\n",
        "002.yaml": "up: INSERT INTO t VALUES (1);\ndown: DELETE FROM t;\n",
    })
    proc = run_cli("apply", manifest.name, "--database", url, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "002.yaml:1:5" in proc.stderr and skip in proc.stderr, proc.stderr
    assert not any(o in proc.stderr for o in others), proc.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("query_string", ["frobnicate=1", "sslmode=bogus"])
def test_a_url_parameter_libpq_refuses_gets_a_hint_about_the_url(tmp_path, fresh_database, query_string):
    url = servers.url_with(fresh_database("postgres"), query=query_string)
    manifest = write_manifest(tmp_path, {"001.yaml": "up: CREATE TABLE t (id int);\ndown: DROP TABLE t;\n"})
    proc = run_cli("status", manifest.name, "--database", url, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert query_string.split("=")[0] in proc.stderr and "query parameter of the database URL" in proc.stderr
    assert "server is running" not in proc.stderr and servers.PASSWORD not in proc.stderr


@pytest.mark.postgres
def test_a_description_the_database_encoding_cannot_hold_is_blamed_on_the_history_row(tmp_path, postgres_server):
    with _latin1_database(postgres_server, "sl_test_latin1_walk_history") as url:
        manifest = write_manifest(tmp_path, {
            "001.yaml": "description: launch 🚀\nup: CREATE TABLE t (id int);\ndown: DROP TABLE t;\n",
        })
        proc = run_cli("apply", manifest.name, "--database", url, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert "history row in public.__migrations" in proc.stderr and "001.yaml:1" in proc.stderr
        assert "fix the statement" not in proc.stderr
        assert history(url) == []


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql"])
def test_a_secret_value_the_server_quotes_back_is_masked(tmp_path, fresh_database, dialect):
    """A password placeholder written without quotes: the server's syntax error quotes the value (or
    the token it stopped at); neither the text nor the JSON output may show it."""
    url = fresh_database(dialect)
    write_manifest(tmp_path, {"001_role.yaml": "description: role\nup: |\n  SELECT ${app_password};\ndown: ''\n"})
    for fmt in ("text", "json"):
        proc = run_cli("apply", str(tmp_path / "manifest.yaml"), "--database", url, "--format", fmt,
                       "--set", "app_password=Hunter2 Pw9x")
        out = proc.stdout + proc.stderr
        assert proc.returncode == 1 and "Traceback" not in out, out
        assert "001_role.yaml:3:" in out and "failed (up)" in out, out
        assert "Hunter2" not in out and "Pw9x" not in out, out
    assert history(url) == []


def test_lint_never_puts_a_secret_value_where_a_parser_can_quote_it(tmp_path):
    """`lint --set app_password=...`: a password placeholder written without quotes makes the parser
    stop at it; the finding quotes the stand-in, never the value."""
    write_manifest(tmp_path, {"001_role.yaml": "description: role\nup: |\n  ALTER ROLE app PASSWORD ${app_password};\n"
                                               "down: ''\n"})
    for fmt in ("text", "json"):
        proc = run_cli("lint", str(tmp_path / "manifest.yaml"), "--dialect", "postgres", "--format", fmt,
                       "--set", "app_password=Hunter2!x")
        out = proc.stdout + proc.stderr
        assert proc.returncode == 1 and "001_role.yaml" in out and "SL201" in out, out
        assert "Hunter2" not in out, out
