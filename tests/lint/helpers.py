"""Build a manifest on disk from a case and lint it (no subprocess)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from stingerloom.lint.engine import lint_paths


def _block(key: str, sql: str) -> str:
    body = textwrap.indent(sql.rstrip("\n") + "\n", "  ")
    return f"{key}: |\n{body}"


HEADER_SQL = 2  # lines before the SQL of a `sql:` case: `id:` and `up: |`


def case_files(case: dict, tmp: Path, newline: str = "\n") -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    entries = []
    if case.get("setup"):
        setup = case["setup"]
        text = "id: 000_setup\nirreversible: true\n" + _block("up", setup) if isinstance(setup, str) else setup
        (tmp / "000_setup.yaml").write_text(text.replace("\n", newline), encoding="utf-8", newline="")
        entries.append("000_setup.yaml")
    if "migration" in case:
        text = case["migration"]
    else:
        text = "id: 001_case\n" + _block("up", case["sql"])
        if "transaction" in case:
            text += f"transaction: {str(case['transaction']).lower()}\n"
        if "down" in case:
            text += _block("down", case["down"])
        else:
            text += "irreversible: true\n"
    (tmp / "001_case.yaml").write_text(text.replace("\n", newline), encoding="utf-8", newline="")
    entries.append("001_case.yaml")
    manifest = case.get("manifest") or ("stingerloom: 1\nmigrations:\n" + "".join(f"  - {e}\n" for e in entries))
    (tmp / "manifest.yaml").write_text(manifest.replace("\n", newline), encoding="utf-8", newline="")
    return tmp / "manifest.yaml"


def _git(tmp: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=tmp, check=True,
                   capture_output=True)


def run_case(case: dict, tmp: Path, newline: str = "\n"):
    base = None
    if case.get("base"):  # the state at the git ref given to --base
        case_files(case["base"], tmp, newline)
        _git(tmp, "init", "-q")
        _git(tmp, "add", ".")
        _git(tmp, "commit", "-q", "-m", "base")
        for f in tmp.glob("*.yaml"):
            f.unlink()
        base = "HEAD"
    path = case_files(case, tmp, newline)
    dialect = case.get("dialect")
    targets = {k: tuple(int(x) for x in str(v).split(".")) for k, v in (case.get("target") or {}).items()}
    return lint_paths([str(path)], dialects=[dialect] if dialect else None, select=case.get("select") or (),
                      targets=targets, cwd=str(tmp), base=base)


def expected(case: dict) -> list[tuple]:
    """(rule, line, column) in file coordinates; `sql:` cases give positions inside the SQL."""
    out = []
    for e in case.get("expect") or ():
        line, col = e.get("line"), e.get("column")
        if "sql" in case and not e.get("file_position"):
            line = line + HEADER_SQL if line is not None else None
            col = col + 2 if col is not None else None
        out.append((e["rule"], line, col))
    return sorted(out, key=str)
