"""The pydantic model of the project configuration (``stingerloom.toml`` or ``[tool.stingerloom]``).

The source of ``schemas/config.schema.json``. Like the manifest's models, every model forbids unknown
keys, so a typo (``lock_timout``) is an error at its file:line with a did-you-mean. Values are kept
as written: ``${VAR}`` is expanded later, and only in the values a command really uses
(:mod:`stingerloom.config`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .history import TABLE_PATTERN  # shared with the light reading of stingerloom.config

_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class EnvironmentConfig(BaseModel):
    """One environment (dev, staging, prod, ...): picked with --env NAME or STINGERLOOM_ENV."""

    model_config = ConfigDict(extra="forbid", title="environment")

    database: str = Field(  # type: ignore[assignment]
        default=None,
        min_length=1,
        description="Target database URL of this environment. ${VAR} reads the OS environment (expanded "
        "only when this environment is the target); keep passwords there. A relative sqlite:/// path "
        "is relative to the configuration file's folder. --database and STINGERLOOM_DATABASE_URL win.",
    )
    lock_timeout: float = Field(  # type: ignore[assignment]
        default=None, ge=0, allow_inf_nan=False,
        description="Seconds any wait for a lock may last, 0 or more (--lock-timeout wins).",
    )
    placeholders: dict[str, str] = Field(  # type: ignore[assignment]
        default=None,
        description="Values of the ${name} placeholders in migration SQL (--set name=value wins).",
    )
    history_table: str = Field(  # type: ignore[assignment]
        default=None, min_length=1, pattern=TABLE_PATTERN,
        description="History table in this environment, optionally schema-qualified (wins over the "
        "manifest's history_table). ${VAR} reads the OS environment.",
    )
    out_of_order: Literal["error", "warn", "apply"] = Field(  # type: ignore[assignment]
        default=None,
        description="What to do with a pending migration listed before an applied one: error (default), "
        "warn, apply.",
    )

    @field_validator("placeholders")
    @classmethod
    def _names(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        import re

        for name in value or {}:
            if not re.match(_NAME, name):
                raise ValueError(f"placeholder name {name!r} must be letters, digits and _ (not starting with a digit)")
        return value


class LintConfig(BaseModel):
    """Settings of `stingerloom lint`; its flags (--select, --ignore, --target) win."""

    model_config = ConfigDict(extra="forbid", title="lint settings", populate_by_name=True)

    select: list[str] = Field(  # type: ignore[assignment]
        default=None, description="Rules or prefixes to enable besides the defaults (e.g. SL9, SL112)."
    )
    ignore: list[str] = Field(default=None, description="Rules or prefixes to disable.")  # type: ignore[assignment]
    per_file_ignores: dict[str, list[str]] = Field(  # type: ignore[assignment]
        default=None,
        alias="per-file-ignores",
        description="Glob of files (relative to the configuration's folder) -> rules ignored in them.",
    )
    target: dict[Literal["postgres", "mysql", "sqlite"], str] = Field(  # type: ignore[assignment]
        default=None,
        description='Target server versions for version-gated rules, e.g. {postgres = "15", mysql = "mariadb-10.11"}.',
    )
    dialects: list[Literal["postgres", "mysql", "sqlite"]] = Field(  # type: ignore[assignment]
        default=None, description="Dialects to check (--dialect wins); default: those the manifest names, else all."
    )


class TargetsConfig(BaseModel):
    """A fleet of databases (SPEC §11): exactly one of ``urls``, ``file`` or ``query`` (with ``from``)."""

    model_config = ConfigDict(extra="forbid", title="targets", populate_by_name=True)

    urls: list[str] = Field(  # type: ignore[assignment]
        default=None, description="Database URLs; ${VAR} reads the OS environment (keep passwords there)."
    )
    file: str = Field(  # type: ignore[assignment]
        default=None, min_length=1,
        description="A text file of database URLs, one per line (# comments), relative to this file's folder.",
    )
    query: str = Field(  # type: ignore[assignment]
        default=None, min_length=1,
        description="SQL returning one text column of database URLs, run on the `from` database.",
    )
    from_: str = Field(  # type: ignore[assignment]
        default=None, alias="from", min_length=1, description="URL of the catalog database `query` runs on.",
    )


class ConfigFile(BaseModel):
    """The project configuration: every key is optional."""

    model_config = ConfigDict(
        extra="forbid",
        title="stingerloom project configuration",
        json_schema_extra={"$comment": "Generated by `python -m stingerloom.manifest.jsonschema`."},
    )

    manifest: str = Field(  # type: ignore[assignment]
        default=None, min_length=1,
        description="The manifest used when a command names none, relative to this file's folder.",
    )
    default_env: str = Field(  # type: ignore[assignment]
        default=None, min_length=1,
        description="Environment used when neither --env nor STINGERLOOM_ENV names one.",
    )
    id_format: Literal["number", "timestamp"] = Field(
        default="number",
        description="How `stingerloom new` names files: number (001_name) or timestamp (UTC YYYYMMDDHHMMSS_name).",
    )
    environments: dict[str, EnvironmentConfig] = Field(default_factory=dict, description="Named environments.")
    lint: LintConfig = Field(default_factory=LintConfig, description="Settings of `stingerloom lint`.")
    targets: dict[str, TargetsConfig] = Field(
        default_factory=dict, description="Named fleets of databases for --targets NAME (apply, status, rollback).",
    )

    #: clearer words than pydantic's for the loader's messages
    EXPECTED: ClassVar[dict[str, str]] = {
        "list_type": "a list of strings", "float_parsing": "a number of seconds", "float_type": "a number of seconds",
        "greater_than_equal": "a number of seconds, 0 or more",  # lock_timeout, the one bounded number
        "string_pattern_mismatch": "a table name (letters, digits, _; optionally schema.table)",
    }

    @classmethod
    def keys_at(cls, loc: tuple[Any, ...]) -> list[str]:
        """The keys allowed in the mapping at ``loc`` (for "unknown key ... did you mean")."""
        if loc[:1] == ("environments",) and len(loc) == 2:
            return list(EnvironmentConfig.model_fields)
        if loc[:1] == ("targets",) and len(loc) == 2:
            return [f.alias or name for name, f in TargetsConfig.model_fields.items()]
        if loc == ("lint",):
            return [f.alias or name for name, f in LintConfig.model_fields.items()]
        return list(cls.model_fields)
