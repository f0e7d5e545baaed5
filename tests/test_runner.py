"""The engine through its Python API, on SQLite, PostgreSQL and MariaDB (``db_url``)."""

from __future__ import annotations

import pytest
from helpers import history, query, tables, write_manifest

from stingerloom import Migration, MigrationContext, MigrationRunner, load_manifest
from stingerloom.errors import DriftError, InputError


class CreateUsersTable(Migration):
    def up(self, context: MigrationContext) -> None:
        context.query('CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)')

    def down(self, context: MigrationContext) -> None:
        context.query("DROP TABLE users")


class AddPhone(Migration):
    def up(self, context: MigrationContext) -> None:
        context.query("ALTER TABLE users ADD COLUMN phone VARCHAR(20)")

    def down(self, context: MigrationContext) -> None:
        context.query("ALTER TABLE users DROP COLUMN phone")


def test_python_migrations_as_the_seed_uses_them(db_url):
    runner = MigrationRunner([CreateUsersTable, AddPhone], database=db_url)
    assert [m.id for m in runner.get_pending_migrations()] == ["CreateUsersTable", "AddPhone"]
    results = runner.run()
    assert [(r.name, r.success, r.error) for r in results] == [("CreateUsersTable", True, None), ("AddPhone", True, None)]
    assert runner.status()["executed"] == ["CreateUsersTable", "AddPhone"]
    assert runner.status()["pending"] == []
    assert "users" in tables(db_url)
    query(db_url, "INSERT INTO users (id, name, phone) VALUES (1, 'ada', '555')")

    assert runner.rollback(0) == []
    assert runner.get_executed_migrations() == ["CreateUsersTable", "AddPhone"]

    [r] = runner.revert_last()
    assert (r.name, r.success) == ("AddPhone", True)
    assert runner.get_executed_migrations() == ["CreateUsersTable"]
    assert runner.run_all()[0].name == "AddPhone"
    assert [r.name for r in runner.rollback(5)] == ["AddPhone", "CreateUsersTable"]
    assert tables(db_url) == {"__migrations"}


def test_run_up_and_run_down_single_migrations(db_url):
    runner = MigrationRunner([CreateUsersTable(), AddPhone()], database=db_url)
    assert runner.run_up(runner.migrations[0]).success
    with pytest.raises(InputError, match="already applied"):
        runner.run_up(runner.migrations[0])
    assert runner.run_down(runner.migrations[0]).success
    assert "users" not in tables(db_url)


DEMO = {
    "001_users.yaml": """
        description: users
        up: |
          CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);
        down: |
          DROP TABLE users;
        """,
    "002_phone.yaml": """
        up: |
          ALTER TABLE users ADD COLUMN phone VARCHAR(20);
        down: |
          ALTER TABLE users DROP COLUMN phone;
        """,
    "003_roles.yaml": """
        up: |
          CREATE TABLE roles (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);
          INSERT INTO roles (id, name) VALUES (1, 'admin; the boss');
        down: |
          DROP TABLE roles;
        """,
}


def test_yaml_manifest_apply_to_rollback_to_and_all(db_url, tmp_path):
    manifest = load_manifest(write_manifest(tmp_path, DEMO))
    runner = MigrationRunner(manifest.migrations, database=db_url)
    assert [r.id for r in runner.run(to="002_phone")] == ["001_users", "002_phone"]
    assert [r.id for r in runner.run()] == ["003_roles"]
    assert query(db_url, "SELECT name FROM roles") == [("admin; the boss",)]
    st = runner.status()
    assert st["executed"] == ["001_users", "002_phone", "003_roles"]
    batches = {m["id"]: m["batch"] for m in st["migrations"]}
    assert batches == {"001_users": 1, "002_phone": 1, "003_roles": 2}
    assert [r.id for r in runner.rollback(to="001_users")] == ["003_roles", "002_phone"]
    assert runner.status()["executed"] == ["001_users"]
    assert [r.id for r in runner.rollback(all=True)] == ["001_users"]
    assert tables(db_url) == {"__migrations"}


