"""``MigrationCli`` (the TypeScript original's command object): rollback's ``steps``/``to``/``all``,
its output (the CLI's renderers) and its errors, on every database."""

from __future__ import annotations

from helpers import history, tables

from stingerloom import Migration, MigrationCli, MigrationContext


def _creates(name: str, table: str, *, columns: str = "id INTEGER PRIMARY KEY)") -> type:
    """A Python migration class ``name`` that creates ``table`` (and drops it on the way down)."""
    def up(self, context: MigrationContext) -> None:
        context.query(f"CREATE TABLE {table} ({columns}")

    def down(self, context: MigrationContext) -> None:
        context.query(f"DROP TABLE {table}")

    return type(name, (Migration,), {"up": up, "down": down})


CreateA, CreateB, CreateC = (_creates(f"Create{x}", f"api_{x.lower()}") for x in "ABC")
Broken = _creates("Broken", "api_d", columns="id INTEGER PRIMARY KEY")  # unbalanced: the server refuses it


def _applied(url: str) -> list[str]:
    return [row[0] for row in history(url) if row[1] == "applied"]


def test_rollback_honours_to_and_all(db_url, capsys):
    cli = MigrationCli([CreateA, CreateB, CreateC], {"database": db_url})
    assert cli.execute("migrate:run") == 0
    assert _applied(db_url) == ["CreateA", "CreateB", "CreateC"]
    out = capsys.readouterr().out
    assert "CreateC" in out and "3 migration(s) applied" in out  # the CLI's rendering of the results

    assert cli.execute("migrate:rollback", to="CreateA") == 0
    assert [r.id for r in cli.last_result] == ["CreateC", "CreateB"]
    assert _applied(db_url) == ["CreateA"] and "api_b" not in tables(db_url) and "api_a" in tables(db_url)
    assert "2 migration(s) rolled back" in capsys.readouterr().out

    assert cli.execute("migrate:run") == 0
    assert cli.execute("migrate:rollback", steps=2) == 0
    assert _applied(db_url) == ["CreateA"]
    assert cli.execute("migrate:run") == 0
    assert cli.execute("migrate:rollback", all=True) == 0
    assert [r.id for r in cli.last_result] == ["CreateC", "CreateB", "CreateA"]
    assert _applied(db_url) == [] and not {"api_a", "api_b", "api_c"} & tables(db_url)

    assert cli.execute("migrate:status") == 0
    assert "executed: -\npending: CreateA, CreateB, CreateC" in capsys.readouterr().out


def test_rollback_refuses_conflicting_scopes_and_unknown_ids(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    cli = MigrationCli([CreateA, CreateB], {"database": url})
    assert cli.execute("migrate:run") == 0
    capsys.readouterr()
    assert cli.execute("migrate:rollback", steps=1, all=True) == 2
    assert "one of steps, to and all" in cli.last_error.message
    err = capsys.readouterr().err
    assert err.startswith("error: migrate:rollback takes one of steps, to and all") and "Traceback" not in err
    assert cli.execute("migrate:rollback", to="Nope") == 2
    assert "Nope" in cli.last_error.message
    assert _applied(url) == ["CreateA", "CreateB"], "a refused rollback changes nothing"


def test_failure_is_reported_and_quiet_prints_nothing(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    cli = MigrationCli([CreateA, Broken], {"database": url})
    assert cli.execute("migrate:run") == 1
    captured = capsys.readouterr()
    assert "FAILED" in captured.out and "Broken" in captured.err and "Traceback" not in captured.err
    assert cli.last_error is not None and cli.last_error.exit_code == 1
    assert _applied(url) == ["CreateA"]

    quiet = MigrationCli([CreateA, Broken], {"database": url, "quiet": True})
    assert quiet.execute("migrate:run") == 1 and quiet.execute("migrate:explode") == 2
    assert capsys.readouterr() == ("", "")
