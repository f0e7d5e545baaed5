"""Declarative schema: compare a schema file with a live database and generate the migration.

``SchemaDiff.compare(connection_or_url, schema)`` and ``SchemaDiffMigrationGenerator().generate(diff)``
are the Python API (SPEC §6); ``stingerloom generate`` and ``stingerloom schema dump`` the commands.
Submodules are imported on first use so that ``stingerloom.schema.model`` stays light.
"""

from __future__ import annotations

__all__ = ["SchemaDiff", "SchemaDiffMigrationGenerator", "SchemaFile", "introspect", "dump_schema"]

_LAZY = {
    "SchemaDiff": "stingerloom.schema.diff",
    "SchemaDiffMigrationGenerator": "stingerloom.schema.generate",
    "SchemaFile": "stingerloom.schema.model",
    "introspect": "stingerloom.schema.introspect",
    "dump_schema": "stingerloom.schema.dump",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'stingerloom.schema' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
