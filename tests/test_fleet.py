"""Fleets (SPEC §11 "Targets"): `apply`, `status` and `rollback --targets NAME` through the CLI, on
100 SQLite files, 50 PostgreSQL and 50 MariaDB databases of the suite's servers, with a broken tenant
in the middle; canaries, stopping after a failure, continuing where a run stopped, Ctrl-C, hostile
target lists."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import servers
from helpers import query, run_cli, tables, write_manifest

MIGRATIONS = {
    "001_users.yaml": """
        up: CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50))
        down: DROP TABLE users
    """,
    "002_orders.yaml": """
        up: CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER)
        down: DROP TABLE orders
    """,
    "003_seed.yaml": """
        up: INSERT INTO users (id, name) VALUES (1, 'first')
        down: DELETE FROM users WHERE id = 1
    """,
}


def project(tmp_path: Path, urls: list[str], extra: str = "") -> Path:
    """A project with the three migrations, `[targets.tenants]` reading tenants.txt, and `extra`."""
    write_manifest(tmp_path / "migrations", MIGRATIONS)
    (tmp_path / "tenants.txt").write_text("# one URL per line\n" + "\n".join(urls) + "\n\n", encoding="utf-8")
    (tmp_path / "stingerloom.toml").write_text(
        'manifest = "migrations/manifest.yaml"\n[targets.tenants]\nfile = "tenants.txt"\n' + extra, encoding="utf-8")
    return tmp_path


def fleet_json(cwd: Path, *args: str) -> tuple[int, dict, str]:
    proc = run_cli(*args, "--format", "json", cwd=cwd, timeout=600)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def results(report: dict) -> list[str]:
    return [t["result"] for t in report["targets"]]


def break_tenant(url: str) -> None:
    """A tenant whose first migration fails: a table `users` already exists there."""
    query(url, "CREATE TABLE users (other_column INTEGER)")


def repair_tenant(url: str) -> None:
    query(url, "DROP TABLE users")


def test_fleet_of_100_sqlite_files_with_a_broken_tenant(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'tenant_{i:03d}.db'}" for i in range(100)]
    broken = urls[50]
    break_tenant(broken)
    cwd = project(tmp_path, urls)

    # Without --continue-on-error: the broken tenant fails, no new target starts after it.
    code, report, _ = fleet_json(cwd, "apply", "--targets", "tenants", "--parallel", "4")
    assert code == 1
    states = results(report)
    assert states[50] == "failed"
    assert "skipped" in states[51:] and "skipped" not in states[:50]
    assert report["summary"]["failed"] == 1
    assert report["summary"]["skipped"] == states.count("skipped") > 0
    assert report["targets"][50]["database"] == broken
    assert "users" in report["targets"][50]["error"]
    assert all(t["applied"] == 3 and t["pending"] == 0 for t in report["targets"][:50])
    assert tables(urls[99]) == set()  # a target that never started was not touched

    # Re-run with --continue-on-error: the done ones have nothing to do, the rest are applied.
    code, report, _ = fleet_json(cwd, "apply", "--targets", "tenants", "--parallel", "8", "--continue-on-error")
    assert code == 1
    assert [i for i, s in enumerate(results(report)) if s != "ok"] == [50]
    # targets done in the first run (those already running when 50 failed too) have nothing to do
    assert [t["applied"] for t in report["targets"]] == [0 if s == "ok" else (0 if i == 50 else 3)
                                                         for i, s in enumerate(states)]

    # Fix the tenant; the next run applies only that one.
    repair_tenant(broken)
    code, report, _ = fleet_json(cwd, "apply", "--targets", "tenants")
    assert code == 0, report
    assert [t["applied"] for t in report["targets"]] == [0] * 50 + [3] + [0] * 49
    assert query(broken, "SELECT name FROM users") == [("first",)]

    code, report, _ = fleet_json(cwd, "status", "--targets", "tenants")
    assert code == 0
    assert {t["result"] for t in report["targets"]} == {"ok"}
    assert report["targets"][7]["status"]["executed"] == ["001_users", "002_orders", "003_seed"]
    assert all(t["pending"] == 0 for t in report["targets"])

    code, report, err = fleet_json(cwd, "rollback", "--targets", "tenants", "--all", "--parallel", "16")
    assert code == 0, (err, [t for t in report["targets"] if t["result"] != "ok"])
    assert report["summary"]["applied"] == 300  # three reverted on each
    assert all(tables(u) == {"__migrations"} for u in urls[::9])


@pytest.mark.parametrize("dialect", [pytest.param("postgres", marks=pytest.mark.postgres),
                                     pytest.param("mysql", marks=pytest.mark.mysql)])
def test_fleet_of_50_server_databases(dialect, tmp_path, request):
    server = request.getfixturevalue(f"{dialect}_server")
    names = [f"sl_fleet_{uuid.uuid4().hex[:8]}_{i:02d}" for i in range(50)]
    urls = [servers.create_database(server, n) for n in names]
    try:
        break_tenant(urls[25])
        cwd = project(tmp_path, urls)
        proc = run_cli("apply", "--targets", "tenants", "--parallel", "8", "--continue-on-error", cwd=cwd,
                       timeout=600)
        assert proc.returncode == 1
        for form in (server.password, quote(server.password, safe=""), quote(server.password)):
            assert form not in proc.stdout + proc.stderr  # the table and the errors hide the password
        assert "***@" in proc.stdout
        assert proc.stderr.splitlines()[-1].startswith("error: 1 of 50 target(s) failed: ")
        assert proc.stderr.splitlines()[-1].endswith(f"/{names[25]}")
        assert "49 ok, 1 failed of 50 target(s)" in proc.stdout

        repair_tenant(urls[25])
        code, report, _ = fleet_json(cwd, "apply", "--targets", "tenants", "--parallel", "8")
        assert code == 0
        assert [t["applied"] for t in report["targets"]] == [0] * 25 + [3] + [0] * 24
        assert all(query(u, "SELECT COUNT(*) FROM users")[0][0] == 1 for u in urls[::7])

        code, report, _ = fleet_json(cwd, "rollback", "--targets", "tenants", "--steps", "1")
        assert code == 0
        assert all(t["results"][0]["id"] == "003_seed" for t in report["targets"])
        code, report, _ = fleet_json(cwd, "status", "--targets", "tenants")
        assert all(t["status"]["pending"] == ["003_seed"] for t in report["targets"])
    finally:
        for n in names:
            servers.drop_database(server, n)


def test_canary_runs_alone_and_stops_the_fleet(tmp_path):
    urls = [f"sqlite:///{tmp_path / f't{i}.db'}" for i in range(10)]
    break_tenant(urls[1])
    cwd = project(tmp_path, urls)
    code, report, _ = fleet_json(cwd, "apply", "--targets", "tenants", "--canary", "3", "--continue-on-error")
    assert code == 1
    assert results(report) == ["ok", "failed"] + ["skipped"] * 8  # a failed canary stops even with -on-error
    assert tables(urls[2]) == set()


def test_fleet_text_output_piped(tmp_path):
    urls = [f"sqlite:///{tmp_path / f't{i}.db'}" for i in range(3)]
    cwd = project(tmp_path, urls)
    proc = run_cli("apply", "--targets", "tenants", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert sum(1 for line in lines if line.startswith("[") and " ok " in line) == 3  # a line per target
    assert any(line.split()[:3] == ["Target", "Result", "Applied"] for line in lines)
    assert lines[-1].startswith("3 ok, 0 failed of 3 target(s)")


def slow_fleet(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, list[str]]:
    """`apply --targets tenants ARGS --format json` over 12 SQLite files whose one migration takes a
    while, started in the background; returns once the first target's file exists."""
    slow = {"001_slow.yaml": """
        up: |
          CREATE TABLE t (n INTEGER);
          WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)
          INSERT INTO t SELECT count(*) FROM c;
        down: DROP TABLE t
    """}
    write_manifest(tmp_path / "migrations", slow)
    urls = [f"sqlite:///{tmp_path / f't{i}.db'}" for i in range(12)]
    (tmp_path / "tenants.txt").write_text("\n".join(urls) + "\n")
    (tmp_path / "stingerloom.toml").write_text(
        'manifest = "migrations/manifest.yaml"\n[targets.tenants]\nfile = "tenants.txt"\n')
    env = dict(os.environ, NO_COLOR="1")
    env.pop("STINGERLOOM_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "stingerloom.cli", "apply", "--targets", "tenants", *args,
                             "--format", "json"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            Path(u[len("sqlite:///"):]).exists() for u in urls):
        time.sleep(0.05)
    return proc, urls


