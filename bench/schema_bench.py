"""Introspection and diff of a large schema, against the database's own dump tool, in the same run.

The schema has N tables (default 500), each with 10 columns, 2 indexes and 1 foreign key. It is
created with stingerloom's own generated SQL, then timed (median of --runs):

* ``introspect``: reading the live schema into the model (``stingerloom schema dump`` minus YAML);
* ``diff``: introspect + compare with the declared schema (what ``generate --check`` does);
* the dump tool: ``pg_dump --schema-only``, ``mariadb-dump --no-data`` (or ``mysqldump``),
  ``sqlite3 FILE .schema``.

    python bench/schema_bench.py                                  # SQLite
    python bench/schema_bench.py --dialect postgres --dialect mysql --dialect sqlite
    STINGERLOOM_TEST_POSTGRES_URL=... python bench/schema_bench.py --dialect postgres
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def declared(n: int) -> dict:
    tables = {}
    for i in range(n):
        cols = {"id": {"type": "integer", "primary_key": True},
                "parent_id": {"type": "integer"},
                "name": {"type": "varchar(100)", "nullable": False},
                "email": {"type": "varchar(255)"},
                "amount": {"type": "numeric(12,2)", "default": 0},
                "active": {"type": "boolean", "default": True},
                "created_at": {"type": "timestamp", "default": "CURRENT_TIMESTAMP"},
                "note": {"type": "text"},
                "score": {"type": "bigint"},
                "code": {"type": "varchar(20)", "default": "'x'"}}
        t = {"columns": cols,
             "indexes": {f"ix_t{i}_name": {"columns": ["name"]},
                         f"ix_t{i}_email_code": {"columns": ["email", "code"], "unique": True}},
             "foreign_keys": [{"name": f"fk_t{i}_parent", "columns": ["parent_id"],
                               "references": {"table": f"t{max(i - 1, 0)}", "columns": ["id"]}}]}
        tables[f"t{i}"] = t
    return {"tables": tables}


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def dump_command(dialect: str, url: str) -> tuple[list[str], dict] | None:
    from stingerloom.urls import DatabaseURL

    u = DatabaseURL.parse(url)
    env = dict(os.environ)
    if dialect == "sqlite":
        exe = shutil.which("sqlite3")
        return ([exe, u.database, ".schema"], env) if exe else None
    if dialect == "postgres":
        exe = shutil.which("pg_dump")
        env["PGPASSWORD"] = u.password or ""
        return ([exe, "--schema-only", "-h", u.host, "-p", str(u.port), "-U", u.user, u.database], env) if exe else None
    exe = shutil.which("mariadb-dump") or shutil.which("mysqldump")
    env["MYSQL_PWD"] = u.password or ""
    return ([exe, "--no-data", "-h", u.host, "-P", str(u.port), "-u", u.user, "--protocol=tcp", u.database], env) \
        if exe else None


def fresh_url(dialect: str, tmp: Path, cache: dict) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{tmp / 'schema_bench.db'}"
    sys.path.insert(0, str(ROOT / "tests"))
    import servers  # the test suite's private servers

    if dialect not in cache:
        cache[dialect] = servers.get_server(dialect)
    return servers.create_database(cache[dialect], f"schema_bench_{os.getpid()}")


def bench(dialect: str, url: str, n: int, runs: int) -> str:
    from stingerloom.dialects import get_dialect
    from stingerloom.schema import SchemaDiff
    from stingerloom.schema.generate import render_diff
    from stingerloom.schema.introspect import introspect
    from stingerloom.schema.model import resolve

    schema = resolve(declared(n))
    d = get_dialect(url)
    d.connect()
    try:
        t = time.perf_counter()
        up, _down = render_diff(SchemaDiff.compare(d, schema), dialect)
        for stmt in d.split(up.sql):
            d.execute(stmt.sql)
        create = time.perf_counter() - t
        live = introspect(d)
        assert len(live.tables) == n, len(live.tables)
        assert SchemaDiff.compare(d, schema).is_empty, SchemaDiff.compare(d, schema).describe()[:5]
        t_intro = timed(lambda: introspect(d), runs)
        t_diff = timed(lambda: SchemaDiff.compare(d, schema), runs)
    finally:
        d.close()
    cmd = dump_command(dialect, url)
    if cmd:
        t_tool = timed(lambda: subprocess.run(cmd[0], env=cmd[1], check=True, stdout=subprocess.DEVNULL), runs)
        tool = f"{Path(cmd[0][0]).name} {t_tool * 1000:.0f} ms, ratio introspect/tool {t_intro / t_tool:.2f}x"
    else:
        tool = "dump tool not installed"
    return (f"{dialect:8s} {n} tables: introspect {t_intro * 1000:.0f} ms, diff {t_diff * 1000:.0f} ms, "
            f"{tool} (created in {create:.1f}s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=500)
    ap.add_argument("--dialect", action="append", choices=["sqlite", "postgres", "mysql"])
    ap.add_argument("--runs", type=int, default=3, help="repeats; the median is reported")
    a = ap.parse_args()
    cache: dict = {}
    with tempfile.TemporaryDirectory() as tmpd:
        try:
            for d in a.dialect or ["sqlite"]:
                print(bench(d, fresh_url(d, Path(tmpd), cache), a.n, a.runs), flush=True)
        finally:
            for s in cache.values():
                s.stop()


if __name__ == "__main__":
    main()
