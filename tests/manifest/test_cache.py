"""The manifest cache: a warm load imports neither PyYAML nor pydantic, and any change invalidates it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stingerloom.errors import ManifestError
from stingerloom.manifest import cache, load_manifest

MANIFEST = "stingerloom: 1\ndatabase: ${SL_CACHE_DB:-sqlite:///x.db}\nmigrations:\n  - 001_a.yaml\n  - 002_b.toml\n"
A = "description: first\nup: |\n  CREATE TABLE a (id INT);\n  SELECT 1;\ndown:\n  postgres: DROP TABLE a\n"
B = 'up = """\nSELECT 2;\n"""\n'
OLD = 1_600_000_000_000_000_000  # mtime_ns well in the past: not "racily" fresh


@pytest.fixture
def env(tmp_path, monkeypatch):
    cache_home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    monkeypatch.delenv("STINGERLOOM_NO_CACHE", raising=False)
    monkeypatch.delenv("SL_CACHE_DB", raising=False)
    return cache_home


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "manifest.yaml").write_text(MANIFEST)
    (root / "001_a.yaml").write_text(A)
    (root / "002_b.toml").write_text(B)
    return root


def entries(cache_home: Path) -> list[Path]:
    folder = cache_home / "stingerloom"
    return sorted(folder.glob("manifest-*.marshal")) if folder.is_dir() else []


def snapshot(m) -> list:
    return [(x.id, x.description, x.transaction, x.irreversible, x.source_file, x.source_line,
             sorted(x.up_sources.items()), sorted(x.down_sources.items())) for x in m.migrations]


def age(*paths: Path) -> None:
    for p in paths:
        os.utime(p, ns=(OLD, OLD))


def test_hit_returns_the_same_manifest(env, project, monkeypatch):
    first = load_manifest(project / "manifest.yaml")
    assert len(entries(env)) == 1
    loaded = []
    monkeypatch.setattr(cache, "load", lambda path, _real=cache.load: loaded.append(_real(path)) or loaded[-1])
    second = load_manifest(project / "manifest.yaml")
    assert loaded and loaded[0] is not None, "expected a cache hit"
    assert snapshot(second) == snapshot(first)
    assert (second.database, second.history_table, second.files) == (first.database, first.history_table, first.files)


def test_cached_load_imports_no_parser(env, project):
    code = (
        "import sys, json\n"
        "from stingerloom.manifest import load_manifest\n"
        f"m = load_manifest({str(project / 'manifest.yaml')!r})\n"
        "print(json.dumps({'ids': [x.id for x in m.migrations],"
        " 'line': m.migrations[0].up_sql('sqlite').line,"
        " 'mods': sorted(k for k in ('yaml', 'pydantic', 'tomllib') if k in sys.modules)}))\n"
    )
    environ = {**os.environ, "XDG_CACHE_HOME": str(env)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True,
                                      text=True, check=True).stdout) for _ in range(2)]
    assert runs[0]["mods"] != [] and runs[1]["mods"] == []
    assert runs[0]["ids"] == runs[1]["ids"] == ["001_a", "002_b"]
    assert runs[1]["line"] == 3


def test_edit_invalidates_even_within_the_same_tick(env, project):
    load_manifest(project / "manifest.yaml")
    (project / "001_a.yaml").write_text(A.replace("SELECT 1", "SELECT 9"))  # same size, maybe same mtime
    assert "SELECT 9" in load_manifest(project / "manifest.yaml").migrations[0].up_sql("mysql").text


def test_edit_of_an_old_file_invalidates_by_mtime(env, project):
    age(*project.iterdir())
    load_manifest(project / "manifest.yaml")
    (project / "002_b.toml").write_text(B.replace("2", "7"))
    os.utime(project / "002_b.toml", ns=(OLD + 10**9, OLD + 10**9))
    assert load_manifest(project / "manifest.yaml").migrations[1].up_sql("sqlite").text == "SELECT 7;\n"


def test_manifest_edit_and_new_error_are_seen(env, project):
    load_manifest(project / "manifest.yaml")
    (project / "002_b.toml").unlink()
    with pytest.raises(ManifestError, match="no such file"):
        load_manifest(project / "manifest.yaml")
    (project / "manifest.yaml").write_text(MANIFEST.replace("  - 002_b.toml\n", ""))
    assert load_manifest(project / "manifest.yaml").ids == ["001_a"]


def test_environment_change_invalidates(env, project, monkeypatch):
    monkeypatch.setenv("SL_CACHE_DB", "postgresql://app:s3cret@db/shop")
    assert load_manifest(project / "manifest.yaml").database == "postgresql://app:s3cret@db/shop"
    for entry in entries(env):
        assert b"s3cret" not in entry.read_bytes(), "the cache must not store expanded secrets"
    monkeypatch.setenv("SL_CACHE_DB", "sqlite:///other.db")
    assert load_manifest(project / "manifest.yaml").database == "sqlite:///other.db"
    monkeypatch.delenv("SL_CACHE_DB")
    assert load_manifest(project / "manifest.yaml").database == "sqlite:///x.db"


def test_disabled_by_environment(env, project, monkeypatch):
    monkeypatch.setenv("STINGERLOOM_NO_CACHE", "1")
    load_manifest(project / "manifest.yaml")
    assert entries(env) == []


def test_unwritable_cache_is_silently_skipped(tmp_path, project, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.delenv("STINGERLOOM_NO_CACHE", raising=False)
    assert load_manifest(project / "manifest.yaml").ids == ["001_a", "002_b"]


def test_corrupt_entry_is_a_miss(env, project):
    load_manifest(project / "manifest.yaml")
    for entry in entries(env):
        entry.write_bytes(b"\x00garbage")
    assert load_manifest(project / "manifest.yaml").ids == ["001_a", "002_b"]


def test_failed_load_is_not_cached(env, project):
    (project / "001_a.yaml").write_text("up: x\ndwon: y\n")
    with pytest.raises(ManifestError):
        load_manifest(project / "manifest.yaml")
    assert entries(env) == []


def test_same_size_and_mtime_edit_is_never_served_stale(env, project):
    """`cp -p`, `rsync -a` and `tar x` change a file's content and keep its size and mtime."""
    age(*project.iterdir())
    from helpers import run_cli

    manifest = project / "manifest.yaml"
    db = project / "app.db"
    first = run_cli("apply", str(manifest), "--database", f"sqlite:///{db}", "--dry-run",
                    env={"XDG_CACHE_HOME": str(env)})
    assert first.returncode == 0 and "SELECT 1" in first.stdout, first.stderr
    assert entries(env), "the first run must have written a cache entry"
    edited = project / "edited.yaml"
    edited.write_text(A.replace("SELECT 1", "SELECT 8"))
    subprocess.run(["cp", "-p", str(project / "001_a.yaml"), str(project / "stamp")], check=True)
    subprocess.run(["cp", str(edited), str(project / "001_a.yaml")], check=True)
    subprocess.run(["touch", "-r", str(project / "stamp"), str(project / "001_a.yaml")], check=True)
    st = os.stat(project / "001_a.yaml")
    assert (st.st_size, st.st_mtime_ns) == (len(A), OLD)  # the old fingerprint exactly
    second = run_cli("apply", str(manifest), "--database", f"sqlite:///{db}", "--dry-run",
                     env={"XDG_CACHE_HOME": str(env)})
    assert second.returncode == 0 and "SELECT 8" in second.stdout and "SELECT 1" not in second.stdout


def test_a_literal_password_is_never_written_to_the_cache(env, project):
    (project / "manifest.yaml").write_text(MANIFEST.replace("${SL_CACHE_DB:-sqlite:///x.db}",
                                                            "postgresql://app:Zq/k7s?ecr#et@db/shop"))
    m = load_manifest(project / "manifest.yaml")
    assert m.database == "postgresql://app:Zq/k7s?ecr#et@db/shop"
    assert entries(env) == [], "a manifest holding a literal password is not cached"
    (project / "manifest.yaml").write_text(MANIFEST.replace("${SL_CACHE_DB:-sqlite:///x.db}",
                                                            "postgresql://app:${SL_CACHE_PW}@db/shop"))
    load_manifest(project / "manifest.yaml")
    assert len(entries(env)) == 1
    for path in (env / "stingerloom").iterdir():
        data = path.read_bytes()
        assert b"Zq/k7" not in data and b"ecr#et" not in data
