"""Lint as a project runs it: the flags merged over the configuration's ``[lint]`` table, the
per-file ignores, and the rule documentation of ``--explain``.

Library code: it returns results and raises :class:`~stingerloom.errors.InputError`; the command
(``stingerloom.cli.cmd_lint``) renders and picks the exit code.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple, Sequence

from ..errors import InputError


class Verify(NamedTuple):
    """``--verify`` and its ``--dev-database`` (the replay's scratch server; SQLite in memory if None)."""

    verify: bool = False
    dev_database: str | None = None


def lint_project(manifests: Sequence[str], *, config: Any = None, settings: Any = None,
                 select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                 dialects: Sequence[str] | None = None, targets: Sequence[str] | None = None,
                 base: str | None = None, verify: Verify | None = None, workers: Any = None):
    """Lint ``manifests``; each flag given wins over the same key of ``config`` (the project's
    ``[lint]`` table, or None), and ``settings`` (the project's, or None) give the placeholders."""
    from . import registry
    from .engine import lint_paths

    if not manifests:
        raise InputError("give at least one MANIFEST (or --explain RULE), or set `manifest` in stingerloom.toml")
    select = select or (config.select if config and config.select else None)
    ignore = ignore or (config.ignore if config and config.ignore else None)
    dialects = dialects or (config.dialects if config and config.dialects else None)
    per_file = dict(config.per_file_ignores or {}) if config else {}
    bad = registry.bad_codes([*(select or ()), *(ignore or ()), *(c for codes in per_file.values() for c in codes)])
    if bad:
        raise InputError(f"unknown rule code(s): {', '.join(bad)}",
                         hint="`stingerloom lint --explain` lists every rule")
    wanted = parse_targets(f"{d}={_version(v)}" for d, v in (config.target or {}).items()) if config else {}
    wanted.update(parse_targets(targets or ()))
    result = lint_paths(manifests, dialects=dialects, select=select or (), ignore=ignore or (), targets=wanted,
                        base=base, verify_args=verify or Verify(),
                        placeholders=settings.placeholders() if settings is not None else None,
                        strict_placeholders=settings is not None and settings.env_name is not None,
                        workers=workers)
    if per_file:
        _per_file_ignores(result, per_file, settings.project.folder)
    return result


def parse_targets(items) -> dict[str, tuple[int, ...]]:
    """``["postgres=13", "mariadb=10.11"]`` -> ``{"postgres": (13,), "mysql": (10, 11)}``."""
    from ..dialects import NAMES, canonical  # any spelling: postgresql=13, pg=13 and mariadb=10.11 work too

    out = {}
    for item in items:
        name, sep, ver = item.partition("=")
        name = canonical(name)
        if not sep or name is None:
            raise InputError(f"--target {item!r}: expected DIALECT=VERSION with DIALECT one of "
                             f"{', '.join(NAMES)}")
        try:
            out[name] = tuple(int(p) for p in ver.strip().split("."))
        except ValueError:
            raise InputError(f"--target {item!r}: the version must be numbers such as 13 or 14.2") from None
    return out


def _version(value: str) -> str:
    """``mariadb-10.11`` / ``postgres-15`` / ``15`` -> the version part."""
    head, sep, tail = value.rpartition("-")
    return tail if sep and head.isalpha() else value


def _per_file_ignores(result: Any, per_file: dict, folder: Any) -> None:
    """Drop findings in files that match a pattern of the configuration's per-file-ignores."""
    from fnmatch import fnmatch
    from pathlib import PurePosixPath

    base = os.path.realpath(folder)
    kept = []
    for f in result.findings:
        rel = None
        if f.file:
            full = os.path.realpath(f.file)
            rel = os.path.relpath(full, base).replace(os.sep, "/") if full.startswith(base + os.sep) else None
        if rel is not None and any(
                (fnmatch(rel, pattern) or PurePosixPath(rel).match(pattern))
                and any(f.rule.startswith(code.upper()) for code in codes)
                for pattern, codes in per_file.items()):
            continue
        kept.append(f)
    result.findings = kept


def explain(wanted: str) -> str:
    """``--explain RULE``: the rule's documentation (by code or name) as Markdown; ``--explain`` alone
    (``wanted`` empty): every rule, one table row each."""
    from . import registry

    wanted = wanted.strip()
    if not wanted:
        lines = ["# stingerloom lint rules", "", "| Code | Name | Severity | Dialects | What it finds |",
                 "| --- | --- | --- | --- | --- |"]
        for cls in registry.all_rules():
            notes = ("; opt-in" if not cls.default_enabled else "") + ("; planned" if cls.planned else "")
            lines.append(f"| {cls.code} | {cls.name} | {cls.severity}{notes} | {', '.join(cls.dialects)} | "
                         f"{cls.short().replace('|', '/')} |")
        return "\n".join(lines) + "\n\nMore: `stingerloom lint --explain CODE`.\n"
    code = wanted.upper()
    if not registry.exists(code):
        by_name = [c for c in registry.CODES if wanted.lower() in (registry.get(c).name, *registry.get(c).aliases)]
        if not by_name:
            raise InputError(f"unknown rule {wanted!r}", hint="`stingerloom lint --explain` lists every rule")
        code = by_name[0]
    return f"# {registry.get(code).explain()}"
