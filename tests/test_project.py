"""The DBA's project (SPEC §8, §9): configuration and environments, placeholders, SQL files, includes
and folders, lint reading the configuration. Through the CLI, as a user runs it."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from helpers import history, query, run_cli, run_json, tables


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def err(proc) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stderr


DEV_CONFIG = 'manifest = "db/manifest.yaml"\ndefault_env = "dev"\n[environments.dev]\ndatabase = "sqlite:///dev.db"\n'

USERS = {
    "db/manifest.yaml": "stingerloom: 1\nmigrations:\n  - 001_users.yaml\n",
    "db/001_users.yaml": "up: CREATE TABLE users (id INTEGER PRIMARY KEY);\ndown: DROP TABLE users;\n",
}


# -- configuration and environments ---------------------------------------------------------------
def test_config_found_walking_up_so_status_needs_no_argument(tmp_path):
    write(tmp_path, {**USERS, "stingerloom.toml": """
        manifest = "db/manifest.yaml"
        default_env = "dev"
        [environments.dev]
        database = "sqlite:///dev.db"
    """})
    sub = tmp_path / "db"
    proc = run_cli("apply", cwd=sub)  # from a sub-folder: the configuration is found above
    assert proc.returncode == 0, err(proc)
    # the relative sqlite path is relative to the configuration's folder, not the current one
    assert tables(f"sqlite:///{tmp_path / 'dev.db'}") == {"__migrations", "users"}
    assert not (sub / "dev.db").exists()
    code, out = run_json("status", cwd=sub)
    assert code == 0 and out["executed"] == ["001_users"]


@pytest.mark.parametrize("spelling", [
    '[tool]\nstingerloom = { manifest = "manifest.yaml" }\n',
    'tool = { stingerloom = { manifest = "manifest.yaml" } }\n',
    '[ "tool" . \'stingerloom\' ]\nmanifest = "manifest.yaml"\n',
    'tool.stingerloom.manifest = "manifest.yaml"\n',
])
def test_pyproject_tool_table_in_any_toml_spelling(tmp_path, spelling):
    # pyproject.toml is parsed only when it may hold a tool.stingerloom table; every spelling of one counts
    write(tmp_path, {**USERS, "pyproject.toml": '[project]\nname = "shop"\ndependencies = ["stingerloom"]\n'})
    (tmp_path / "db" / "pyproject.toml").write_text(spelling + '[project]\nname = "stingerloom-shop"\n')
    code, out = run_json("status", "--database", f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path / "db")
    assert code == 0 and out["pending"] == ["001_users"], out
    # a pyproject.toml that only names stingerloom (a dependency) is not a configuration
    proc = run_cli("status", "--database", f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path)
    assert proc.returncode == 2 and "manifest" in err(proc)


def test_pyproject_tool_table_and_explicit_config(tmp_path):
    write(tmp_path, {**USERS, "pyproject.toml": """
        [project]
        name = "shop"
        [tool.stingerloom]
        manifest = "db/manifest.yaml"
        [tool.stingerloom.environments.ci]
        database = "sqlite:///ci.db"
        [tool.stingerloom.environments.ci.placeholderz]
    """})
    proc = run_cli("status", "--env", "ci", cwd=tmp_path)
    assert proc.returncode == 2
    assert "pyproject.toml:7:35: environments.ci: unknown key 'placeholderz'" in err(proc)
    assert "did you mean 'placeholders'?" in proc.stderr
    (tmp_path / "pyproject.toml").write_text(
        (tmp_path / "pyproject.toml").read_text().replace("[tool.stingerloom.environments.ci.placeholderz]\n", ""))
    assert run_cli("apply", "--env", "ci", cwd=tmp_path).returncode == 0
    assert "users" in tables(f"sqlite:///{tmp_path / 'ci.db'}")
    # --config names another file; its paths are relative to its own folder
    write(tmp_path, {"other/stingerloom.toml": 'manifest = "../db/manifest.yaml"\n'})
    proc = run_cli("status", "--config", str(tmp_path / "other" / "stingerloom.toml"), cwd=tmp_path)
    assert proc.returncode == 2 and "leaves the configuration's folder" in err(proc)


def test_unknown_keys_are_errors_at_file_line_with_did_you_mean(tmp_path):
    write(tmp_path, {**USERS, "stingerloom.toml": """
        manifest = "db/manifest.yaml"
        defualt_env = "dev"
        [environments.dev]
        lock_timout = 3
        [lint]
        per-file-ignore = {}
    """})
    proc = run_cli("status", cwd=tmp_path)
    assert proc.returncode == 2
    lines = err(proc).splitlines()
    assert "stingerloom.toml:2:1: unknown key 'defualt_env'" in lines[1] and "did you mean 'default_env'?" in lines[1]
    assert lines[2].startswith("stingerloom.toml:4:1: environments.dev: unknown key 'lock_timout'")
    assert "did you mean 'lock_timeout'?" in lines[2]
    assert lines[3].startswith("stingerloom.toml:6:1: lint: unknown key 'per-file-ignore'")
    assert "did you mean 'per-file-ignores'?" in lines[3]


def test_bad_values_and_hostile_configs(tmp_path):
    write(tmp_path, {**USERS, "stingerloom.toml": """
        [environments.dev]
        lock_timeout = "soon"
        out_of_order = "maybe"
    """})
    proc = run_cli("status", "db/manifest.yaml", "--env", "dev", cwd=tmp_path)
    assert proc.returncode == 2
    assert "stingerloom.toml:2:16: environments.dev.lock_timeout: expected a number of seconds" in err(proc)
    assert "stingerloom.toml:3:16: environments.dev.out_of_order" in proc.stderr
    (tmp_path / "stingerloom.toml").write_text("[environments.dev]\nlock_timeout = -5\n")
    proc = run_cli("status", "db/manifest.yaml", "--env", "dev", cwd=tmp_path)
    assert proc.returncode == 2  # in our words, not pydantic's "Input should be greater than or equal to 0"
    assert "stingerloom.toml:2:16: environments.dev.lock_timeout: expected a number of seconds, 0 or more, got -5" \
        in err(proc)
    # invalid TOML: its own position
    (tmp_path / "stingerloom.toml").write_text("manifest = \n")
    proc = run_cli("status", cwd=tmp_path)
    assert proc.returncode == 2 and "stingerloom.toml:1" in err(proc) and "invalid TOML" in proc.stderr
    # a huge file is refused before it is parsed
    (tmp_path / "stingerloom.toml").write_text("# x\n" * 400_000)
    proc = run_cli("status", cwd=tmp_path)
    assert proc.returncode == 2 and "larger than 1024 KB" in err(proc)
    # the manifest may not leave the project through a symlink
    outside = tmp_path.parent / (tmp_path.name + "-outside")
    write(outside, {"manifest.yaml": "stingerloom: 1\n"})
    os.symlink(outside, tmp_path / "link")
    (tmp_path / "stingerloom.toml").write_text('manifest = "link/manifest.yaml"\n')
    proc = run_cli("status", cwd=tmp_path)
    assert proc.returncode == 2
    assert "stingerloom.toml:1: manifest: path 'link/manifest.yaml' leaves the configuration's folder through a symlink" \
        in err(proc)


def test_environment_precedence_and_lazy_variables(tmp_path):
    write(tmp_path, {**USERS, "stingerloom.toml": """
        manifest = "db/manifest.yaml"
        default_env = "dev"
        [environments.dev]
        database = "sqlite:///dev.db"
        [environments.prod]
        database = "${PROD_URL}"
        lock_timeout = 7
        history_table = "prod_history"
    """, "db/manifest.yaml": "stingerloom: 1\ndatabase: sqlite:///manifest.db\nmigrations: [001_users.yaml]\n"})
    # prod's variable is not needed while working on dev
    assert run_cli("apply", cwd=tmp_path).returncode == 0
    assert (tmp_path / "dev.db").exists() and not (tmp_path / "db" / "manifest.db").exists()
    # picking prod without its variable: the error says where it is used
    proc = run_cli("status", "--env", "prod", cwd=tmp_path)
    assert proc.returncode == 2
    assert "stingerloom.toml:6: environments.prod.database: environment variable 'PROD_URL' is not set" in err(proc)
    # STINGERLOOM_ENV picks it too; the environment's history_table wins over the manifest's default
    env = {"STINGERLOOM_ENV": "prod", "PROD_URL": f"sqlite:///{tmp_path / 'prod.db'}"}
    proc = run_cli("apply", cwd=tmp_path, env=env)
    assert proc.returncode == 0 and "note: environment prod (from STINGERLOOM_ENV)" in err(proc)
    assert tables(env["PROD_URL"]) == {"prod_history", "users"}
    # STINGERLOOM_DATABASE_URL wins over the environment, --database over both (without expanding ${PROD_URL})
    other = f"sqlite:///{tmp_path / 'other.db'}"
    code, out = run_json("config", cwd=tmp_path, env={"STINGERLOOM_ENV": "prod", "STINGERLOOM_DATABASE_URL": other})
    assert out["settings"]["database"] == {"value": other, "origin": "STINGERLOOM_DATABASE_URL"}
    assert out["settings"]["lock_timeout"] == {"value": 7, "origin": "stingerloom.toml:7"}
    code, out = run_json("config", "--database", other, "--lock-timeout", "2", "--env", "prod", cwd=tmp_path)
    assert out["environment"] == {"value": "prod", "origin": "--env"}
    assert out["settings"]["database"]["origin"] == "--database"
    assert out["settings"]["lock_timeout"] == {"value": 2.0, "origin": "--lock-timeout"}
    assert out["settings"]["history_table"] == {"value": "prod_history", "origin": "stingerloom.toml:8"}
    # unknown environment: did you mean
    proc = run_cli("status", "--env", "prd", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown environment 'prd'" in err(proc) and "did you mean 'prod'?" in proc.stderr


def test_config_command_hides_passwords(tmp_path):
    write(tmp_path, {**USERS, "stingerloom.toml": """
        manifest = "db/manifest.yaml"
        default_env = "prod"
        [environments.prod]
        database = "postgresql://app:${DB_PASSWORD}@db.example:5432/shop"
        placeholders = { schema = "app", app_password = "hunter2" }
    """})
    proc = run_cli("config", cwd=tmp_path, env={"DB_PASSWORD": "s3cr3t-pw"})
    assert proc.returncode == 0, err(proc)
    assert "s3cr3t-pw" not in proc.stdout + proc.stderr and "hunter2" not in proc.stdout
    assert "postgresql://app:***@db.example:5432/shop" in proc.stdout
    assert "[stingerloom.toml:4]" in proc.stdout and "${schema}" in proc.stdout
    code, out = run_json("config", cwd=tmp_path, env={"DB_PASSWORD": "s3cr3t-pw"})
    assert out["placeholders"]["app_password"]["value"] == "***"
    assert out["placeholders"]["schema"] == {"value": "app", "origin": "stingerloom.toml:5"}
    assert out["settings"]["manifest"] == {"value": os.path.join("db", "manifest.yaml"), "origin": "stingerloom.toml:1"}


def test_no_config_no_manifest_says_what_to_do(tmp_path):
    proc = run_cli("status", cwd=tmp_path)
    assert proc.returncode == 2 and "no manifest given" in err(proc) and "stingerloom init" in proc.stderr
    proc = run_cli("status", "--env", "dev", cwd=tmp_path)
    assert proc.returncode == 2 and "there is no configuration file" in err(proc)


def test_init_writes_a_config_and_new_uses_it(tmp_path):
    assert run_cli("init", cwd=tmp_path).returncode == 0
    assert 'manifest = "migrations/manifest.yaml"' in (tmp_path / "stingerloom.toml").read_text()
    proc = run_cli("new", "create_users", cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    assert (tmp_path / "migrations" / "001_create_users.yaml").is_file()
    proc = run_cli("new", "add_orders", "--timestamp", "--sql", cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    stamped = [p.name for p in (tmp_path / "migrations").glob("2*_add_orders.sql")]
    assert len(stamped) == 1 and len(stamped[0].split("_")[0]) == 14
    assert stamped[0] in (tmp_path / "migrations" / "manifest.yaml").read_text()
    # id_format = "timestamp" makes it the default; --number still numbers
    with open(tmp_path / "stingerloom.toml", "a") as fh:
        fh.write('id_format = "timestamp"\n')
    assert run_cli("new", "add_items", cwd=tmp_path).returncode == 0
    assert len(list((tmp_path / "migrations").glob("2*_add_items.yaml"))) == 1
    assert run_cli("new", "add_tags", "--number", cwd=tmp_path).returncode == 0
    assert (tmp_path / "migrations" / "002_add_tags.yaml").is_file()
    # the config validates against its JSON Schema
    import tomllib

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "config.schema.json").read_text())
    jsonschema.validate(tomllib.loads((tmp_path / "stingerloom.toml").read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"environments": {"dev": {"databse": "x"}}}, schema)


# -- placeholders ---------------------------------------------------------------------------------
PLACEHOLDER_PROJECT = {
    "stingerloom.toml": """
        manifest = "db/manifest.yaml"
        [environments.a]
        placeholders = { prefix = "alpha", note = "from a" }
        [environments.b]
        placeholders = { prefix = "beta", note = "from b" }
    """,
    "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_t.yaml, 002_raw.yaml]\n",
    "db/001_t.yaml": """
        up: |
          CREATE TABLE ${prefix}_t (id INTEGER PRIMARY KEY, note VARCHAR(40));
          INSERT INTO ${prefix}_t (id, note) VALUES (1, '${note}'), (2, '$${note}');
        down: DROP TABLE ${prefix}_t;
    """,
    "db/002_raw.yaml": """
        placeholders: false
        up: CREATE TABLE raw_t (note VARCHAR(40) DEFAULT '${note}');
        down: DROP TABLE raw_t;
    """,
}


def test_placeholders_per_environment_share_the_checksum(db_url, fresh_database, tmp_path):
    write(tmp_path, PLACEHOLDER_PROJECT)
    dialect = db_url.split(":")[0].replace("postgresql", "postgres")
    second = fresh_database(dialect)
    assert run_cli("apply", "--env", "a", "--database", db_url, cwd=tmp_path).returncode == 0
    proc = run_cli("apply", "--env", "b", "--set", "note=overridden", "--database", second, cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    assert {"alpha_t", "raw_t"} <= tables(db_url) and {"beta_t", "raw_t"} <= tables(second)
    assert query(db_url, "SELECT note FROM alpha_t ORDER BY id") == [("from a",), ("${note}",)]
    assert query(second, "SELECT note FROM beta_t ORDER BY id") == [("overridden",), ("${note}",)]
    # the checksum is of the SQL as written: both databases record the same one, and neither is modified
    sums = [query(u, "SELECT checksum FROM __migrations ORDER BY id") for u in (db_url, second)]
    assert sums[0] == sums[1]
    code, out = run_json("status", "--env", "b", "--database", db_url, cwd=tmp_path)
    assert [m["state"] for m in out["migrations"]] == ["applied", "applied"]
    # the stored down SQL is the replaced one: a rollback works without the environment
    proc = run_cli("rollback", "--all", "--database", second, cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    assert "beta_t" not in tables(second)


def test_undefined_placeholders_all_reported_before_anything_runs(db_url, tmp_path):
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_ok.yaml, 002_uses.sql]\n",
        "db/001_ok.yaml": "up: CREATE TABLE ok_t (id INTEGER PRIMARY KEY);\ndown: DROP TABLE ok_t;\n",
        "db/002_uses.sql": """
            -- migrate:up
            CREATE TABLE ${schema_name}_x (id INTEGER PRIMARY KEY);
            INSERT INTO ${schema_name}_x VALUES (${first_id});
            -- migrate:down
            DROP TABLE ${gone}_x;
        """,
    })
    proc = run_cli("apply", "db/manifest.yaml", "--database", db_url, "--set", "first_id=1", cwd=tmp_path)
    assert proc.returncode == 2
    text = err(proc)
    assert "db/002_uses.sql:2:14: placeholder ${schema_name} has no value" in text
    assert "db/002_uses.sql:3:13: placeholder ${schema_name} has no value" in text
    assert "db/002_uses.sql:5:12: placeholder ${gone} has no value (migration 002_uses, down)" in text
    assert "--set NAME=VALUE" in text
    assert "ok_t" not in tables(db_url)  # nothing ran, not even the first migration
    # dry run shows the replaced SQL
    proc = run_cli("apply", "db/manifest.yaml", "--dry-run", "--database", db_url, "--set", "schema_name=s",
                   "--set", "first_id=7", "--set", "gone=s", cwd=tmp_path)
    assert proc.returncode == 0 and "INSERT INTO s_x VALUES (7);" in proc.stdout
    # with values, the failing statement is shown replaced, at the .sql file's line
    proc = run_cli("apply", "db/manifest.yaml", "--database", db_url, "--set", "schema_name=s",
                   "--set", "first_id=1", "--set", "first_id=nope", "--set", "gone=s", cwd=tmp_path)
    assert proc.returncode == 1
    assert "db/002_uses.sql:3:" in err(proc) and "statement: INSERT INTO s_x VALUES (nope)" in proc.stderr


@pytest.mark.postgres
def test_placeholders_in_postgres_dollar_quoted_bodies(fresh_database, tmp_path):
    url = fresh_database("postgres")
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_fn.yaml]\n",
        "db/001_fn.yaml": """
            up: |
              CREATE SCHEMA ${schema};
              CREATE FUNCTION ${schema}.greet() RETURNS text AS $$
                SELECT 'hello from ${schema}, literally $${schema}'::text
              $$ LANGUAGE sql;
              CREATE TABLE ${schema}.docs (body text);
              INSERT INTO ${schema}.docs VALUES ($js${"a": 1}$js$), ($$${"b": 2}$$);
            down: DROP SCHEMA ${schema} CASCADE;
        """,
    })
    proc = run_cli("apply", "db/manifest.yaml", "--database", url, "--set", "schema=app", cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    assert query(url, "SELECT app.greet()") == [("hello from app, literally ${schema}",)]
    # not a placeholder: left as written; $$${ is the escape for a $$ body that starts with {
    assert query(url, "SELECT body FROM app.docs ORDER BY body") == [('{"a": 1}',), ('{"b": 2}',)]
    # lint checks the SQL with neutral stand-ins: ${schema}.greet is not a syntax error
    proc = run_cli("lint", "db/manifest.yaml", "--dialect", "postgres", cwd=tmp_path)
    assert "SL201" not in proc.stdout, proc.stdout


# -- SQL files ------------------------------------------------------------------------------------
def test_dbmate_sql_files_and_file_blocks(db_url, tmp_path):
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_users.sql, 002_orders.yaml]\n",
        "db/001_users.sql": """
            -- the users
            -- migrate:up
            CREATE TABLE users (id INTEGER PRIMARY KEY);
            INSERT INTO users VALUES (1);

            -- migrate:down
            DROP TABLE users;
        """,
        "db/002_orders.yaml": """
            up:
              default: {file: sql/002_orders.up.sql}
              sqlite: CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);
            down: {file: sql/002_orders.down.sql}
        """,
        "db/sql/002_orders.up.sql": "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);\n",
        "db/sql/002_orders.down.sql": "DROP TABLE orders;\n",
    })
    proc = run_cli("apply", "db/manifest.yaml", "--database", db_url, cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    assert {"users", "orders"} <= tables(db_url)
    assert [h[0] for h in history(db_url)] == ["001_users", "002_orders"]
    assert run_cli("rollback", "db/manifest.yaml", "--all", "--database", db_url, cwd=tmp_path).returncode == 0
    assert tables(db_url) == {"__migrations"}
    # a failing statement is reported at the .sql file's own line
    (tmp_path / "db" / "sql" / "002_orders.up.sql").write_text("\n\nCREATE TABLE orders (id INTEGER PRIMARY KEY);\n"
                                                               "INSERT INTO no_such_table VALUES (1);\n")
    (tmp_path / "db" / "002_orders.yaml").write_text(
        "up: {file: sql/002_orders.up.sql}\ndown: {file: sql/002_orders.down.sql}\n")
    proc = run_cli("apply", "db/manifest.yaml", "--database", db_url, cwd=tmp_path)
    assert proc.returncode == 1
    assert os.path.join("db", "sql", "002_orders.up.sql") + ":4:" in err(proc)


def test_dbmate_transaction_false_and_format_errors(tmp_path):
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_a.sql, 002_b.sql, 003_c.sql]\n",
        "db/001_a.sql": "-- migrate:up transaction:false\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
        "db/002_b.sql": "CREATE TABLE b (id INTEGER);\n",
        "db/003_c.sql": "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n-- migrate:down transaction:maybe\n",
    })
    proc = run_cli("status", "db/manifest.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    text = err(proc)
    assert "db/002_b.sql:1:1: no '-- migrate:up' line" in text
    assert "db/003_c.sql:3:4: a second '-- migrate:up' (the first is at line 1)" in text
    assert "db/003_c.sql:5:17: unknown option 'transaction:maybe'" in text
    (tmp_path / "db" / "manifest.yaml").write_text("stingerloom: 1\nmigrations: [001_a.sql]\n")
    proc = run_cli("apply", "db/manifest.yaml", "--dry-run", cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    assert "-- 001_a (db/001_a.sql:1), statement by statement, without a transaction" in proc.stdout


def test_lint_findings_point_into_sql_files(tmp_path):
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_a.yaml, 002_b.sql]\n",
        "db/001_a.yaml": "up: {file: 001_a.sql}\ndown: DROP TABLE a;\n",
        "db/001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n\nCREAT TABLE oops (id INTEGER);\n",
        "db/002_b.sql": "-- migrate:up\n\nSELEC 1;\n-- migrate:down\nSELECT 1;\n",
    })
    code, out = run_json("lint", "db/manifest.yaml", "--dialect", "sqlite", cwd=tmp_path)
    assert code == 1
    where = {(f["file"], f["line"]) for f in out["findings"] if f["rule"] == "SL201"}
    assert ("db/001_a.sql", 3) in where and ("db/002_b.sql", 3) in where


def test_file_blocks_cannot_leave_the_project(tmp_path):
    secret = tmp_path / "secret"
    write(secret, {"passwd.sql": "SELECT 1;\n"})
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_a.yaml, 002_b.yaml]\n",
        "db/001_a.yaml": "up: {file: ../secret/passwd.sql}\n",
        "db/002_b.yaml": "up: {file: link/passwd.sql}\n",
    })
    os.symlink(secret, tmp_path / "db" / "link")
    proc = run_cli("status", "db/manifest.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "db/001_a.yaml:1:12: path '../secret/passwd.sql' leaves the manifest's folder" in err(proc)
    assert "db/002_b.yaml:1:12: path 'link/passwd.sql' leaves the manifest's folder through a symlink" in proc.stderr


def test_a_missing_file_block_hint_says_where_its_path_is_relative_to(tmp_path):
    # `{file: ...}` is relative to the migration file's folder, not the manifest's: the hint must not
    # send the user to the wrong folder
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations:\n  - {include: sub/manifest.yaml}\n",
        "db/sub/manifest.yaml": "stingerloom: 1\nmigrations: [001_a.yaml]\n",
        "db/sub/001_a.yaml": "up: {file: missing.sql}\n",
    })
    proc = run_cli("apply", "db/manifest.yaml", "--database", "sqlite:///x.db", cwd=tmp_path)
    assert proc.returncode == 2 and "db/sub/001_a.yaml:1:12: no such file: db/sub/missing.sql" in err(proc)
    assert "relative to the manifest's folder" not in proc.stderr
    assert "the migration file for `{file: ...}`" in proc.stderr


# -- includes and folders -------------------------------------------------------------------------
def test_includes_and_folders_compose_in_order(db_url, tmp_path):
    write(tmp_path, {
        "db/manifest.yaml": """
            stingerloom: 1
            migrations:
              - {include: core/manifest.yaml}
              - {directory: versions/}
              - 900_last.yaml
        """,
        "db/core/manifest.yaml": "stingerloom: 1\nmigrations: [001_users.yaml]\n",
        "db/core/001_users.yaml": "up: CREATE TABLE users (id INTEGER PRIMARY KEY);\ndown: DROP TABLE users;\n",
        "db/versions/20260102000000_b.sql": "-- migrate:up\nCREATE TABLE b (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE b;\n",
        "db/versions/20260101000000_a.yaml": "up: {file: 20260101000000_a.up.sql}\ndown: DROP TABLE a;\n",
        "db/versions/20260101000000_a.up.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
        "db/versions/10_early.toml": 'up = "CREATE TABLE early (id INTEGER PRIMARY KEY)"\ndown = "DROP TABLE early"\n',
        "db/versions/README.md": "not a migration\n",
        "db/900_last.yaml": "up: CREATE TABLE last_t (id INTEGER PRIMARY KEY);\ndown: DROP TABLE last_t;\n",
    })
    code, out = run_json("apply", "db/manifest.yaml", "--database", db_url, cwd=tmp_path)
    assert code == 0, out
    order = ["001_users", "10_early", "20260101000000_a", "20260102000000_b", "900_last"]
    assert [r["id"] for r in out["results"]] == order
    assert [h[0] for h in history(db_url)] == order
    # a new branch adds a file to the folder: the (cached) manifest sees it at its version's place
    write(tmp_path, {"db/versions/20260101500000_c.yaml": "up: CREATE TABLE c (id INTEGER PRIMARY KEY);\n"})
    code, out = run_json("status", "db/manifest.yaml", "--database", db_url, cwd=tmp_path)
    assert [m["id"] for m in out["migrations"]][:5] == order[:3] + ["20260101500000_c", "20260102000000_b"]
    assert out["pending"] == ["20260101500000_c"]


def test_include_and_folder_errors(tmp_path):
    outside = tmp_path / "elsewhere"
    write(outside, {"manifest.yaml": "stingerloom: 1\nmigrations: []\n"})
    write(tmp_path, {
        "db/manifest.yaml": """
            stingerloom: 1
            migrations:
              - 001_a.yaml
              - {include: sub/manifest.yaml}
              - {include: link/manifest.yaml}
              - {directory: versions/}
              - {include: loop.yaml}
              - {inclde: x.yaml}
              - {id: 002_b, up: SELECT 6;}
        """,
        "db/001_a.yaml": "up: SELECT 1;\n",
        "db/sub/manifest.yaml": "stingerloom: 1\ndatabase: sqlite:///x.db\nmigrations: [a2.yaml]\n",
        "db/sub/a2.yaml": "id: 001_a\nup: SELECT 2;\n",
        "db/versions/1_x.yaml": "up: SELECT 3;\n",
        "db/versions/001_y.yaml": "up: SELECT 4;\n",
        "db/versions/noversion.yaml": "up: SELECT 5;\n",
        "db/loop.yaml": "stingerloom: 1\nmigrations: [{include: loop.yaml}]\n",
    })
    os.symlink(outside, tmp_path / "db" / "link")
    proc = run_cli("status", "db/manifest.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    text = err(proc)
    assert "db/sub/manifest.yaml:2:1: database: only the top manifest's database counts" in text
    assert ("db/sub/a2.yaml:1:1: duplicate id '001_a': also used by " + os.path.join("db", "001_a.yaml") + ":1") in text
    assert "db/manifest.yaml:5:5: path 'link/manifest.yaml' leaves the manifest's folder through a symlink" in text
    assert "have the same version 1" in text and "noversion.yaml: a file in a `directory:` folder must start" in text
    assert "db/loop.yaml:2:" in text and "include cycle" in text
    assert "db/manifest.yaml:8:6: migrations[5]: unknown key 'inclde'" in text and "did you mean 'include'?" in text
    # a migration written inline: what an entry may be, once, not three unknown keys
    assert "db/manifest.yaml:9:5: migrations[6]: expected a file path, {include: manifest.yaml} or {directory: " \
        "folder/} (a migration's id, up and down go in a file of their own" in text
    assert "unknown key 'up'" not in text


# -- lint reads the configuration -----------------------------------------------------------------
def test_one_file_reached_twice_is_named_as_listed_twice_not_as_a_duplicate_of_itself(tmp_path):
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations:\n  - {include: sub/manifest.yaml}\n  - sub/001_a.yaml\n",
        "db/sub/manifest.yaml": "stingerloom: 1\nmigrations: [001_a.yaml]\n",
        "db/sub/001_a.yaml": "up: CREATE TABLE a (id INTEGER);\n",
    })
    proc = run_cli("apply", "db/manifest.yaml", "--database", "sqlite:///x.db", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "db/sub/001_a.yaml:1:1: db/sub/001_a.yaml is listed twice in the manifest" in err(proc)
    assert "list it once" in proc.stderr and "also used by" not in proc.stderr


def test_lint_reads_the_config_and_flags_override(tmp_path):
    write(tmp_path, {
        "stingerloom.toml": """
            manifest = "db/manifest.yaml"
            [lint]
            ignore = ["SL913"]
            per-file-ignores = { "db/legacy/*" = ["SL201"] }
            dialects = ["sqlite"]
        """,
        "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_t.yaml, legacy/002_old.yaml]\n",
        "db/001_t.yaml": "up: CREATE TABLE t (v INTEGER);\ndown: DROP TABLE t;\n",
        "db/legacy/002_old.yaml": "up: SELEC 1;\ndown: SELECT 1;\n",
    })
    code, out = run_json("lint", cwd=tmp_path)  # no MANIFEST: the configuration's
    assert code == 0, out
    assert not [f for f in out["findings"] if f["rule"] in ("SL913", "SL201")]
    code, out = run_json("lint", "--ignore", "SL105", cwd=tmp_path)  # the flag replaces the config's ignore
    assert any(f["rule"] == "SL913" for f in out["findings"])
    assert not any(f["rule"] == "SL201" for f in out["findings"])  # per-file-ignores still apply
    (tmp_path / "stingerloom.toml").write_text('[lint]\nselect = ["SL99999"]\n')
    proc = run_cli("lint", "db/manifest.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown rule code(s): SL99999" in err(proc)


def test_light_reading_agrees_with_the_model():
    """Valid configurations are read without pydantic (start-up time); the values must be the model's."""
    from stingerloom.config import _light_model, lint_table
    from stingerloom.configmodel import ConfigFile

    cases = [
        {},
        {"manifest": "db/m.yaml", "default_env": "dev", "id_format": "timestamp",
         "environments": {"dev": {"database": "sqlite:///d.db", "lock_timeout": 3, "history_table": "h",
                                  "placeholders": {"schema": "app"}, "out_of_order": "warn"}, "empty": {}},
         "lint": {"select": ["SL9"], "ignore": [], "per-file-ignores": {"a/*": ["SL601"]},
                  "target": {"postgres": "15"}, "dialects": ["sqlite"]}},
    ]
    for data in cases:
        light, model = _light_model(data), ConfigFile.model_validate(data)
        assert light is not None
        for key in ("manifest", "default_env", "id_format"):
            assert getattr(light, key) == getattr(model, key)
        assert lint_table(light.lint) == lint_table(model.lint)
        for name, env in model.environments.items():
            assert vars(light.environments[name]) == env.model_dump()
    # anything doubtful goes to the model, which says what is wrong
    for bad in ({"x": 1}, {"environments": {"d": {"lock_timeout": True}}}, {"lint": {"target": {"pg": "1"}}},
                {"environments": {"d": {"placeholders": {"1x": "v"}}}}, {"manifest": ""}):
        assert _light_model(bad) is None


