"""The one list of dialect names and spellings, and the per-dialect schema registries built on it."""

from __future__ import annotations

import pytest
from helpers import run_cli, run_json, write_manifest

from stingerloom.dialects import ALIASES, NAMES, canonical, dialect_class, schema_impl
from stingerloom.schema import diff as diffmod
from stingerloom.schema.generate import RENDERERS
from stingerloom.urls import DatabaseURL


@pytest.mark.parametrize("spelling,name", [
    ("postgres", "postgres"), ("postgresql", "postgres"), ("pg", "postgres"), ("PostgreSQL", "postgres"),
    ("mysql", "mysql"), ("mariadb", "mysql"), ("sqlite", "sqlite"), ("sqlite3", "sqlite"), (" MariaDB ", "mysql"),
])
def test_every_spelling_has_one_canonical_name(spelling, name):
    assert canonical(spelling) == name


@pytest.mark.parametrize("spelling", ["oracle", "", "postgres2", None])
def test_unknown_spellings_have_none(spelling):
    assert canonical(spelling) is None


def test_url_schemes_are_the_spellings():
    for spelling, name in ALIASES.items():
        if name == "sqlite":
            assert DatabaseURL.parse(f"{spelling}:///x.db").dialect == "sqlite"
        else:
            assert DatabaseURL.parse(f"{spelling}://u@h:1/db").dialect == name


def test_every_dialect_has_a_class_and_a_schema_impl():
    for name in NAMES:
        assert dialect_class(name).name == name
        assert schema_impl(name).name == name
        assert schema_impl(name).dialect.name == name


def test_every_operation_type_has_a_renderer_on_every_dialect():
    ops = {obj for obj in vars(diffmod).values()
           if isinstance(obj, type) and issubclass(obj, diffmod.Op) and obj is not diffmod.Op}
    assert set(RENDERERS) == ops
    for name in NAMES:
        impl = schema_impl(name)
        assert all(callable(getattr(impl, method)) for method in RENDERERS.values())


@pytest.mark.postgres
def test_pg_url_scheme_reaches_postgres_through_the_cli(fresh_database, tmp_path):
    url = fresh_database("postgres")
    short = "pg://" + url.split("://", 1)[1]
    manifest = write_manifest(tmp_path, {"001_t.yaml": "id: 001_t\nup: CREATE TABLE t (id integer)\ndown: DROP TABLE t\n"})
    proc = run_cli("apply", str(manifest), "--database", short)
    assert proc.returncode == 0, proc.stderr
    code, status = run_json("status", str(manifest), "--database", url)
    assert code == 0 and status["executed"] == ["001_t"]


def test_lint_target_takes_any_spelling(tmp_path):
    manifest = write_manifest(tmp_path, {"001_t.yaml": "id: 001_t\nup: CREATE TABLE t (id integer)\ndown: DROP TABLE t\n"})
    for spelling in ("pg=15", "postgresql=15", "PG=15", "sqlite3=3.45", "mariadb=10.11"):
        proc = run_cli("lint", str(manifest), "--target", spelling)
        assert proc.returncode == 0, (spelling, proc.stdout, proc.stderr)
    bad = run_cli("lint", str(manifest), "--target", "oracle=19")
    assert bad.returncode == 2 and "--target 'oracle=19'" in bad.stderr
