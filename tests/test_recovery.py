"""Day-2 operations through the CLI on every database (SPEC §7): rollback scope, rollback --dry-run,
repair, the states `status` shows (running, invalid, baselined, applied_by), `status --check`, and
the advice given for each dirty state."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import history, query, run_cli, run_json, tables, write_manifest

A = {
    "001_a_users.yaml": """
        description: users of A
        up: CREATE TABLE a_users (id INTEGER PRIMARY KEY)
        down: DROP TABLE a_users
        """,
    "002_a_orders.yaml": """
        up: CREATE TABLE a_orders (id INTEGER PRIMARY KEY)
        down: DROP TABLE a_orders
        """,
}
B = {
    "001_b_items.yaml": """
        up: CREATE TABLE b_items (id INTEGER PRIMARY KEY)
        down: DROP TABLE b_items
        """,
    "002_b_tags.yaml": """
        up: CREATE TABLE b_tags (id INTEGER PRIMARY KEY)
        down: DROP TABLE b_tags
        """,
}


def _two_manifests(tmp_path: Path, db: str) -> tuple[Path, Path]:
    """A's migrations applied, then B's, then one more of A's later: the history interleaves them."""
    a = write_manifest(tmp_path / "a", {"001_a_users.yaml": A["001_a_users.yaml"]})
    b = write_manifest(tmp_path / "b", B)
    assert run_cli("apply", str(a), "--database", db).returncode == 0
    assert run_cli("apply", str(b), "--database", db, "--to", "001_b_items").returncode == 0
    a = write_manifest(tmp_path / "a", A)
    assert run_cli("apply", str(a), "--database", db).returncode == 0
    assert run_cli("apply", str(b), "--database", db).returncode == 0
    assert [r[0] for r in history(db)] == ["001_a_users", "001_b_items", "002_a_orders", "002_b_tags"]
    return a, b


# -- (4) rollback scope ------------------------------------------------------------------------------
def test_rollback_all_on_one_manifest_never_touches_the_other(db_url, tmp_path):
    a, b = _two_manifests(tmp_path, db_url)
    proc = run_cli("rollback", str(b), "--all", "--database", db_url)
    assert proc.returncode == 0, proc.stderr
    assert "2 migration(s) rolled back" in proc.stdout
    note = next(line for line in proc.stderr.splitlines() if "does not list" in line)
    assert "002_a_orders, 001_a_users" in note and "--include-missing" in note  # what was left, how to include it
    assert {"a_users", "a_orders"} <= tables(db_url) and not {"b_items", "b_tags"} & tables(db_url)
    assert [r[0] for r in history(db_url)] == ["001_a_users", "002_a_orders"]
    # --steps skips over rows this manifest does not list, too
    assert run_cli("apply", str(b), "--database", db_url).returncode == 0
    assert run_cli("apply", str(a), "--database", db_url).returncode == 0
    code, out = run_json("rollback", str(b), "--steps", "1", "--database", db_url)
    assert code == 0 and [r["id"] for r in out["results"]] == ["002_b_tags"]
    assert out["missing_included"] == [] and out["missing_skipped"] == []  # B's newest is B's own


def test_include_missing_reverts_them_and_lists_them_first(db_url, tmp_path):
    a, b = _two_manifests(tmp_path, db_url)
    # A's oldest migration cannot be reverted: the list of missing rows came before anything ran
    query(db_url, "DROP TABLE a_users")
    env = dict(os.environ, NO_COLOR="1")
    env.pop("STINGERLOOM_DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "stingerloom.cli", "rollback", str(b), "--all", "--include-missing",
                           "--database", db_url], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    warning = next(line for line in proc.stderr.splitlines() if "does not list" in line)
    assert warning.startswith("warning: reverting 2 migration(s)") and "002_a_orders, 001_a_users" in warning
    assert proc.stderr.index(warning) < proc.stderr.index("error:")
    assert "3 migration(s) rolled back" in proc.stdout  # B's two, then A's 002; A's 001 failed
    assert [r[0] for r in history(db_url)] == ["001_a_users"]
    assert tables(db_url) == {"__migrations"}
    # once the failure is dealt with (its table is gone already), --include-missing finishes the job
    assert run_cli("repair", str(b), "--remove", "001_a_users", "--database", db_url).returncode == 0
    assert history(db_url) == []


