"""The manifest cache: a warm load imports neither PyYAML nor pydantic, and any change invalidates it."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stingerloom.errors import ManifestError
from stingerloom.manifest import cache, load_manifest
from stingerloom.migration import checksum

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


# -- freshness: a file whose stat fingerprint is unchanged is trusted unread (git's rule) -----------------
EDIT = A.replace("SELECT 1", "SELECT 9")  # the same size


@pytest.fixture
def hashed(monkeypatch):
    """The files the cache reads and hashes (their contents), in order."""
    seen: list[bytes] = []
    real = cache.digest
    monkeypatch.setattr(cache, "digest", lambda data: seen.append(data) or real(data))
    return seen


@pytest.fixture
def no_margin(monkeypatch):
    """Files written a moment ago count as old enough to be trusted (the real margin is 2 s)."""
    monkeypatch.setattr(cache, "RACY_MARGIN_NS", -60 * 10**9)


def next_tick() -> None:
    """Let the kernel's clock for file timestamps (a few ms per tick) move on, so that an edit made
    now gets a change time of its own."""
    time.sleep(0.025)


def first_sql(project: Path) -> str:
    return load_manifest(project / "manifest.yaml").migrations[0].up_sql("mysql").text


def test_unchanged_files_are_trusted_without_reading_them(env, project, hashed, no_margin):
    load_manifest(project / "manifest.yaml")
    hashed.clear()
    assert load_manifest(project / "manifest.yaml").ids == ["001_a", "002_b"]
    assert hashed == [], "an unchanged file must not be read again"


def edit_in_place_restoring_mtime(target: Path, before: os.stat_result) -> None:
    target.write_text(EDIT)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))


def cp_p_over_it(target: Path, before: os.stat_result) -> None:
    other = target.with_name("other.yaml")
    other.write_text(EDIT)
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
    subprocess.run(["cp", "-p", str(other), str(target)], check=True)


def replace_by_rename(target: Path, before: os.stat_result) -> None:
    new = target.with_name(target.name + ".new")  # as editors and `rsync` write a file
    new.write_text(EDIT)
    os.utime(new, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(new, target)


@pytest.mark.parametrize("edit, same_inode", [(edit_in_place_restoring_mtime, True), (cp_p_over_it, True),
                                              (replace_by_rename, False)])
def test_same_size_edit_keeping_the_mtime_is_seen(env, project, hashed, no_margin, edit, same_inode):
    target = project / "001_a.yaml"
    assert "SELECT 1" in first_sql(project)
    before = os.stat(target)
    next_tick()
    edit(target, before)
    after = os.stat(target)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert (after.st_ino == before.st_ino) is same_inode
    assert after.st_ctime_ns != before.st_ctime_ns  # what gives an in-place edit away
    hashed.clear()
    assert "SELECT 9" in first_sql(project)
    assert EDIT.encode() in hashed


def test_folder_gaining_a_file_is_seen(env, tmp_path, no_margin):
    root = tmp_path / "project"
    (root / "versions").mkdir(parents=True)
    (root / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n  - directory: versions\n")
    (root / "versions" / "001_a.yaml").write_text(A)
    assert load_manifest(root / "manifest.yaml").ids == ["001_a"]
    (root / "versions" / "002_b.toml").write_text(B)
    assert load_manifest(root / "manifest.yaml").ids == ["001_a", "002_b"]


def frozen_timestamps(monkeypatch, ns: int) -> None:
    """A file system whose timestamps do not move (coarse ones, within one tick): every stat of a
    file reports modification and change time ``ns``."""
    def frozen(real):
        def stat(*args, **kwargs):
            st = real(*args, **kwargs)
            seconds = ns // 10**9
            return os.stat_result((*st[:7], seconds, seconds, seconds),
                                  {"st_atime_ns": ns, "st_mtime_ns": ns, "st_ctime_ns": ns})
        return stat
    monkeypatch.setattr(os, "stat", frozen(os.stat))
    monkeypatch.setattr(os, "fstat", frozen(os.fstat))


def test_racy_edit_within_the_margin_is_seen(env, project, hashed, monkeypatch):
    """Within one timestamp tick an edit can leave the whole fingerprint as it was: a file changed
    less than the margin before its load began is read again on every hit."""
    frozen_timestamps(monkeypatch, time.time_ns() - cache.RACY_MARGIN_NS // 2)
    target = project / "001_a.yaml"
    before = os.stat(target)
    assert "SELECT 1" in first_sql(project)
    target.write_text(EDIT)
    after = os.stat(target)
    assert (after.st_ino, after.st_size, after.st_mtime_ns, after.st_ctime_ns) == (
        before.st_ino, before.st_size, before.st_mtime_ns, before.st_ctime_ns)  # the same fingerprint
    hashed.clear()
    assert "SELECT 9" in first_sql(project)
    assert EDIT.encode() in hashed


def test_frozen_old_timestamps_are_trusted(env, project, hashed, monkeypatch):
    """The counterpart of the racy test: the same frozen fingerprint, older than the margin, is
    trusted unread (so it is the margin that catches the racy edit above)."""
    frozen_timestamps(monkeypatch, time.time_ns() - 2 * cache.RACY_MARGIN_NS)
    load_manifest(project / "manifest.yaml")
    hashed.clear()
    load_manifest(project / "manifest.yaml")
    assert hashed == []


def test_hit_over_racy_files_is_rewritten_once_they_are_old_enough(env, project, hashed, monkeypatch):
    load_manifest(project / "manifest.yaml")  # files written just now: racy, so read on every hit
    hashed.clear()
    load_manifest(project / "manifest.yaml")
    assert len(hashed) == 3  # the manifest and its two files
    monkeypatch.setattr(cache, "RACY_MARGIN_NS", -60 * 10**9)  # as if they were old enough now
    hashed.clear()
    load_manifest(project / "manifest.yaml")
    assert len(hashed) == 3  # read once more, and the entry rewritten with their fingerprints
    hashed.clear()
    assert load_manifest(project / "manifest.yaml").ids == ["001_a", "002_b"]
    assert hashed == []


def test_a_cached_migration_has_every_attribute_of_a_loaded_one_alike(env, project):
    """The cache builds its migrations without ``SqlMigration.__init__``: an attribute added there
    must be added to the cache too."""
    from stingerloom.manifest import read_manifest

    loaded, _ = read_manifest(project / "manifest.yaml", use_cache=False)
    load_manifest(project / "manifest.yaml")  # fills the cache
    cached = load_manifest(project / "manifest.yaml")
    assert type(cached.migrations[0]) is not type(loaded.migrations[0]), "expected a cache hit"
    for fresh, hit in zip(loaded.migrations, cached.migrations, strict=True):
        for name, value in vars(fresh).items():
            if name != "checksums":  # a memo, empty until asked; the cache's holds what it stored
                assert getattr(hit, name) == value, name
        assert (hit.checksum("sqlite"), hit.checksum("postgres")) == (fresh.checksum("sqlite"), fresh.checksum("postgres"))
        assert hit.checksums and all(checksum(text) == value for text, value in hit.checksums.items())


def test_warm_status_over_unchanged_files_imports_no_hashlib(env, project):
    """hashlib (OpenSSL, ~2.5 ms) is imported only to hash a file that changed or is racy. The margin
    is set aside in these processes, as if the files were older than it."""
    db = f"sqlite:///{project / 'app.db'}"
    code = ("import sys; from stingerloom.manifest import cache; cache.RACY_MARGIN_NS = -60 * 10**9; "
            "from stingerloom.cli import main; code = main(sys.argv[1:]); sys.stdout.flush(); "
            "print('hashlib' in sys.modules, file=sys.stderr); sys.exit(code)")
    runs = [subprocess.run([sys.executable, "-c", code, "status", str(project / "manifest.yaml"), "--database", db],
                           env={**os.environ, "XDG_CACHE_HOME": str(env), "NO_COLOR": "1"}, capture_output=True,
                           text=True) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0]
    assert runs[0].stdout == runs[1].stdout and "001_a" in runs[1].stdout
    assert [r.stderr.strip().splitlines()[-1] for r in runs] == ["True", "False"]  # the first run filled the cache


def test_a_cached_migrations_sources_are_unpacked_once_and_an_assignment_wins(env, project):
    """The SQL is unpacked on the first read of any of its attributes and read plainly after; an
    attribute assigned before that read is kept, and the checksum then comes from it, as on a loaded
    migration."""
    from stingerloom.migration import SqlSource

    load_manifest(project / "manifest.yaml")  # fills the cache
    first, second = load_manifest(project / "manifest.yaml").migrations[:2]
    assert type(first).__name__ == "_CachedMigration", "expected a cache hit"
    ups = first.up_sources
    assert first.up_sources is ups and first.down_sources is first.down_sources
    assert first.checksums and first.checksum("sqlite") == checksum(first.up_sql("sqlite").text)

    mine = {"default": SqlSource("SELECT 42")}
    second.up_sources = mine  # before anything was unpacked
    assert second.checksum("sqlite") == checksum("SELECT 42")
    assert second.up_sources is mine
    assert second.down_sources is not None and second.checksums is not None  # the rest still unpacks
    assert second.up_sources is mine

    third = load_manifest(project / "manifest.yaml").migrations[0]
    assert getattr(third, "no_such_attribute", "absent") == "absent"
    for copy in (pickle.loads(pickle.dumps(third)), pickle.loads(pickle.dumps(first))):  # packed, unpacked
        assert (copy.up_sources, copy.down_sources, copy.checksum("postgres")) == \
            (first.up_sources, first.down_sources, first.checksum("postgres"))
