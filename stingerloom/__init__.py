"""stingerloom: declarative YAML/TOML database migrations.

The public API is imported lazily so that ``import stingerloom`` (and the CLI) start fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = [
    "Migration",
    "MigrationContext",
    "MigrationRunner",
    "MigrationCli",
    "MigrationResult",
    "load_manifest",
    "SchemaDiff",
    "SchemaDiffMigrationGenerator",
    "StingerloomError",
]

_LAZY = {
    "Migration": "stingerloom.migration",
    "MigrationContext": "stingerloom.migration",
    "MigrationRunner": "stingerloom.runner",
    "MigrationResult": "stingerloom.runner",
    "MigrationCli": "stingerloom.api_cli",
    "load_manifest": "stingerloom.manifest",
    "SchemaDiff": "stingerloom.schema",
    "SchemaDiffMigrationGenerator": "stingerloom.schema",
    "StingerloomError": "stingerloom.errors",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'stingerloom' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
