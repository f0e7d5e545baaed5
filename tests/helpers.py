"""Small helpers shared by the engine and CLI tests: write manifests, run the CLI, inspect databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from stingerloom.dialects import get_dialect


def write_manifest(folder: Path, migrations: dict[str, str], *, header: str = "") -> Path:
    """Write ``manifest.yaml`` listing ``migrations`` (file name -> text) in order, and the files."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in migrations.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    lines = ["stingerloom: 1", header.strip(), "migrations:"] + [f"  - {n}" for n in migrations]
    path = folder / "manifest.yaml"
    path.write_text("\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path | str | None = None, env: dict | None = None, timeout: float = 120):
    """Run ``stingerloom`` in a new process, as a user would; returns CompletedProcess (text)."""
    full_env = dict(os.environ)
    full_env.pop("STINGERLOOM_DATABASE_URL", None)
    full_env["NO_COLOR"] = "1"
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "stingerloom.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def run_json(*args: str, **kw) -> tuple[int, dict]:
    proc = run_cli(*args, "--format", "json", **kw)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def tables(url: str) -> set[str]:
    """User tables in the database (the history table included), lower-cased."""
    with get_dialect(url) as d:
        if d.name == "sqlite":
            rows = d.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        elif d.name == "postgres":
            rows = d.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        else:
            rows = d.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
        return {r[0].lower() for r in rows}


def query(url: str, sql: str, params=None) -> list[tuple]:
    with get_dialect(url) as d:
        return d.execute(sql, params)


def history(url: str) -> list[tuple]:
    """(id, state, statements_done, statements_total) of each history row, in order of application."""
    with get_dialect(url) as d:
        t = d.history_ref()
        q = d.quote
        return [tuple(r) for r in d.execute(
            f"SELECT {q('id')}, {q('state')}, {q('statements_done')}, {q('statements_total')} FROM {t} ORDER BY {q('rank')}")]