def interrupted_report(proc: subprocess.Popen) -> dict:
    """The JSON report of a fleet run stopped by Ctrl-C: exit 130, and every history tells the truth
    (applied where the report says ok, absent elsewhere)."""
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    report = json.loads(out)
    assert report["summary"]["interrupted"] is True
    for t in report["targets"]:
        path = Path(t["database"][len("sqlite:///"):])
        applied = path.exists() and "__migrations" in tables(t["database"]) and query(
            t["database"], "SELECT id FROM __migrations") == [("001_slow",)]
        assert applied == (t["result"] == "ok"), t
    return report


def test_ctrl_c_starts_no_new_target_and_reports_what_finished(tmp_path):
    proc, _ = slow_fleet(tmp_path, "--parallel", "2")
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    report = interrupted_report(proc)
    done = [t for t in report["targets"] if t["result"] == "ok"]
    skipped = [t for t in report["targets"] if t["result"] == "skipped"]
    assert done and skipped, results(report)


def test_ctrl_c_during_a_canary_is_an_interruption_not_a_failure(tmp_path):
    # the canary finishes its work like any running target; exit 130, never "stopped after a failure"
    proc, _ = slow_fleet(tmp_path, "--canary", "3")
    proc.send_signal(signal.SIGINT)
    report = interrupted_report(proc)
    assert "failed" not in results(report) and report["summary"]["failed"] == 0, results(report)
    assert results(report)[0] == "ok" and results(report)[-1] == "skipped"


