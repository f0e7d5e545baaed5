"""The common valid manifests and migrations, accepted without pydantic.

Importing pydantic and building the models costs about 90 ms, more than reading a thousand small
migration files. So the loader first asks this module; it accepts only data that
:class:`.models.ManifestFile` / :class:`.models.MigrationFile` certainly accept, with exactly the
same values, and says ``None`` for anything else (a wrong type, an unknown key, a value pydantic
would coerce). The loader then validates with pydantic, which produces the error messages, so an
invalid file reports exactly what it always did. ``tests/manifest/test_fastcheck.py`` checks the
two against each other on generated data.

The result is plain data with the defaults filled in: ``up``/``down`` are ``str``,
``{"file": str}`` or ``{dialect: str | {"file": str}}``; manifest entries are ``str``,
``{"include": str}`` or ``{"directory": str}``.
"""

from __future__ import annotations

from ..dialects.names import NAMES

TYPE_CHECKING = False  # typing itself is not imported at run time (~2 ms of every cold apply)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

DIALECT_KEYS = (*NAMES, "default")
_MIGRATION_DEFAULTS = {"id": None, "description": None, "transaction": True, "irreversible": False,
                       "repeatable": False, "placeholders": True, "down": None}
_MIGRATION_KEYS = frozenset(_MIGRATION_DEFAULTS) | {"up"}
_MIGRATION_BOOLS = ("transaction", "irreversible", "repeatable", "placeholders")
_MANIFEST_KEYS = frozenset({"stingerloom", "database", "history_table", "migrations", "allow_outside_paths"})


def _text(value: Any, *, non_empty: bool = False) -> bool:
    return type(value) is str and (value != "" or not non_empty)


def _one_key(value: Any, key: str) -> bool:
    """``{key: "non-empty text"}`` and nothing else."""
    return type(value) is dict and len(value) == 1 and _text(value.get(key), non_empty=True)


def _sql_block(value: Any) -> bool:
    """``up``/``down``: SQL text, ``{file: x.sql}`` or a mapping from dialect to one of those."""
    if type(value) is str:
        return True
    if type(value) is not dict:
        return False
    if "file" in value:
        return _one_key(value, "file")
    return bool(value) and all(
        key in DIALECT_KEYS and (type(text) is str or _one_key(text, "file")) for key, text in value.items()
    )


def migration(data: Any) -> dict | None:
    """``data`` as :class:`.models.MigrationFile` reads it, or None to let pydantic decide."""
    if type(data) is not dict or "up" not in data or not data.keys() <= _MIGRATION_KEYS:
        return None
    if not _sql_block(data["up"]) or ("down" in data and not _sql_block(data["down"])):
        return None
    if "id" in data and not _text(data["id"], non_empty=True):
        return None
    if "description" in data and type(data["description"]) is not str:
        return None
    if any(key in data and type(data[key]) is not bool for key in _MIGRATION_BOOLS):
        return None
    return {**_MIGRATION_DEFAULTS, **data}


def _entry(value: Any) -> bool:
    if type(value) is str:
        return True
    if type(value) is not dict:
        return False
    return _one_key(value, "directory") or _one_key(value, "include")


def manifest(data: Any) -> dict | None:
    """``data`` as :class:`.models.ManifestFile` reads it, or None to let pydantic decide."""
    if type(data) is not dict or not data.keys() <= _MANIFEST_KEYS:
        return None
    version = data.get("stingerloom")
    if type(version) is not int or version != 1:
        return None
    if "database" in data and type(data["database"]) is not str:
        return None
    if "history_table" in data and not _text(data["history_table"], non_empty=True):
        return None
    if "allow_outside_paths" in data and type(data["allow_outside_paths"]) is not bool:
        return None
    entries = data.get("migrations")
    if entries is not None and (type(entries) is not list or not all(_entry(e) for e in entries)):
        return None
    return {"database": data.get("database"), "history_table": data.get("history_table", "__migrations"),
            "migrations": list(entries or ()), "allow_outside_paths": data.get("allow_outside_paths", False)}


def _plain_sql(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "file"):  # FileRef
        return {"file": value.file}
    return {key: _plain_sql(text) for key in DIALECT_KEYS if (text := getattr(value, key)) is not None}


def migration_from_model(model: Any) -> dict:
    """A validated :class:`.models.MigrationFile` as :func:`migration` returns it."""
    out = {key: getattr(model, key) for key in _MIGRATION_DEFAULTS}
    out["up"], out["down"] = _plain_sql(model.up), _plain_sql(model.down)
    return out


def manifest_from_model(model: Any) -> dict:
    """A validated :class:`.models.ManifestFile` as :func:`manifest` returns it."""
    entries = [e if isinstance(e, str) else e.model_dump() for e in model.migrations]
    return {"database": model.database, "history_table": model.history_table, "migrations": entries,
            "allow_outside_paths": model.allow_outside_paths}


#: per model name: the fast check, and the conversion of pydantic's result to the same plain data
CHECKS = {"ManifestFile": manifest, "MigrationFile": migration}
FROM_MODEL = {"ManifestFile": manifest_from_model, "MigrationFile": migration_from_model}