def test_plan_writes_nothing_and_apply_runs_it(db_url, tmp_path):
    """``plan()`` reads the history and changes nothing; ``apply(plan)`` runs exactly its steps, and the
    rollback plan the same way."""
    manifest = load_manifest(write_manifest(tmp_path, DEMO))
    runner = MigrationRunner(manifest.migrations, database=db_url)
    plan = runner.plan(to="002_phone")
    assert [(s.migration.id, s.direction) for s in plan.steps] == [("001_users", "up"), ("002_phone", "up")]
    assert plan.pending_after == ["003_roles"]
    assert tables(db_url) == set()  # not even the history table
    assert [(r.id, r.success) for r in runner.apply(plan)] == [("001_users", True), ("002_phone", True)]
    assert [r[:2] for r in history(db_url)] == [("001_users", "applied"), ("002_phone", "applied")]
    back = runner.plan_rollback(to="001_users")
    assert [(s.row.id, s.direction) for s in back.steps] == [("002_phone", "down")]
    assert [r[0] for r in history(db_url)] == ["001_users", "002_phone"]
    assert [r.id for r in runner.apply(back)] == ["002_phone"]
    assert [r[0] for r in history(db_url)] == ["001_users"]


def test_apply_refuses_a_plan_the_history_has_moved_past(db_url, tmp_path):
    """A plan made before another run applied migrations is refused whole: nothing runs twice."""
    manifest = load_manifest(write_manifest(tmp_path, DEMO))
    runner = MigrationRunner(manifest.migrations, database=db_url)
    plan = runner.plan()
    assert [r.id for r in MigrationRunner(manifest.migrations, database=db_url).run(to="001_users")] == ["001_users"]
    with pytest.raises(DriftError, match="the history has changed since it was made"):
        runner.apply(plan)
    assert [r[:2] for r in history(db_url)] == [("001_users", "applied")]
    assert [r.id for r in runner.apply(runner.plan())] == ["002_phone", "003_roles"]


def test_on_event_tells_each_run_as_typed_events(db_url, tmp_path):
    """``on_event`` receives the documented events, in order, for an apply and for a rollback (whose
    scope, the missing rows it includes or leaves, comes before anything runs)."""
    from stingerloom.execute import MigrationDone, MigrationStarted, RollbackScope, RunFinished, RunStarted

    events = []
    manifest = load_manifest(write_manifest(tmp_path, DEMO))
    runner = MigrationRunner(manifest.migrations, database=db_url, on_event=events.append)
    runner.run(to="002_phone")
    assert [type(e) for e in events] == [RunStarted, MigrationStarted, MigrationDone, MigrationStarted,
                                         MigrationDone, RunFinished]
    assert (events[0].direction, events[0].total) == ("up", 2)
    assert [(e.id, e.index, e.total) for e in events if isinstance(e, MigrationStarted)] == [
        ("001_users", 0, 2), ("002_phone", 1, 2)]
    assert [e.result.id for e in events if isinstance(e, MigrationDone)] == ["001_users", "002_phone"]
    events.clear()
    MigrationRunner(manifest.migrations[:1], database=db_url, on_event=events.append).rollback(all=True)
    assert [type(e) for e in events] == [RollbackScope, RunStarted, MigrationStarted, MigrationDone, RunFinished]
    assert (events[0].missing_included, events[0].missing_skipped) == ([], ["002_phone"])
    assert events[1].direction == "down" and events[3].result.id == "001_users"


