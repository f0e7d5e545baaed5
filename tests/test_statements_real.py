"""SQL that needs the splitter and the transaction modes right, run for real on each database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import history, query, run_cli, run_json, tables, write_manifest

from stingerloom import MigrationRunner, load_manifest

ROOT = Path(__file__).resolve().parent.parent


def test_examples_apply_and_roll_back(db_url, tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    manifest = tmp_path / "examples" / "manifest.toml"
    code, out = run_json("apply", str(manifest), "--database", db_url)
    assert code == 0, out
    assert [r["id"] for r in out["results"]] == [
        "001_create_accounts", "002a_create_audit_log", "002b_index_audit_log", "003_per_dialect_trigger"]
    query(db_url, "INSERT INTO accounts (id, owner, balance) VALUES (7, 'ada', 10)")
    assert query(db_url, "SELECT account_id, note FROM audit_log") == [(7, "created; welcome")]  # the trigger ran
    code, out = run_json("rollback", str(manifest), "--all", "--database", db_url)
    assert code == 0 and len(out["results"]) == 4
    assert tables(db_url) == {"__migrations"}


@pytest.mark.postgres
def test_postgres_bodies_and_concurrent_index(fresh_database, tmp_path):
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001_bodies.yaml": r"""
            up: |
              CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT);
              CREATE FUNCTION note_of(i INTEGER) RETURNS TEXT AS $fn$
              BEGIN
                RETURN (SELECT note FROM t WHERE id = i); -- a ; inside the body
              END;
              $fn$ LANGUAGE plpgsql;
              DO $$
              BEGIN
                INSERT INTO t VALUES (1, E'it\'s; done');
              END
              $$;
            down: |
              DROP FUNCTION note_of(INTEGER);
              DROP TABLE t;
            """,
        "002_index.yaml": """
            transaction: false
            up: CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_t_note ON t (note)
            down: DROP INDEX CONCURRENTLY IF EXISTS idx_t_note
            """,
    })
    proc = run_cli("apply", str(manifest), "--database", url)
    assert proc.returncode == 0, proc.stderr
    assert query(url, "SELECT note_of(1)") == [("it's; done",)]
    assert query(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_t_note'::regclass") == [(True,)]
    assert [r[:2] for r in history(url)] == [("001_bodies", "applied"), ("002_index", "applied")]
    assert run_cli("rollback", str(manifest), "--all", "--database", url).returncode == 0
    assert tables(url) == {"__migrations"}


@pytest.mark.postgres
def test_postgres_concurrent_index_in_a_transaction_fails_cleanly(fresh_database, tmp_path):
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001_t.yaml": "up: CREATE TABLE t (id INTEGER)\ndown: DROP TABLE t\n",
        "002_idx.yaml": "up: |\n  CREATE TABLE marker (id INTEGER);\n  CREATE INDEX CONCURRENTLY idx_t ON t (id);\ndown: DROP INDEX idx_t\n",
    })
    proc = run_cli("apply", str(manifest), "--database", url)
    assert proc.returncode == 1
    assert "002_idx.yaml:3:3" in proc.stderr
    assert "cannot run inside a transaction block" in proc.stderr
    assert tables(url) == {"__migrations", "t"}  # the failed migration's first statement is gone too


@pytest.mark.postgres
def test_postgres_error_position_inside_the_statement(fresh_database, tmp_path):
    url = fresh_database("postgres")
    manifest = write_manifest(tmp_path, {
        "001_bad.yaml": "up: |\n  CREATE TABLE t (\n    id INTEGER,\n    name TEXT NOT NUL\n  );\ndown: DROP TABLE t\n",
    })
    proc = run_cli("apply", str(manifest), "--database", url)
    assert proc.returncode == 1
    # line 4 of the file holds `    name TEXT NOT NUL`; the server points at the bad token, column 19
    assert "001_bad.yaml:4:19" in proc.stderr, proc.stderr


@pytest.mark.mysql
def test_mysql_trigger_and_procedure_without_delimiter(fresh_database, tmp_path):
    url = fresh_database("mysql")
    manifest = write_manifest(tmp_path, {
        "001_bodies.yaml": """
            up: |
              CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL DEFAULT 0);
              CREATE TABLE log (id INT, msg VARCHAR(50));
              CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW
              BEGIN
                IF NEW.n > 10 THEN
                  INSERT INTO log VALUES (NEW.id, 'big; really');
                ELSE
                  INSERT INTO log VALUES (NEW.id, 'small');
                END IF;
              END;
              CREATE PROCEDURE add_row(IN i INT)
              BEGIN
                DECLARE k INT DEFAULT 0;
                WHILE k < 2 DO
                  SET k = k + 1;
                END WHILE;
                INSERT INTO t VALUES (i, k * 10);
              END;
            down: |
              DROP PROCEDURE add_row;
              DROP TRIGGER t_ai;
              DROP TABLE log;
              DROP TABLE t;
            """,
    })
    proc = run_cli("apply", str(manifest), "--database", url)
    assert proc.returncode == 0, proc.stderr
    query(url, "CALL add_row(5)")
    assert query(url, "SELECT id, msg FROM log") == [(5, "big; really")]
    assert history(url) == [("001_bodies", "applied", 4, 4)]


def test_delimiter_is_refused_before_anything_runs(db_url, tmp_path):
    manifest = write_manifest(tmp_path, {
        "001_ok.yaml": "up: CREATE TABLE ok_t (id INTEGER)\ndown: DROP TABLE ok_t\n",
        "002_delim.yaml": "up: |\n  DELIMITER //\n  CREATE TABLE x (id INTEGER)//\n  DELIMITER ;\ndown: DROP TABLE x\n",
    })
    proc = run_cli("apply", str(manifest), "--database", db_url)
    assert proc.returncode == 2
    assert "002_delim.yaml:2:3" in proc.stderr and "DELIMITER" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert tables(db_url) <= {"__migrations"}  # planned first: not even 001 ran


def test_transaction_false_on_sqlite_runs_pragmas(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    manifest = write_manifest(tmp_path, {
        "001_fk.yaml": """
            transaction: false
            up: |
              PRAGMA foreign_keys = ON;
              CREATE TABLE parent (id INTEGER PRIMARY KEY);
            down: DROP TABLE parent
            """,
    })
    runner = MigrationRunner(load_manifest(manifest).migrations, database=url)
    [r] = runner.run()
    assert r.success
    assert history(url) == [("001_fk", "applied", 2, 2)]
