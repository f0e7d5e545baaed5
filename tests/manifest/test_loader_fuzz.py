"""Random and mutated manifest/migration texts: the loader reports problems, it never crashes."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stingerloom.errors import InputError, ManifestError
from stingerloom.manifest import load_manifest, read_manifest

SEED_MANIFEST = (
    "stingerloom: 1\ndatabase: ${SL_FUZZ:-sqlite:///x.db}\nhistory_table: __migrations\n"
    "migrations:\n  - a.yaml\n  - b.toml\n"
)
SEED_YAML = "id: a\ndescription: x\nup: |\n  CREATE TABLE t (id INT);\ndown:\n  postgres: DROP TABLE t\n---\nid: c\nup: SELECT 1\n"
SEED_TOML = 'id = "b"\ntransaction = false\nup = """\nSELECT 1;\n"""\n[down]\nsqlite = \'SELECT 2\'\n'
TOKENS = st.sampled_from(list(":-[]{}&*!|>'\"#\n\r\t ,.=$/\\~?%@`") + ["stingerloom", "up", "down", "id", "\x00", "é", "1", "a", "---", "${", "\"\"\""])


def tokens(max_size: int):
    return st.lists(TOKENS, max_size=max_size).map("".join)


def mutate(seed: str):
    edits = st.lists(st.tuples(st.integers(0, len(seed)), st.integers(0, 3), tokens(4)), max_size=6)

    def apply(changes):
        text = seed
        for at, drop, insert in changes:
            at = min(at, len(text))
            text = text[:at] + insert + text[at + drop:]
        return text

    return edits.map(apply)


texts = st.one_of(tokens(40), st.text(max_size=60))


@pytest.fixture(scope="module")
def folder():
    path = Path(tempfile.mkdtemp(prefix="sl-fuzz-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def check(folder: Path, manifest_name: str, manifest: str, a: str, b: str) -> None:
    for name, text in ((manifest_name, manifest), ("a.yaml", a), ("b.toml", b)):
        (folder / name).write_bytes(text.encode("utf-8", "surrogatepass"))
    result, problems = read_manifest(folder / manifest_name)
    assert (result is None) == bool(problems)
    try:
        load_manifest(folder / manifest_name)
    except (ManifestError, InputError):
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(manifest=st.one_of(mutate(SEED_MANIFEST), texts), a=mutate(SEED_YAML), b=mutate(SEED_TOML))
def test_mutated_files_never_crash(folder, monkeypatch, manifest, a, b):
    monkeypatch.setenv("STINGERLOOM_NO_CACHE", "1")
    check(folder, "manifest.yaml", manifest, a, b)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(manifest=mutate('stingerloom = 1\nmigrations = ["a.yaml", "b.toml"]\n'), b=st.one_of(mutate(SEED_TOML), texts))
def test_mutated_toml_never_crashes(folder, monkeypatch, manifest, b):
    monkeypatch.setenv("STINGERLOOM_NO_CACHE", "1")
    check(folder, "manifest.toml", manifest, SEED_YAML, b)