def test_new_timestamp_never_gives_a_folder_two_files_of_one_version(tmp_path):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    taken = {f"db/versions/{now + timedelta(seconds=k):%Y%m%d%H%M%S}_old{k + 2}.yaml": "up: SELECT 1;\n"
             for k in range(-2, 30)}  # every second of the next half minute already has a file
    write(tmp_path, {"db/manifest.yaml": "stingerloom: 1\nmigrations:\n  - {directory: versions/}\n", **taken})
    for name in ("a", "b"):
        proc = run_cli("new", "db/manifest.yaml", name, "--timestamp", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    proc = run_cli("status", "db/manifest.yaml", "--database", "sqlite:///x.db", cwd=tmp_path)
    assert proc.returncode == 0 and "same version" not in proc.stderr, proc.stderr
    assert "34 pending" in proc.stdout


def test_new_with_its_arguments_swapped_says_the_manifest_comes_first(tmp_path):
    write(tmp_path, {"manifest.yaml": "stingerloom: 1\nmigrations: []\n"})
    proc = run_cli("new", "add_users", "manifest.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "stingerloom init" not in proc.stderr  # the manifest exists: init is not the way
    assert "the manifest comes first: stingerloom new manifest.yaml add_users" in proc.stderr


def test_new_writes_into_the_last_folder_and_leaves_the_manifest(tmp_path):
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations:\n  - 001_base.yaml\n  - {directory: versions/}\n",
        "db/001_base.yaml": "up: SELECT 1;\n",
        "db/versions/.keep": "",
    })
    before = (tmp_path / "db" / "manifest.yaml").read_text()
    proc = run_cli("new", "db/manifest.yaml", "add_orders", "--timestamp", cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    made = list((tmp_path / "db" / "versions").glob("*_add_orders.yaml"))
    assert len(made) == 1 and (tmp_path / "db" / "manifest.yaml").read_text() == before
    proc = run_cli("new", "db/manifest.yaml", "add_items", "--sql", cwd=tmp_path)  # after 001 (timestamps skipped)
    assert proc.returncode == 0, err(proc)
    assert (tmp_path / "db" / "versions" / "002_add_items.sql").is_file()


def test_edited_sql_file_is_seen_through_the_cache(tmp_path):
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_a.yaml]\n",
        "db/001_a.yaml": "up: {file: 001_a.up.sql}\ndown: DROP TABLE a;\n",
        "db/001_a.up.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
    })
    assert run_cli("apply", "db/manifest.yaml", cwd=tmp_path).returncode == 0
    code, out = run_json("status", "db/manifest.yaml", cwd=tmp_path)  # warms the cache
    assert out["migrations"][0]["state"] == "applied"
    path = tmp_path / "db" / "001_a.up.sql"
    path.write_text("CREATE TABLE a (id INTEGER PRIMARY KEY, v INTEGER);\n")
    os.utime(path, ns=(path.stat().st_mtime_ns + 5_000_000_000,) * 2)
    code, out = run_json("status", "db/manifest.yaml", cwd=tmp_path)
    assert out["migrations"][0]["state"] == "modified"


