"""``stingerloom generate`` and ``stingerloom schema dump`` as a user runs them, and ``--verify``."""

from __future__ import annotations

import json

import pytest
import yaml
from helpers import run_cli, run_json, write_manifest

from stingerloom.dialects import get_dialect
from stingerloom.lint.verify import verify_manifest
from stingerloom.manifest import load_manifest
from stingerloom.schema import SchemaDiff
from stingerloom.urls import DatabaseURL

SCHEMA = """\
tables:
  teams:
    columns:
      id:         {type: integer, primary_key: true}
  users:
    columns:
      id:         {type: integer, primary_key: true, autoincrement: true}
      name:       {type: varchar(100), nullable: false}
      email:      {type: varchar(255), nullable: false, unique: true}
      phone:      {type: varchar(20)}
      created_at: {type: timestamp, default: CURRENT_TIMESTAMP}
      team_id:    {type: integer}
    indexes:
      idx_users_email: {columns: [email]}
      idx_users_name_team: {columns: [name, team_id], unique: true}
    foreign_keys:
      - {name: fk_users_team, columns: [team_id], references: {table: teams, columns: [id]},
         on_delete: cascade}
    checks:
      ck_users_email: "email <> ''"
"""


def _project(tmp_path, schema: str = SCHEMA):
    manifest = write_manifest(tmp_path / "db", {})
    (tmp_path / "schema.yaml").write_text(schema)
    return manifest, tmp_path / "schema.yaml"


def _generate_and_apply(manifest, schema, url: str) -> None:
    """``generate`` the migration from ``schema`` and ``apply`` it, both succeeding."""
    for step in (("generate", str(manifest), "--schema", str(schema)), ("apply", str(manifest))):
        proc = run_cli(*step, "--database", url)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def _defaults_applied(manifest, schema, url: str, columns: str) -> tuple:
    """Generate and apply ``schema`` (a table ``d``), insert a row giving only ``id``, check that
    ``generate --check`` then agrees, and return the row's ``columns``."""
    _generate_and_apply(manifest, schema, url)
    with get_dialect(url) as d:
        d.execute("INSERT INTO d (id) VALUES (1)")
        row = tuple(d.execute(f"SELECT {columns} FROM d")[0])
    check = run_cli("generate", str(manifest), "--schema", str(schema), "--database", url, "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    return row


def test_generate_check_apply_cycle(db_url, tmp_path):
    manifest, schema = _project(tmp_path)
    env = {"STINGERLOOM_DATABASE_URL": db_url}
    check = run_cli("generate", str(manifest), "--schema", str(schema), "--check", env=env)
    assert check.returncode == 1, check.stderr
    assert "create table users" in check.stdout
    assert list((tmp_path / "db").glob("*.yaml")) == [manifest], "--check must write nothing"

    gen = run_cli("generate", str(manifest), "--schema", str(schema), "--name", "initial schema", env=env)
    assert gen.returncode == 0, gen.stderr
    written = tmp_path / "db" / "001_initial_schema.yaml"
    assert written.is_file()
    assert "  - 001_initial_schema.yaml" in manifest.read_text()
    doc = yaml.safe_load(written.read_text())
    assert set(doc) == {"description", "up", "down"}
    dialect = db_url.split(":")[0].replace("postgresql", "postgres")
    assert set(doc["up"]) == set(doc["down"]) == {dialect}  # SQL for one server is keyed by it
    assert "CREATE TABLE" in doc["up"][dialect] and "DROP TABLE" in doc["down"][dialect]
    assert "s3cr3t" not in gen.stdout + gen.stderr
    # what generate writes passes lint for its own target, without advice to change its types
    lint = run_cli("lint", str(manifest), "--format", "json")
    assert lint.returncode == 0, lint.stdout
    advice = {f["rule"] for f in json.loads(lint.stdout)["findings"]} & {"SL201", "SL905", "SL906"}
    assert not advice, lint.stdout

    # pending migrations must be applied first
    refused = run_cli("generate", str(manifest), "--schema", str(schema), env=env)
    assert refused.returncode == 1 and "not applied" in refused.stderr

    assert run_cli("apply", str(manifest), env=env).returncode == 0
    same = run_cli("generate", str(manifest), "--schema", str(schema), env=env)
    assert same.returncode == 0 and "No schema changes" in same.stdout
    assert run_cli("generate", str(manifest), "--schema", str(schema), "--check", env=env).returncode == 0

    # a destructive change is written, flagged in the file and on stderr
    smaller = SCHEMA.replace("      phone:      {type: varchar(20)}\n", "")
    schema.write_text(smaller)
    gen2 = run_cli("generate", str(manifest), "--schema", str(schema), "--name", "drop phone", env=env)
    assert gen2.returncode == 0, gen2.stderr
    text = (tmp_path / "db" / "002_drop_phone.yaml").read_text()
    flagged = [line for line in text.splitlines() if "-- DESTRUCTIVE:" in line and "phone" in line]
    assert flagged, text  # "drops column users.phone", or on SQLite "rebuilds users without column(s) phone"
    assert "destructive" in gen2.stderr
    assert run_cli("apply", str(manifest), env=env).returncode == 0
    assert run_cli("rollback", str(manifest), env=env).returncode == 0
    assert SchemaDiff.compare(db_url, yaml.safe_load(SCHEMA)).is_empty, "rollback restores the phone column"
    assert run_cli("apply", str(manifest), env=env).returncode == 0

    # adopting the database: dump, then generate finds nothing
    dump = run_cli("schema", "dump", "-o", str(tmp_path / "dumped.yaml"), env=env)
    assert dump.returncode == 0, dump.stderr
    again = run_cli("generate", str(manifest), "--schema", str(tmp_path / "dumped.yaml"), "--check", env=env)
    assert again.returncode == 0, again.stdout + again.stderr


def test_generate_per_dialect_blocks(tmp_path):
    manifest, schema = _project(tmp_path)
    db = f"sqlite:///{tmp_path / 'app.db'}"
    proc = run_cli("generate", str(manifest), "--schema", str(schema), "--database", db,
                   "--dialect", "postgres", "--dialect", "mysql", "--dialect", "sqlite")
    assert proc.returncode == 0, proc.stderr
    doc = yaml.safe_load((tmp_path / "db" / "001_schema_changes.yaml").read_text())
    assert set(doc["up"]) == set(doc["down"]) == {"postgres", "mysql", "sqlite"}
    assert "GENERATED BY DEFAULT AS IDENTITY" in doc["up"]["postgres"]
    assert "AUTO_INCREMENT" in doc["up"]["mysql"] and "`users`" in doc["up"]["mysql"]
    assert "AUTOINCREMENT" in doc["up"]["sqlite"]
    m = load_manifest(manifest)
    assert m.migrations[0].up_sql("mysql").text == doc["up"]["mysql"]


def test_bad_schema_file_names_file_line_and_key(tmp_path):
    manifest, schema = _project(tmp_path, SCHEMA.replace("nullable: false}", "nullabel: false}", 1))
    proc = run_cli("generate", str(manifest), "--schema", str(schema), "--database", f"sqlite:///{tmp_path}/x.db")
    assert proc.returncode == 2
    assert f"{schema}:8:" in proc.stderr and "nullabel" in proc.stderr
    assert "Traceback" not in proc.stderr
    missing = run_cli("generate", str(manifest), "--schema", str(tmp_path / "nope.yaml"),
                      "--database", f"sqlite:///{tmp_path}/x.db")
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_a_default_of_the_wrong_kind_and_an_empty_table_get_one_message_each(tmp_path):
    # before: four pydantic lines (one per member of the default's union: "...default.str: Input should be
    # a valid string", ".bool", ".int", ".float") and "Dictionary should have at least 1 item after validation"
    schema = SCHEMA.replace("{type: varchar(20)}", "{type: varchar(20), default: [1, 2]}").replace(
        "  teams:\n    columns:\n      id:         {type: integer, primary_key: true}\n", "  teams:\n    columns: {}\n")
    manifest, path = _project(tmp_path, schema)
    proc = run_cli("generate", str(manifest), "--schema", str(path), "--database", f"sqlite:///{tmp_path}/x.db")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if f"{path}:" in x]
    assert len(lines) == 2, proc.stderr
    assert any(f"{path}:3:" in x and "tables.teams.columns: needs at least one entry" in x for x in lines), lines
    assert any(f"{path}:9:" in x and "tables.users.columns.phone.default: expected a string" in x
               and "not a list" in x for x in lines), lines