def test_a_second_ctrl_c_still_prints_the_summary(tmp_path):
    # `timeout -s INT` signals the child and its group: two SIGINTs; an impatient user presses twice
    proc, _ = slow_fleet(tmp_path, "--parallel", "2")
    for _ in range(2):
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
    report = interrupted_report(proc)
    assert "skipped" in results(report)


def test_hostile_and_wrong_target_lists(tmp_path):
    cwd = project(tmp_path, ["sqlite:///a.db"], extra=(
        '[targets.outside]\nfile = "link.txt"\n'
        '[targets.secret]\nurls = ["${FLEET_URL_UNSET}"]\n'
        '[targets.both]\nurls = ["sqlite:///a.db"]\nfile = "tenants.txt"\n'
        '[targets.twice]\nurls = ["postgresql://u:hunter2@h/db", "postgresql://u:hunter2@h/db"]\n'
        '[targets.typo]\nurl = ["sqlite:///a.db"]\n'))
    outside = tmp_path.parent / f"{tmp_path.name}_outside.txt"
    outside.write_text("sqlite:///x.db\n")
    (tmp_path / "link.txt").symlink_to(outside)

    def fails(*args: str) -> str:
        proc = run_cli(*args, cwd=cwd)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        return proc.stderr

    # the typo is an unknown key at its line, with a suggestion: the configuration is refused as a whole
    assert "stingerloom.toml:14:1" in (err := fails("apply", "--targets", "tenants")) and "'urls'" in err
    (cwd / "stingerloom.toml").write_text((cwd / "stingerloom.toml").read_text().replace(
        '[targets.typo]\nurl = ["sqlite:///a.db"]\n', ""))
    assert "did you mean 'tenants'" in fails("apply", "--targets", "tenant")
    assert "outside" in fails("status", "--targets", "outside").lower()
    err = fails("apply", "--targets", "secret")
    assert "FLEET_URL_UNSET" in err and "stingerloom.toml:" in err
    assert "exactly one of" in fails("apply", "--targets", "both")
    err = fails("apply", "--targets", "twice")
    assert "listed twice" in err and "hunter2" not in err
    assert "cannot be combined" in fails("apply", "--targets", "tenants", "--dry-run")
    assert "negative" in fails("apply", "--targets", "tenants", "--parallel", "-1")