def test_lint_with_an_environment_reports_placeholders_without_value(tmp_path):
    write(tmp_path, {
        "stingerloom.toml": """
            manifest = "db/manifest.yaml"
            [environments.prod]
            placeholders = { schema = "app" }
        """,
        "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_a.yaml]\n",
        "db/001_a.yaml": "up: CREATE TABLE ${schema}.a (id INTEGER PRIMARY KEY, r TEXT DEFAULT '${role}');\n"
                         "down: DROP TABLE ${schema}.a;\n",
    })
    code, out = run_json("lint", "--dialect", "postgres", cwd=tmp_path)  # no environment: stand-ins only
    assert not [f for f in out["findings"] if f["rule"] in ("SL101", "SL201")], out
    code, out = run_json("lint", "--dialect", "postgres", "--env", "prod", cwd=tmp_path)
    found = [(f["file"], f["line"], f["column"]) for f in out["findings"] if f["rule"] == "SL101"]
    assert code == 1 and found == [("db/001_a.yaml", 1, 71)]
    code, out = run_json("lint", "--dialect", "postgres", "--env", "prod", "--set", "role=rw", cwd=tmp_path)
    assert code == 0, out
    proc = run_cli("apply", "--set", "schema", cwd=tmp_path)
    assert proc.returncode == 2 and "--set 'schema': expected NAME=VALUE" in err(proc)
    # a mistyped name before a password: the message names the item, never the value
    proc = run_cli("apply", "--set", "db-password=s3cr3t-value", cwd=tmp_path)
    assert proc.returncode == 2 and "--set 'db-password=...': expected NAME=VALUE" in err(proc)
    assert "s3cr3t-value" not in proc.stdout + proc.stderr


