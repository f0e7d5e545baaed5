"""The command line as a user runs it: a new process, exit codes, output, no tracebacks."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import history, run_cli, run_json, tables, write_manifest

ROOT = Path(__file__).resolve().parent.parent


def _demo(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "migrations", tmp_path / "migrations")
    return tmp_path / "migrations" / "manifest.yaml"


def test_demo_on_the_embedded_default(tmp_path):
    manifest = _demo(tmp_path)
    proc = run_cli("apply", str(manifest), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "using the embedded SQLite default ./stingerloom.db" in proc.stderr
    assert "5 migration(s) applied" in proc.stdout
    # the summary is the run's time, never "in 0 ms"; a migration under 1 ms reads "<1 ms"
    import re

    total = int(re.search(r"applied in (\d+) ms", proc.stdout).group(1))
    assert total > 0 and not re.search(r"\s0 ms", proc.stdout), proc.stdout
    assert (tmp_path / "stingerloom.db").exists()
    proc = run_cli("status", str(manifest), cwd=tmp_path)
    assert proc.returncode == 0
    assert "5 applied" in proc.stdout
    assert "005_seed_roles" in proc.stdout
    proc = run_cli("migrate:rollback", str(manifest), "--all", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert tables(f"sqlite:///{tmp_path / 'stingerloom.db'}") == {"__migrations"}


def test_demo_applies_and_rolls_back_on_every_database(db_url, tmp_path):
    manifest = _demo(tmp_path)
    code, out = run_json("migrate:run", str(manifest), "--database", db_url)
    assert code == 0
    assert [r["id"] for r in out["results"]] == [
        "001_create_users_table", "002_add_phone_to_users", "003_add_email_index",
        "004_create_roles_table", "005_seed_roles"]
    assert all(r["success"] and r["error"] is None for r in out["results"])
    assert set(out["results"][0]) >= {"id", "success", "execution_ms", "error"}
    code, st = run_json("migrate:status", str(manifest), "--database", db_url)
    assert code == 0 and st["pending"] == [] and len(st["executed"]) == 5
    m = st["migrations"][0]
    assert m["state"] == "applied" and m["applied_at"].endswith("Z") and len(m["checksum"]) == 64
    assert isinstance(m["execution_ms"], int)
    code, out = run_json("rollback", str(manifest), "--all", "--database", db_url)
    assert code == 0 and len(out["results"]) == 5
    assert tables(db_url) == {"__migrations"}


def test_failed_migration_exit_1_with_position_and_no_traceback(db_url, tmp_path):
    manifest = write_manifest(tmp_path, {
        "001_ok.yaml": "up: CREATE TABLE ok_t (id INTEGER)\ndown: DROP TABLE ok_t\n",
        "002_bad.yaml": "up: |\n  CREATE TABLE bad_t (id INTEGER);\n  SELEC 1;\ndown: DROP TABLE bad_t\n",
    })
    proc = run_cli("apply", str(manifest), "--database", db_url)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "002_bad.yaml:3:3" in proc.stderr
    assert "migration 002_bad failed" in proc.stderr
    assert "syntax" in proc.stderr.lower()
    assert [r[0] for r in history(db_url)][:1] == ["001_ok"]


def test_dry_run_prints_sql_and_changes_nothing(tmp_path):
    manifest = _demo(tmp_path)
    db = f"sqlite:///{tmp_path / 'dry.db'}"
    proc = run_cli("apply", str(manifest), "--dry-run", "--database", db)
    assert proc.returncode == 0, proc.stderr
    assert "CREATE TABLE users (" in proc.stdout
    assert "INSERT INTO roles (name, description) VALUES ('member', 'Regular user; it''s the default role');" in proc.stdout
    assert tables(db) == set()


def test_to_steps_baseline_repair(tmp_path):
    manifest = _demo(tmp_path)
    db = f"sqlite:///{tmp_path / 'x.db'}"
    code, out = run_json("apply", str(manifest), "--to", "002_add_phone_to_users", "--database", db)
    assert code == 0 and [r["id"] for r in out["results"]] == ["001_create_users_table", "002_add_phone_to_users"]
    code, out = run_json("rollback", str(manifest), "--steps", "0", "--database", db)
    assert code == 0 and out["results"] == []
    code, out = run_json("rollback", str(manifest), "--database", db)
    assert [r["id"] for r in out["results"]] == ["002_add_phone_to_users"]
    proc = run_cli("baseline", str(manifest), "--to", "003_add_email_index", "--database", db)
    assert proc.returncode == 0, proc.stderr
    code, st = run_json("status", str(manifest), "--database", db)
    assert st["executed"] == ["001_create_users_table", "002_add_phone_to_users", "003_add_email_index"]
    # edit an applied file: apply refuses (exit 1) until repair
    f = manifest.parent / "001_create_users_table.yaml"
    f.write_text(f.read_text().replace("name VARCHAR(100)", "name VARCHAR(150)"))
    proc = run_cli("apply", str(manifest), "--database", db)
    assert proc.returncode == 1 and "changed after it was applied" in proc.stderr and "repair" in proc.stderr
    code, st = run_json("status", str(manifest), "--database", db)
    assert st["migrations"][0]["state"] == "modified"
    assert run_cli("repair", str(manifest), "--database", db).returncode == 0
    assert run_cli("apply", str(manifest), "--database", db).returncode == 0


@pytest.mark.parametrize("content,expect", [
    ("stingerloom: 1\nmigrations: [nope.yaml]\n", "manifest.yaml:2"),
    ("stingerloom: 1\nmigratons: []\n", "manifest.yaml:2:1"),
    ("stingerloom: 1\nmigrations: [\n", "manifest.yaml:"),
    ("migrations: []\n", "stingerloom"),
])
def test_invalid_manifest_exit_2(tmp_path, content, expect):
    (tmp_path / "manifest.yaml").write_text(content)
    proc = run_cli("status", str(tmp_path / "manifest.yaml"), "--database", f"sqlite:///{tmp_path / 'd.db'}")
    assert proc.returncode == 2, proc.stderr
    assert expect in proc.stderr
    assert "Traceback" not in proc.stderr


def test_user_errors_exit_2_without_traceback(tmp_path):
    manifest = _demo(tmp_path)
    cases = [
        (["status", str(tmp_path / "nope.yaml")], "nope.yaml"),
        (["status", str(manifest), "--database", "oracle://x"], "unsupported database URL scheme"),
        (["status", str(manifest), "--database", "not a url"], "not a database URL"),
        (["status", str(manifest), "--database", "postgresql://u:hunter2@127.0.0.1:1/db?connect_timeout=2"], "cannot connect"),
        (["status", str(manifest), "--database", "mysql://u:hunter2@127.0.0.1:1/db?connect_timeout=2"], "cannot connect"),
        (["apply", str(manifest), "--to", "999_nope", "--database", f"sqlite:///{tmp_path / 'a.db'}"], "999_nope"),
        (["status", str(manifest), "--database", f"sqlite:///{tmp_path}/no/such/dir/x.db"], "does not exist"),
    ]
    for args, expect in cases:
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        assert expect in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert "hunter2" not in proc.stderr + proc.stdout


def test_bad_flag_exit_2():
    proc = run_cli("apply")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_error_as_json(tmp_path):
    proc = run_cli("status", str(tmp_path / "none.yaml"), "--format", "json")
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"]["exit_code"] == 2


def test_target_precedence(tmp_path, monkeypatch):
    manifest = _demo(tmp_path)
    text = manifest.read_text().replace("stingerloom: 1", "stingerloom: 1\ndatabase: ${DB_FROM_MANIFEST:-sqlite:///m.db}")
    manifest.write_text(text)
    code, st = run_json("status", str(manifest), cwd=tmp_path)
    assert st["database"] == "sqlite:///m.db"
    code, st = run_json("status", str(manifest), cwd=tmp_path, env={"STINGERLOOM_DATABASE_URL": "sqlite:///e.db"})
    assert st["database"] == "sqlite:///e.db"
    code, st = run_json("status", str(manifest), "--database", "sqlite:///f.db", cwd=tmp_path,
                        env={"STINGERLOOM_DATABASE_URL": "sqlite:///e.db"})
    assert st["database"] == "sqlite:///f.db"


def test_init_and_new(tmp_path):
    assert run_cli("init", "db", cwd=tmp_path).returncode == 0
    assert run_cli("init", "db", cwd=tmp_path).returncode == 2  # never overwrites
    proc = run_cli("new", "db/manifest.yaml", "create users", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "db/001_create_users.yaml").exists()
    assert run_cli("new", "db/manifest.yaml", "add phone", "--toml", cwd=tmp_path).returncode == 0
    assert (tmp_path / "db/002_add_phone.toml").exists()
    assert run_cli("new", "db/manifest.yaml", "../../evil", cwd=tmp_path).returncode == 2
    code, st = run_json("status", "db/manifest.yaml", cwd=tmp_path)
    assert code == 0 and st["pending"] == ["001_create_users", "002_add_phone"]


def test_new_with_a_name_too_long_for_a_file_says_how_long_it_may_be(tmp_path):
    """`new M <300 characters>` was "internal error: OSError: File name too long"."""
    assert run_cli("init", "db", cwd=tmp_path).returncode == 0
    proc = run_cli("new", "db/manifest.yaml", "x" * 300, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr and "too long" in proc.stderr
    assert "at most 246 characters" in proc.stderr  # 255 - len("001_") - len(".yaml")
    proc = run_cli("new", "db/manifest.yaml", "x" * 246, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    code, st = run_json("status", "db/manifest.yaml", cwd=tmp_path)
    assert code == 0 and st["pending"] == ["001_" + "x" * 246]


def test_password_never_printed(tmp_path, postgres_server):
    manifest = _demo(tmp_path)
    url = postgres_server.url
    password = postgres_server.password
    outputs = []
    for args in (["apply", str(manifest)], ["status", str(manifest)], ["apply", str(manifest), "--dry-run"],
                 ["rollback", str(manifest), "--all"], ["status", str(manifest), "--format", "json"]):
        proc = run_cli(*args, "--database", url)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout + proc.stderr)
    bad = url.replace("@", "x@", 1)  # wrong password
    proc = run_cli("status", str(manifest), "--database", bad, "-v")
    assert proc.returncode == 2
    outputs.append(proc.stdout + proc.stderr)
    for text in outputs:
        assert password not in text
        from urllib.parse import quote

        assert quote(password, safe="") not in text


def test_a_usage_error_quoting_a_url_hides_its_password(tmp_path):
    # a mistyped option (`--url` for `--database`) makes argparse quote the arguments it rejects
    for args in (["apply", "m.yaml", "--url", "postgresql://app:s3cr3t%40x@db.example/shop"],
                 ["status", "m.yaml", "mysql://app:s3cr3t@db.example/shop"]):
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 2 and "unrecognized arguments" in proc.stderr
        assert "s3cr3t" not in proc.stdout + proc.stderr and "app:***@db.example" in proc.stderr


def test_rollback_without_a_stored_down_names_repair_accept_when_the_file_gives_one(tmp_path):
    manifest = write_manifest(tmp_path, {"001_a.sql": "-- migrate:up\nCREATE TABLE a (id INTEGER);\n"})
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    proc = run_cli("rollback", str(manifest), "--database", url)
    assert proc.returncode == 2 and "001_a.sql:1: migration 001_a has no stored down SQL" in proc.stderr
    assert f"give its file a down, store it with `stingerloom repair {manifest} --accept 001_a`" in proc.stderr
    (tmp_path / "001_a.sql").write_text("-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n")
    proc = run_cli("rollback", str(manifest), "--database", url)
    assert proc.returncode == 2 and "its file has a down now, store it with" in proc.stderr
    # the way out it names works
    assert run_cli("repair", str(manifest), "--database", url, "--accept", "001_a").returncode == 0
    assert run_cli("rollback", str(manifest), "--database", url).returncode == 0
    assert "a" not in tables(url) and history(url) == []


def test_to_an_unknown_id_says_the_closest_ids_and_where_to_see_them(tmp_path):
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id INTEGER);\n",
                                         "002_b.yaml": "up: CREATE TABLE b (id INTEGER);\n"})
    url = f"sqlite:///{tmp_path / 'x.db'}"
    for command in ("apply", "baseline"):
        proc = run_cli(command, str(manifest), "--database", url, "--to", "002_b.yaml")
        assert proc.returncode == 2 and "--to 002_b.yaml: no migration with that id" in proc.stderr
        assert "did you mean 002_b?" in proc.stderr and f"`stingerloom status {manifest}` lists the ids" in proc.stderr
    assert "a" not in tables(url) and "b" not in tables(url)


def test_version_and_help():
    proc = run_cli("--version")
    assert proc.returncode == 0 and "stingerloom" in proc.stdout
    proc = run_cli("--help")
    assert proc.returncode == 0
    for cmd in ("apply", "rollback", "status", "baseline", "repair", "init", "new", "lint", "generate"):
        assert cmd in proc.stdout


def test_help_is_as_wide_as_columns_says():
    # the help formatter sizes itself like shutil.get_terminal_size (COLUMNS, else the terminal, else 80)
    widths = {}
    for columns in ("50", "200", "", "junk"):
        proc = run_cli("apply", "--help", env={"COLUMNS": columns})
        assert proc.returncode == 0 and "--dry-run" in proc.stdout
        widths[columns] = max(len(line) for line in proc.stdout.splitlines())
    assert widths["50"] < widths[""] == widths["junk"] <= 78 < widths["200"] <= 198


def _on_a_terminal(*args: str) -> str:
    """Run the CLI with its stdout on a pseudo-terminal and without NO_COLOR in the environment."""
    import os
    import subprocess
    import sys

    master, slave = os.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    try:
        proc = subprocess.Popen([sys.executable, "-m", "stingerloom.cli", *args], stdout=slave,
                                stderr=subprocess.PIPE, env=env)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
    finally:
        os.close(master)
    return b"".join(chunks).decode(errors="replace")


def test_no_color_reaches_the_renderer_without_the_environment():
    # --no-color is passed down as an argument (cli.main writes nothing to os.environ): on a terminal
    # the rule's explanation is plain text with it, and coloured without it
    assert "\x1b[" in _on_a_terminal("lint", "--explain", "SL601")
    plain = _on_a_terminal("--no-color", "lint", "--explain", "SL601")
    assert "SL601" in plain and "\x1b[" not in plain


def test_main_leaves_the_environment_alone(monkeypatch, capsys):
    import os

    from stingerloom.cli import main

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert main(["--no-color", "lint", "--explain", "SL601"]) == 0
    assert "SL601" in capsys.readouterr().out
    assert "NO_COLOR" not in os.environ


def test_the_parser_built_for_one_command_parses_and_helps_as_the_full_one(monkeypatch):
    """main() builds only the named sub-command's arguments (a faster start): for every command and
    alias, its help, the top-level help and what it parses are those of the parser with all of them."""
    from stingerloom.cli import _COMMANDS, build_parser

    monkeypatch.setenv("COLUMNS", "100")
    full = build_parser()
    subs = full._subparsers._group_actions[0].choices
    assert full.format_help() == build_parser(["--help"]).format_help()
    for name, *_rest, aliases, _formats, _arguments in _COMMANDS:
        for word in (name, *aliases):
            lazy = build_parser([word, "--help"])
            assert lazy._subparsers._group_actions[0].choices[word].format_help() == subs[word].format_help()
    argv = ["--database", "sqlite:///x.db", "status", "m.yaml", "--check", "--format", "json", "--parallel", "2"]
    assert vars(build_parser(argv).parse_args(argv)) == vars(full.parse_args(argv))


def test_warm_status_says_what_a_cold_one_does_and_imports_only_what_it_needs(tmp_path):
    """A status served from the manifest cache (its SQL sources built only when asked for) reports
    applied, modified and pending exactly as one that reads the files, and its process imports
    neither typing, the placeholder module nor the runner and its planner (each costs every start
    milliseconds)."""
    import subprocess
    import sys

    files = {f"00{i}_t{i}.yaml": f"up: CREATE TABLE t{i} (id INTEGER);\ndown: DROP TABLE t{i};\n" for i in (1, 2, 3)}
    manifest = write_manifest(tmp_path / "m", files)
    db = f"sqlite:///{tmp_path / 'x.db'}"
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert run_cli("apply", str(manifest), "--database", db, "--to", "002_t2", env=env).returncode == 0
    (tmp_path / "m" / "002_t2.yaml").write_text("up: CREATE TABLE t2 (id INTEGER, x TEXT);\ndown: DROP TABLE t2;\n")
    cold = [run_cli("status", str(manifest), "--database", db, *fmt, env={**env, "STINGERLOOM_NO_CACHE": "1"})
            for fmt in ((), ("--format", "json"))]
    run_cli("status", str(manifest), "--database", db, env=env)  # fills the cache
    code = ("import sys; from stingerloom.cli import main; code = main(sys.argv[1:]); sys.stdout.flush(); "
            "print([m for m in ('typing', 'stingerloom.placeholders', 'stingerloom.runner', 'stingerloom.plan')"
            " if m in sys.modules], file=sys.stderr); "
            "sys.exit(code)")
    for fmt, before in zip(((), ("--format", "json")), cold):
        warm = subprocess.run([sys.executable, "-c", code, "status", str(manifest), "--database", db, *fmt],
                              env={**os.environ, **env, "NO_COLOR": "1"}, capture_output=True, text=True)
        assert (warm.returncode, warm.stdout) == (before.returncode, before.stdout)
        assert warm.stderr.strip().splitlines()[-1] == "[]"
    states = {m["id"]: m["state"] for m in json.loads(cold[1].stdout)["migrations"]}
    assert states == {"001_t1": "applied", "002_t2": "modified", "003_t3": "pending"}


def test_status_leaves_the_garbage_collector_as_it_found_it(tmp_path, capsys):
    """status turns the cyclic garbage collector off while it builds its objects (none in a cycle)."""
    import gc

    from stingerloom.cli import main

    manifest = write_manifest(tmp_path / "m", {"001_t.yaml": "up: CREATE TABLE t (id INTEGER);\ndown: DROP TABLE t;\n"})
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert gc.isenabled()
    try:
        assert main(["status", str(manifest), "--database", db]) == 0
        assert gc.isenabled()
        gc.disable()
        assert main(["status", str(manifest), "--database", db, "--format", "json"]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert "001_t" in capsys.readouterr().out


@pytest.mark.parametrize("folder", ["plain", "with space", "it's"])
def test_suggested_repair_command_quotes_the_manifest_path_for_a_shell(tmp_path, folder):
    manifest = write_manifest(tmp_path / folder, {"001_t.yaml": "up: CREATE TABLE t (id INTEGER);\ndown: DROP TABLE t;\n"})
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert run_cli("apply", str(manifest), "--database", url).returncode == 0
    (manifest.parent / "001_t.yaml").write_text("up: CREATE TABLE t (id BIGINT);\ndown: DROP TABLE t;\n")
    proc = run_cli("apply", str(manifest), "--database", url)
    shown = {"plain": str(manifest), "with space": f"'{manifest}'", "it's": "'" + str(manifest).replace("'", "'\"'\"'") + "'"}
    assert proc.returncode == 1 and f"stingerloom repair {shown[folder]}`" in proc.stderr, proc.stderr


def _exit_after_reader_leaves(args: list, cwd) -> tuple[int, str]:
    """Run the CLI with its output read by a reader that leaves after the first line (`| head -1`)."""
    import subprocess
    import sys

    env = dict(os.environ, NO_COLOR="1")
    env.pop("STINGERLOOM_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "stingerloom.cli", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline().decode()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    return proc.wait(timeout=120), first + stderr


def test_exit_code_kept_when_the_reader_leaves_early_and_gate_names_ten(tmp_path):
    """`lint | head` and `status --check | head` keep their failing exit code under `pipefail`, with
    no traceback; the gate line names the first ten ids and how many more."""
    names = []
    for i in range(1000):  # output well over a pipe's 64 KiB buffer
        names.append(f"{i:04d}_m.yaml")
        (tmp_path / names[-1]).write_text(f"up: CREATE TABLEE t{i} (id INT);\ndown: DROP TABLE t{i};\n")
    (tmp_path / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n" + "".join(f"  - {n}\n" for n in names))
    code, text = _exit_after_reader_leaves(["lint", "manifest.yaml"], tmp_path)
    assert code == 1 and "0000_m.yaml:1" in text and "Traceback" not in text, text
    code, text = _exit_after_reader_leaves(["status", "--check", "manifest.yaml", "--format", "json"], tmp_path)
    assert code == 1 and "Traceback" not in text, text
    gate = run_cli("status", "--check", "manifest.yaml", cwd=tmp_path)
    line = next(ln for ln in gate.stderr.splitlines() if "not ready to deploy" in ln)
    assert "1000 pending (0000_m, 0001_m," in line and "0009_m and 990 more)" in line and "0010_m" not in line


def test_the_table_title_on_a_terminal_keeps_the_database_url_whole(tmp_path, monkeypatch):
    """On a terminal the title of a narrow results table wrapped at the table's width, splitting
    the URL ("mysql://app:***@127.0\\n.0.1:3306/shop")."""
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id int)\n"})
    db = tmp_path / "shop.db"
    monkeypatch.setenv("COLUMNS", "250")  # a terminal wide enough for the title, wider than the table
    out = _on_a_terminal("apply", str(manifest), "--database", f"sqlite:///{db}")
    out = re.sub(r"\x1b\[[0-9;]*m", "", out).replace("\r", "")
    assert "┃ Migration" in out  # the rich table: this ran on a terminal
    assert f"Applied on sqlite:///{db}\n" in out, out
    assert [r[:2] for r in history(f"sqlite:///{db}")] == [("001_a", "applied")]


def test_status_and_rollback_never_create_a_missing_sqlite_file(tmp_path):
    """A mistyped SQLite path: `status` shows everything pending and `rollback` has nothing to do,
    each with a note naming the missing file, and neither creates it (both did)."""
    manifest = _demo(tmp_path)
    typo = tmp_path / "typo.db"
    for args in (["status"], ["rollback"], ["rollback", "--all"], ["status", "--check"]):
        proc = run_cli(*args, str(manifest), "--database", f"sqlite:///{typo}", cwd=tmp_path)
        assert proc.returncode == (1 if "--check" in args else 0), proc.stderr
        assert f"no such SQLite database file: {typo} (yet)" in proc.stderr and "Traceback" not in proc.stderr
        assert not typo.exists(), args
    code, data = run_json("status", str(manifest), "--database", f"sqlite:///{typo}", cwd=tmp_path)
    assert code == 0 and data["executed"] == [] and len(data["pending"]) == 5 and not typo.exists()
    assert run_cli("apply", str(manifest), "--database", f"sqlite:///{typo}", cwd=tmp_path).returncode == 0
    assert typo.exists()