def test_include_missing_drops_the_other_manifests_tables_when_asked(db_url, tmp_path):
    a, b = _two_manifests(tmp_path, db_url)
    code, out = run_json("rollback", str(b), "--all", "--include-missing", "--database", db_url)
    assert code == 0 and out["missing_included"] == ["002_a_orders", "001_a_users"]
    assert [r["id"] for r in out["results"]] == ["002_b_tags", "002_a_orders", "001_b_items", "001_a_users"]
    assert tables(db_url) == {"__migrations"} and history(db_url) == []


def test_rollback_to_an_id_reverts_the_missing_rows_it_passes(db_url, tmp_path):
    a, b = _two_manifests(tmp_path, db_url)
    code, out = run_json("rollback", str(b), "--to", "001_b_items", "--database", db_url)
    assert code == 0
    assert [r["id"] for r in out["results"]] == ["002_b_tags", "002_a_orders"]
    assert out["missing_included"] == ["002_a_orders"]
    assert [r[0] for r in history(db_url)] == ["001_a_users", "001_b_items"]


# -- (5) rollback --dry-run ------------------------------------------------------------------------
def test_rollback_dry_run_shows_the_stored_down_and_changes_nothing(db_url, tmp_path):
    a = write_manifest(tmp_path, A)
    assert run_cli("apply", str(a), "--database", db_url).returncode == 0
    f = tmp_path / "002_a_orders.yaml"
    f.write_text(f.read_text().replace("down: DROP TABLE a_orders", "down: DROP TABLE a_orders_renamed"))
    before = history(db_url)
    proc = run_cli("rollback", str(a), "--all", "--dry-run", "--database", db_url)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert text.index("-- 002_a_orders") < text.index("-- 001_a_users")  # newest first
    assert "DROP TABLE a_orders;" in text and "DROP TABLE a_users;" in text
    assert "a_orders_renamed" not in text.split("NOTE")[0]
    note = next(line for line in text.splitlines() if "NOTE" in line)
    assert "002_a_orders.yaml:2" in note and "differs" in note and "--accept 002_a_orders" in note
    assert text.count("NOTE") == 1  # 001's file down is unchanged
    code, out = run_json("rollback", str(a), "--steps", "2", "--dry-run", "--database", db_url)
    assert code == 0 and out["dry_run"] is True
    orders = out["results"][0]
    assert orders["id"] == "002_a_orders" and orders["differs"] is True
    assert orders["stored_down"].strip() == "DROP TABLE a_orders" and orders["sql"] == ["DROP TABLE a_orders"]
    assert orders["file_down"].strip() == "DROP TABLE a_orders_renamed"
    assert out["results"][1]["differs"] is False
    assert history(db_url) == before and {"a_users", "a_orders"} <= tables(db_url)


# -- (6) repair ------------------------------------------------------------------------------------
def test_repair_refreshes_a_wrong_stored_down(db_url, tmp_path):
    a = write_manifest(tmp_path, {"001_bad_down.yaml": """
        up: CREATE TABLE kept (id INTEGER PRIMARY KEY)
        down: DROP TABLE not_there
        """})
    assert run_cli("apply", str(a), "--database", db_url).returncode == 0
    failed = run_cli("rollback", str(a), "--database", db_url)
    assert failed.returncode == 1
    assert "--accept 001_bad_down" in failed.stderr and "stored in the history" in failed.stderr
    f = tmp_path / "001_bad_down.yaml"
    f.write_text(f.read_text().replace("not_there", "kept"))
    # status: still applied (the up did not change); the dry run shows which down would run
    assert "differs" in run_cli("rollback", str(a), "--dry-run", "--database", db_url).stdout
    proc = run_cli("repair", str(a), "--database", db_url)
    assert proc.returncode == 0, proc.stderr
    assert "refreshed the stored down SQL of 001_bad_down" in proc.stdout
    again = run_cli("repair", str(a), "--database", db_url)
    assert "nothing to repair" in again.stdout  # it did not keep rewriting
    proc = run_cli("rollback", str(a), "--database", db_url)
    assert proc.returncode == 0, proc.stderr
    assert tables(db_url) == {"__migrations"}