def test_one_database_spelt_two_ways_and_empty_lists(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "empty.txt").write_text("# nobody yet\n\n")
    cwd = project(tmp_path, ["sqlite:///a.db"], extra=(
        '[targets.dots]\nurls = ["sqlite:///a.db", "sqlite:///sub/../a.db"]\n'
        '[targets.absolute]\nurls = ["sqlite:///a.db", "sqlite:///' + str(tmp_path / "a.db") + '"]\n'
        '[targets.passwords]\nurls = ["postgresql://u:hunter2@h/db", "postgresql://u:other3@h/db"]\n'
        '[targets.none]\nurls = []\n'
        '[targets.blank]\nfile = "empty.txt"\n'))

    def fails(name: str) -> str:
        proc = run_cli("apply", "--targets", name, cwd=cwd / "sub")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr and "hunter2" not in proc.stderr and "other3" not in proc.stderr
        assert "stingerloom.toml:" in proc.stderr, proc.stderr
        return proc.stderr

    for name in ("dots", "absolute", "passwords"):  # two runs on one file or server database would only wait
        assert "same database" in fails(name) or "listed twice" in fails(name)
    assert not (tmp_path / "a.db").exists()
    assert "`urls` is an empty list" in fails("none")  # not "give exactly one of urls, file or query"
    assert "empty.txt has no URL" in fails("blank")


def test_a_mistyped_url_is_refused_before_any_target_runs(tmp_path):
    # it used to be one failed target in the middle of the run, after the targets before it had migrated
    cwd = project(tmp_path, ["sqlite:///first.db", "mysq://root:hunter2@db1/shop", "sqlite:///last.db"],
                  extra='[targets.inline]\nurls = ["sqlite:///first.db", "notaurl"]\n')
    for name, where in (("tenants", "tenants.txt:3"), ("inline", "URL 2")):
        for command in ("apply", "status", "rollback"):
            proc = run_cli(command, "--targets", name, "--continue-on-error", cwd=cwd)
            assert proc.returncode == 2, proc.stdout + proc.stderr
            assert "Traceback" not in proc.stderr and "hunter2" not in proc.stdout + proc.stderr
            assert "stingerloom.toml:" in proc.stderr and where in proc.stderr, proc.stderr
    assert not (tmp_path / "first.db").exists()


def test_targets_from_a_catalog_query(tmp_path):
    catalog = f"sqlite:///{tmp_path / 'catalog.db'}"
    urls = [f"sqlite:///{tmp_path / f'c{i}.db'}" for i in range(3)]
    query(catalog, "CREATE TABLE tenants (url TEXT, active INTEGER)")
    for i, u in enumerate(urls):
        query(catalog, "INSERT INTO tenants VALUES (?, ?)", (u, int(i != 1)))
    cwd = project(tmp_path, [], extra=(
        '[targets.active]\nquery = "SELECT url FROM tenants WHERE active = 1 ORDER BY url"\n'
        'from = "${CATALOG_URL}"\n'))
    proc = run_cli("apply", "--targets", "active", "--format", "json", cwd=cwd, env={"CATALOG_URL": catalog})
    assert proc.returncode == 0, proc.stderr
    assert [t["database"] for t in json.loads(proc.stdout)["targets"]] == [urls[0], urls[2]]
    assert tables(urls[1]) == set()


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql"])
def test_a_catalog_query_that_writes_is_refused_and_changes_nothing(tmp_path, fresh_database, dialect):
    """The catalog is read in a read-only session: a query that deletes (or drops) fails, names the
    setting and says why, and the catalog keeps every row."""
    catalog = fresh_database(dialect)
    query(catalog, "CREATE TABLE tenants (url VARCHAR(200))")
    query(catalog, "INSERT INTO tenants VALUES ('sqlite:///t1.db')")
    writes = {"sqlite": "DELETE FROM tenants RETURNING url", "postgres": "DELETE FROM tenants RETURNING url",
              "mysql": "DELETE FROM tenants"}[dialect]
    cwd = project(tmp_path, [], extra=(f'[targets.gone]\nquery = "{writes}"\nfrom = "${{CATALOG_URL}}"\n'
                                        '[targets.dropped]\nquery = "DROP TABLE tenants"\nfrom = "${CATALOG_URL}"\n'))
    for name in ("gone", "dropped"):
        proc = run_cli("apply", "--targets", name, cwd=cwd, env={"CATALOG_URL": catalog})
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
        assert f"targets.{name}: the query on" in proc.stderr and "read-only session" in proc.stderr, proc.stderr
        assert query(catalog, "SELECT url FROM tenants") == [("sqlite:///t1.db",)]
    assert not (tmp_path / "t1.db").exists()


