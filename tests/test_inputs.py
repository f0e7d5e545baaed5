"""Hostile and careless inputs (issue 8, items 7, 8, 9, 22): templates, types, unset variables, files
that are not files. Through the CLI, as a user meets them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import history, query, run_cli, tables, write_manifest

# -- item 7: a block of only comments is never applied ------------------------------------------


def test_the_template_new_writes_is_refused_and_never_recorded(db_url, tmp_path):
    """`init`, `new`, `apply`: refused at the block, nothing recorded; filled in, it applies."""
    assert run_cli("init", "mig", cwd=tmp_path).returncode == 0
    manifest = tmp_path / "mig" / "manifest.yaml"
    assert run_cli("new", str(manifest), "create_t", cwd=tmp_path).returncode == 0
    proc = run_cli("apply", str(manifest), "--database", db_url, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "001_create_t.yaml:3:3:" in proc.stderr and "only comments" in proc.stderr
    assert 'up: ""' in proc.stderr  # the one spelling of a deliberate no-op
    assert "Traceback" not in proc.stderr
    assert history(db_url) == []
    code = run_cli("status", str(manifest), "--database", db_url, cwd=tmp_path)
    assert "001_create_t  pending" in code.stdout

    path = tmp_path / "mig" / "001_create_t.yaml"
    text = path.read_text().replace("-- the SQL of this change (several statements may follow each other)",
                                    "CREATE TABLE t7 (id INTEGER)")
    path.write_text(text)
    proc = run_cli("apply", str(manifest), "--database", db_url, cwd=tmp_path)
    assert proc.returncode == 2  # the down is still the template: it would be stored and "run" later
    assert "001_create_t.yaml:5:3:" in proc.stderr and "(down)" in proc.stderr
    assert history(db_url) == [] and "t7" not in tables(db_url)

    path.write_text(text.replace("-- the SQL that reverts it", "DROP TABLE t7"))
    proc = run_cli("apply", str(manifest), "--database", db_url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [h[:2] for h in history(db_url)] == [("001_create_t", "applied")]
    assert "t7" in tables(db_url)


@pytest.mark.parametrize("toml", [False, True], ids=["yaml", "toml"])
def test_comment_only_blocks_of_every_kind_are_refused_and_empty_string_is_a_no_op(tmp_path, toml):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    if toml:
        files = {"a.toml": 'up = """\n/* later */\n;\n"""\n', "b.toml": 'up = ""\n'}
    else:
        files = {"a.yaml": "up:\n  sqlite: '-- later'\n  default: CREATE TABLE never (id int)\n",
                 "b.yaml": "up: ''\n"}
    manifest = write_manifest(tmp_path, files)
    proc = run_cli("apply", str(manifest), "--database", db, "--dry-run")
    assert proc.returncode == 2 and "only comments" in proc.stderr
    assert ("a.toml:2:1:" if toml else "a.yaml:2:12:") in proc.stderr
    manifest = write_manifest(tmp_path, {name: text for name, text in files.items() if name.startswith("b")})
    proc = run_cli("apply", str(manifest), "--database", db)
    assert proc.returncode == 0, proc.stderr
    assert [h[:2] for h in history(db)] == [("b", "applied")]


def test_a_down_that_cannot_be_split_is_refused_before_anything_runs(tmp_path):
    """The down is split when apply plans (a later rollback would fail on it): an unterminated string
    there stops the run at its file:line before the first migration runs."""
    db = f"sqlite:///{tmp_path / 'x.db'}"
    manifest = write_manifest(tmp_path, {
        "a.yaml": "up: |\n  CREATE TABLE a8 (id INTEGER);\ndown: |\n  DROP TABLE a8;\n",
        "b.yaml": "up: |\n  CREATE TABLE b8 (id INTEGER);\ndown: |\n  DROP TABLE b8;\n  SELECT 'oops;\n",
    })
    proc = run_cli("apply", str(manifest), "--database", db)
    assert proc.returncode == 2, proc.stderr
    assert "b.yaml:5:10:" in proc.stderr and "(down)" in proc.stderr and "unterminated string" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert history(db) == [] and "a8" not in tables(db)


def test_rollback_refuses_a_stored_down_of_only_comments(db_url, tmp_path):
    """A row applied by an older version with the template down: rollback must not "run" it and drop
    the row while the table stays."""
    manifest = write_manifest(tmp_path, {"a.yaml": "up: CREATE TABLE r7 (id INTEGER)\ndown: DROP TABLE r7\n"})
    assert run_cli("apply", str(manifest), "--database", db_url).returncode == 0
    from stingerloom.dialects import get_dialect

    with get_dialect(db_url) as d:
        q = d.quote
        sql = f"UPDATE {d.history_ref()} SET {q('down_sql')} = {d.placeholder} WHERE {q('id')} = {d.placeholder}"
    query(db_url, sql, ("-- the SQL that reverts it\n", "a"))
    (tmp_path / "a.yaml").write_text("up: CREATE TABLE r7 (id INTEGER)\ndown: '-- later'\n")
    proc = run_cli("rollback", str(manifest), "--database", db_url)
    assert proc.returncode == 2, proc.stderr
    assert "only comments" in proc.stderr and "down SQL stored in the history" in proc.stderr
    assert "repair" in proc.stderr
    assert [h[:2] for h in history(db_url)] == [("a", "applied")] and "r7" in tables(db_url)


# -- item 8: strict types ---------------------------------------------------------------------------

STRICT_YAML = [
    ("up: ''\ndown: 42\n", "a.yaml:2:7:", "down: expected SQL text"),
    ("up: 3.14\n", "a.yaml:1:5:", "up: expected SQL text"),
    ("up: ''\ndown: true\n", "a.yaml:2:7:", "down: expected SQL text"),
    ("up: 2024-01-01\n", "a.yaml:1:5:", "up: expected SQL text"),
    ("up: ''\ntransaction: 'off'\n", "a.yaml:2:14:", "transaction: expected true or false, got 'off'"),
    ("up: ''\nirreversible: 1\n", "a.yaml:2:15:", "irreversible: expected true or false, got 1"),
    ("up: ''\ndescription: 12\n", "a.yaml:2:14:", "description: expected a string, got 12"),
    ("up:\n  postgres: 1\n  default: ''\n", "a.yaml:2:13:", "up.postgres: expected SQL text"),
    ("up: ''\ndown:\n  mysql: false\n", "a.yaml:3:10:", "down.mysql: expected SQL text"),
]
STRICT_TOML = [
    ('up = ""\ndown = 42\n', "a.toml:2:8:", "down: expected SQL text"),
    ("up = 3.14\n", "a.toml:1:6:", "up: expected SQL text"),
    ('up = ""\ndown = true\n', "a.toml:2:8:", "down: expected SQL text"),
    ("up = 2024-01-01\n", "a.toml:1:6:", "up: expected SQL text"),
    ('up = ""\ntransaction = "off"\n', "a.toml:2:15:", "transaction: expected true or false"),
    ('up = ""\ndescription = 12\n', "a.toml:2:15:", "description: expected a string, got 12"),
    ('up = {postgres = 1, default = ""}\n', "a.toml:1:18:", "up.postgres: expected SQL text"),
    ('up = ""\n[down]\nsqlite = []\n', "a.toml:3:10:", "down.sqlite: expected SQL text"),
]


@pytest.mark.parametrize("text,where,message", STRICT_YAML + STRICT_TOML,
                         ids=[t[0].split("\n")[-2] or t[0] for t in STRICT_YAML + STRICT_TOML])
def test_wrong_types_are_errors_at_file_line(tmp_path, text, where, message):
    name = "a.toml" if where.startswith("a.toml") else "a.yaml"
    manifest = write_manifest(tmp_path, {name: text})
    db = tmp_path / "x.db"
    proc = run_cli("apply", str(manifest), "--database", f"sqlite:///{db}")
    assert proc.returncode == 2, proc.stderr
    assert where in proc.stderr and message in proc.stderr and "Traceback" not in proc.stderr
    assert not db.exists() or history(f"sqlite:///{db}") == []
    proc = run_cli("lint", str(manifest), "--format", "json")
    _, line, column = where.rstrip(":").split(":")
    found = [(f["rule"], f["line"], f["column"]) for f in json.loads(proc.stdout)["findings"]
             if message in f["message"]]
    assert proc.returncode == 1 and found == [("SL101", int(line), int(column))], proc.stdout


def test_quoted_values_and_yaml_booleans_still_load(tmp_path):
    manifest = write_manifest(tmp_path, {
        "a.yaml": "id: 001\ndescription: '12'\ntransaction: no\nup: '42'\ndown: ''\n",
        "b.toml": 'description = "2024-01-01"\ntransaction = false\nup = "SELECT 1"\n',
    })
    from stingerloom import load_manifest

    m = load_manifest(manifest)
    assert m.ids == ["001", "b"]
    assert (m.migrations[0].description, m.migrations[0].transaction) == ("12", False)
    assert m.migrations[0].up_sql("sqlite").text == "42"
    assert m.migrations[1].description == "2024-01-01"


# -- item 22: small inputs, big costs --------------------------------------------------------------

TOML_BOMBS = {  # name: (text, where it is refused)
    "dotted key": ("up = ''\n" + "a" + ".a" * 40_000 + " = 1\n", "a.toml:2:"),  # took 36 s and 6 GB
    "table header": ("up = ''\n[" + "a." * 40_000 + "a]\n", "a.toml:2:"),
    "nested arrays": ("up = " + "[" * 40_000 + "]" * 40_000 + "\n", "a.toml:1:"),
    "many keys": ("up = ''\n[x]\n" + "".join(f"k{i} = 1\n" for i in range(100_001)), "a.toml:100001:"),
}


@pytest.mark.parametrize("text,where", list(TOML_BOMBS.values()), ids=list(TOML_BOMBS))
def test_a_toml_bomb_is_refused_quickly_at_its_line(tmp_path, text, where):
    import time

    manifest = write_manifest(tmp_path, {"a.toml": text})
    for command in ("status", "lint"):
        started = time.monotonic()
        args = ("--database", f"sqlite:///{tmp_path / 'x.db'}") if command == "status" else ("--format", "github")
        proc = run_cli(command, str(manifest), *args, timeout=60)
        assert time.monotonic() - started < 15
        out = proc.stdout + proc.stderr
        assert proc.returncode == (2 if command == "status" else 1), out
        assert "TOML file too complex" in out and "Traceback" not in out and "MemoryError" not in out
        if command == "status":
            assert where in out
        else:
            assert f"line={where.split(':')[1]}," in out


def test_a_toml_manifest_bomb_is_refused_too(tmp_path):
    manifest = tmp_path / "manifest.toml"
    manifest.write_text("stingerloom = 1\nmigrations = []\n" + "x" + ".x" * 40_000 + " = 1\n")
    proc = run_cli("status", str(manifest), "--database", f"sqlite:///{tmp_path / 'x.db'}", timeout=60)
    assert proc.returncode == 2 and "manifest.toml:3:" in proc.stderr and "too complex" in proc.stderr


def test_a_toml_schema_bomb_and_a_schema_pipe_are_refused_by_generate(tmp_path):
    import os

    manifest = write_manifest(tmp_path / "db", {})
    (tmp_path / "schema.toml").write_text("tables = {}\n" + "a" + ".a" * 40_000 + " = 1\n")
    os.mkfifo(tmp_path / "pipe.yaml")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    proc = run_cli("generate", str(manifest), "--schema", str(tmp_path / "schema.toml"), "--database", db, timeout=30)
    assert proc.returncode == 2 and "schema.toml:2:" in proc.stderr and "too complex" in proc.stderr
    proc = run_cli("generate", str(manifest), "--schema", str(tmp_path / "pipe.yaml"), "--database", db, timeout=30)
    assert proc.returncode == 2 and "is not a regular file" in proc.stderr


def test_a_named_pipe_listed_as_a_migration_is_refused_not_waited_for(tmp_path):
    import os

    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int)\n"})
    os.mkfifo(tmp_path / "002_pipe.yaml")
    manifest.write_text(manifest.read_text() + "  - 002_pipe.yaml\n")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    for command in ("status", "apply", "rollback", "lint"):
        args = () if command == "lint" else ("--database", db)
        proc = run_cli(command, str(manifest), *args, timeout=20)  # it used to hang for ever
        assert proc.returncode == (1 if command == "lint" else 2), proc.stderr
        out = proc.stdout + proc.stderr
        assert "not a regular file (a named pipe)" in out and "002_pipe.yaml" in out
        assert "manifest.yaml:4:5:" in out if command != "lint" else "4:5" in out
    assert tables(db) == set()
    proc = run_cli("status", str(tmp_path / "002_pipe.yaml"), "--database", db, timeout=20)
    assert proc.returncode == 2 and "is not a regular file" in proc.stderr
    proc = run_cli("lint", str(tmp_path / "002_pipe.yaml"), timeout=20)
    assert proc.returncode == 2 and "is not a regular file" in proc.stdout


@pytest.mark.parametrize("manifest_text", [
    'stingerloom: 1\nmigrations: ["a\\0.yaml"]\n',
    'stingerloom = 1\nmigrations = ["a\\u0000.toml"]\n',
], ids=["yaml", "toml"])
def test_a_nul_byte_in_a_path_is_a_clean_error(tmp_path, manifest_text):
    manifest = tmp_path / ("manifest.toml" if "=" in manifest_text.split("\n")[0] else "manifest.yaml")
    manifest.write_text(manifest_text)
    for command in ("status", "apply", "lint"):
        args = () if command == "lint" else ("--database", f"sqlite:///{tmp_path / 'x.db'}")
        proc = run_cli(command, str(manifest), *args)
        out = proc.stdout + proc.stderr
        assert proc.returncode == (1 if command == "lint" else 2), out
        assert "NUL byte" in out and "internal error" not in out and "Traceback" not in out
        assert f"{manifest.name}:2:" in out if command != "lint" else "2:" in out


def test_a_nul_byte_in_a_sqlite_url_is_a_clean_error(tmp_path):
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text('stingerloom: 1\ndatabase: "sqlite:///a\\0b.db"\nmigrations: []\n')
    proc = run_cli("status", str(manifest), cwd=tmp_path)
    assert proc.returncode == 2 and "internal error" not in proc.stderr
    assert "NUL" in proc.stderr


def test_an_id_longer_than_the_history_column_is_refused_before_anything_runs(db_url, tmp_path):
    """A 256-character id applied on SQLite but failed mid-run on PostgreSQL and MySQL (their id
    column is VARCHAR(255)) with "fix the statement"; it is now an input error at its file."""
    longest, too_long = "a" * 255, "b" * 256
    manifest = write_manifest(tmp_path, {
        "001_a.yaml": f"id: {longest}\nup: CREATE TABLE t1 (id int)\ndown: DROP TABLE t1\n",
        "002_b.yaml": f"id: {too_long}\nup: CREATE TABLE t2 (id int)\ndown: DROP TABLE t2\n",
    })
    proc = run_cli("apply", str(manifest), "--database", db_url)
    assert proc.returncode == 2, proc.stderr
    assert "002_b.yaml:1:" in proc.stderr and "256 characters" in proc.stderr and "at most 255" in proc.stderr
    assert not {"t1", "__migrations"} & tables(db_url)  # refused before anything ran
    (tmp_path / "002_b.yaml").write_text(f"id: {too_long[:255]}\nup: CREATE TABLE t2 (id int)\n"
                                         "down: DROP TABLE t2\n")
    proc = run_cli("apply", str(manifest), "--database", db_url)
    assert proc.returncode == 0, proc.stderr
    assert [r[:2] for r in history(db_url)] == [(longest, "applied"), (too_long[:255], "applied")]


@pytest.mark.parametrize("query", ["mode=ro", "cache=shared&timeout=5", "immutable"])
def test_a_sqlite_url_with_parameters_is_refused_not_ignored(tmp_path, query):
    """`sqlite:///app.db?mode=ro` used to apply migrations: the parameters were dropped silently."""
    manifest = write_manifest(tmp_path, {"a.yaml": "up: CREATE TABLE t (id int)\ndown: DROP TABLE t\n"})
    db = tmp_path / "x.db"
    for command in ("apply", "status", "rollback"):
        proc = run_cli(command, str(manifest), "--database", f"sqlite:///{db}?{query}")
        assert proc.returncode == 2, proc.stderr
        assert "takes no parameters" in proc.stderr and query.split("=")[0] in proc.stderr
        assert "--database" in proc.stderr and "Traceback" not in proc.stderr
    assert not db.exists()


# -- item 9: ${VAR} in the manifest's database is expanded only when it is the target -------------

def test_unset_database_variable_does_not_stand_in_the_way(tmp_path, monkeypatch):
    monkeypatch.delenv("SL_TEST_DATABASE_URL", raising=False)
    manifest = write_manifest(tmp_path, {"a.yaml": "up: CREATE TABLE t9 (id INTEGER PRIMARY KEY)\ndown: DROP TABLE t9\n"},
                              header="database: ${SL_TEST_DATABASE_URL}")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    proc = run_cli("apply", str(manifest), "--database", db)
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("status", str(manifest), env={"STINGERLOOM_DATABASE_URL": db})
    assert proc.returncode == 0 and "applied" in proc.stdout, proc.stderr
    proc = run_cli("lint", str(manifest))
    assert proc.returncode == 0, proc.stdout
    proc = run_cli("status", str(manifest))  # now the manifest's database is the target
    assert proc.returncode == 2
    assert f"{manifest}:2:" in proc.stderr and "'SL_TEST_DATABASE_URL' is not set" in proc.stderr
    assert "--database" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("status", str(manifest), env={"SL_TEST_DATABASE_URL": db})
    assert proc.returncode == 0 and "applied" in proc.stdout


def test_a_database_variable_set_but_empty_is_an_error_not_the_embedded_default(tmp_path):
    """`database: ${SL_TEST_DATABASE_URL}` with the variable set to "" (a CI secret that is missing)
    fell back to the embedded default ./stingerloom.db: `apply` migrated a local file and passed."""
    manifest = write_manifest(tmp_path, {"a.yaml": "up: CREATE TABLE t9 (id INTEGER PRIMARY KEY)\n"},
                              header="database: ${SL_TEST_DATABASE_URL}")
    for command in ("apply", "status"):
        proc = run_cli(command, str(manifest), cwd=tmp_path, env={"SL_TEST_DATABASE_URL": ""})
        assert proc.returncode == 2, proc.stderr
        assert f"{manifest}:2:" in proc.stderr and "is empty" in proc.stderr and "--database" in proc.stderr
        assert "embedded SQLite default" not in proc.stderr
    assert not (tmp_path / "stingerloom.db").exists()


# -- item 21: no output ever holds any part of a password ------------------------------------------

SECRET_PARTS = ("Zqk7", "Wxm4", "Yvn2", "Tup9")
HOSTILE_PASSWORDS = ["Zqk7/Wxm4?Yvn2#Tup9", "/Zqk7Wxm4Yvn2Tup9", "Zqk7@Wxm4#Yvn2?Tup9", "Zqk7:Wxm4/Yvn2@Tup9"]


def _assert_no_secret(*outputs: str) -> None:
    text = "\n".join(outputs)
    leaked = [part for part in SECRET_PARTS if part in text]
    assert not leaked, f"password fragments {leaked} in:\n{text}"


def _hostile_runs(manifest: Path, url: str, tmp_path: Path) -> list[str]:
    outputs = []
    for args, env in (
        (("status", str(manifest), "--database", url), {}),
        (("status", str(manifest), "--database", url, "--format", "json"), {}),
        (("apply", str(manifest)), {"STINGERLOOM_DATABASE_URL": url}),
        (("rollback", str(manifest), "--database", url, "-v"), {}),
        (("schema", "dump", "--database", url), {}),
        (("generate", str(manifest), "--schema", str(tmp_path / "schema.yaml"), "--database", url), {}),
    ):
        proc = run_cli(*args, env=env, timeout=60)
        assert "internal error" not in proc.stderr, proc.stderr
        outputs += [proc.stdout, proc.stderr]
    return outputs


@pytest.mark.parametrize("password", HOSTILE_PASSWORDS)
def test_unencoded_reserved_characters_in_a_password_never_leak(tmp_path, password):
    """Nothing listens on the port: every command fails to connect, and says so without the password."""
    from servers import free_port

    (tmp_path / "schema.yaml").write_text("tables: {}\n")
    manifest = write_manifest(tmp_path, {"a.yaml": "up: SELECT 1\ndown: SELECT 1\n"})
    port = free_port()
    for scheme in ("postgresql", "mysql"):
        url = f"{scheme}://app:{password}@127.0.0.1:{port}/shop"
        outputs = _hostile_runs(manifest, url, tmp_path)
        assert any("cannot connect" in o for o in outputs)
        _assert_no_secret(*outputs)


@pytest.mark.parametrize("dialect", [
    pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("mysql", marks=pytest.mark.mysql)])
def test_hostile_passwords_against_real_servers(fresh_database, tmp_path, dialect):
    """A wrong password with / ? # @, and the right one written unencoded (which must work)."""
    from servers import PASSWORD

    from stingerloom.urls import DatabaseURL

    good = DatabaseURL.parse(fresh_database(dialect))
    (tmp_path / "schema.yaml").write_text("tables: {}\n")
    manifest = write_manifest(tmp_path, {"a.yaml": "up: CREATE TABLE h21 (id INTEGER PRIMARY KEY)\n"
                                                   "down: DROP TABLE h21\n",
                                         "b.yaml": "up: SELEC broken\n"})
    base = f"{good.scheme}://{good.user}:{{}}@{good.host}:{good.port}/{good.database}"
    for password in HOSTILE_PASSWORDS:
        outputs = _hostile_runs(manifest, base.format(password), tmp_path)
        assert any("cannot connect" in o for o in outputs)
        _assert_no_secret(*outputs)
    # the real password, unencoded ("s3cr3t p@ss:w/rd"): it connects, and a failure shows none of it
    url = base.format(PASSWORD)
    proc = run_cli("apply", str(manifest), "--database", url)
    assert proc.returncode == 1, proc.stderr  # 001 applied, 002 failed: the URL was understood
    assert "h21" in tables(good.raw)
    for out in _hostile_runs(manifest, url, tmp_path) + [proc.stdout, proc.stderr]:
        assert "s3cr3t" not in out and "p@ss" not in out and "w/rd" not in out, out


