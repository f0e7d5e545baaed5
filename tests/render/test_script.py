"""``apply --script`` / ``rollback --script`` (SPEC §10): the script, run with the database's own client
(sqlite3, psql, mariadb), leaves the schema and the history exactly as ``apply``/``rollback`` would;
run a second time it fails before changing anything. ``--dry-run`` prints the same statements."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from helpers import query, run_cli, run_json, write_manifest

from stingerloom.dialects import get_dialect
from stingerloom.urls import DatabaseURL

DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", id="mysql", marks=pytest.mark.mysql),
]

# description with quotes, backslashes, newlines and a semicolon: stored byte for byte
DESCRIPTION = 'it\'s "quoted"; back\\slash \\\' and\nsecond line\ttab, unicode: ünï ☃'

MIGRATIONS = {
    "001_base.yaml": r"""
        description: "it's \"quoted\"; back\\slash \\' and\nsecond line\ttab, unicode: ünï ☃"
        up: |
          CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, note VARCHAR(200));
          CREATE INDEX items_name ON items (name);
          CREATE VIEW item_names AS SELECT name FROM items;
        down: |
          DROP VIEW item_names;
          DROP TABLE items;
        """,
    "002_routines.yaml": r"""
        description: compound bodies (DELIMITER for the mariadb client, dollar quotes for psql)
        up:
          mysql: |
            CREATE TRIGGER items_bi BEFORE INSERT ON items FOR EACH ROW
            BEGIN
              IF NEW.note IS NULL THEN
                SET NEW.note = 'none;yet';
              END IF;
            END;
            CREATE PROCEDURE add_item(IN n VARCHAR(100))
            BEGIN
              INSERT INTO items (id, name) VALUES (100, n);
              SELECT 'done; $$ //' AS msg;
            END;
          postgres: |
            CREATE FUNCTION items_note() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.note IS NULL THEN NEW.note := 'none;yet'; END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER items_bi BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION items_note();
          sqlite: |
            CREATE TRIGGER items_ai AFTER INSERT ON items WHEN NEW.note IS NULL
            BEGIN
              UPDATE items SET note = 'none;yet' WHERE id = NEW.id;
            END;
        down:
          mysql: DROP PROCEDURE add_item; DROP TRIGGER items_bi
          postgres: DROP TRIGGER items_bi ON items; DROP FUNCTION items_note()
          sqlite: DROP TRIGGER items_ai
        """,
    "003_data.yaml": r"""
        description: literals with quotes, backslashes and semicolons; a placeholder
        up:
          mysql: |
            INSERT INTO items (id, name, note) VALUES (1, 'O''Brien; \\ back', 'it\'s ${who}');
            INSERT INTO items (id, name) VALUES (2, 'plain');
          default: |
            INSERT INTO items (id, name, note) VALUES (1, 'O''Brien; \ back', 'it''s ${who}');
            INSERT INTO items (id, name) VALUES (2, 'plain');
        down:
          mysql: DELETE FROM items WHERE note = 'it\'s ${who}' OR id IN (1, 2)
          postgres: DELETE FROM items WHERE note = E'it\'s ${who}' OR id IN (1, 2)
          sqlite: DELETE FROM items WHERE name = 'O''Brien; \ back' OR id IN (1, 2)
        """,
    "004_index.yaml": r"""
        transaction: false
        up:
          postgres: CREATE INDEX CONCURRENTLY items_note ON items (note)
          default: CREATE INDEX items_note ON items (note)
        down:
          postgres: DROP INDEX CONCURRENTLY items_note
          mysql: DROP INDEX items_note ON items
          sqlite: DROP INDEX items_note
        """,
}

HISTORY_COLUMNS = ("id", "description", "checksum", "down_sql", "state", "statements_done", "statements_total",
                   "batch", "rank", "operation")


def need(what: str) -> None:
    """A missing client fails the test in CI (.ci/run installs it), and skips it elsewhere."""
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(what)
    pytest.skip(what)


def run_client(url: str, script: str) -> subprocess.CompletedProcess:
    """Run ``script`` (a file) with the database's own command-line client, as a DBA would."""
    u = DatabaseURL.parse(url)
    env = dict(os.environ)
    if u.dialect == "sqlite":
        sqlite3 = shutil.which("sqlite3")
        if sqlite3 is None:
            need("the sqlite3 command-line shell is not installed (Debian package sqlite3; .ci/run installs it)")
        with open(script, "rb") as f:
            return subprocess.run([sqlite3, u.database], stdin=f, capture_output=True, text=True, timeout=60)
    if u.dialect == "postgres":
        from servers import find_postgres_bindir

        env["PGPASSWORD"] = u.password or ""
        cmd = [os.path.join(find_postgres_bindir(), "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
               "-h", u.host, "-p", str(u.port), "-U", u.user, "-d", u.database, "-f", script]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        need("the mariadb client is not installed (Debian package mariadb-client)")
    env["MYSQL_PWD"] = u.password or ""
    with open(script, "rb") as f:
        return subprocess.run([client, "--protocol=tcp", "-h", u.host, "-P", str(u.port), "-u", u.user,
                               u.database], stdin=f, capture_output=True, text=True, env=env, timeout=60)


def applied_both_ways(manifest, dialect: str, fresh_database, tmp_path) -> tuple[str, str]:
    """Two new databases: the tool applies ``manifest`` to the first; the script it writes for the second
    is run there by the database's own client. Returns (by_tool, by_script)."""
    by_tool, by_script = fresh_database(dialect), fresh_database(dialect)
    assert run_cli("apply", str(manifest), "--database", by_tool).returncode == 0
    script = tmp_path / "apply.sql"
    proc = run_cli("apply", str(manifest), "--database", by_script, "--script", str(script))
    assert proc.returncode == 0, proc.stderr
    ran = run_client(by_script, str(script))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return by_tool, by_script


def schema(url: str) -> dict:
    """Tables, columns, indexes, views, triggers and routines, comparable between two databases."""
    with get_dialect(url) as d:
        if d.name == "sqlite":
            rows = d.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            return {"objects": rows}
        if d.name == "postgres":
            s = "table_schema = current_schema()"
            return {
                "columns": d.execute(f"SELECT table_name, column_name, data_type, is_nullable, column_default "
                                     f"FROM information_schema.columns WHERE {s} ORDER BY 1, ordinal_position"),
                "indexes": d.execute("SELECT tablename, indexname, indexdef FROM pg_indexes "
                                     "WHERE schemaname = current_schema() ORDER BY 2"),
                "views": d.execute(f"SELECT table_name, view_definition FROM information_schema.views WHERE {s}"),
                "triggers": d.execute("SELECT trigger_name, event_manipulation, action_statement FROM "
                                      "information_schema.triggers WHERE trigger_schema = current_schema()"),
                "routines": d.execute("SELECT routine_name, routine_definition FROM information_schema.routines "
                                      "WHERE routine_schema = current_schema()"),
            }
        db = d.execute("SELECT DATABASE()")[0][0]

        def strip(rows):  # view and routine texts name their database
            return [tuple(str(v).replace(db, "DB") if v is not None else None for v in r) for r in rows]

        s = "table_schema = DATABASE()"
        return {
            "columns": d.execute(f"SELECT table_name, column_name, column_type, is_nullable, column_default, "
                                 f"engine FROM information_schema.columns JOIN information_schema.tables "
                                 f"USING (table_schema, table_name) WHERE {s} ORDER BY 1, ordinal_position"),
            "indexes": d.execute(f"SELECT table_name, index_name, column_name, seq_in_index, non_unique FROM "
                                 f"information_schema.statistics WHERE {s} ORDER BY 1, 2, 4"),
            "views": strip(d.execute(f"SELECT table_name, view_definition FROM information_schema.views WHERE {s}")),
            "triggers": d.execute("SELECT trigger_name, action_timing, event_manipulation, action_statement FROM "
                                  "information_schema.triggers WHERE trigger_schema = DATABASE()"),
            "routines": strip(d.execute("SELECT routine_name, routine_type, routine_definition FROM "
                                        "information_schema.routines WHERE routine_schema = DATABASE()")),
        }


def history_rows(url: str) -> list[tuple]:
    with get_dialect(url) as d:
        if not d.history_exists():
            return []
        cols = ", ".join(d.quote(c) for c in HISTORY_COLUMNS)
        return d.execute(f"SELECT {cols} FROM {d.history_ref()} ORDER BY {d.quote('rank')}")


def snapshot(url: str) -> tuple:
    return schema(url), history_rows(url), query(url, "SELECT id, name, note FROM items ORDER BY id")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_scripts_run_by_the_databases_client_match_apply_and_rollback(dialect, fresh_database, tmp_path):
    manifest = write_manifest(tmp_path / "db", MIGRATIONS)
    by_tool, by_script = fresh_database(dialect), fresh_database(dialect)
    sets = ("--set", "who=Hara")

    # the tool applies one database; the script, written from the other, is run by the client
    proc = run_cli("apply", str(manifest), "--database", by_tool, *sets)
    assert proc.returncode == 0, proc.stderr
    script = tmp_path / "apply.sql"
    proc = run_cli("apply", str(manifest), "--database", by_script, "--script", str(script), *sets)
    assert proc.returncode == 0, proc.stderr
    assert history_rows(by_script) == [] and "wrote" in proc.stderr  # writing the script changed nothing
    text = script.read_text(encoding="utf-8")
    for mid in ("001_base", "002_routines", "003_data", "004_index"):
        assert mid in text.split("\n\n")[0]  # the header names each migration with its checksum
    assert "s3cr3t" not in text  # no password in the header
    if dialect == "mysql":
        assert "DELIMITER $$" in text and "DO GET_LOCK(" in text
    if dialect == "postgres":
        assert "SELECT pg_advisory_lock(" in text and "CREATE INDEX CONCURRENTLY" in text
    ran = run_client(by_script, str(script))
    assert ran.returncode == 0, ran.stdout + ran.stderr

    assert snapshot(by_script) == snapshot(by_tool)
    rows = history_rows(by_script)
    assert rows[0][1] == DESCRIPTION  # byte for byte, through the literal quoting
    assert [r[4:8] for r in rows] == [("applied", n, n, 1) for n in (3, 2 if dialect != "sqlite" else 1, 2, 1)]
    assert "\\'" in rows[2][3] if dialect != "sqlite" else "\\" in rows[2][3]  # the down SQL kept its backslash
    code, status = run_json("status", str(manifest), "--database", by_script, "--check", *sets)
    assert code == 0, status

    # a second run fails before changing anything
    before = snapshot(by_script)
    again = run_client(by_script, str(script))
    assert again.returncode != 0
    assert "001_base is already applied" in again.stdout + again.stderr
    assert snapshot(by_script) == before

    # rollback --steps 2: the tool on one, the script on the other
    proc = run_cli("rollback", str(manifest), "--database", by_tool, "--steps", "2", *sets)
    assert proc.returncode == 0, proc.stderr
    back = tmp_path / "rollback.sql"
    proc = run_cli("rollback", str(manifest), "--database", by_script, "--steps", "2", "--script", str(back), *sets)
    assert proc.returncode == 0, proc.stderr
    assert snapshot(by_script) == before
    ran = run_client(by_script, str(back))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert snapshot(by_script) == snapshot(by_tool)
    assert [r[0] for r in history_rows(by_script)] == ["001_base", "002_routines"]
    before = snapshot(by_script)
    again = run_client(by_script, str(back))
    assert again.returncode != 0 and "004_index is not applied" in again.stdout + again.stderr
    assert snapshot(by_script) == before


def test_script_to_stdout_and_refused_combinations(tmp_path):
    manifest = write_manifest(tmp_path / "db", {"001_a.yaml": "up: CREATE TABLE a (id INTEGER)\ndown: DROP TABLE a\n"})
    db = tmp_path / "x.db"
    proc = run_cli("apply", str(manifest), "--database", f"sqlite:///{db}", "--script", "-")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("-- stingerloom ") and "CREATE TABLE a (id INTEGER);" in proc.stdout
    assert not db.exists()  # planned read-only: not even an empty database file
    proc = run_cli("apply", str(manifest), "--database", f"sqlite:///{db}", "--script", "-", "--dry-run")
    assert proc.returncode == 2 and "--script and --dry-run cannot be combined" in proc.stderr
    proc = run_cli("rollback", str(manifest), "--script", str(tmp_path / "r.sql"), "--targets", "prod")
    assert proc.returncode == 2 and "--script cannot be combined with --targets" in proc.stderr
    proc = run_cli("apply", str(manifest), "--database", f"sqlite:///{db}", "--script",
                   str(tmp_path / "no" / "such" / "s.sql"))
    assert proc.returncode == 2 and "cannot write the script" in proc.stderr and "Traceback" not in proc.stderr


def test_dry_run_prints_the_script(tmp_path):
    manifest = write_manifest(tmp_path / "db", {"001_a.yaml": "up: CREATE TABLE a (id INTEGER)\ndown: DROP TABLE a\n"})
    url = f"sqlite:///{tmp_path / 'x.db'}"
    dry = run_cli("apply", str(manifest), "--database", url, "--dry-run")
    script = run_cli("apply", str(manifest), "--database", url, "--script", "-")
    assert dry.returncode == 0 and script.returncode == 0
    body = [line for line in script.stdout.splitlines() if not line.startswith("-- written ")]
    shown = [line for line in dry.stdout.splitlines() if not line.startswith("-- written ")]
    assert "\n".join(body) in "\n".join(shown)  # every line of the script, in order
    assert shown[0].startswith("-- dry run: 1 migration(s) would be applied")


HOSTILE = ["", "'", "''", "\\", "\\'", "a\\nb", "line\nbreak", "cr\r\nlf", "tab\t", "☃ ünï 𝄞", "$$", "$stingerloom$",
           "\x1a ctrl-z", "\x01", "-- not a comment", "/* nor this", ";", "%s %% %(x)s", "\\0", "?", ":name", "E'x'",
           "DELIMITER ;", "\\g"]


def test_sql_literals_of_every_dialect_mean_the_value(db_url):
    """Each dialect's literal quoting, read back by the real server, is the value byte for byte."""
    with get_dialect(db_url) as d:
        for value in HOSTILE:
            assert d.execute(f"SELECT {d.sql_literal(value)}")[0][0] == value, value
        assert d.sql_literal(None) == "NULL" and d.sql_literal(42) == "42"


def test_a_nul_character_is_refused_naming_the_migration(tmp_path):
    manifest = write_manifest(tmp_path / "db", {
        "001_a.yaml": 'description: "nul \\0 here"\nup: CREATE TABLE a (id INTEGER)\ndown: DROP TABLE a\n'})
    proc = run_cli("apply", str(manifest), "--database", f"sqlite:///{tmp_path / 'x.db'}", "--script", "-")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "001_a.yaml:1" in proc.stderr and "migration 001_a" in proc.stderr and "NUL" in proc.stderr


@pytest.mark.parametrize("dialect", DIALECTS)
def test_hostile_history_values_survive_the_client_byte_for_byte(dialect, fresh_database, tmp_path):
    import json

    description = "\n".join(HOSTILE)
    down = {"mysql": "DELETE FROM h WHERE v = 'it\\'s' OR v = '\\\\' OR v = ';'",
            "postgres": "DELETE FROM h WHERE v = E'it\\'s' OR v = '\\' OR v = $q$'$$;$q$",
            "sqlite": "DELETE FROM h WHERE v = 'it''s' OR v = '\\' OR v = ';'"}[dialect]
    manifest = write_manifest(tmp_path / "db", {"001_h.yaml": (
        f"description: {json.dumps(description, ensure_ascii=False)}\nup: CREATE TABLE h (v VARCHAR(50))\n"
        f"down: {json.dumps(down + chr(10) + '-- DELIMITER ;' + chr(10) + 'DROP TABLE h')}\n")})
    by_tool, by_script = applied_both_ways(manifest, dialect, fresh_database, tmp_path)
    rows = history_rows(by_script)
    assert rows == history_rows(by_tool)
    assert rows[0][1] == description and rows[0][3].startswith(down)


@pytest.mark.parametrize("dialect", [p for p in DIALECTS if p.values[0] != "sqlite"])
def test_a_script_run_in_another_database_stops_first(dialect, fresh_database, tmp_path):
    manifest = write_manifest(tmp_path / "db", {"001_a.yaml": "up: CREATE TABLE a (id INTEGER)\ndown: DROP TABLE a\n"})
    written_for, other = fresh_database(dialect), fresh_database(dialect)
    script = tmp_path / "apply.sql"
    assert run_cli("apply", str(manifest), "--database", written_for, "--script", str(script)).returncode == 0
    ran = run_client(other, str(script))
    assert ran.returncode != 0 and "this script was written for database" in ran.stdout + ran.stderr
    assert history_rows(other) == [] and history_rows(written_for) == []
    assert query(other, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'a'")[0][0] == 0


def test_script_refuses_a_repeatable_and_writes_up_to_it(tmp_path):
    manifest = write_manifest(tmp_path / "db", {
        "001_t.yaml": "up: CREATE TABLE t (a INTEGER)\ndown: DROP TABLE t\n",
        "v.yaml": "repeatable: true\nup: CREATE VIEW v AS SELECT a FROM t\ndown: DROP VIEW v\n"})
    url = f"sqlite:///{tmp_path / 'x.db'}"
    proc = run_cli("apply", str(manifest), "--database", url, "--script", "-")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "v.yaml:1" in proc.stderr and "repeatable migration v" in proc.stderr and "Traceback" not in proc.stderr
    script = tmp_path / "to.sql"
    proc = run_cli("apply", str(manifest), "--database", url, "--script", str(script), "--to", "001_t")
    assert proc.returncode == 0 and "CREATE TABLE t (a INTEGER);" in script.read_text(), proc.stderr
    # run, it leaves what `apply --to 001_t` leaves (the empty _versions table included)
    assert run_client(url, str(script)).returncode == 0
    tool = f"sqlite:///{tmp_path / 'tool.db'}"
    assert run_cli("apply", str(manifest), "--database", tool, "--to", "001_t").returncode == 0
    assert (schema(url), history_rows(url)) == (schema(tool), history_rows(tool))
    assert "__migrations_versions" in str(schema(url))
    dry = run_cli("apply", str(manifest), "--database", url, "--dry-run")
    assert dry.returncode == 0 and "v.yaml:1), in one transaction; repeatable, applied for the first time" in dry.stdout
    assert "CREATE VIEW v AS SELECT a FROM t;" in dry.stdout


def test_rollback_script_refusing_a_repeatable_names_the_rollback_that_stops_before_it(tmp_path):
    manifest = write_manifest(tmp_path / "db", {
        "001_t.yaml": "up: CREATE TABLE t (a INTEGER)\ndown: DROP TABLE t\n",
        "v.yaml": "repeatable: true\nup: CREATE VIEW v AS SELECT a FROM t\ndown: DROP VIEW v\n",
        "002_u.yaml": "up: CREATE TABLE u (b INTEGER)\ndown: DROP TABLE u\n"})
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert run_cli("apply", str(manifest), "--database", url, "--to", "v").returncode == 0
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    proc = run_cli("rollback", str(manifest), "--database", url, "--steps", "2", "--script", "-")
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert "v.yaml:1: --script cannot roll back repeatable migration v" in proc.stderr
    # the way out it names works: --to the repeatable keeps it and reverts what came after it
    assert "roll it back with stingerloom itself (without --script), or `--to v`" in proc.stderr
    assert "a migration before it" not in proc.stderr
    script = tmp_path / "r.sql"
    assert run_cli("rollback", str(manifest), "--database", url, "--to", "v", "--script", str(script)).returncode == 0
    assert run_client(url, str(script)).returncode == 0
    assert [r[0] for r in query(url, "SELECT id FROM __migrations ORDER BY id")] == ["001_t", "v"]


def test_dry_run_keeps_a_secret_placeholder_as_written_and_the_script_holds_its_value(tmp_path):
    manifest = write_manifest(tmp_path / "db", {
        "001_a.yaml": "up: |\n  CREATE TABLE a (id INTEGER, p VARCHAR(20));\n  INSERT INTO a VALUES (1, '${app_password}');\n"
                      "down: UPDATE a SET p = '${app_password}';\n"})
    url = f"sqlite:///{tmp_path / 'x.db'}"
    for fmt in ("text", "json"):
        proc = run_cli("apply", str(manifest), "--database", url, "--set", "app_password=hunter2", "--dry-run",
                       "--format", fmt)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr
        assert "hunter2" not in proc.stdout + proc.stderr and "'${app_password}'" in proc.stdout
    script = tmp_path / "a.sql"
    proc = run_cli("apply", str(manifest), "--database", url, "--set", "app_password=hunter2", "--script", str(script))
    assert proc.returncode == 0 and "hunter2" not in proc.stdout + proc.stderr
    assert "'hunter2'" in script.read_text()  # what runs: the value
    assert run_client(url, str(script)).returncode == 0
    assert query(url, "SELECT p FROM a") == [("hunter2",)]


def test_an_empty_down_says_once_that_only_the_history_row_goes(tmp_path):
    # `-- migrate:down` with nothing under it is a deliberate no-op, not SQL missing "for this dialect"
    manifest = write_manifest(tmp_path / "db", {"001_a.sql": "-- migrate:up\nCREATE TABLE a (id INTEGER);\n"
                                                             "-- migrate:down\n\n"})
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    proc = run_cli("rollback", str(manifest), "--database", url, "--dry-run")
    assert proc.returncode == 0 and "for this dialect" not in proc.stdout
    assert proc.stdout.count("(no statements") == 1 and "only the history row is removed" in proc.stdout
    script = tmp_path / "r.sql"
    assert run_cli("rollback", str(manifest), "--database", url, "--script", str(script)).returncode == 0
    assert run_client(url, str(script)).returncode == 0
    assert query(url, "SELECT COUNT(*) FROM __migrations") == [(0,)]


SESSION_CHANGES = {
    "postgres": "SET default_transaction_read_only = on;\n  SET ROLE NONE;\n  SET search_path = pg_catalog;",
    # not LOCK TABLES or SET SESSION TRANSACTION READ ONLY: the script's own progress update after the
    # statement would fail (the tool writes it on a second connection; see the README)
    "mysql": "CREATE TABLE a (id int);\n  SET SESSION sql_mode = 'ANSI_QUOTES';\n  USE information_schema;",
}
NEXT = {"postgres": "CREATE TABLE t (id int, name varchar(5) DEFAULT 'x')",
        "mysql": 'CREATE TABLE t (id int, name varchar(5) DEFAULT "x")'}  # a string only without ANSI_QUOTES


@pytest.mark.parametrize("dialect", [p for p in DIALECTS if p.values[0] != "sqlite"])
def test_a_scripts_migration_that_changes_the_session_does_not_reach_the_next_one(dialect, fresh_database,
                                                                                 tmp_path):
    """As with the tool (tests/test_dba_walk.py): after a migration's SET / USE / LOCK TABLES the script
    puts the session back, so the next migration and the history writes run as they would with
    stingerloom itself."""
    manifest = write_manifest(tmp_path / "db", {
        "001.yaml": f"up: |\n  {SESSION_CHANGES[dialect]}\ndown: SELECT 1;\n",
        "002.yaml": f"up: |\n  {NEXT[dialect]};\ndown: DROP TABLE t;\n",
    })
    by_tool, by_script = applied_both_ways(manifest, dialect, fresh_database, tmp_path)
    assert [r[:5] for r in history_rows(by_script)] == [r[:5] for r in history_rows(by_tool)]
    assert [r[4] for r in history_rows(by_script)] == ["applied", "applied"]
    assert schema(by_script) == schema(by_tool)
    back = tmp_path / "rollback.sql"
    proc = run_cli("rollback", str(manifest), "--database", by_script, "--steps", "2", "--script", str(back))
    assert proc.returncode == 0, proc.stderr
    ran = run_client(by_script, str(back))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert history_rows(by_script) == []