def test_repair_accept_one_and_without_option_all(db_url, tmp_path):
    a = write_manifest(tmp_path, A)
    assert run_cli("apply", str(a), "--database", db_url).returncode == 0
    for name in A:
        f = tmp_path / name
        f.write_text(f.read_text().replace("(id INTEGER PRIMARY KEY)", "(id INTEGER PRIMARY KEY, x INTEGER)"))
    code, out = run_json("repair", str(a), "--accept", "002_a_orders", "--database", db_url)
    assert code == 0 and out["accepted"] == ["002_a_orders"] and out["changes"][0]["was"] == "modified"
    code, st = run_json("status", str(a), "--database", db_url)
    assert [m["state"] for m in st["migrations"]] == ["modified", "applied"]
    code, out = run_json("repair", str(a), "--database", db_url)
    assert code == 0 and out["accepted"] == ["001_a_users"]
    code, st = run_json("status", str(a), "--check", "--database", db_url)
    assert code == 0 and st["check"] == {"ready": True, "blocking": {}}
    # nothing to accept for a pending or unknown migration: exit 2, nothing written
    proc = run_cli("repair", str(a), "--accept", "nope", "--database", db_url)
    assert proc.returncode == 2 and "nope" in proc.stderr and "Traceback" not in proc.stderr


def test_repair_mark_applied_a_pending_migration_runs_nothing(db_url, tmp_path):
    a = write_manifest(tmp_path, A)
    code, out = run_json("repair", str(a), "--mark-applied", "001_a_users", "--database", db_url)
    assert code == 0 and out["marked_applied"] == ["001_a_users"]
    assert "a_users" not in tables(db_url)
    code, st = run_json("status", str(a), "--database", db_url)
    first = st["migrations"][0]
    assert first["state"] == "applied" and first["baselined"] is True
    assert "applied (baseline)" in run_cli("status", str(a), "--database", db_url).stdout
    # an applied one cannot be marked applied again
    proc = run_cli("repair", str(a), "--mark-applied", "001_a_users", "--database", db_url)
    assert proc.returncode == 2 and "only a dirty migration" in proc.stderr


def test_repair_remove_any_row_atomically(db_url, tmp_path):
    a, b = _two_manifests(tmp_path, db_url)
    irreversible = write_manifest(tmp_path / "b", {**B, "003_b_once.yaml": """
        up: CREATE TABLE b_once (id INTEGER PRIMARY KEY)
        irreversible: true
        """})
    assert run_cli("apply", str(irreversible), "--database", db_url).returncode == 0
    # a bad id anywhere: nothing at all is removed
    proc = run_cli("repair", str(b), "--remove", "002_b_tags", "--remove", "nope", "--database", db_url)
    assert proc.returncode == 2 and "nope" in proc.stderr
    assert len(history(db_url)) == 5
    code, out = run_json("repair", str(b), "--remove", "003_b_once", "--remove", "002_a_orders",
                         "--remove", "001_b_items", "--database", db_url)
    assert code == 0 and out["removed"] == ["003_b_once", "002_a_orders", "001_b_items"]
    assert {c["id"]: c["was"] for c in out["changes"]} == {
        "003_b_once": "applied", "002_a_orders": "missing", "001_b_items": "applied"}
    assert [r[0] for r in history(db_url)] == ["001_a_users", "002_b_tags"]
    assert {"b_once", "a_orders", "b_items"} <= tables(db_url)  # nothing was run
    text = run_cli("repair", str(b), "--remove", "002_b_tags", "--database", db_url)
    assert "removed the history row of 002_b_tags" in text.stdout


# -- (18) dirty states: direction and both ways out ----------------------------------------------
NONTX = {"001_two.yaml": """
    transaction: false
    up: |
      CREATE TABLE r1 (id INTEGER);
      CREATE TABLE r2 (id INTEGER);
    down: |
      DROP TABLE r2;
      DROP TABLE r1_typo;
    """}