def test_orphan_check_knows_folders_and_includes(tmp_path):
    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations:\n  - 001_a.yaml\n  - {include: more.yaml}\n",
        "db/more.yaml": "stingerloom: 1\nmigrations: [002_b.yaml]\n",
        "db/001_a.yaml": "up: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
        "db/002_b.yaml": "up: CREATE TABLE b (id INTEGER PRIMARY KEY);\ndown: DROP TABLE b;\n",
        "db/003_forgotten.yaml": "up: SELECT 1;\n",
    })
    code, out = run_json("lint", "db/manifest.yaml", "--dialect", "sqlite", cwd=tmp_path)
    orphans = [f["file"] for f in out["findings"] if f["rule"] == "SL104"]
    assert orphans == ["db/003_forgotten.yaml"]


def test_lint_base_sees_files_of_folders_at_the_ref(tmp_path):
    import subprocess

    write(tmp_path, {
        "db/manifest.yaml": "stingerloom: 1\nmigrations:\n  - {directory: versions/}\n",
        "db/versions/001_a.yaml": "up: {file: 001_a.sql}\ndown: DROP TABLE a;\n",
        "db/versions/001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
    })
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-qm", "base"]):
        subprocess.run(git + cmd, cwd=tmp_path, check=True, capture_output=True)
    (tmp_path / "db" / "versions" / "001_a.sql").write_text("CREATE TABLE a (id INTEGER PRIMARY KEY, v INT);\n")
    code, out = run_json("lint", "db/manifest.yaml", "--dialect", "sqlite", "--base", "HEAD", cwd=tmp_path)
    edited = [f for f in out["findings"] if f["rule"] == "SL120"]
    assert len(edited) == 1 and "001_a" in edited[0]["message"], out


