"""CI ergonomics through the CLI, as a user runs it: one `path:line:col:` line per finding, masked
passwords, an honest summary, `--explain` (Markdown, rich on a terminal), JUnit warnings, and the
strict flags (`--base`, `--verify`, options that mean nothing to a command, the top-level `--format`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from helpers import run_cli

FINDING = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<rule>SL\d{3}) (?P<sev>error|warning|info) ")


def _project(tmp: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp / name).write_text(text, encoding="utf-8")
    return tmp / "manifest.yaml"


BAD = {
    "manifest.yaml": "stingerloom: 1\ndatabase: postgresql://app:s3cretPW@db:5432/shop\nmigrations:\n"
                     "  - 001_users.yaml\n  - 002_role.yaml\n  - 003_clean.yaml\n",
    "001_users.yaml": "id: 001_users\nup:\n  postgres: |\n    CREATE TABLE users (id bigint PRIMARY KEY, name text);\n"
                      "    CREATE INDEX idx_users_name ON users (name);\ndown:\n  postgres: DROP TABLE users;\n",
    "002_role.yaml": "id: 002_role\nirreversible: true\nup:\n  postgres: |\n"
                     "    CREATE ROLE reporter LOGIN PASSWORD 'hunter2hunter2';\n    CREATE INDEX idx_x ON users (name);\n",
    "003_clean.yaml": "id: 003_clean\nup:\n  postgres: CREATE TABLE t (id bigint PRIMARY KEY);\n"
                      "down:\n  postgres: DROP TABLE t;\n",
}


def test_text_one_line_per_finding_with_masked_excerpts(tmp_path):
    _project(tmp_path, BAD)
    res = run_cli("lint", "manifest.yaml", cwd=tmp_path)
    assert res.returncode == 1, res.stderr
    heads = [m for m in (FINDING.match(line) for line in res.stdout.splitlines()) if m]
    assert {(m["path"], m["rule"]) for m in heads} >= {("manifest.yaml", "SL110"), ("002_role.yaml", "SL601")}
    sl110 = next(m for m in heads if m["rule"] == "SL110")
    assert (sl110["line"], sl110["col"], sl110["sev"]) == ("2", "28", "error")
    # neither the database password nor the role's password is ever printed, in any format
    for fmt in ("text", "json", "sarif", "github", "junit"):
        out = run_cli("lint", "manifest.yaml", "--format", fmt, cwd=tmp_path).stdout
        assert "s3cretPW" not in out and "hunter2hunter2" not in out, fmt
    assert "postgresql://app:***@db:5432/shop" in res.stdout
    # the summary counts the files it shows (two of the four files have findings)
    shown = {m["path"] for m in heads}
    assert res.stdout.rstrip().splitlines()[-1].endswith(f"in {len(shown)} files (4 files checked)")


def test_clean_run_summary(tmp_path):
    _project(tmp_path, {"manifest.yaml": "stingerloom: 1\nmigrations:\n  - 003_clean.yaml\n",
                        "003_clean.yaml": BAD["003_clean.yaml"]})
    res = run_cli("lint", "manifest.yaml", cwd=tmp_path)
    assert res.returncode == 0 and res.stdout == "All checks passed (2 files checked).\n"


def test_junit_warnings_fail_only_when_asked(tmp_path):
    files = dict(BAD, **{"manifest.yaml": "stingerloom: 1\nmigrations:\n  - 001_users.yaml\n"})
    _project(tmp_path, files)
    plain = run_cli("lint", "manifest.yaml", "--format", "junit", cwd=tmp_path)
    strict = run_cli("lint", "manifest.yaml", "--format", "junit", "--junit-warnings-as-failures", cwd=tmp_path)
    assert plain.returncode == strict.returncode == 0  # warnings only: the gate passes
    assert 'failures="0"' in plain.stdout and "<failure" not in plain.stdout
    assert re.search(r'failures="[1-9]', strict.stdout) and '<failure type="warning"' in strict.stdout


def test_explain_lists_every_rule_and_renders_markdown(tmp_path):
    from stingerloom.lint import registry

    listing = run_cli("lint", "--explain", cwd=tmp_path)
    assert listing.returncode == 0
    assert all(f"| {code} |" in listing.stdout for code in registry.CODES)
    piped = run_cli("lint", "--explain", "SL608", cwd=tmp_path)
    assert piped.stdout.startswith("# SL608 require-not-null-check-first") and "## What it does" in piped.stdout
    # on a terminal, rich renders the Markdown: no literal "## " headings, no ``` fences
    import pty

    env = dict(os.environ, COLUMNS="100", TERM="xterm")
    env.pop("NO_COLOR", None)
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(sys.executable, [sys.executable, "-m", "stingerloom.cli", "lint", "--explain", "SL608"], env)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    tty = b"".join(chunks).decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0
    assert "What it does" in tty and "## What it does" not in tty and "```" not in tty


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_base_ref_that_does_not_resolve_is_exit_2(tmp_path):
    _project(tmp_path, {"manifest.yaml": "stingerloom: 1\nmigrations:\n  - 003_clean.yaml\n",
                        "003_clean.yaml": BAD["003_clean.yaml"]})
    outside = run_cli("lint", "manifest.yaml", "--base", "origin/main", cwd=tmp_path)
    assert outside.returncode == 2 and "not inside a git repository" in outside.stderr
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "one")
    res = run_cli("lint", "manifest.yaml", "--base", "origin/main", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "origin/main" in res.stderr and "fetch" in res.stderr
    assert run_cli("lint", "manifest.yaml", "--base", "HEAD", cwd=tmp_path).returncode == 0


def test_verify_that_cannot_replay_anything_fails(tmp_path):
    _project(tmp_path, {"manifest.yaml": "stingerloom: 1\nmigrations:\n  - 003_clean.yaml\n",
                        "003_clean.yaml": BAD["003_clean.yaml"]})
    res = run_cli("lint", "manifest.yaml", "--verify", cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "--verify cannot replay anything" in res.stderr and "--dev-database" in res.stderr
    assert "003_clean" in res.stderr


def test_options_that_mean_nothing_are_refused(tmp_path):
    _project(tmp_path, {"manifest.yaml": "stingerloom: 1\nmigrations:\n  - 003_clean.yaml\n",
                        "003_clean.yaml": BAD["003_clean.yaml"]})
    for args in (("lint", "manifest.yaml", "--database", "sqlite:///x.db"),
                 ("--database", "sqlite:///x.db", "lint", "manifest.yaml"),
                 ("lint", "manifest.yaml", "--lock-timeout", "5"),
                 ("init", "newdir", "--lock-timeout", "5")):
        res = run_cli(*args, cwd=tmp_path)
        assert res.returncode == 2, args
        assert "means nothing to" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "newdir").exists()


def test_top_level_format_reaches_lint(tmp_path):
    _project(tmp_path, {"manifest.yaml": "stingerloom: 1\nmigrations:\n  - 003_clean.yaml\n",
                        "003_clean.yaml": BAD["003_clean.yaml"]})
    res = run_cli("--format", "json", "lint", "manifest.yaml", cwd=tmp_path)
    assert res.returncode == 0
    assert json.loads(res.stdout)["summary"]["errors"] == 0
    assert run_cli("lint", "manifest.yaml", "--format", "sarif", cwd=tmp_path).stdout.lstrip().startswith("{")