def test_dirty_rollback_gives_the_right_way_out_and_both_work(db_url, tmp_path):
    m = write_manifest(tmp_path, NONTX)
    assert run_cli("apply", str(m), "--database", db_url).returncode == 0
    failed = run_cli("rollback", str(m), "--database", db_url)
    assert failed.returncode == 1
    assert history(db_url) == [("001_two", "dirty", 1, 2)]
    for out in (failed.stderr, run_cli("apply", str(m), "--database", db_url).stderr,
                run_cli("status", str(m), "--database", db_url).stderr):
        assert "ROLLBACK" in out and "statement 1 took effect and statement 2 did not run" in out
        finish = out.index("finish the rollback by hand")
        assert finish < out.index("--remove 001_two") < out.index("--mark-applied 001_two")
    code, st = run_json("status", str(m), "--database", db_url)
    assert st["migrations"][0]["state"] == "dirty" and st["migrations"][0]["operation"] == "down"
    proc = run_cli("repair", str(m), "--database", db_url)
    assert proc.returncode == 1 and "finish the rollback by hand" in proc.stderr
    # way 1: undo the rollback by hand, mark it applied again; it is applied and whole
    query(db_url, "CREATE TABLE r2 (id INTEGER)")
    proc = run_cli("repair", str(m), "--mark-applied", "001_two", "--database", db_url)
    assert proc.returncode == 0, proc.stderr
    assert "applied (finished by hand)" in run_cli("status", str(m), "--database", db_url).stdout
    # way 2, the next time: finish the rollback by hand, remove the row; it is pending again
    assert run_cli("rollback", str(m), "--database", db_url).returncode == 1
    query(db_url, "DROP TABLE r1")
    proc = run_cli("repair", str(m), "--remove", "001_two", "--database", db_url)
    assert proc.returncode == 0, proc.stderr
    assert history(db_url) == [] and not {"r1", "r2"} & tables(db_url)
    code, st = run_json("status", str(m), "--database", db_url)
    assert st["pending"] == ["001_two"]


def test_dirty_apply_gives_the_right_way_out(db_url, tmp_path):
    m = write_manifest(tmp_path, {"001_two.yaml": """
        transaction: false
        up: |
          CREATE TABLE r1 (id INTEGER);
          INSERT INTO nowhere VALUES (1);
          CREATE TABLE r3 (id INTEGER);
        down: DROP TABLE r1
        """})
    failed = run_cli("apply", str(m), "--database", db_url)
    assert failed.returncode == 1 and history(db_url) == [("001_two", "dirty", 1, 3)]
    for out in (failed.stderr, run_cli("rollback", str(m), "--database", db_url).stderr):
        assert "APPLYING" in out and "statements 2-3 did not run" in out
        assert out.index("finish it by hand") < out.index("--mark-applied 001_two") < out.index("--remove 001_two")
        assert "fix the statement and run the command again" not in out
    query(db_url, "DROP TABLE r1")
    assert run_cli("repair", str(m), "--remove", "001_two", "--database", db_url).returncode == 0
    assert history(db_url) == []


# -- (11) states -----------------------------------------------------------------------------------
def test_status_shows_who_what_and_baseline(db_url, tmp_path):
    a = write_manifest(tmp_path, A)
    assert run_cli("baseline", str(a), "--to", "001_a_users", "--database", db_url).returncode == 0
    assert run_cli("apply", str(a), "--database", db_url).returncode == 0
    code, st = run_json("status", str(a), "--database", db_url)
    users, orders = st["migrations"]
    assert users["baselined"] is True and orders["baselined"] is False
    assert users["description"] == "users of A"
    me = getpass.getuser()
    if db_url.startswith("sqlite"):
        assert orders["applied_by"] == me
    else:
        db_user = query(db_url, "SELECT current_user" if db_url.startswith("postgres") else "SELECT CURRENT_USER()")[0][0]
        assert orders["applied_by"] == f"{me} as {db_user}"
    text = run_cli("status", str(a), "--database", db_url).stdout
    assert "applied (baseline)" in text and "users of A" in text and orders["applied_by"] in text


def test_status_check_is_a_deploy_gate(db_url, tmp_path):
    a = write_manifest(tmp_path, A)
    proc = run_cli("status", str(a), "--check", "--database", db_url)
    assert proc.returncode == 1 and "2 pending (001_a_users, 002_a_orders)" in proc.stderr
    assert run_cli("apply", str(a), "--database", db_url).returncode == 0
    proc = run_cli("status", str(a), "--check", "--database", db_url)
    assert proc.returncode == 0, proc.stderr
    f = tmp_path / "001_a_users.yaml"
    f.write_text(f.read_text().replace("PRIMARY KEY)", "PRIMARY KEY, y INTEGER)"))
    code, st = run_json("status", str(a), "--check", "--database", db_url)
    assert code == 1 and st["check"] == {"ready": False, "blocking": {"modified": ["001_a_users"]}}
    only_first = write_manifest(tmp_path / "other", {"002_a_orders.yaml": A["002_a_orders.yaml"]})
    proc = run_cli("status", str(only_first), "--check", "--database", db_url)
    assert proc.returncode == 1 and "1 missing (001_a_users)" in proc.stderr
    # plain status is not a gate
    assert run_cli("status", str(only_first), "--database", db_url).returncode == 0