def test_generate_uses_the_configuration(tmp_path):
    write(tmp_path, {
        "stingerloom.toml": DEV_CONFIG + 'history_table = "dev_history"\n',
        "db/manifest.yaml": "stingerloom: 1\nmigrations: []\n",
        "schema.yaml": "tables:\n  teams:\n    columns:\n      id: {type: integer, primary_key: true}\n",
    })
    proc = run_cli("generate", "--schema", "schema.yaml", "--name", "teams", cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    assert "using the embedded SQLite default" not in proc.stderr
    assert (tmp_path / "db" / "001_teams.yaml").is_file()
    assert run_cli("apply", cwd=tmp_path).returncode == 0
    assert tables(f"sqlite:///{tmp_path / 'dev.db'}") == {"dev_history", "teams"}
    check = run_cli("generate", "--schema", "schema.yaml", "--check", cwd=tmp_path)
    assert check.returncode == 0, err(check)


def test_schema_dump_uses_the_environment_and_leaves_out_its_history_table(tmp_path):
    """`schema dump` with no argument dumps the environment's database and leaves out the history
    table the environment names (it was dumped as a user table)."""
    write(tmp_path, {
        "stingerloom.toml": DEV_CONFIG + 'history_table = "dev_history"\n'
        '[environments.prod]\ndatabase = "sqlite:///prod.db"\n', **USERS,
    })
    assert run_cli("apply", cwd=tmp_path).returncode == 0
    assert tables(f"sqlite:///{tmp_path / 'dev.db'}") == {"dev_history", "users"}
    proc = run_cli("schema", "dump", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    assert sorted(json.loads(proc.stdout)["schema"]["tables"]) == ["users"]
    assert run_cli("apply", "--env", "prod", cwd=tmp_path).returncode == 0
    text = run_cli("schema", "dump", "--env", "prod", cwd=tmp_path)
    assert text.returncode == 0, err(text)
    assert "prod.db" in text.stdout and "__migrations" not in text.stdout and "users:" in text.stdout
    named = run_cli("schema", "dump", "--history-table", "users", "--format", "json", cwd=tmp_path)
    assert sorted(json.loads(named.stdout)["schema"]["tables"]) == ["dev_history"]


def test_replacement_and_positions_of_the_replaced_text():
    from stingerloom.migration import SqlSource
    from stingerloom.placeholders import names, substitute

    src = SqlSource("SELECT '${a}', $${a}, $$${\"k\": 1}$$,\n  ${bb} FROM ${a}.t, ${ x }", "f.sql", 10, 1)
    values = {"a": "LONG_VALUE", "bb": ""}
    bound = substitute(src, values.__getitem__)
    assert bound.text == "SELECT 'LONG_VALUE', ${a}, $${\"k\": 1}$$,\n   FROM LONG_VALUE.t, ${ x }"
    assert [n for n, _ in names(src.text)] == ["a", "bb", "a"]
    at = bound.text.index("FROM")
    assert bound.position(at) == src.position(src.text.index("FROM"))  # after replacements: the same place
    assert bound.position(bound.text.index("LONG_VALUE.t") + 3) == src.position(src.text.index("${a}.t"))
    assert bound.position(bound.text.index("${ x }")) == (11, src.text.split("\n")[1].index("${ x }") + 1)


def test_nul_bytes_in_paths_are_refused_where_written(tmp_path):
    write(tmp_path, {"db/manifest.yaml": 'stingerloom: 1\nmigrations:\n  - {include: "a\\0b.yaml"}\n'
                                         '  - {directory: "v\\0"}\n',
                     "stingerloom.toml": 'manifest = "db/manifest.yaml"\n'})
    proc = run_cli("status", cwd=tmp_path)
    assert proc.returncode == 2
    assert "db/manifest.yaml:3:5: path 'a\\x00b.yaml' contains a NUL byte" in err(proc)
    assert "db/manifest.yaml:4:5: path 'v\\x00' contains a NUL byte" in proc.stderr
    (tmp_path / "stingerloom.toml").write_text('manifest = "db/m\\u0000.yaml"\n')
    proc = run_cli("status", cwd=tmp_path)
    assert proc.returncode == 2 and "stingerloom.toml:1: manifest: path 'db/m\\x00.yaml' contains a NUL byte" in err(proc)


def test_placeholder_values_from_the_os_environment_are_checked_before_anything_runs(tmp_path):
    write(tmp_path, {
        "stingerloom.toml": DEV_CONFIG + 'history_table = "not a table"\nplaceholders = { owner = "${OWNER_ROLE}" }\n',
        "db/manifest.yaml": "stingerloom: 1\nmigrations: [001_a.yaml, 002_b.yaml]\n",
        "db/001_a.yaml": "up: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
        "db/002_b.yaml": "up: CREATE TABLE b (id INTEGER PRIMARY KEY);\ndown: SELECT '${owner}';\n",
    })
    proc = run_cli("apply", cwd=tmp_path)
    assert proc.returncode == 2 and "stingerloom.toml:5:17: environments.dev.history_table" in err(proc)
    text = (tmp_path / "stingerloom.toml").read_text().replace('history_table = "not a table"\n', "")
    (tmp_path / "stingerloom.toml").write_text(text)
    proc = run_cli("apply", cwd=tmp_path)
    assert proc.returncode == 2
    assert "stingerloom.toml:5: placeholder owner: environment variable 'OWNER_ROLE' is not set" in err(proc)
    assert not (tmp_path / "dev.db").exists() or tables(f"sqlite:///{tmp_path / 'dev.db'}") <= {"__migrations"}
    assert run_cli("apply", cwd=tmp_path, env={"OWNER_ROLE": "app"}).returncode == 0
    assert query(f"sqlite:///{tmp_path / 'dev.db'}", "SELECT down_sql FROM __migrations WHERE id = '002_b'") == [
        ("SELECT 'app';",)]


def test_a_failed_statement_is_echoed_as_written_never_with_a_secret_value(tmp_path):
    # CREATE USER ... IDENTIFIED BY '${app_password}' failing must not print the password (SQLite
    # refuses CREATE USER: the same path as any database's syntax or privilege error)
    write(tmp_path, {"stingerloom.toml": DEV_CONFIG + 'placeholders = { app_password = "hunter2-pw", schema = "main" }\n',
                     "db/manifest.yaml": "stingerloom: 1\nmigrations:\n  - 001_users.yaml\n  - 002_role.yaml\n",
                     "db/001_users.yaml": USERS["db/001_users.yaml"],
                     "db/002_role.yaml": "up: |\n  CREATE TABLE ${schema}.t (v TEXT);\n"
                                         "  CREATE USER app IDENTIFIED BY '${app_password}';\ndown: ''\n"})
    for fmt in ("text", "json"):
        proc = run_cli("apply", "--format", fmt, cwd=tmp_path)
        assert proc.returncode == 1, err(proc)
        assert "hunter2-pw" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert "db/002_role.yaml:3:" in proc.stdout + proc.stderr
    proc = run_cli("apply", cwd=tmp_path)
    assert "statement: CREATE USER app IDENTIFIED BY '${app_password}'" in err(proc)
    write(tmp_path, {"db/002_role.yaml": "up: |\n  CREATE TABLE ${schema}.t (v TEXT);\n"
                                         "  SELECT '${app_password}' FROM ${schema}.nosuch;\n"
                                         "down: ''\n"})
    proc = run_cli("apply", cwd=tmp_path)  # other values are shown: they tell which schema it ran on
    assert "statement: SELECT '${app_password}' FROM main.nosuch" in err(proc)
    db = f"sqlite:///{tmp_path / 'dev.db'}"
    assert [row[0] for row in history(db)] == ["001_users"] and "t" not in tables(db)  # nothing of 002 kept


def test_init_creates_the_manifest_that_pyproject_names(tmp_path):
    # before: init wrote migrations/manifest.yaml, and status then said "no such file: db/manifest.yaml,
    # `stingerloom init` creates a manifest" (a loop)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n\n[tool.stingerloom]\nmanifest = "db/manifest.yaml"\n')
    proc = run_cli("init", cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    assert (tmp_path / "db" / "manifest.yaml").is_file()
    assert not (tmp_path / "migrations").exists() and not (tmp_path / "stingerloom.toml").exists()
    assert run_cli("new", "create users", cwd=tmp_path).returncode == 0
    proc = run_cli("status", cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
    assert "001_create_users" in proc.stdout
    assert run_cli("init", cwd=tmp_path).returncode == 2  # never overwrites
    assert run_cli("init", "other", cwd=tmp_path).returncode == 0 and (tmp_path / "other" / "manifest.yaml").is_file()


def test_an_undefined_placeholder_in_a_comment_says_how_to_keep_it_as_text(tmp_path):
    up = "-- TODO: ${owner} decides\nCREATE TABLE t (v TEXT DEFAULT '-- ${tag}');\n/* ${also} */ SELECT 1;\n"
    write(tmp_path, {"stingerloom.toml": DEV_CONFIG,
                     "db/manifest.yaml": "stingerloom: 1\nmigrations:\n  - 001_t.sql\n",
                     "db/001_t.sql": "-- migrate:up\n" + up + "-- migrate:down\nDROP TABLE t;\n"})
    proc = run_cli("apply", cwd=tmp_path)
    assert proc.returncode == 2
    lines = err(proc).splitlines()
    assert any(line.startswith("db/001_t.sql:2:10:") and "in a comment" in line and "$${owner}" in line for line in lines)
    assert any(line.startswith("db/001_t.sql:4:4:") and "$${also}" in line for line in lines)
    assert any("${tag}" in line and "comment" not in line for line in lines)  # a string literal is not one
    (tmp_path / "db/001_t.sql").write_text("-- migrate:up\n" + up.replace("${owner}", "$${owner}").replace(
        "${also}", "$${also}").replace("${tag}", "tag") + "-- migrate:down\nDROP TABLE t;\n")
    proc = run_cli("apply", cwd=tmp_path)
    assert proc.returncode == 0, err(proc)
