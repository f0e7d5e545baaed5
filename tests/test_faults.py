"""Faults and hostile use (issue 8, items 12-15, 17, 19, 20): transaction control inside a migration,
infrastructure failures, foreign locks, permissions, Ctrl-C. Everything through the CLI, on real
databases."""

from __future__ import annotations

import pytest
from helpers import history, run_cli, tables, write_manifest


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