def test_ctrl_c_between_two_migrations_lists_what_was_done(db_url, tmp_path):
    """A Ctrl-C that lands between two migrations (here: while the first one's result is drawn)
    ends the run with the done ones listed and the next one named as not started; the history holds
    exactly the done ones. Rolling back the same way stops the same way."""
    from stingerloom.execute import MigrationDone
    from stingerloom.runner import Interrupted

    def ctrl_c_after_first(event) -> None:
        if isinstance(event, MigrationDone) and event.result.id == "001_users":
            raise KeyboardInterrupt

    manifest = load_manifest(write_manifest(tmp_path, DEMO))
    runner = MigrationRunner(manifest.migrations, database=db_url, on_event=ctrl_c_after_first)
    results = runner.run()
    assert [(r.id, r.success) for r in results] == [("001_users", True), ("002_phone", False)]
    assert isinstance(results[1].exception, Interrupted) and results[1].exception.exit_code == 130
    assert "before applying 002_phone; nothing of it ran" in results[1].error
    assert [r[0] for r in history(db_url)] == ["001_users"]
    runner = MigrationRunner(manifest.migrations, database=db_url)
    assert all(r.success for r in runner.run())
    applied = [r[0] for r in history(db_url)]
    seen = []

    def ctrl_c_after_any_first(event) -> None:
        if isinstance(event, MigrationDone) and not seen:
            seen.append(event.result.id)
            raise KeyboardInterrupt

    runner.on_event = ctrl_c_after_any_first
    results = runner.rollback(all=True)
    assert [(r.id, r.success) for r in results] == [(applied[-1], True), (applied[-2], False)]
    assert "before rolling back " + applied[-2] in results[1].error
    assert [r[0] for r in history(db_url)] == applied[:-1]


def test_ctrl_c_during_a_commit_that_went_through_says_so_consistently(tmp_path):
    """Ctrl-C while COMMIT's reply was on its way (seen by hand 3 times in 4 with `timeout -s INT`):
    the database is asked, says the migration is applied, and the hint no longer says "nothing of
    it was kept, run it again"."""
    from stingerloom.plan import Step

    url = f"sqlite:///{tmp_path / 'c.db'}"
    manifest = load_manifest(write_manifest(tmp_path, DEMO))
    runner = MigrationRunner(manifest.migrations, database=url)
    runner.run(to="001_users")
    m = manifest.migrations[0]
    step = Step(migration=m, direction="up", source=None, statements=[object()], atomic=True, committing=True,
                running=1)
    with runner.dialect:
        err = runner._explain(step, KeyboardInterrupt())
    assert err.exit_code == 130
    assert "during COMMIT" in err.message and "it was committed and is applied" in err.message
    assert "001_users is applied: nothing to fix" in err.hint and "nothing of 001_users was kept" not in err.hint


def _failing(position: int) -> dict[str, str]:
    stmts = [
        "CREATE TABLE t_a (id INTEGER PRIMARY KEY);",
        "CREATE TABLE t_b (id INTEGER PRIMARY KEY);",
        "CREATE TABLE t_c (id INTEGER PRIMARY KEY);",
    ]
    stmts[position] = "INSERT INTO no_such_table (id) VALUES (1);"
    body = "".join(f"  {s}\n" for s in stmts)
    return {
        "001_ok.yaml": "up: CREATE TABLE ok_table (id INTEGER PRIMARY KEY)\ndown: DROP TABLE ok_table\n",
        "002_bad.yaml": "description: fails\nup: |\n" + body + "down: |\n  DROP TABLE t_a;\n",
    }


@pytest.mark.parametrize("position", [0, 1, 2], ids=["first", "middle", "last"])
def test_failing_statement_reports_file_line_and_leaves_history_consistent(db_url, tmp_path, position):
    manifest = load_manifest(write_manifest(tmp_path, _failing(position)))
    runner = MigrationRunner(manifest.migrations, database=db_url)
    results = runner.run()
    assert [(r.id, r.success) for r in results] == [("001_ok", True), ("002_bad", False)]
    err = results[1].exception
    assert err.file.endswith("002_bad.yaml")
    assert err.line == 3 + position  # `up: |` is line 2; statement k is on line 3 + k
    assert "no_such_table" in results[1].error.lower()
    left = tables(db_url)
    assert "ok_table" in left  # earlier migrations stay applied
    rows = history(db_url)
    assert rows[0][:2] == ("001_ok", "applied")
    if runner.dialect.transactional_ddl:
        assert len(rows) == 1 and not left & {"t_a", "t_b", "t_c"}  # nothing of the failed one
    elif position == 0:
        assert len(rows) == 1  # nothing committed: no row
    else:  # MySQL: DDL committed one by one; the row says how far it got
        assert rows[1] == ("002_bad", "dirty", position, 3)
        with pytest.raises(DriftError, match=r"dirty \(%d/3 statements committed\)" % position):
            runner.run()
        with pytest.raises(DriftError):
            runner.rollback()
        assert runner.repair(remove=["002_bad"])["removed"] == ["002_bad"]
        assert [r[0] for r in history(db_url)] == ["001_ok"]