def test_status_shows_the_history_when_an_entry_is_broken(db_url, tmp_path):
    a = write_manifest(tmp_path, {**A, "003_a_more.yaml": "up: CREATE TABLE a_more (id INTEGER)\n"})
    assert run_cli("apply", str(a), "--database", db_url, "--to", "002_a_orders").returncode == 0
    (tmp_path / "001_a_users.yaml").unlink()
    (tmp_path / "003_a_more.yaml").write_text("id: 003_a_more\nup: [not, sql]\n")
    proc = run_cli("status", str(a), "--database", db_url)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = {line.split()[0]: line for line in proc.stdout.splitlines() if line[:3].isdigit()}
    assert "invalid (applied; its file has errors)" in lines["001_a_users"]
    assert "applied" in lines["002_a_orders"]
    assert "invalid (its file has errors)" in lines["003_a_more"]
    assert "001_a_users.yaml" in proc.stderr and "003_a_more.yaml:2" in proc.stderr
    code, st = run_json("status", str(a), "--database", db_url)
    assert code == 2 and [m["state"] for m in st["migrations"]] == ["invalid", "applied", "invalid"]
    assert st["migrations"][0]["applied_at"] and st["problems"]
    # everything else still refuses a broken manifest outright
    assert run_cli("apply", str(a), "--database", db_url).returncode == 2


def test_a_dirty_row_whose_lock_is_held_is_running(db_url, tmp_path, lock_holder_process):
    m = write_manifest(tmp_path, {"001_two.yaml": """
        transaction: false
        up: |
          CREATE TABLE r1 (id INTEGER);
          INSERT INTO nowhere VALUES (1);
        down: DROP TABLE r1
        """})
    assert run_cli("apply", str(m), "--database", db_url).returncode == 1
    code, st = run_json("status", str(m), "--database", db_url)
    assert st["migrations"][0]["state"] == "dirty"  # nobody holds the lock: left by a failed run
    holder = lock_holder_process(db_url)
    code, st = run_json("status", str(m), "--database", db_url)
    assert st["migrations"][0]["state"] == "running" and st["migrations"][0]["held_by"]
    proc = run_cli("status", str(m), "--database", db_url, "--check")
    assert proc.returncode == 1 and "running (held by" in proc.stdout and "1 running (001_two)" in proc.stderr
    holder.kill()
    holder.wait(timeout=10)
    deadline = time.monotonic() + 30  # the server notices the dead session
    while time.monotonic() < deadline:
        code, st = run_json("status", str(m), "--database", db_url)
        if st["migrations"][0]["state"] == "dirty":
            break
        time.sleep(0.2)
    assert st["migrations"][0]["state"] == "dirty"


SLEEP = {
    "postgres": "SELECT pg_sleep(4)",
    "mysql": "SELECT SLEEP(4)",
    "sqlite": ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 12000000) "
               "SELECT count(*) FROM c"),
}


