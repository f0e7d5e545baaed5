"""`lint --base REF` reads the old manifest from git into a throwaway folder: it must clean up and
never write outside it, whatever paths the old manifest lists."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from stingerloom.lint.engine import lint_paths


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd,
                   check=True, capture_output=True)


def _repo(tmp_path: Path, old_manifest: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "db").mkdir(parents=True)
    (repo / "db" / "001_a.yaml").write_text("up: CREATE TABLE a (id INTEGER)\ndown: DROP TABLE a\n")
    (repo / "db" / "manifest.yaml").write_text(old_manifest)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    (repo / "db" / "001_a.yaml").write_text("up: CREATE TABLE a (id BIGINT)\ndown: DROP TABLE a\n")
    (repo / "db" / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n  - 001_a.yaml\n")
    return repo


def _lint(repo: Path):
    return lint_paths([str(repo / "db" / "manifest.yaml")], dialects=["sqlite"], cwd=str(repo), base="HEAD")


def _leftovers() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("stingerloom-base-*"))


def test_base_ref_finds_edits_and_cleans_up(tmp_path):
    repo = _repo(tmp_path, "stingerloom: 1\nmigrations:\n  - 001_a.yaml\n")
    before = _leftovers()
    assert "SL120" in {f.rule for f in _lint(repo).findings}  # an applied migration was edited
    assert _leftovers() == before


def test_base_ref_never_writes_outside_its_folder(tmp_path):
    repo = _repo(tmp_path, "stingerloom: 1\nallow_outside_paths: true\nmigrations:\n"
                           "  - 001_a.yaml\n  - ../../../escape.yaml\n  - /tmp/escape-abs.yaml\n")
    before = _leftovers()
    _lint(repo)
    assert _leftovers() == before
    assert not (Path(tempfile.gettempdir()).parent / "escape.yaml").exists()
    assert not Path("/tmp/escape-abs.yaml").exists()
