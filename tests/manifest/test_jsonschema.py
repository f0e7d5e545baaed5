"""The committed JSON Schemas match the pydantic models, and they accept what the loader accepts."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from stingerloom.manifest import jsonschema as generator

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
DEMO = Path(__file__).parents[1] / "fixtures" / "loader" / "demo"


def test_committed_schemas_are_fresh():
    stale = generator.stale(SCHEMAS)
    assert not stale, f"stale: {stale}; run: python -m stingerloom.manifest.jsonschema"


def test_check_flag(tmp_path, capsys):
    assert generator.main(["--check", "--dir", str(tmp_path)]) == 1
    assert generator.main(["--dir", str(tmp_path)]) == 0
    assert generator.main(["--check", "--dir", str(tmp_path)]) == 0
    (tmp_path / "manifest.schema.json").write_text("{}\n")
    assert generator.main(["--check", "--dir", str(tmp_path)]) == 1
    assert "stale" in capsys.readouterr().err


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schemas_accept_the_demo_and_reject_typos():
    manifest = _validator("manifest.schema.json")
    migration = _validator("migration.schema.json")
    assert not list(manifest.iter_errors(yaml.safe_load((DEMO / "manifest.yaml").read_text())))
    for path in DEMO.glob("*.yaml"):
        if path.name != "manifest.yaml":
            for doc in yaml.safe_load_all(path.read_text()):
                assert not list(migration.iter_errors(doc)), path
    assert list(migration.iter_errors({"up": "x", "dwon": "y"}))
    assert list(migration.iter_errors({"up": {"postgrez": "x"}}))
    assert list(manifest.iter_errors({"migrations": []}))  # stingerloom is required


def test_every_field_has_help():
    for name in ("manifest.schema.json", "migration.schema.json"):
        schema = json.loads((SCHEMAS / name).read_text())
        objects = [schema, *schema.get("$defs", {}).values()]
        for obj in objects:
            for key, prop in obj.get("properties", {}).items():
                assert prop.get("description"), f"{name}: {key} has no description"
