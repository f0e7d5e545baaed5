"""Repeatable migrations and the out-of-order policy (SPEC §10), through the CLI on every database."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import history, query, run_cli, run_json, tables, write_manifest

TABLE = """
    up: |
      CREATE TABLE t (a INTEGER);
      INSERT INTO t (a) VALUES (1);
    down: DROP TABLE t;
"""


def view(expr: str) -> str:
    """A repeatable view ``v`` whose column ``x`` is ``expr`` over t (DROP + CREATE works everywhere)."""
    return f"""
        repeatable: true
        up: |
          DROP VIEW IF EXISTS v;
          CREATE VIEW v AS SELECT {expr} AS x FROM t;
        down: DROP VIEW v;
    """


def x(url: str) -> int:
    return int(query(url, "SELECT x FROM v")[0][0])


def states(manifest: Path, url: str, *extra: str) -> dict:
    code, data = run_json("status", str(manifest), "--database", url, *extra)
    assert code == 0, data
    return {m["id"]: m for m in data["migrations"]}


def versions(url: str) -> list:
    return query(url, 'SELECT id, "rank" FROM __migrations_versions ORDER BY "rank"'
                 if not url.startswith("mysql") else "SELECT id, `rank` FROM __migrations_versions ORDER BY `rank`")


def test_edited_view_is_reapplied_and_rolled_back_to_its_previous_definition(db_url, tmp_path):
    manifest = write_manifest(tmp_path, {"001_t.yaml": TABLE, "v.yaml": view("a")})
    assert run_cli("apply", str(manifest), "--database", db_url).returncode == 0
    assert x(db_url) == 1
    assert states(manifest, db_url)["v"]["state"] == "applied"

    (tmp_path / "v.yaml").write_text(view("a + 100"))  # the view's definition is edited in place
    st = states(manifest, db_url)["v"]
    assert (st["state"], st["reason"], st["repeatable"]) == ("outdated", "its SQL changed", True)
    proc = run_cli("status", str(manifest), "--database", db_url)
    assert "outdated (its SQL changed)" in proc.stdout and "modified" not in proc.stdout

    code, plan = run_json("apply", str(manifest), "--database", db_url, "--dry-run")
    assert code == 0 and [(r["id"], r["reason"]) for r in plan["results"]] == [("v", "its SQL changed")]
    assert x(db_url) == 1  # a dry run changes nothing

    code, out = run_json("apply", str(manifest), "--database", db_url)
    assert code == 0 and [r["id"] for r in out["results"]] == ["v"]  # only the view, not 001_t again
    assert x(db_url) == 101
    assert [h[0] for h in history(db_url)] == ["001_t", "v"]
    assert states(manifest, db_url)["v"]["state"] == "applied"
    assert len(versions(db_url)) == 2  # both definitions are kept

    proc = run_cli("rollback", str(manifest), "--database", db_url, "--dry-run")
    assert proc.returncode == 0 and "re-applies its previous definition" in proc.stdout
    assert "SELECT a AS x FROM t" in proc.stdout and "a + 100" not in proc.stdout
    code, out = run_json("rollback", str(manifest), "--database", db_url, "--steps", "1")
    assert code == 0 and [r["id"] for r in out["results"]] == ["v"]
    assert x(db_url) == 1  # the previous definition is back
    assert [h[0] for h in history(db_url)] == ["001_t", "v"]
    assert states(manifest, db_url)["v"]["state"] == "outdated"  # the file holds the newer definition

    code, out = run_json("rollback", str(manifest), "--database", db_url, "--steps", "1")
    assert code == 0 and [r["id"] for r in out["results"]] == ["v"]  # the first application: its down runs
    assert [h[0] for h in history(db_url)] == ["001_t"]
    assert versions(db_url) == []
    assert query(db_url, "SELECT a FROM t") == [(1,)]  # the table stayed
    assert states(manifest, db_url)["v"]["state"] == "pending"


def test_a_previous_definition_that_fails_again_says_to_go_back_through_the_file(db_url, tmp_path):
    # rollback re-runs the stored previous definition; when it fails, the way out is to edit the
    # file and apply, never "correct the file's down and repair --accept" (which changes nothing)
    seed = "repeatable: true\nup: INSERT INTO k (a) VALUES (5);\ndown: DELETE FROM k WHERE a = 5;\n"
    manifest = write_manifest(tmp_path, {"001_k.yaml": "up: CREATE TABLE k (a INTEGER PRIMARY KEY);\n"
                                                       "down: DROP TABLE k;\n", "r.yaml": seed})
    assert run_cli("apply", str(manifest), "--database", db_url).returncode == 0
    (tmp_path / "r.yaml").write_text(seed.replace("(5)", "(6)"))
    assert run_cli("apply", str(manifest), "--database", db_url).returncode == 0
    proc = run_cli("rollback", str(manifest), "--database", db_url)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "r (previous definition stored in the history):1:1" in proc.stderr
    assert "r keeps its current definition" in proc.stderr
    assert "r.yaml so that it can run over the current one" in proc.stderr and f"stingerloom apply {manifest}" in proc.stderr
    assert "--accept" not in proc.stderr and "correct the file's down" not in proc.stderr
    assert query(db_url, "SELECT a FROM k ORDER BY a") == [(5,), (6,)]  # nothing was reverted
    assert states(manifest, db_url)["r"]["state"] == "applied"


def test_a_repeatable_failing_under_to_names_the_versioned_migrations_it_left_out(db_url, tmp_path):
    # listed first, the view needs the table of 001_t, which `--to v` leaves out
    seed = "repeatable: true\nup: INSERT INTO t (a) VALUES (7);\ndown: DELETE FROM t WHERE a = 7;\n"
    manifest = write_manifest(tmp_path, {"r.yaml": seed, "001_t.yaml": TABLE, "v.yaml": view("a")})
    proc = run_cli("apply", str(manifest), "--database", db_url, "--to", "r")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "r.yaml:" in proc.stderr
    assert "--to r left out pending migration(s) 001_t: if r reads what they create, apply them first" in proc.stderr
    assert history(db_url) == []
    # the way out it names works
    assert run_cli("apply", str(manifest), "--database", db_url).returncode == 0 and x(db_url) == 1
    assert query(db_url, "SELECT a FROM t ORDER BY a") == [(1,), (7,)]


def test_a_changed_placeholder_value_reapplies_a_repeatable(db_url, tmp_path):
    manifest = write_manifest(tmp_path, {"001_t.yaml": TABLE, "v.yaml": view("a + ${offset}")})
    assert run_cli("apply", str(manifest), "--database", db_url, "--set", "offset=5").returncode == 0
    assert x(db_url) == 6
    assert states(manifest, db_url, "--set", "offset=5")["v"]["state"] == "applied"
    st = states(manifest, db_url, "--set", "offset=7")["v"]
    assert (st["state"], st["reason"]) == ("outdated", "a placeholder value changed")
    code, out = run_json("apply", str(manifest), "--database", db_url, "--set", "offset=7")
    assert code == 0 and [r["id"] for r in out["results"]] == ["v"]
    assert x(db_url) == 8
    assert states(manifest, db_url, "--set", "offset=7")["v"]["state"] == "applied"
    assert run_cli("rollback", str(manifest), "--database", db_url).returncode == 0
    assert x(db_url) == 6  # the SQL that ran with the old value is what comes back


def test_repeatables_run_after_every_versioned_migration_of_the_run(db_url, tmp_path):
    # the view is listed first, but needs the table: it runs after the versioned migrations
    manifest = write_manifest(tmp_path, {"v.yaml": view("a * 2"), "001_t.yaml": TABLE})
    code, out = run_json("apply", str(manifest), "--database", db_url)
    assert code == 0 and [r["id"] for r in out["results"]] == ["001_t", "v"]
    assert x(db_url) == 2
    # a new versioned migration listed after an applied repeatable is not out of order, and the
    # repeatable never is: nothing is refused
    (tmp_path / "002_u.yaml").write_text("up: CREATE TABLE u (b INTEGER);\ndown: DROP TABLE u;\n")
    manifest.write_text(manifest.read_text() + "  - 002_u.yaml\n")
    code, out = run_json("apply", str(manifest), "--database", db_url)
    assert code == 0 and [r["id"] for r in out["results"]] == ["002_u"]
    assert "out_of_order" not in out


def test_sql_file_repeatable_marker(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    (tmp_path / "001_t.yaml").write_text(TABLE.replace("\n    ", "\n").lstrip("\n"))
    (tmp_path / "v.sql").write_text("-- migrate:up repeatable:true\nDROP VIEW IF EXISTS v;\n"
                                    "CREATE VIEW v AS SELECT a AS x FROM t;\n-- migrate:down\nDROP VIEW v;\n")
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("stingerloom: 1\nmigrations:\n  - 001_t.yaml\n  - v.sql\n")
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    (tmp_path / "v.sql").write_text((tmp_path / "v.sql").read_text().replace("a AS x", "a + 1 AS x"))
    assert states(manifest, url)["v"]["state"] == "outdated"
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    assert x(url) == 2


def _late_migration(tmp_path: Path, url: str) -> Path:
    """001 and 003 applied, then 002 merged late and listed between them."""
    files = {"001_a.yaml": "up: CREATE TABLE a1 (id INTEGER);\ndown: DROP TABLE a1;\n",
             "003_c.yaml": "up: CREATE TABLE c3 (id INTEGER);\ndown: DROP TABLE c3;\n"}
    manifest = write_manifest(tmp_path, files)
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    (tmp_path / "002_b.yaml").write_text("up: CREATE TABLE b2 (id INTEGER);\ndown: DROP TABLE b2;\n")
    manifest.write_text("stingerloom: 1\nmigrations:\n  - 001_a.yaml\n  - 002_b.yaml\n  - 003_c.yaml\n")
    return manifest


def _config(tmp_path: Path, url: str, rule: str | None) -> None:
    line = f'out_of_order = "{rule}"\n' if rule else ""
    (tmp_path / "stingerloom.toml").write_text(f'default_env = "x"\n[environments.x]\ndatabase = "{url}"\n{line}')


def test_out_of_order_is_refused_by_default(db_url, tmp_path):
    manifest = _late_migration(tmp_path, db_url)
    assert "__migrations_versions" not in tables(db_url)  # only a manifest with repeatables makes it
    st = states(manifest, db_url)["002_b"]
    assert st["state"] == "pending" and st["out_of_order"] is True
    proc = run_cli("status", str(manifest), "--database", db_url)
    assert "pending (out of order)" in proc.stdout and "002_b" in proc.stderr

    proc = run_cli("apply", str(manifest), "--database", db_url)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "002_b" in proc.stderr and "002_b.yaml" in proc.stderr and "listed before 003_c" in proc.stderr
    assert "out_of_order" in proc.stderr and "--mark-applied 002_b" in proc.stderr
    assert [h[0] for h in history(db_url)] == ["001_a", "003_c"]  # nothing ran
    assert "b2" not in tables(db_url)
    # a dry run tells the same before anything
    assert run_cli("apply", str(manifest), "--database", db_url, "--dry-run").returncode == 1

    # the same with a configuration that leaves the default
    _config(tmp_path, db_url, None)
    proc = run_cli("apply", str(manifest), cwd=tmp_path)
    assert proc.returncode == 1 and "listed before 003_c" in proc.stderr

    # the third way out: record it as applied
    assert run_cli("repair", str(manifest), "--database", db_url, "--mark-applied", "002_b").returncode == 0
    assert run_cli("apply", str(manifest), "--database", db_url).returncode == 0


def test_status_check_does_not_tell_to_apply_what_apply_refuses(tmp_path):
    url = f"sqlite:///{tmp_path / 'o.db'}"
    manifest = _late_migration(tmp_path, url)
    proc = run_cli("status", str(manifest), "--database", url, "--check")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    gate = next(line for line in proc.stderr.splitlines() if "not ready to deploy" in line)
    assert "apply them" not in gate  # apply refuses 002_b: the ways out of that come first
    assert "002_b listed before applied migrations" in gate and "--mark-applied" in gate
    assert run_cli("apply", str(manifest), "--database", url).returncode == 1
    _config(tmp_path, url, "apply")  # allowed: then "apply" is the way
    proc = run_cli("status", str(manifest), "--check", cwd=tmp_path)
    assert proc.returncode == 1 and "1 pending (002_b): apply them" in proc.stderr


def test_a_script_that_applies_out_of_order_warns_as_apply_does(tmp_path):
    url = f"sqlite:///{tmp_path / 'o.db'}"
    manifest = _late_migration(tmp_path, url)
    _config(tmp_path, url, "warn")
    script = tmp_path / "o.sql"
    proc = run_cli("apply", str(manifest), "--script", str(script), cwd=tmp_path)
    assert proc.returncode == 0 and "CREATE TABLE b2" in script.read_text()
    assert "warning: the script applies out of order" in proc.stderr and "002_b" in proc.stderr
    code, out = run_json("apply", str(manifest), "--script", str(script), cwd=tmp_path)
    assert code == 0 and out["out_of_order"] == ["002_b"] and out["migrations"] == 1


def test_out_of_order_warn_applies_with_a_warning(db_url, tmp_path):
    manifest = _late_migration(tmp_path, db_url)
    _config(tmp_path, db_url, "warn")
    proc = run_cli("apply", str(manifest), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "warning: applied out of order" in proc.stderr and "002_b" in proc.stderr
    assert [h[0] for h in history(db_url)] == ["001_a", "003_c", "002_b"]
    code, out = run_json("status", str(manifest), cwd=tmp_path)
    assert all(m["state"] == "applied" and "out_of_order" not in m for m in out["migrations"])


def test_out_of_order_apply_applies_silently(db_url, tmp_path):
    manifest = _late_migration(tmp_path, db_url)
    _config(tmp_path, db_url, "apply")
    proc = run_cli("apply", str(manifest), cwd=tmp_path)
    assert proc.returncode == 0 and "warning" not in proc.stderr and "out of order" not in proc.stderr
    assert [h[0] for h in history(db_url)] == ["001_a", "003_c", "002_b"]


def test_out_of_order_json_names_what_ran(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    manifest = _late_migration(tmp_path, url)
    _config(tmp_path, url, "warn")
    code, out = run_json("apply", str(manifest), cwd=tmp_path)
    assert code == 0 and [r["id"] for r in out["results"]] == ["002_b"] and out["out_of_order"] == ["002_b"]


@pytest.mark.mysql
def test_a_failed_reapplication_on_mysql_goes_back_to_the_previous_definition_with_remove(fresh_database, tmp_path):
    """MySQL DDL has no transaction: a re-application that fails at its second statement leaves the row
    dirty. The advice says a repeatable runs whole again (nothing to revert by hand), and `repair
    --remove` goes back to its previous application (it used to forget every earlier definition, so
    a rollback could no longer restore the first one)."""
    url = fresh_database("mysql")
    two = ("repeatable: true\nup: |\n  DROP VIEW IF EXISTS v;\n  CREATE VIEW v AS SELECT {} AS x FROM t;\n"
           "down: DROP VIEW v;\n")
    manifest = write_manifest(tmp_path, {"001_t.yaml": TABLE, "v.yaml": two.format("a")})
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    (tmp_path / "v.yaml").write_text(two.format("nosuch"))
    proc = run_cli("apply", str(manifest), "--database", url)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "It is repeatable, so it runs whole again" in proc.stderr, proc.stderr
    assert f"repair {manifest} --remove v (the history goes back to its previous application" in proc.stderr
    assert "revert statement 1 by hand" not in proc.stderr
    assert states(manifest, url)["v"]["state"] == "dirty"

    (tmp_path / "v.yaml").write_text(two.format("a + 100"))  # fixed
    code, out = run_json("repair", str(manifest), "--database", url, "--remove", "v")
    assert code == 0 and out["removed"] == ["v"], out
    assert "previous application again" in out["changes"][0]["detail"]
    st = states(manifest, url)["v"]
    assert (st["state"], st["reason"]) == ("outdated", "its SQL changed")
    assert len(versions(url)) == 1  # the failed attempt's SQL is gone, the first definition stays
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    assert x(url) == 101
    assert run_cli("rollback", str(manifest), "--database", url).returncode == 0
    assert x(url) == 1  # the first definition came back
