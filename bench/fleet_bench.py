"""Fleet benchmark (issue: "Past one machine"): N PostgreSQL tenants x M migrations.

Times, on fresh tenant databases each round:

* a shell loop running ``stingerloom apply MANIFEST --database URL`` once per tenant (what a DBA
  scripts without fleets);
* ``stingerloom apply --targets bench --parallel P`` for P in 1, 4, 8, 16;
* the bare work: one process, the driver alone, each tenant's migrations in one transaction each
  with a history insert, one tenant after another (no lock, no checks, no output).

and reports the speed-up of each parallel run over the loop and the per-target overhead of
``--parallel 1`` over the bare work.

    python bench/fleet_bench.py                 # starts a private PostgreSQL, N=200, M=20
    python bench/fleet_bench.py -n 50 -m 10
    STINGERLOOM_TEST_POSTGRES_URL=... python bench/fleet_bench.py

Targets: --parallel 8 at least 5x faster than the loop; per-target overhead under 20 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from apply_bench import generate  # noqa: E402  (the same migrations: CREATE TABLE, CREATE INDEX, INSERT)


def fresh_tenants(server, n: int, round_no: int) -> list[str]:
    import servers

    with contextlib.closing(servers.admin_connect(server)) as conn:
        cur = conn.cursor()
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'fleetbench_%'")
        for (name,) in cur.fetchall():
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        urls = []
        for i in range(n):
            name = f"fleetbench_{round_no}_{i:04d}"
            cur.execute(f'CREATE DATABASE "{name}"')
            urls.append(server.url_for(name))
    return urls


def bare_work(urls: list[str], manifest: Path) -> float:
    """The same SQL with psycopg alone, tenant after tenant."""
    import psycopg

    from stingerloom.manifest import load_manifest

    migrations = load_manifest(manifest).migrations
    sqls = [[s.sql for s in _split(m.up_sql("postgres").text)] for m in migrations]
    started = time.perf_counter()
    for url in urls:
        with psycopg.connect(url.replace("postgresql://", "postgresql://", 1), autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS __migrations (id varchar(255) PRIMARY KEY, "
                         "applied_at timestamptz NOT NULL)")
            for m, statements in zip(migrations, sqls):
                with conn.transaction():
                    for sql in statements:
                        conn.execute(sql)
                    conn.execute("INSERT INTO __migrations VALUES (%s, now())", (m.id,))
    return time.perf_counter() - started


def _split(text: str):
    from stingerloom.sqltext import split_statements

    return split_statements(text, "postgres")


def timed(cmd: list[str] | str, cwd: Path, env: dict, shell: bool = False) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, shell=shell, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, executable="/bin/bash" if shell else None)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {cmd}\n{proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="tenants")
    ap.add_argument("-m", type=int, default=20, help="migrations per tenant")
    ap.add_argument("--parallel", type=int, action="append", help="parallel settings besides 1 (default 4 8 16)")
    a = ap.parse_args()
    import servers

    server = servers.get_server("postgres")
    try:
        with tempfile.TemporaryDirectory() as tmpd:
            tmp = Path(tmpd)
            manifest = generate(tmp / "migrations", a.m)
            (tmp / "stingerloom.toml").write_text(
                'manifest = "migrations/manifest.yaml"\n[targets.bench]\nfile = "tenants.txt"\n')
            env = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"), NO_COLOR="1")
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env.pop("STINGERLOOM_DATABASE_URL", None)
            env["PYTHONPATH"] = str(ROOT)
            py = sys.executable
            figures = {}
            round_no = 0

            def tenants() -> list[str]:
                nonlocal round_no
                round_no += 1
                urls = fresh_tenants(server, a.n, round_no)
                (tmp / "tenants.txt").write_text("\n".join(urls) + "\n")
                return urls

            # the bare work and --parallel 1, twice each and interleaved (the best of each is kept),
            # so that a busy machine weighs on both alike
            bare, p1 = [], []
            for _ in range(2):
                bare.append(bare_work(tenants(), manifest))
                tenants()
                p1.append(timed([py, "-m", "stingerloom.cli", "apply", "--targets", "bench", "--parallel", "1",
                                 "--format", "json"], tmp, env))
            figures["bare"], figures[1] = min(bare), min(p1)
            tenants()
            loop = (f'while read -r url; do "{py}" -m stingerloom.cli apply migrations/manifest.yaml '
                    f'--database "$url" -q >/dev/null || exit 1; done < tenants.txt')
            figures["loop"] = timed(loop, tmp, env, shell=True)
            for p in a.parallel or [4, 8, 16]:
                tenants()
                figures[p] = timed([py, "-m", "stingerloom.cli", "apply", "--targets", "bench", "--parallel", str(p),
                                    "--format", "json"], tmp, env)
            # the fixed cost of one run (start, imports, manifest, configuration): a fleet of one tenant
            one = []
            for _ in range(3):
                (tmp / "tenants.txt").write_text(fresh_tenants(server, 1, round_no + 100 + len(one))[0] + "\n")
                one.append(timed([py, "-m", "stingerloom.cli", "apply", "--targets", "bench", "--parallel", "1",
                                  "--format", "json"], tmp, env))
            fixed = min(one) - figures["bare"] / a.n
    finally:
        with contextlib.suppress(Exception):
            with contextlib.closing(servers.admin_connect(server)) as conn:
                cur = conn.cursor()
                cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'fleetbench_%'")
                for (name,) in cur.fetchall():
                    cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        server.stop()
    n = a.n
    print(f"{n} PostgreSQL tenants x {a.m} migrations, {os.cpu_count()} cores")
    print(f"  bare work (driver only, one process): {figures['bare']:.2f} s ({figures['bare'] / n * 1000:.1f} ms/tenant)")
    print(f"  shell loop of `stingerloom apply`:    {figures['loop']:.2f} s ({figures['loop'] / n * 1000:.1f} ms/tenant)")
    for p in sorted(k for k in figures if isinstance(k, int)):
        print(f"  --targets --parallel {p:<2}:             {figures[p]:.2f} s, {figures['loop'] / figures[p]:.1f}x the loop"
              + (" (target >= 5x)" if p == 8 else ""))
    overhead = (figures[1] - fixed - figures["bare"]) / n * 1000
    print(f"  per-target overhead of --parallel 1 over the bare work: {overhead:.1f} ms (target < 20 ms; the "
          f"fixed cost of a run, {fixed * 1000:.0f} ms for start, imports and manifest, not counted)")


if __name__ == "__main__":
    main()
