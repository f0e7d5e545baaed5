"""Regenerate the JSON Schemas in ``schemas/`` from the pydantic models.

    python -m stingerloom.manifest.jsonschema           write them
    python -m stingerloom.manifest.jsonschema --check   exit 1 if a committed file is stale

:data:`SCHEMAS` is the one table of (file name, model).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

#: (file name in schemas/, "module:Class") of every published schema
SCHEMAS: list[tuple[str, str]] = [
    ("manifest.schema.json", "stingerloom.manifest.models:ManifestFile"),
    ("migration.schema.json", "stingerloom.manifest.models:MigrationFile"),
    ("schema.schema.json", "stingerloom.schema.model:SchemaFile"),
    ("config.schema.json", "stingerloom.configmodel:ConfigFile"),
]
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _model(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def render(model: Any, file_name: str) -> str:
    """The JSON Schema text of ``model`` (stable: sorted by pydantic, two-space indented)."""
    schema = {"$schema": DIALECT, "$id": f"https://stingerloom.dev/schemas/{file_name}", **model.model_json_schema()}
    _drop_null_defaults(schema)
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _drop_null_defaults(node: Any) -> None:
    """Remove ``"default": null`` where null is not allowed (optional keys without a default value)."""
    if isinstance(node, dict):
        if "default" in node and node["default"] is None and node.get("type") not in (None, "null"):
            del node["default"]
        for value in node.values():
            _drop_null_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_null_defaults(value)


def generate() -> dict[str, str]:
    """{file name: text} for every model of :data:`SCHEMAS`."""
    return {file_name: render(_model(target), file_name) for file_name, target in SCHEMAS}


def stale(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of the schema files in ``directory`` that differ from what the models generate."""
    names = []
    for name, text in generate().items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            names.append(name)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stingerloom.manifest.jsonschema", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a schema file is stale, write nothing")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help="output folder (default: schemas/)")
    args = parser.parse_args(argv)
    if args.check:
        names = stale(args.dir)
        for name in names:
            print(f"stale: {args.dir / name} (run: python -m stingerloom.manifest.jsonschema)", file=sys.stderr)
        return 1 if names else 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, text in generate().items():
        path = args.dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