def test_environment_values_are_not_echoed(tmp_path):
    manifest = write_manifest(tmp_path, {}, header="history_table: ${SL_TEST_HT}")
    proc = run_cli("status", str(manifest), "--database", f"sqlite:///{tmp_path / 'x.db'}",
                   env={"SL_TEST_HT": "x;Zqk7Wxm4"})
    assert proc.returncode == 2 and "history_table" in proc.stderr and "${SL_TEST_HT}" in proc.stderr
    _assert_no_secret(proc.stdout, proc.stderr)
    for env in ({"STINGERLOOM_DATABASE_URL": "app:Zqk7Wxm4@db/shop"},  # scheme forgotten
                {"STINGERLOOM_DATABASE_URL": "Zqk7Wxm4://app@db/shop"}):
        proc = run_cli("status", str(write_manifest(tmp_path / "plain", {})), env=env)
        assert proc.returncode == 2 and "STINGERLOOM_DATABASE_URL" in proc.stderr, proc.stderr
        if "://" in env["STINGERLOOM_DATABASE_URL"]:
            continue  # an unsupported scheme is named: it is not the password
        _assert_no_secret(proc.stdout, proc.stderr)


def test_lint_never_prints_the_password_it_warns_about(tmp_path):
    manifest = write_manifest(tmp_path, {"a.yaml": "up: SELECT 1\n"},
                              header='database: "postgresql://app:Zqk7/Wxm4?Yvn2#Tup9@db:5432/shop"')
    for fmt in ("text", "json", "sarif", "github", "junit"):
        proc = run_cli("lint", str(manifest), "--format", fmt)
        assert proc.returncode == 1 and "SL110" in proc.stdout, proc.stdout
        _assert_no_secret(proc.stdout, proc.stderr)


def test_a_directory_entry_reports_a_broken_link_or_folder_named_like_a_migration(tmp_path):
    """`{directory: v/}` skipped `003_b.yaml` silently when it was a symbolic link whose target was
    gone (or a folder): that migration would never run and nothing said so."""
    folder = tmp_path / "v"
    folder.mkdir()
    (folder / "001_a.yaml").write_text("up: CREATE TABLE a (id int)\n")
    (folder / "003_b.yaml").symlink_to(tmp_path / "shared" / "003_b.yaml")  # the shared copy was removed
    (folder / "004_c.yaml").mkdir()
    (folder / "notes").mkdir()  # not named like a migration: ignored as before
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("stingerloom: 1\nmigrations:\n  - directory: v/\n")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    proc = run_cli("apply", str(manifest), "--database", db)
    assert proc.returncode == 2, proc.stderr
    assert "manifest.yaml:3:5:" in proc.stderr and "003_b.yaml: a symbolic link to nothing" in proc.stderr
    assert "004_c.yaml: a folder, not a migration file" in proc.stderr and "notes" not in proc.stderr
    assert "a" not in tables(db)