def test_a_mistyped_column_type_is_refused_at_its_line_before_anything_is_written(tmp_path):
    # `numeric(5` or `int; DROP ...` used to be written into the migration as is (and fail at apply)
    schema = SCHEMA.replace("{type: varchar(20)}", '{type: "numeric(5"}').replace(
        "{type: integer}\n    indexes", '{type: "int; DROP TABLE teams"}\n    indexes')
    manifest, path = _project(tmp_path, schema.replace("varchar(100), nullable", "\"enum('a','b')\", nullable"))
    db = f"sqlite:///{tmp_path}/x.db"
    for args in ((), ("--check",)):
        proc = run_cli("generate", str(manifest), "--schema", str(path), "--database", db, *args)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr and "Value error" not in proc.stderr
        assert f"{path}:10:" in proc.stderr and "numeric(5" in proc.stderr and "parenthes" in proc.stderr
        assert f"{path}:12:" in proc.stderr and "';'" in proc.stderr
        assert ":8:" not in proc.stderr  # a quoted native type (MySQL enum) passes as written
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["manifest.yaml"]


def test_dump_never_invents_an_empty_default_database(tmp_path):
    """It used to dump a brand-new empty ./stingerloom.db, which `generate` then read as "drop everything"."""
    proc = run_cli("schema", "dump", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "no such SQLite database file: stingerloom.db" in proc.stderr and "MANIFEST" in proc.stderr
    assert not (tmp_path / "stingerloom.db").exists()


VERIFY_MIGRATIONS = {
    "001_users.yaml": """
        up: |
          CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100));
        down: |
          DROP TABLE users;
    """,
    "002_email_index.yaml": """
        up: |
          CREATE INDEX idx_users_email ON users (email);
          ALTER TABLE users ADD COLUMN phone VARCHAR(20);
        down: |
          ALTER TABLE users DROP COLUMN phone;
    """,
    "003_teams.yaml": """
        up: |
          CREATE TABLE teams (id INTEGER PRIMARY KEY);
        down: |
          DROP TABLE teams;
    """,
}


def _dev(db_url: str) -> str | None:
    return None if db_url.startswith("sqlite") else db_url


def test_verify_catches_a_down_that_forgets_an_index(db_url, tmp_path):
    manifest = write_manifest(tmp_path, VERIFY_MIGRATIONS)
    findings = verify_manifest(load_manifest(manifest), _dev(db_url))
    assert [(f["rule"], f["severity"], f["migration"]) for f in findings] == [("SL402", "warning", "002_email_index")]
    assert "index idx_users_email on users is left behind" in findings[0]["message"]
    assert findings[0]["file"].endswith("002_email_index.yaml") and findings[0]["line"] == 5


def test_verify_passes_a_correct_down(db_url, tmp_path):
    fixed = dict(VERIFY_MIGRATIONS)
    drop = "DROP INDEX idx_users_email ON users;" if db_url.startswith("mysql") else "DROP INDEX idx_users_email;"
    fixed["002_email_index.yaml"] = fixed["002_email_index.yaml"].replace(
        "ALTER TABLE users DROP COLUMN phone;", f"ALTER TABLE users DROP COLUMN phone;\n          {drop}")
    manifest = write_manifest(tmp_path, fixed)
    assert verify_manifest(load_manifest(manifest), _dev(db_url)) == []


def test_verify_reports_a_failing_down_at_its_line(tmp_path):
    bad = dict(VERIFY_MIGRATIONS)
    bad["003_teams.yaml"] = """
        up: |
          CREATE TABLE teams (id INTEGER PRIMARY KEY);
        down: |
          DROP TABLE teams;
          DROP TABLE nosuchtable;
    """
    manifest = write_manifest(tmp_path, bad)
    findings = [f for f in verify_manifest(load_manifest(manifest)) if f["rule"] == "SL201"]
    assert len(findings) == 1
    f = findings[0]
    assert (f["severity"], f["migration"], f["line"]) == ("error", "003_teams", 5)
    assert "nosuchtable" in f["message"]


def test_lint_verify_reports_a_bad_down_once(tmp_path):
    """lint's own SQLite replay and --verify see the same forgotten index: one SL402, not two."""
    import json

    manifest = write_manifest(tmp_path, VERIFY_MIGRATIONS)
    proc = run_cli("lint", str(manifest), "--dialect", "sqlite", "--verify", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    sl402 = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "SL402"]
    assert [(f["migration"], f["dialect"]) for f in sl402] == [("002_email_index", "sqlite")]
    assert "idx_users_email" in sl402[0]["message"]


def test_dump_takes_the_manifest_and_generate_refuses_to_drop_everything(db_url, tmp_path):
    """`schema dump MANIFEST` reads the manifest's database, leaving out its history table; a schema
    that would drop every table is refused unless --allow-drop-all says so."""
    manifest = write_manifest(tmp_path / "db", {
        "001_t.yaml": "up: |\n  CREATE TABLE d10a (id INTEGER PRIMARY KEY);\n  CREATE TABLE d10b (id INTEGER PRIMARY KEY);\n"
                      "down: |\n  DROP TABLE d10b;\n  DROP TABLE d10a;\n",
    }, header=f"database: {db_url}\nhistory_table: sl_hist10")
    assert run_cli("apply", str(manifest), cwd=tmp_path).returncode == 0
    dumped = tmp_path / "dumped.yaml"
    proc = run_cli("schema", "dump", str(manifest), "-o", str(dumped), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    tables = set(yaml.safe_load(dumped.read_text())["tables"])
    assert {t.lower() for t in tables} == {"d10a", "d10b"}  # not the history table sl_hist10
    assert not (tmp_path / "stingerloom.db").exists()
    again = run_cli("generate", str(manifest), "--schema", str(dumped), "--check", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr

    empty = tmp_path / "empty.yaml"
    empty.write_text("tables: {}\n")
    before = sorted(p.name for p in (tmp_path / "db").iterdir())
    refused = run_cli("generate", str(manifest), "--schema", str(empty), cwd=tmp_path)
    assert refused.returncode == 1, refused.stderr
    assert "drops every table" in refused.stderr and "(2 table(s))" in refused.stderr
    assert "--allow-drop-all" in refused.stderr and "Traceback" not in refused.stderr
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == before, "nothing written"
    forced = run_cli("generate", str(manifest), "--schema", str(empty), "--allow-drop-all", "--name", "drop all",
                     cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "db" / "002_drop_all.yaml").is_file()

    # --database still works without a manifest, and wins over the manifest's
    proc = run_cli("schema", "dump", "--database", db_url, "--history-table", "sl_hist10")
    assert proc.returncode == 0 and "d10a" in proc.stdout.lower() and "sl_hist10" not in proc.stdout
    elsewhere = f"sqlite:///{tmp_path / 'other.db'}"
    run_cli("apply", str(write_manifest(tmp_path / "o", {"a.yaml": "up: CREATE TABLE o10 (id INTEGER)\n"})),
            "--database", elsewhere)
    proc = run_cli("schema", "dump", str(manifest), "--database", elsewhere)
    assert proc.returncode == 0 and "o10" in proc.stdout and "d10a" not in proc.stdout.lower()


def test_generate_and_dump_json(db_url, tmp_path):
    """`generate --format json` and `schema dump --format json` as a deploy script reads them: the
    changes, the migration written, its SQL per dialect, the --check verdict and exit codes, and the
    database URL with its password masked."""
    manifest, schema = _project(tmp_path)
    env = {"STINGERLOOM_DATABASE_URL": db_url}
    dialect = db_url.split(":")[0].replace("postgresql", "postgres")

    code, drift = run_json("generate", str(manifest), "--schema", str(schema), "--check", env=env)
    assert code == 1 and drift["check"] == {"drift": True}
    assert drift["migration"] is None and drift["file"] is None
    assert drift["dialect"] == dialect and any("create table users" in c for c in drift["changes"])
    assert "CREATE TABLE" in drift["up"][dialect] and "DROP TABLE" in drift["down"][dialect]
    assert list((tmp_path / "db").glob("*.yaml")) == [manifest], "--check must write nothing"

    code, gen = run_json("generate", str(manifest), "--schema", str(schema), "--name", "initial", env=env)
    assert code == 0 and "check" not in gen
    assert gen["migration"] == "001_initial" and gen["file"] == str(tmp_path / "db" / "001_initial.yaml")
    written = yaml.safe_load((tmp_path / "db" / "001_initial.yaml").read_text())
    assert written["up"] == gen["up"] and written["down"] == gen["down"]
    for doc in (drift, gen):
        assert "s3cr3t" not in json.dumps(doc)
        if dialect != "sqlite":
            assert ":***@" in doc["database"]
    assert run_cli("apply", str(manifest), env=env).returncode == 0

    code, same = run_json("generate", str(manifest), "--schema", str(schema), "--check", env=env)
    assert code == 0 and same["check"] == {"drift": False} and same["changes"] == [] and same["up"] == {}
    code, same = run_json("generate", str(manifest), "--schema", str(schema), env=env)
    assert code == 0 and same["migration"] is None and same["file"] is None

    proc = run_cli("schema", "dump", str(manifest), "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    dump = json.loads(proc.stdout)
    assert set(dump) == {"database", "dialect", "schema", "left_out"} and dump["dialect"] == dialect
    assert dump["left_out"] == []
    assert "s3cr3t" not in proc.stdout + proc.stderr
    assert {t.lower() for t in dump["schema"]["tables"]} == {"teams", "users"}  # no history table
    assert "email" in dump["schema"]["tables"]["users"]["columns"]
    # the JSON schema is a schema file generate reads: nothing differs
    (tmp_path / "dumped.json").write_text(json.dumps(dump["schema"]))
    code, again = run_json("generate", str(manifest), "--schema", str(tmp_path / "dumped.json"), "--check", env=env)
    assert code == 0 and again["check"] == {"drift": False}, again

    # invalid input: exit 2 and a JSON error on stdout, a one-line message on stderr
    proc = run_cli("generate", str(manifest), "--schema", str(tmp_path / "nope.yaml"), "--format", "json", env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["error"]["exit_code"] == 2


def test_dump_json_refuses_a_missing_sqlite_file(tmp_path):
    proc = run_cli("schema", "dump", "--database", f"sqlite:///{tmp_path / 'nope.db'}", "--format", "json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    err = json.loads(proc.stdout)["error"]
    assert "no such SQLite database file" in err["message"] and "MANIFEST" in err["hint"]
    assert not (tmp_path / "nope.db").exists()


def test_dump_to_a_path_it_cannot_write_says_so(tmp_path):
    """`schema dump -o missing/x.yaml` (or -o a folder) was "internal error: FileNotFoundError"."""
    db = tmp_path / "x.db"
    import sqlite3

    sqlite3.connect(db).execute("CREATE TABLE t (id INTEGER PRIMARY KEY)").connection.close()
    (tmp_path / "folder").mkdir()
    for target, reason in ((tmp_path / "missing" / "x.yaml", "No such file"), (tmp_path / "folder", "Is a directory")):
        proc = run_cli("schema", "dump", "--database", f"sqlite:///{db}", "-o", str(target))
        assert proc.returncode == 2, proc.stderr
        assert "internal error" not in proc.stderr and f"cannot write {target}: {reason}" in proc.stderr
        assert "folder exists and is writable" in proc.stderr
    assert not (tmp_path / "missing").exists()


def test_a_schema_error_from_a_cross_check_reads_as_ours(tmp_path):
    """A foreign key to an unknown table was reported as "Value error, table t: …" (pydantic's label)."""
    schema = tmp_path / "schema.yaml"
    schema.write_text("tables:\n  t:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                      "    foreign_keys:\n      - {columns: [id], references: {table: nope, columns: [id]}}\n")
    manifest = write_manifest(tmp_path, {})
    proc = run_cli("generate", str(manifest), "--schema", str(schema), "--database", f"sqlite:///{tmp_path / 'x.db'}")
    assert proc.returncode == 2, proc.stderr
    assert "table t: foreign key references unknown table 'nope'" in proc.stderr
    assert "Value error" not in proc.stderr and "Traceback" not in proc.stderr


def test_a_schema_file_is_read_as_manifests_are_bounded_and_at_its_line(tmp_path):
    """It was read with yaml.safe_load (after a second full compose for positions): a duplicate table
    silently replaced the first, a 100 KB file whose tables share one `columns: *cols` alias took 40 s
    and 3 GB, deep nesting said "maximum recursion depth exceeded" without a line, and a file that is
    not UTF-8 was an "internal error"."""
    manifest, _ = _project(tmp_path)
    db = f"sqlite:///{tmp_path}/x.db"
    cases = {
        "dup.yaml": ("tables:\n  users:\n    columns:\n      id: {type: integer}\n"
                     "  users:\n    columns:\n      x: {type: integer}\n", ":5:", "duplicate key 'users'"),
        "alias.yaml": ("tables:\n  t0:\n    columns: &cols\n"
                       + "".join(f"      c{i}: {{type: integer}}\n" for i in range(2000))
                       + "".join(f"  t{j}: {{columns: *cols}}\n" for j in range(1, 2000)), ":1:", "aliases"),
        "deep.yaml": ("tables:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(1200)), ":1000:", "nest"),
        "two.yaml": ("tables: {}\n---\ntables: {}\n", ":3:", "one YAML document"),
        "latin.yaml": ("tables:\n  caf\xe9:\n    columns:\n      id: {type: integer}\n", ":2:", "not UTF-8"),
    }
    for name, (text, line, what) in cases.items():
        path = tmp_path / name
        path.write_bytes(text.encode("latin-1" if name == "latin.yaml" else "utf-8"))
        proc = run_cli("generate", str(manifest), "--schema", str(path), "--database", db, timeout=30)
        assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
        assert f"{path}{line}" in proc.stderr and what in proc.stderr, (name, proc.stderr)
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["manifest.yaml"]
    # aliases that expand a little, and a large file without any, still read
    small = tmp_path / "small.yaml"
    small.write_text("tables:\n  a:\n    columns: &c\n      id: {type: integer}\n  b: {columns: *c}\n")
    big = tmp_path / "big.yaml"
    big.write_text("tables:\n" + "".join(f"  t{i}:\n    columns:\n" + "".join(
        f"      c{j}: {{type: varchar(20), nullable: false}}\n" for j in range(8)) for i in range(3000)))
    for path, count in ((small, 2), (big, 3000)):
        proc = run_cli("generate", str(manifest), "--schema", str(path), "--database", db, "--check", timeout=60)
        assert proc.returncode == 1 and f"({count} change(s))" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("dialect", [pytest.param("postgres", marks=pytest.mark.postgres),
                                     pytest.param("mysql", marks=pytest.mark.mysql)])
def test_a_name_the_database_cannot_keep_is_refused_at_its_line(fresh_database, tmp_path, dialect):
    """PostgreSQL cut a 70-character table name to 63 with only a NOTICE, and every later generate
    wanted to drop the cut table and create the declared one; MariaDB refused it (and an emoji column)
    part way through the migration. Names at the limit (63 bytes, 64 characters) still apply."""
    url = fresh_database(dialect)
    at_limit = "é" * 31 + "t" if dialect == "postgres" else "é" * 64  # 63 bytes / 64 characters
    good = f"tables:\n  {at_limit}:\n    columns:\n      {at_limit}: {{type: integer, primary_key: true}}\n"
    bad = good + f"  {'u' * 70}:\n    columns:\n      id: {{type: integer}}\n      \"\U0001F680\": {{type: integer}}\n"
    manifest, path = _project(tmp_path, bad)
    proc = run_cli("generate", str(manifest), "--schema", str(path), "--database", url)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{path}:5:3: table name '{'u' * 70}' is 70" in proc.stderr, proc.stderr
    assert (f"{path}:8:7: column name" in proc.stderr) == (dialect == "mysql"), proc.stderr
    assert "Traceback" not in proc.stderr and "s3cr3t" not in proc.stderr
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["manifest.yaml"]
    path.write_text(good)
    assert run_cli("generate", str(manifest), "--schema", str(path), "--database", url).returncode == 0
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    check = run_cli("generate", str(manifest), "--schema", str(path), "--database", url, "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert run_cli("rollback", str(manifest), "--database", url).returncode == 0


_NOT_MODELLED = {  # per dialect: the SQL making objects the schema file does not model, and how dump names them
    "sqlite": (["CREATE TABLE items (id integer PRIMARY KEY, price integer, qty integer, "
                "total integer GENERATED ALWAYS AS (price * qty) STORED)",
                "CREATE INDEX items_partial ON items (qty) WHERE qty > 0",
                "CREATE VIEW v_items AS SELECT * FROM items",
                "CREATE TRIGGER t_items AFTER INSERT ON items BEGIN SELECT 1; END"],
               ["partial index items_partial on items", "view v_items", "trigger t_items on items",
                "generated column items.total (not dumped)"]),
    "postgres": (["CREATE TABLE items (id integer PRIMARY KEY, price integer, qty integer, "
                  "total integer GENERATED ALWAYS AS (price * qty) STORED)",
                  "CREATE INDEX items_partial ON items (qty) WHERE qty > 0",
                  "CREATE VIEW v_items AS SELECT * FROM items",
                  "CREATE FUNCTION f_items() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
                  "CREATE TRIGGER t_items BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION f_items()"],
                 ["partial index items_partial on items", "view v_items", "trigger t_items on items",
                  "generated column items.total (dumped as a plain column: its expression is not kept)"]),
    "mysql": (["CREATE TABLE items (id integer PRIMARY KEY, price integer, qty integer, "
               "total integer AS (price * qty) STORED)",
               "CREATE VIEW v_items AS SELECT * FROM items",
               "CREATE TRIGGER t_items BEFORE INSERT ON items FOR EACH ROW SET NEW.qty = NEW.qty"],
              ["view v_items", "trigger t_items on items",
               "generated column items.total (dumped as a plain column: its expression is not kept)"]),
}


def test_dump_names_what_it_leaves_out_and_its_file_applies(db_url, fresh_database, tmp_path):
    """A generated column was dumped with its expression as a `default:` on PostgreSQL (a migration
    made from the dump failed: a DEFAULT cannot name columns) and a SQLite partial index as a whole
    one; views, triggers and the rest were left out without a word."""
    dialect = DatabaseURL.parse(db_url).dialect
    sql, left_out = _NOT_MODELLED[dialect]
    with get_dialect(db_url) as d:
        for statement in sql:
            d.execute(statement)
    manifest, _ = _project(tmp_path)
    proc = run_cli("schema", "dump", "--database", db_url)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    header = proc.stdout.split("tables:")[0]
    for phrase in left_out:
        assert f"#   - {phrase}\n" in header, proc.stdout
    assert "default" not in proc.stdout and "items_partial:" not in proc.stdout.split("tables:")[1], proc.stdout
    code, data = run_json("schema", "dump", "--database", db_url)
    assert code == 0 and sorted(data["left_out"]) == sorted(left_out), data
    # the dump is a schema file that applies on a new database and matches the one it came from
    (tmp_path / "dumped.yaml").write_text(proc.stdout)
    other = fresh_database(dialect)
    assert run_cli("generate", str(manifest), "--schema", str(tmp_path / "dumped.yaml"), "--database", other).returncode == 0
    applied = run_cli("apply", str(manifest), "--database", other)
    assert applied.returncode == 0, applied.stderr
    check = run_cli("generate", str(write_manifest(tmp_path / "db2", {})), "--schema", str(tmp_path / "dumped.yaml"),
                    "--database", db_url, "--check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_sqlite_now_default_is_written_as_current_timestamp(tmp_path):
    """`default: now()` (which the diff takes for CURRENT_TIMESTAMP) was written `DEFAULT (now())`:
    SQLite accepted the table, then every INSERT leaving the column out failed (no function now)."""
    schema = ("tables:\n  t:\n    columns:\n      id: {type: integer}\n"
              "      at: {type: timestamp, default: now()}\n      day: {type: date, default: \"curdate()\"}\n")
    manifest, path = _project(tmp_path, schema)
    db = f"sqlite:///{tmp_path}/x.db"
    _generate_and_apply(manifest, path, db)
    with get_dialect(db) as d:
        d.execute("INSERT INTO t (id) VALUES (1)")
        assert all(d.execute("SELECT at, day FROM t")[0])
    check = run_cli("generate", str(manifest), "--schema", str(path), "--database", db, "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    # a column added later rebuilds the table with the same default
    path.write_text(schema + "      later: {type: timestamp, default: now()}\n")
    _generate_and_apply(manifest, path, db)
    with get_dialect(db) as d:
        d.execute("INSERT INTO t (id) VALUES (2)")


@pytest.mark.mysql
def test_mysql_string_defaults_with_backslashes_and_quotes_round_trip(fresh_database, tmp_path):
    """A schema file's `'a\\b'` is standard SQL (a backslash); generate wrote it as is, MySQL read
    `\\b` as a backspace, and every later --check reported the column changed. MariaDB's own escapes
    (`\\'`, `\\n`) in what it reports were compared as written."""
    url = fresh_database("mysql")
    schema = ("tables:\n  d:\n    columns:\n      id: {type: integer}\n"
              "      a: {type: varchar(20), default: \"'a\\\\b'\"}\n"
              "      e: {type: varchar(20), default: \"'q\\\\''z'\"}\n"
              "      f: {type: varchar(20), default: \"'50\\\\%'\"}\n"
              "      g: {type: varchar(20), default: \"'line\\nbreak'\"}\n")
    manifest, path = _project(tmp_path, schema)
    assert _defaults_applied(manifest, path, url, "a, e, f, g") == ("a\\b", "q\\'z", "50\\%", "line\nbreak")
    dumped = run_cli("schema", "dump", "--database", url)
    assert dumped.returncode == 0 and yaml.safe_load(dumped.stdout) == yaml.safe_load(schema), dumped.stdout
    assert run_cli("rollback", str(manifest), "--database", url).returncode == 0


@pytest.mark.postgres
def test_dump_and_generate_explain_a_locked_catalog_a_killed_session_and_a_refused_catalog(
        fresh_database, tmp_path):
    """Reading the catalog ignored --lock-timeout (a dump waited for another session's DDL as long as
    it lasted), and a killed session or a catalog the user may not read was "internal error:
    AdminShutdown" / "InsufficientPrivilege", exit 2."""
    import subprocess
    import sys
    import time
    import uuid

    from servers import url_with

    url = fresh_database("postgres")
    manifest, path = _project(tmp_path)
    with get_dialect(url) as d:
        d.execute("CREATE TABLE t (id integer PRIMARY KEY)")
    holder = get_dialect(url)
    holder.connect()
    try:
        holder.execute("BEGIN")
        # pg_trigger: a catalog no new session needs to start (a locked pg_constraint can hold up a connect)
        holder.execute("LOCK TABLE pg_catalog.pg_trigger IN ACCESS EXCLUSIVE MODE")
        for args in (("schema", "dump", "--database", url), ("generate", str(manifest), "--schema", str(path),
                                                             "--database", url, "--check")):
            started = time.monotonic()
            proc = run_cli(*args, "--lock-timeout", "1", timeout=30)
            assert proc.returncode == 1 and time.monotonic() - started < 15, proc.stdout + proc.stderr
            assert "gave up waiting for a lock held by another session while reading the schema of" in proc.stderr
            assert "--lock-timeout" in proc.stderr and "Traceback" not in proc.stderr and "s3cr3t" not in proc.stderr
        # the session killed while it waits: a lost connection, explained
        dump = subprocess.Popen([sys.executable, "-m", "stingerloom.cli", "schema", "dump", "--database", url],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        killed = []
        with get_dialect(url) as killer:  # its own session: a transaction sees pg_stat_activity frozen
            for _ in range(200):
                killed = killer.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                                        "current_database() AND wait_event_type = 'Lock'")
                if killed:
                    break
                time.sleep(0.05)
        assert killed, "the dump never waited for the lock"
        out, err = dump.communicate(timeout=30)
        assert dump.returncode == 1, out + err
        assert "connection to the database was lost" in err and "while reading the schema of" in err, err
        assert "internal error" not in err and "Traceback" not in err
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # a user who may not read a catalog table
    role = f"sl_noread_{uuid.uuid4().hex[:8]}"
    with get_dialect(url) as d:
        d.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'")
        d.execute("REVOKE SELECT ON pg_catalog.pg_constraint FROM PUBLIC")
    try:
        limited = url_with(url, password="pw").replace("stingerloom:pw@", f"{role}:pw@")
        proc = run_cli("schema", "dump", "--database", limited)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "permission denied while reading the schema of" in proc.stderr and "pg_constraint" in proc.stderr
        assert "grant" in proc.stderr and "internal error" not in proc.stderr
    finally:
        with get_dialect(url) as d:
            d.execute(f"DROP ROLE {role}")


@pytest.mark.parametrize("dialect", [pytest.param("postgres", marks=pytest.mark.postgres),
                                     pytest.param("mysql", marks=pytest.mark.mysql)])
def test_quoted_parts_of_a_native_type_keep_their_case(fresh_database, tmp_path, dialect):
    """The whole type was upper-cased: MySQL's enum('low','High') became ENUM('LOW','HIGH') (other
    values than declared), and PostgreSQL's quoted type "Mood" became "MOOD" (no such type)."""
    url = fresh_database(dialect)
    if dialect == "postgres":
        with get_dialect(url) as d:
            d.execute("""CREATE TYPE "Mood" AS ENUM ('low', 'High')""")
        mood = '\'"Mood"\''
    else:
        mood = "\"enum('low','High')\""
    schema = f"tables:\n  t:\n    columns:\n      id: {{type: integer, primary_key: true}}\n      m: {{type: {mood}}}\n"
    manifest, path = _project(tmp_path, schema)
    _generate_and_apply(manifest, path, url)
    with get_dialect(url) as d:
        d.execute("INSERT INTO t (id, m) VALUES (1, 'High')")
        assert d.execute("SELECT m FROM t")[0][0] == "High"
    check = run_cli("generate", str(manifest), "--schema", str(path), "--database", url, "--check")
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.postgres
def test_one_schema_name_that_is_not_the_current_one_is_where_generate_writes(fresh_database, tmp_path):
    """With `--schema-name Sales`, tables were read bare and the SQL was unqualified: CREATE TABLE went
    to the session's schema (public), an ALTER could hit public's table of the same name, and --check
    reported the same drift forever. A --schema-name naming no schema read as an empty database."""
    url = fresh_database("postgres")
    with get_dialect(url) as d:
        d.execute('CREATE SCHEMA "Sales"')
        d.execute('CREATE TABLE "Sales"."Orders" (id integer PRIMARY KEY)')
        d.execute('CREATE TABLE public."Orders" (id integer PRIMARY KEY)')
    manifest, path = _project(tmp_path)
    dumped = run_cli("schema", "dump", "--database", url, "--schema-name", "Sales")
    assert dumped.returncode == 0 and "  Sales.Orders:\n" in dumped.stdout, dumped.stdout + dumped.stderr
    # a schema file naming tables bare (as dumps used to) means tables of that schema
    path.write_text("tables:\n  Orders:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                    "      total: {type: integer}\n  NewT:\n    columns:\n      id: {type: integer}\n")
    proc = run_cli("generate", str(manifest), "--schema", str(path), "--database", url, "--schema-name", "Sales")
    assert proc.returncode == 0 and 'CREATE TABLE "Sales"."NewT"' in proc.stdout, proc.stdout + proc.stderr
    assert 'ALTER TABLE "Sales"."Orders" ADD COLUMN "total"' in proc.stdout, proc.stdout
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    with get_dialect(url) as d:
        where = d.execute("SELECT table_schema, table_name FROM information_schema.columns WHERE column_name = 'total' "
                          "OR table_name = 'NewT' ORDER BY 1, 2")
        assert where == [("Sales", "NewT"), ("Sales", "Orders")], where
    check = run_cli("generate", str(manifest), "--schema", str(path), "--database", url, "--schema-name", "Sales",
                    "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert run_cli("rollback", str(manifest), "--database", url).returncode == 0
    missing = run_cli("schema", "dump", "--database", url, "--schema-name", "sales")
    assert missing.returncode == 2 and "no schema 'sales'" in missing.stderr and "Sales, public" in missing.stderr


def test_schema_name_on_a_database_without_schemas_is_refused(tmp_path):
    """It was ignored: the whole database was dumped or compared."""
    (tmp_path / "x.db").touch()
    proc = run_cli("schema", "dump", "--database", f"sqlite:///{tmp_path}/x.db", "--schema-name", "main")
    assert proc.returncode == 2 and "--schema-name is for PostgreSQL" in proc.stderr, proc.stdout + proc.stderr


def test_expression_defaults_apply_and_compare_as_the_server_prints_them(db_url, tmp_path):
    """MariaDB refused `DEFAULT 1 + 2` (only a function call was put in parentheses), and printed
    lower('Ab', …) back without the space after the comma, which --check reported as a change forever."""
    schema = ("tables:\n  d:\n    columns:\n      id: {type: integer, primary_key: true}\n"
              "      a: {type: integer, default: \"1 + 2\"}\n"
              "      b: {type: varchar(20), default: \"replace('Ab', 'b', 'c')\"}\n"
              "      c: {type: integer, default: \"2 * (1 + 2)\"}\n")
    manifest, path = _project(tmp_path, schema)
    assert _defaults_applied(manifest, path, db_url, "a, b, c") == (3, "Ac", 6)
    assert run_cli("rollback", str(manifest), "--database", db_url).returncode == 0


def test_a_name_too_long_for_the_file_system_and_a_schema_file_that_is_no_mapping(tmp_path):
    """--name of 300 characters was "internal error: OSError: File name too long", and a schema file
    holding text or a list got pydantic's "instance of SchemaFile"."""
    manifest, path = _project(tmp_path)
    db = f"sqlite:///{tmp_path}/x.db"
    proc = run_cli("generate", str(manifest), "--schema", str(path), "--database", db, "--name", "x" * 300)
    assert proc.returncode == 2 and "File name too long; nothing written" in proc.stderr, proc.stderr
    assert "pick a shorter --name" in proc.stderr and "internal error" not in proc.stderr
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["manifest.yaml"]
    for text, kind in (("just text\n", "text"), ("- a\n- b\n", "a list")):
        path.write_text(text)
        proc = run_cli("generate", str(manifest), "--schema", str(path), "--database", db, "--check")
        assert proc.returncode == 2, proc.stderr
        assert f"{path}:1: a schema file is a mapping with a `tables:` key, not {kind}" in proc.stderr, proc.stderr


@pytest.mark.mysql
def test_mysql_user_who_cannot_see_the_referenced_table_still_sees_the_foreign_key(fresh_database, tmp_path):
    """information_schema hides the rules of a foreign key whose referenced table the user may not
    read: the key was left out and its index read as a plain one, which generate proposed to drop
    (InnoDB refuses: the key needs it)."""
    import uuid

    from servers import url_with

    url = fresh_database("mysql")
    user = f"sl_lim_{uuid.uuid4().hex[:8]}"
    database = DatabaseURL.parse(url).database
    with get_dialect(url) as d:
        d.execute("CREATE TABLE parent (id integer PRIMARY KEY)")
        d.execute("CREATE TABLE child (id integer PRIMARY KEY, p integer, "
                  "CONSTRAINT fk_c FOREIGN KEY (p) REFERENCES parent (id))")
        for host in ("%", "localhost"):
            d.execute(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY 'pw'")
            d.execute(f"GRANT SELECT ON `{database}`.child TO '{user}'@'{host}'")
    try:
        limited = url_with(url, password="pw").replace("stingerloom:pw@", f"{user}:pw@")
        proc = run_cli("schema", "dump", "--database", limited)
        assert proc.returncode == 0, proc.stderr
        data = yaml.safe_load(proc.stdout)["tables"]
        assert list(data) == ["child"] and "indexes" not in data["child"], proc.stdout
        assert data["child"]["foreign_keys"] == [{"name": "fk_c", "columns": ["p"],
                                                  "references": {"table": "parent", "columns": ["id"]}}]
    finally:
        with get_dialect(url) as d:
            for host in ("%", "localhost"):
                d.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")