def test_a_yaml_migration_called_through_the_python_api_reports_its_file_line(db_url, tmp_path):
    """``SqlMigration.up(context)``, called directly, runs through the same executor as ``apply``:
    its statements run, and a failing one is a MigrationFailed at its line in the YAML file."""
    from stingerloom.dialects import get_dialect
    from stingerloom.errors import MigrationFailed

    manifest = load_manifest(write_manifest(tmp_path, _failing(1)))
    ok, bad = manifest.migrations
    d = get_dialect(db_url)
    d.connect()
    try:
        context = MigrationContext(d)
        ok.up(context)
        assert context.statements_run == 1
        with pytest.raises(MigrationFailed) as failed:
            bad.up(MigrationContext(d))
    finally:
        d.close()
    assert failed.value.file.endswith("002_bad.yaml") and failed.value.line == 4
    assert "no_such_table" in failed.value.message.lower()
    assert "ok_table" in tables(db_url)


def test_modified_migration_blocks_apply_until_repair(db_url, tmp_path):
    path = write_manifest(tmp_path, DEMO)
    runner = MigrationRunner(load_manifest(path).migrations, database=db_url)
    runner.run(to="001_users")
    # line endings do not count as a change
    f = tmp_path / "001_users.yaml"
    f.write_bytes(f.read_bytes().replace(b"\n", b"\r\n"))
    runner = MigrationRunner(load_manifest(path).migrations, database=db_url)
    assert [s.state for s in runner.states()][:1] == ["applied"]
    f.write_text(f.read_text().replace("name VARCHAR(100)", "name VARCHAR(120)"))
    runner = MigrationRunner(load_manifest(path).migrations, database=db_url)
    assert runner.states()[0].state == "modified"
    with pytest.raises(DriftError, match="001_users was changed after it was applied"):
        runner.run()
    assert runner.repair()["accepted"] == ["001_users"]
    assert [r.id for r in runner.run()] == ["002_phone", "003_roles"]


def test_missing_migration_is_rolled_back_from_stored_down_sql(db_url, tmp_path):
    runner = MigrationRunner(load_manifest(write_manifest(tmp_path / "a", DEMO)).migrations, database=db_url)
    runner.run()
    only_first = {"001_users.yaml": DEMO["001_users.yaml"]}
    runner = MigrationRunner(load_manifest(write_manifest(tmp_path / "b", only_first)).migrations, database=db_url)
    states = {s.id: s.state for s in runner.states()}
    assert states == {"001_users": "applied", "002_phone": "missing", "003_roles": "missing"}
    # missing rows are reverted only when asked (SPEC §7): --steps skips over them...
    assert [r.id for r in runner.rollback(2, dry_run=True)] == ["001_users"]
    assert runner.rollback_plan["missing_skipped"] == ["003_roles", "002_phone"]
    # ...and include_missing reverts them from the down SQL stored in the history
    assert [r.id for r in runner.rollback(2, include_missing=True)] == ["003_roles", "002_phone"]
    assert "roles" not in tables(db_url)
    assert runner.status()["executed"] == ["001_users"]


def test_baseline_records_without_running(db_url, tmp_path):
    runner = MigrationRunner(load_manifest(write_manifest(tmp_path, DEMO)).migrations, database=db_url)
    assert runner.baseline("002_phone").baselined == ["001_users", "002_phone"]
    assert "users" not in tables(db_url)
    assert runner.status()["pending"] == ["003_roles"]