def test_a_relative_catalog_is_the_configurations_and_never_created(tmp_path):
    (tmp_path / "sub").mkdir()
    query(f"sqlite:///{tmp_path / 'catalog.db'}", "CREATE TABLE tenants (id INTEGER, url TEXT)")
    query(f"sqlite:///{tmp_path / 'catalog.db'}", "INSERT INTO tenants VALUES (1, 'sqlite:///t1.db'), (2, NULL)")
    cwd = project(tmp_path, ["sqlite:///a.db"], extra=(
        '[targets.catalog]\nquery = "SELECT url FROM tenants ORDER BY id"\nfrom = "sqlite:///catalog.db"\n'
        '[targets.gone]\nquery = "SELECT url FROM tenants"\nfrom = "sqlite:///missing.db"\n'))

    def fails(name: str) -> str:
        proc = run_cli("status", "--targets", name, cwd=cwd / "sub")  # from a subfolder, as paths go
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr and "stingerloom.toml:" in proc.stderr
        return proc.stderr

    assert "row 2 has NULL" in fails("catalog")  # the configuration's catalog.db, not sub/catalog.db
    assert "missing.db" in fails("gone")
    assert not (tmp_path / "missing.db").exists() and not (tmp_path / "sub" / "missing.db").exists()
    query(f"sqlite:///{tmp_path / 'catalog.db'}", "DELETE FROM tenants WHERE url IS NULL")
    proc = run_cli("apply", "--targets", "catalog", "--format", "json", cwd=cwd / "sub")
    assert proc.returncode == 0, proc.stderr
    assert [t["database"] for t in json.loads(proc.stdout)["targets"]] == [f"sqlite:///{tmp_path / 't1.db'}"]
    assert "users" in tables(f"sqlite:///{tmp_path / 't1.db'}")


def test_an_unreachable_target_is_named_once_per_line(tmp_path):
    cwd = project(tmp_path, ["sqlite:///a.db", "postgresql://app:hunter2@127.0.0.1:1/shop"])  # a closed port
    proc = run_cli("apply", "--targets", "tenants", "--continue-on-error", cwd=cwd)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "hunter2" not in proc.stdout + proc.stderr
    line = next(x for x in proc.stderr.splitlines() if x.startswith("error: postgresql://app:***@127.0.0.1:1/shop:"))
    assert line.count("127.0.0.1:1/shop") == 1 and "cannot connect" in line, line  # not "X: cannot connect to X"
    assert "users" in tables(f"sqlite:///{tmp_path / 'a.db'}")


def test_each_target_that_applied_out_of_order_is_named_as_apply_on_one_database_does(tmp_path):
    urls = [f"sqlite:///{tmp_path / f'o{i}.db'}" for i in range(3)]
    cwd = project(tmp_path, urls)
    config = cwd / "stingerloom.toml"
    config.write_text('default_env = "dev"\n' + config.read_text() + '[environments.dev]\nout_of_order = "warn"\n')
    manifest = cwd / "migrations" / "manifest.yaml"
    full = manifest.read_text()
    manifest.write_text(full.replace("  - 002_orders.yaml\n", ""))
    for u in urls[:2]:
        assert run_cli("apply", "--database", u, cwd=cwd).returncode == 0
    manifest.write_text(full)  # 002 was added late: listed before 003, which two tenants have
    proc = run_cli("apply", "--targets", "tenants", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    warned = [x for x in proc.stderr.splitlines() if "applied out of order" in x]
    assert sorted(warned) == sorted(f'warning: {u}: applied out of order (listed before migrations already applied; '
                                    f'out_of_order = "warn"): 002_orders' for u in urls[:2]), proc.stderr
    for u in urls[:2]:  # 002 again (the last applied there), for the JSON
        assert run_cli("rollback", "--database", u, cwd=cwd).returncode == 0
    code, report, _ = fleet_json(cwd, "apply", "--targets", "tenants")
    assert code == 0
    assert [t.get("out_of_order") for t in report["targets"]] == [["002_orders"], ["002_orders"], None]