def test_a_migration_being_applied_now_is_running_not_dirty(db_url, tmp_path):
    dialect = db_url.split(":", 1)[0]
    dialect = "postgres" if dialect.startswith("postgres") else dialect
    m = write_manifest(tmp_path, {"001_slow.yaml": f"""
        transaction: false
        up: |
          CREATE TABLE s1 (id INTEGER);
          {SLEEP[dialect]};
          CREATE TABLE s2 (id INTEGER);
        down: DROP TABLE s2
        """})
    env = dict(os.environ, NO_COLOR="1")
    env.pop("STINGERLOOM_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "stingerloom.cli", "apply", str(m), "--database", db_url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(r[2] == 1 for r in history_or_empty(db_url)):
            time.sleep(0.05)
        code, st = run_json("status", str(m), "--database", db_url)
        assert proc.poll() is None, "the slow statement ended before status looked"
        assert st["migrations"][0]["state"] == "running", st
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    code, st = run_json("status", str(m), "--database", db_url)
    assert st["migrations"][0]["state"] == "applied"


def history_or_empty(url: str) -> list[tuple]:
    try:
        return history(url)
    except Exception:  # the history table does not exist yet
        return []


@pytest.mark.parametrize("flag", ["--steps", "--all"])
def test_scope_note_only_when_rows_are_left(tmp_path, flag):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    a = write_manifest(tmp_path / "a", A)
    assert run_cli("apply", str(a), "--database", db).returncode == 0
    args = [flag, "1"] if flag == "--steps" else [flag]
    proc = run_cli("rollback", str(a), *args, "--database", db)
    assert proc.returncode == 0 and "does not list" not in proc.stderr


def test_repair_waits_for_the_migration_lock(db_url, tmp_path, lock_holder_process):
    a = write_manifest(tmp_path, A)
    assert run_cli("apply", str(a), "--database", db_url).returncode == 0
    lock_holder_process(db_url)
    proc = run_cli("repair", str(a), "--remove", "001_a_users", "--lock-timeout", "0.5", "--database", db_url)
    assert proc.returncode == 1 and "lock" in proc.stderr and "Traceback" not in proc.stderr
    assert [r[0] for r in history(db_url)] == ["001_a_users", "002_a_orders"]


def test_a_migration_without_stored_down_names_why_and_the_exact_repair(tmp_path):
    """It said "it was applied as irreversible, or baselined" of a migration that had simply no
    `down`, and `repair --remove ID` with neither the manifest nor the id; `irreversible: true` had
    no hint at all."""
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int)\ndown: DROP TABLE a\n",
                                         "002_b.yaml": "irreversible: true\nup: CREATE TABLE b (id int)\n",
                                         "003_c.yaml": "up: CREATE TABLE c (id int)\n"})
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert run_cli("apply", str(manifest), "--database", db).returncode == 0
    proc = run_cli("rollback", str(manifest), "--database", db)
    assert proc.returncode == 2, proc.stderr
    assert "003_c has no stored down SQL" in proc.stderr and "applied without a down" in proc.stderr
    assert f"stingerloom repair {manifest} --remove 003_c" in proc.stderr
    assert run_cli("repair", str(manifest), "--database", db, "--remove", "003_c").returncode == 0
    proc = run_cli("rollback", str(manifest), "--database", db)
    assert proc.returncode == 2 and "002_b.yaml:1:" in proc.stderr and "irreversible" in proc.stderr
    assert f"stingerloom repair {manifest} --remove 002_b" in proc.stderr
    assert run_cli("baseline", str(manifest), "--database", db, "--to", "003_c").returncode == 0
    proc = run_cli("rollback", str(manifest), "--database", db)
    assert proc.returncode == 2 and "recorded by `baseline`" in proc.stderr, proc.stderr
    assert [r[:2] for r in history(db)] == [("001_a", "applied"), ("002_b", "applied"), ("003_c", "applied")]


def test_another_tools_table_with_the_history_tables_name_is_explained(db_url, tmp_path):
    """A `__migrations` table left by another tool: SQLite read its rows as garbage and ended in
    "internal error: TypeError", MySQL said the connection was lost, PostgreSQL gave no way out."""
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int)\ndown: DROP TABLE a\n"})
    query(db_url, "CREATE TABLE __migrations (id INTEGER PRIMARY KEY, name VARCHAR(100), run_on TIMESTAMP)")
    query(db_url, "INSERT INTO __migrations (id, name) VALUES (1, 'knex_thing')")
    for command in ("status", "apply", "rollback", "repair", "baseline"):
        extra = ("--to", "001_a") if command == "baseline" else ()
        proc = run_cli(command, str(manifest), "--database", db_url, *extra)
        assert proc.returncode == 1, (command, proc.stderr)
        assert "internal error" not in proc.stderr and "connection" not in proc.stderr, proc.stderr
        assert "__migrations" in proc.stderr and "not a stingerloom history table" in proc.stderr
        assert "history_table" in proc.stderr  # the way out
    assert "a" not in tables(db_url)
    assert query(db_url, "SELECT id, name FROM __migrations") == [(1, "knex_thing")]
    own = write_manifest(tmp_path / "own", {"001_a.yaml": "up: CREATE TABLE a (id int)\ndown: DROP TABLE a\n"},
                         header="history_table: sl_history")
    assert run_cli("apply", str(own), "--database", db_url).returncode == 0