def test_dialect_blocks_empty_noop_and_missing_sql(db_url, tmp_path):
    files = {
        "001_only_pg.yaml": """
            up:
              postgres: CREATE TABLE only_here (id INTEGER)
              mysql: CREATE TABLE only_here (id INTEGER)
              sqlite: ""  # the one spelling of a no-op (a comment alone is refused)
            down:
              default: DROP TABLE IF EXISTS only_here
            """,
    }
    runner = MigrationRunner(load_manifest(write_manifest(tmp_path, files)).migrations, database=db_url)
    [r] = runner.run()
    assert r.success
    assert ("only_here" in tables(db_url)) == (runner.dialect.name != "sqlite")
    assert runner.status()["executed"] == ["001_only_pg"]

    files2 = {"001_no_sql.yaml": "up:\n  postgres: SELECT 1\ndown:\n  postgres: SELECT 1\n"}
    runner = MigrationRunner(load_manifest(write_manifest(tmp_path / "x", files2)).migrations, database=db_url)
    if runner.dialect.name == "postgres":
        assert runner.run()[0].success
    else:
        with pytest.raises(InputError, match=f"no up SQL for {runner.dialect.name}"):
            runner.run()


def test_irreversible_migration_refuses_rollback(db_url, tmp_path):
    files = {"001_x.yaml": "irreversible: true\nup: CREATE TABLE x (id INTEGER)\n"}
    runner = MigrationRunner(load_manifest(write_manifest(tmp_path, files)).migrations, database=db_url)
    assert runner.run()[0].success
    with pytest.raises(InputError, match="irreversible"):
        runner.rollback()
    assert "x" in tables(db_url)


def test_open_connection_is_accepted(tmp_path):
    import sqlite3

    conn = sqlite3.connect(tmp_path / "c.db")
    runner = MigrationRunner([CreateUsersTable], database=conn)
    assert runner.run()[0].success
    assert conn.execute("SELECT count(*) FROM __migrations").fetchone() == (1,)
    conn.close()


def test_failed_seed_rolls_back_whole_on_every_database(db_url, tmp_path):
    """DML-only migrations are atomic everywhere, MySQL included (no implicit commit in DML)."""
    manifest = load_manifest(write_manifest(tmp_path, {
        "001_t.yaml": "up: CREATE TABLE t (id INTEGER PRIMARY KEY)\ndown: DROP TABLE t\n",
        "002_seed.yaml": "up: |\n  INSERT INTO t (id) VALUES (1);\n  INSERT INTO t (id) VALUES (1);\n"
                         "down: DELETE FROM t\n",
        "003_seed_ok.yaml": "up: |\n  INSERT INTO t (id) VALUES (5);\n  UPDATE t SET id = 6 WHERE id = 5;\n"
                            "down: DELETE FROM t WHERE id = 6\n",
    }))
    runner = MigrationRunner(manifest.migrations, database=db_url)
    results = runner.run()
    assert [(r.id, r.success) for r in results] == [("001_t", True), ("002_seed", False)]
    assert results[1].exception.line == 3  # the duplicate key
    assert query(db_url, "SELECT id FROM t") == []  # the first INSERT was rolled back too
    assert [r[:2] for r in history(db_url)] == [("001_t", "applied")]
    runner.migrations = [m for m in runner.migrations if m.id != "002_seed"]
    assert [r.success for r in runner.run()] == [True]
    assert query(db_url, "SELECT id FROM t") == [(6,)]
    assert [r.success for r in runner.rollback()] == [True]
    assert query(db_url, "SELECT id FROM t") == []


