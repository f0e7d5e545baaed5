"""Apply and status benchmark (issue: "Speed is a feature"; issue 11 item 7).

Generates N migrations (each a CREATE TABLE, a CREATE INDEX and an INSERT, with a down) and reports:

* apply-all through ``MigrationRunner`` against a plain Python loop doing the same work with the
  same driver (one transaction per migration plus one history insert), on each database asked for
  (``--no-loop`` skips this);
* the first, cold ``stingerloom apply`` of a new project (new process, no manifest cache, new SQLite
  file) against the ``sqlite3`` shell running a script of the same SQL, the same history table and
  the same history rows, one transaction per migration (``sqlite3 FILE < script``), interleaved;
* ``stingerloom status`` in a new process with everything applied, against a bare ``python -c
  pass``: with the manifest cache warm (as on a developer's machine) and on a first run without it.

    python bench/apply_bench.py                       # SQLite, N=1000
    python bench/apply_bench.py --dialect postgres --dialect mysql   # starts private servers
    STINGERLOOM_TEST_POSTGRES_URL=... python bench/apply_bench.py --dialect postgres

Targets: apply <= 1.15x the plain loop; cold apply <= 1.1x the sqlite3 shell; status <= 2.5x the
bare interpreter.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(1, n + 1):
        name = f"{i:04d}_table_{i}.yaml"
        names.append(name)
        (folder / name).write_text(
            f"description: Benchmark table {i}\n"
            "up: |\n"
            f"  CREATE TABLE bench_{i} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, n INTEGER);\n"
            f"  CREATE INDEX idx_bench_{i}_name ON bench_{i} (name);\n"
            f"  INSERT INTO bench_{i} (id, name, n) VALUES (1, 'row; one', {i});\n"
            "down: |\n"
            f"  DROP TABLE bench_{i};\n"
        )
    manifest = folder / "manifest.yaml"
    manifest.write_text("stingerloom: 1\nmigrations:\n" + "".join(f"  - {x}\n" for x in names))
    return manifest


def plain_loop(dialect: str, url: str, n: int) -> float:
    """What a hand-written script would do with the driver alone."""
    from stingerloom.urls import DatabaseURL

    u = DatabaseURL.parse(url)
    if dialect == "sqlite":
        import sqlite3

        conn = sqlite3.connect(u.database, isolation_level=None)
        ph = "?"
        ddl = ("CREATE TABLE h (id TEXT PRIMARY KEY, description TEXT, checksum TEXT, down_sql TEXT, "
               "applied_at TEXT, execution_ms INTEGER, applied_by TEXT, state TEXT, batch INTEGER, rank INTEGER)")
    elif dialect == "postgres":
        import psycopg

        conn = psycopg.connect(host=u.host, port=u.port, user=u.user, password=u.password, dbname=u.database,
                               autocommit=True)
        ph = "%s"
        ddl = ("CREATE TABLE h (id varchar(255) PRIMARY KEY, description text, checksum varchar(64), down_sql text, "
               "applied_at timestamptz, execution_ms integer, applied_by varchar(255), state varchar(16), batch integer, rank integer)")
    else:
        import pymysql

        conn = pymysql.connect(host=u.host, port=u.port, user=u.user, password=u.password, database=u.database,
                               autocommit=True)
        ph = "%s"
        ddl = ("CREATE TABLE h (id varchar(255) PRIMARY KEY, description text, checksum varchar(64), down_sql longtext, "
               "applied_at datetime(6), execution_ms integer, applied_by varchar(255), state varchar(16), batch integer, `rank` integer)")
    cur = conn.cursor()
    cur.execute(ddl)
    import datetime
    import hashlib

    started = time.perf_counter()
    for i in range(1, n + 1):
        stmts = [
            f"CREATE TABLE bench_{i} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, n INTEGER)",
            f"CREATE INDEX idx_bench_{i}_name ON bench_{i} (name)",
            f"INSERT INTO bench_{i} (id, name, n) VALUES (1, 'row; one', {i})",
        ]
        if dialect != "mysql":
            cur.execute("BEGIN")
        for s in stmts:
            cur.execute(s)
        cur.execute(
            f"INSERT INTO h VALUES ({', '.join([ph] * 10)})",
            (f"{i:04d}", f"Benchmark table {i}", hashlib.sha256("\n".join(stmts).encode()).hexdigest(),
             f"DROP TABLE bench_{i};", datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None),
             1, "bench", "applied", 1, i),
        )
        if dialect != "mysql":
            cur.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def stingerloom_apply(url: str, manifest: Path) -> float:
    from stingerloom.manifest import load_manifest
    from stingerloom.runner import MigrationRunner

    m = load_manifest(manifest)
    runner = MigrationRunner(m.migrations, url)
    started = time.perf_counter()
    results = runner.run()
    elapsed = time.perf_counter() - started
    assert all(r.success for r in results) and len(results) == len(m.migrations), results[-1:]
    return elapsed


def sqlite_script(folder: Path, n: int, reference_db: Path) -> Path:
    """What ``sqlite3 FILE < script`` runs for the same work: the history table as stingerloom creates
    it (read from ``reference_db``, a database stingerloom applied), then per migration one
    transaction with its statements and its history row (the values stingerloom stores)."""
    import hashlib
    import sqlite3

    conn = sqlite3.connect(reference_db)
    (ddl,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = '__migrations'").fetchone()
    rows = conn.execute("SELECT * FROM __migrations ORDER BY rank").fetchall()
    conn.close()
    assert len(rows) == n, (len(rows), n)

    def lit(v: object) -> str:
        return "NULL" if v is None else str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"

    out = [ddl + ";"]
    for i, row in enumerate(rows, start=1):
        out.append("BEGIN IMMEDIATE;")
        out.append(f"CREATE TABLE bench_{i} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, n INTEGER);")
        out.append(f"CREATE INDEX idx_bench_{i}_name ON bench_{i} (name);")
        out.append(f"INSERT INTO bench_{i} (id, name, n) VALUES (1, 'row; one', {i});")
        row = list(row)
        row[2] = hashlib.sha256(str(row[2]).encode()).hexdigest()  # same length, computed like ours
        out.append(f"INSERT INTO \"__migrations\" VALUES ({', '.join(lit(v) for v in row)});")
        out.append("COMMIT;")
    script = folder / "apply.sql"
    script.write_text("\n".join(out) + "\n")
    return script


def timed(cmd: list[str], env: dict, stdin: Path | None = None) -> float:
    with open(stdin or os.devnull, "rb") as fh:
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdin=fh, stdout=subprocess.DEVNULL, env=env)
        return time.perf_counter() - t


def timed_cpu(cmd: list[str], env: dict) -> tuple[float, float]:
    """``(wall, cpu)`` seconds of ``cmd``: CPU is the child's user + system time (``os.wait4``), which
    the other processes of a busy machine disturb far less than wall time."""
    with open(os.devnull, "rb") as fh:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=fh, stdout=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return wall, usage.ru_utime + usage.ru_stime


def cold_apply(tmp: Path, manifest: Path, n: int, runs: int, env: dict
               ) -> tuple[list[float], list[float], list[float]]:
    """The first ``stingerloom apply`` of a fresh project (no manifest cache, new database file) against
    ``sqlite3 FILE < script`` on a new file and against CPython's floor for the same work
    (``bench/apply_floor.py``: read the files, run the script's statements with the sqlite3 module),
    interleaved run by run."""
    import shutil

    sqlite3_cli = shutil.which("sqlite3")
    assert sqlite3_cli, "the sqlite3 command-line shell is needed for this comparison"
    reference = tmp / "reference.db"
    cmd = [sys.executable, "-m", "stingerloom.cli", "apply", str(manifest), "--database", f"sqlite:///{reference}"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=dict(env, STINGERLOOM_NO_CACHE="1"))
    script = sqlite_script(tmp, n, reference)
    ours, theirs, floor = [], [], []
    for k in range(runs):
        project = tmp / f"cold{k}"
        shutil.copytree(manifest.parent, project)  # a new project: nothing of it is in any cache
        run_env = dict(env, XDG_CACHE_HOME=str(tmp / f"cache-cold{k}"))
        ours.append(timed([sys.executable, "-m", "stingerloom.cli", "apply", str(project / manifest.name),
                           "--database", f"sqlite:///{tmp / f'cold{k}.db'}"], run_env))
        theirs.append(timed([sqlite3_cli, str(tmp / f"cli{k}.db")], run_env, stdin=script))
        floor.append(timed([sys.executable, str(ROOT / "bench" / "apply_floor.py"), str(project / manifest.name),
                            str(tmp / f"floor{k}.db"), str(script)], run_env))
    return ours, theirs, floor


def cold(cmd: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def fresh_url(dialect: str, tmp: Path, servers_cache: dict) -> str:
    if dialect == "sqlite":
        k = len(list(tmp.glob("*.db")))
        return f"sqlite:///{tmp / f'b{k}.db'}"
    sys.path.insert(0, str(ROOT / "tests"))
    import servers  # the test suite's private servers

    if dialect not in servers_cache:
        servers_cache[dialect] = servers.get_server(dialect)
    servers_cache["n"] = servers_cache.get("n", 0) + 1
    return servers.create_database(servers_cache[dialect], f"bench_{os.getpid()}_{servers_cache['n']}")


def _ms(times: list[float]) -> str:
    """Median and range of ``times`` in ms (or s above 2 s)."""
    med, lo, hi = statistics.median(times), min(times), max(times)
    if med >= 2:
        return f"{med:.2f} s ({lo:.2f}-{hi:.2f})"
    return f"{med * 1000:.0f} ms ({lo * 1000:.0f}-{hi * 1000:.0f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--dialect", action="append", choices=["sqlite", "postgres", "mysql"])
    ap.add_argument("--runs", type=int, default=3, help="repeats; the median is reported")
    ap.add_argument("--status-runs", type=int, default=11, help="repeats of each status measurement")
    ap.add_argument("--dir", help="where the projects and databases go (default: the system's temporary "
                    "folder); e.g. /dev/shm to take fsync out and see the CPU cost alone")
    ap.add_argument("--no-loop", dest="loop", action="store_false",
                    help="skip the in-process comparison with a plain driver loop")
    a = ap.parse_args()
    dialects = a.dialect or ["sqlite"]
    servers_cache: dict = {}
    with tempfile.TemporaryDirectory(dir=a.dir) as tmpd:
        tmp = Path(tmpd)
        manifest = generate(tmp / "m", a.n)
        env = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"))
        # Measure a normal start: Python writes and reuses bytecode caches (__pycache__) unless told
        # not to, and some sandboxes set PYTHONDONTWRITEBYTECODE, which recompiles every module.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["XDG_CACHE_HOME"] = env["XDG_CACHE_HOME"]
        try:
            for d in dialects if a.loop else []:
                plain = statistics.median(plain_loop(d, fresh_url(d, tmp, servers_cache), a.n) for _ in range(a.runs))
                ours = statistics.median(stingerloom_apply(fresh_url(d, tmp, servers_cache), manifest) for _ in range(a.runs))
                print(f"{d:8s} apply {a.n} migrations: stingerloom {ours:.2f}s, plain loop {plain:.2f}s, "
                      f"ratio {ours / plain:.2f}x (target <= 1.15x)")
            ours, theirs, floor = cold_apply(tmp, manifest, a.n, a.runs, env)
            cli = statistics.median(theirs)
            print(f"sqlite   cold apply ({a.n}, new project and file): stingerloom {_ms(ours)}, "
                  f"sqlite3 CLI {_ms(theirs)}, ratio {statistics.median(ours) / cli:.2f}x "
                  f"(target <= 1.1x); per-run differences {_ms([x - y for x, y in zip(ours, theirs)])}")
            print(f"sqlite   cold apply floor in CPython (bench/apply_floor.py: read the files, run the same "
                  f"statements with the sqlite3 module, nothing else): {_ms(floor)} = "
                  f"{statistics.median(floor) / cli:.2f}x the CLI; stingerloom over that floor "
                  f"{_ms([x - y for x, y in zip(ours, floor)])}")
            url = f"sqlite:///{tmp / 'cold0.db'}"  # 1,000 applied by the cold run
            status = [sys.executable, "-m", "stingerloom.cli", "status", str(manifest), "--database", url]
            cold(status, 1, env)  # fills the manifest cache
            runs: dict[str, list[tuple[float, float]]] = {"bare": [], "warm": [], "first": []}
            for k in range(a.status_runs):  # interleaved, so that the machine's load hits each alike
                runs["bare"].append(timed_cpu([sys.executable, "-c", "pass"], env))
                runs["warm"].append(timed_cpu(status, env))
                runs["first"].append(timed_cpu(status, dict(env, XDG_CACHE_HOME=str(tmp / f"cache-status{k}"))))
            for i, what in enumerate(("wall", "CPU")):
                bare, warm, first = ([r[i] for r in runs[key]] for key in ("bare", "warm", "first"))
                b = statistics.median(bare)
                print(f"sqlite   status ({a.n} applied), new process, {what}: bare python {_ms(bare)}; manifest "
                      f"cache warm {_ms(warm)} = {statistics.median(warm) / b:.2f}x; first run, no cache "
                      f"{_ms(first)} = {statistics.median(first) / b:.2f}x (target <= 2.5x)")
        finally:
            for k, s in servers_cache.items():
                if k != "n":
                    s.stop()


if __name__ == "__main__":
    main()
