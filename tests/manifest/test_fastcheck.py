"""The loader's pydantic-free fast path accepts only what the pydantic models accept, with the same values.

``stingerloom.manifest.fastcheck`` decides the common valid shapes without importing pydantic; anything
it is unsure of goes to pydantic, which writes the error messages. A value the fast path accepted but
pydantic refuses (or reads differently) would be a silent change of behaviour, so the two are compared
here on generated data close to the real shapes, and a valid project is loaded through the CLI without
pydantic being imported at all.
"""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import history, tables, write_manifest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from stingerloom.manifest import fastcheck
from stingerloom.manifest.models import ManifestFile, MigrationFile

TEXT = st.sampled_from(["", "x", "SELECT 1", "a.yaml", "1", "__migrations", "sqlite:///x.db"])
SCALARS = st.one_of(TEXT, st.none(), st.booleans(), st.sampled_from([0, 1, 2, 1.0, -1]), st.binary(max_size=3))


def near(valid, *wrong):
    """Mostly ``valid``, sometimes any scalar or one of ``wrong``: data close to a real file's."""
    return st.one_of(valid, valid, valid, SCALARS, *wrong)


def mapping(keys: dict, required: tuple = ()):
    """A mapping with the ``required`` keys, some of the others, and now and then an unknown one."""
    optional = {k: v for k, v in keys.items() if k not in required}
    fixed = {k: keys[k] for k in required}
    return st.one_of(st.fixed_dictionaries(fixed, optional=optional), st.fixed_dictionaries(fixed, optional=optional),
                     st.fixed_dictionaries(fixed, optional={**optional, "x": SCALARS}))


FILE_REF = mapping({"file": near(TEXT)}, ("file",))
SQL_TEXT = near(TEXT, FILE_REF)
SQL_BLOCK = near(TEXT, FILE_REF, mapping({k: SQL_TEXT for k in ("postgres", "mysql", "sqlite", "default", "file")}))
MIGRATION = {"id": near(TEXT), "description": near(TEXT), "up": SQL_BLOCK, "down": SQL_BLOCK,
             **{k: near(st.booleans()) for k in ("transaction", "irreversible", "repeatable", "placeholders")}}
OPTIONAL = {k: v for k, v in MIGRATION.items() if k != "up"}
MIGRATIONS = st.one_of(mapping(MIGRATION, ("up",)), mapping(MIGRATION), SCALARS)
ENTRY = st.one_of(TEXT, SCALARS, mapping({"include": near(TEXT), "directory": near(TEXT)}),
                  mapping({"include": near(TEXT)}, ("include",)), mapping({"directory": near(TEXT)}, ("directory",)))
MANIFEST = {"stingerloom": near(st.just(1)), "database": near(TEXT), "history_table": near(TEXT),
            "migrations": near(st.lists(ENTRY, max_size=4)), "allow_outside_paths": near(st.booleans())}
MANIFESTS = st.one_of(mapping(MANIFEST, ("stingerloom",)), mapping(MANIFEST), SCALARS)


def _agrees(model, data) -> None:
    """If the fast path accepts ``data``, pydantic accepts it too, and both read the same values."""
    fast = fastcheck.CHECKS[model.__name__](data)
    if fast is None:
        return  # pydantic decides, as before
    try:
        validated = model.model_validate(data)
    except ValidationError:
        raise AssertionError(f"the fast path accepts what {model.__name__} refuses: {data!r}") from None
    assert fast == fastcheck.FROM_MODEL[model.__name__](validated)


@settings(max_examples=1500, deadline=None)
@given(MIGRATIONS, MANIFESTS)
def test_what_the_fast_path_accepts_the_models_accept_with_the_same_values(migration, manifest):
    _agrees(MigrationFile, migration)
    _agrees(ManifestFile, manifest)


@settings(max_examples=1500, deadline=None)
@given(st.lists(ENTRY, max_size=3), st.fixed_dictionaries({"up": SQL_BLOCK}, optional=OPTIONAL))
def test_entries_and_migration_keys_alone(entries, migration):
    # the nested shapes and each key in an otherwise valid file, so that the generator reaches them often
    _agrees(ManifestFile, {"stingerloom": 1, "migrations": entries})
    _agrees(MigrationFile, migration)


def test_the_fast_path_takes_the_common_shapes():
    # not a test of pydantic: these are the shapes the fast path exists for, so it must not defer them
    assert fastcheck.migration({"id": "a", "up": "SELECT 1", "down": {"postgres": "x", "default": {"file": "d.sql"}},
                                "transaction": False}) is not None
    assert fastcheck.migration({"up": {"file": "u.sql"}}) is not None
    assert fastcheck.manifest({"stingerloom": 1, "database": "${DB}", "migrations": [
        "a.yaml", {"include": "b/manifest.yaml"}, {"directory": "v/"}]}) is not None


def test_a_cold_apply_of_a_valid_project_does_not_import_pydantic(tmp_path):
    manifest = write_manifest(tmp_path, {
        "a.yaml": "id: a\nup: CREATE TABLE t (id INT)\ndown: DROP TABLE t\n",
        "b.yaml": "up:\n  sqlite: CREATE TABLE u (id INT)\n  default: SELECT 2\n",
    })
    db = tmp_path / "x.db"
    # `stingerloom apply` as a user runs it, with no manifest cache, reporting what it imported
    code = ("import runpy, sys\n"
            f"sys.argv = ['stingerloom', 'apply', {str(manifest)!r}, '--database', 'sqlite:///{db}']\n"
            "try:\n    runpy.run_module('stingerloom.cli', run_name='__main__')\n"
            "except SystemExit as exc:\n    code = exc.code\n"
            "print('exit', code, 'pydantic' in sys.modules, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, STINGERLOOM_NO_CACHE="1"))
    assert proc.stderr.strip().splitlines()[-1] == "exit 0 False", proc.stderr
    assert tables(f"sqlite:///{db}") >= {"t", "u"}
    assert history(f"sqlite:///{db}") == [("a", "applied", 1, 1), ("b", "applied", 1, 1)]