def test_migration_cli_as_the_seed_uses_it(db_url, capsys):
    from stingerloom import MigrationCli

    cli = MigrationCli([CreateUsersTable, AddPhone], {"database": db_url})
    assert cli.execute("migrate:run") == 0
    assert [r.name for r in cli.last_result] == ["CreateUsersTable", "AddPhone"]
    assert cli.execute("migrate:status") == 0
    assert cli.last_result["executed"] == ["CreateUsersTable", "AddPhone"]
    assert "pending: -" in capsys.readouterr().out
    assert cli.execute("migrate:rollback") == 0
    assert [r.name for r in cli.last_result] == ["AddPhone"]
    schema = {"tables": {"teams": {"columns": {"id": {"type": "integer", "primary_key": True}}}}}
    assert cli.execute("migrate:generate", schema=schema) == 0
    [generated] = cli.last_result
    d = cli._runner().dialect
    up = generated.up_sql(d.name).text
    assert f"CREATE TABLE {d.quote('teams')}" in up
    assert f"DROP TABLE {d.quote('users')}" in up  # users exists but is not in the schema: flagged drop
    assert "-- DESTRUCTIVE" in up
    assert cli.execute("migrate:explode") == 2
    assert "unknown command" in cli.last_error.message


def test_run_and_rollback_reports_carry_what_the_output_says(db_url, tmp_path):
    """``run_report``/``rollback_report`` return the results with what the plan said around them
    (what ``--to`` left out, the rollback's scope), the record the renderers read instead of the runner."""
    runner = MigrationRunner(load_manifest(write_manifest(tmp_path / "a", DEMO)).migrations, database=db_url)
    report = runner.run_report(to="002_phone")
    assert (report.direction, report.to, report.pending_after) == ("up", "002_phone", ["003_roles"])
    assert [(r.id, r.success) for r in report.results] == [("001_users", True), ("002_phone", True)]
    assert report.database == runner.database and "users" in tables(db_url)
    assert list(report.to_json()) == ["database", "results"]
    again = runner.run_report(to="002_phone")
    assert (again.results, again.pending_after) == ([], ["003_roles"])
    only_first = {"001_users.yaml": DEMO["001_users.yaml"]}
    runner = MigrationRunner(load_manifest(write_manifest(tmp_path / "b", only_first)).migrations, database=db_url)
    back = runner.rollback_report(1)
    assert back.direction == "down" and [r.id for r in back.results] == ["001_users"]
    assert back.scope == {"missing_included": [], "missing_skipped": ["002_phone"]}
    assert back.to_json()["missing_skipped"] == ["002_phone"]
    assert [r[0] for r in history(db_url)] == ["002_phone"]
    assert runner.rollback_report(0).results == []


def test_status_repair_and_baseline_return_records(db_url, tmp_path):
    """``status_report``, ``repair`` and ``baseline`` return typed records; ``status()`` keeps the
    SPEC's dict and ``repair()`` is still read by key."""
    path = write_manifest(tmp_path, DEMO)
    runner = MigrationRunner(load_manifest(path).migrations, database=db_url)
    baselined = runner.baseline("001_users")
    assert baselined.to_json() == {"database": runner.database, "baselined": ["001_users"]}
    status = runner.status_report(live=True)
    assert [s.state for s in status.states] == ["applied", "pending", "pending"]
    assert (status.executed, status.pending) == (["001_users"], ["002_phone", "003_roles"])
    assert status["executed"] == runner.status()["executed"] and status.lock_held_by is None
    assert type(runner.status()) is dict and runner.status() == status.to_json()
    f = tmp_path / "001_users.yaml"
    f.write_text(f.read_text().replace("name VARCHAR(100)", "name VARCHAR(120)"))
    runner = MigrationRunner(load_manifest(path).migrations, database=db_url)
    repaired = runner.repair()
    assert repaired.accepted == repaired["accepted"] == ["001_users"]
    assert [(c.id, c["action"], c.changed) for c in repaired.changes] == [("001_users", "accepted", True)]
    assert repaired.dirty == [] and repaired.to_json()["changes"][0]["was"] == "modified"
    assert list(repaired.to_json()) == ["database", "accepted", "refreshed_down", "marked_applied", "removed",
                                        "dirty", "dirty_advice", "changes"]
    assert runner.states()[0].state == "applied"
