"""The ``stingerloom lint`` command: ``configure(parser)`` adds the arguments, ``run(args)`` runs.

Kept free of heavy imports: parsers, rules and rich load only inside :func:`run`.
Exit codes: 0 no error-level finding (warnings allowed), 1 error-level findings, 2 unusable input
(no such manifest file, bad flag, unknown rule in ``--explain``/``--select``/``--target``).
"""

from __future__ import annotations

import argparse
import os
import sys

FORMATS = ("text", "json", "sarif", "github", "junit")
DIALECT_CHOICES = ("postgres", "mysql", "sqlite")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifests", nargs="*", metavar="MANIFEST", help="manifest files to check")
    parser.add_argument("--dialect", action="append", choices=DIALECT_CHOICES, metavar="D",
                        help="dialect to check (repeatable; default: those the manifest names, else all)")
    under_cli = any(a.dest == "no_color" for a in parser._actions)
    # Under `stingerloom`, the top-level `--format` (text/json) is kept unless `lint --format` overrides it.
    parser.add_argument("--format", choices=FORMATS, default=argparse.SUPPRESS if under_cli else "text",
                        help="output format (default: text)")
    parser.add_argument("--base", metavar="GIT_REF",
                        help="compare with the manifest at this git ref (edited/inserted/deleted migrations)")
    parser.add_argument("--target", action="append", metavar="DIALECT=VERSION",
                        help="target server version for version-gated rules, e.g. postgres=13 (repeatable)")
    parser.add_argument("--select", action="append", metavar="CODES",
                        help="also enable these rules or prefixes (e.g. SL9, SL112); opt-in rules need it")
    parser.add_argument("--ignore", action="append", metavar="CODES", help="disable these rules or prefixes")
    parser.add_argument("--explain", metavar="RULE", nargs="?", const="",
                        help="print the documentation of a rule (without RULE: list every rule) and exit")
    parser.add_argument("--junit-warnings-as-failures", action="store_true",
                        help="--format junit: report warnings as failures too (default: only errors fail)")
    parser.add_argument("--verify", action="store_true",
                        help="also prove the schema and rollbacks on a development database")
    parser.add_argument("--dev-database", metavar="URL", help="database used by --verify")
    if not under_cli:  # standalone (python -m stingerloom.lint)
        parser.add_argument("--no-color", action="store_true", help="plain output, no colours")
        parser.add_argument("-q", "--quiet", action="store_true", help="print only the findings")
        parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks of internal errors")
    parser.set_defaults(func=run)


def _targets(items) -> dict[str, tuple[int, ...]]:
    out = {}
    for item in items or ():
        name, sep, ver = item.partition("=")
        name = {"postgresql": "postgres", "pg": "postgres", "mariadb": "mysql"}.get(name.strip(), name.strip())
        if not sep or name not in DIALECT_CHOICES:
            raise ValueError(f"--target {item!r}: expected DIALECT=VERSION with DIALECT one of "
                             f"{', '.join(DIALECT_CHOICES)}")
        try:
            out[name] = tuple(int(p) for p in ver.strip().split("."))
        except ValueError:
            raise ValueError(f"--target {item!r}: the version must be numbers such as 13 or 14.2") from None
    return out


def _version(value: str) -> str:
    """``mariadb-10.11`` / ``postgres-15`` / ``15`` -> the version part."""
    head, sep, tail = value.rpartition("-")
    return tail if sep and head.isalpha() else value


def _project(args: argparse.Namespace):
    """(settings, [lint] table) from the project configuration, or (None, None) when there is none;
    the configuration's ``manifest`` is used when no MANIFEST is given."""
    from stingerloom.config import settings_from_args

    settings = settings_from_args(args)
    if settings.project is None and settings.env_name is None and not settings.sets:
        return None, None
    if not args.manifests and settings.project is not None and settings.project.model.manifest:
        args.manifests = [settings.manifest(None).value]
    return settings, settings.lint()


def _per_file_ignores(result, per_file: dict, folder) -> None:
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


def _err(msg: str) -> int:
    print(f"stingerloom lint: {msg}", file=sys.stderr)
    return 2


def worker_pool():
    """The worker processes lint may use: one per CPU (``STINGERLOOM_LINT_JOBS=N`` forces N, ``=1``
    none), forked so that they share the parsed manifest; None where there is no fork or one CPU."""
    jobs = os.environ.get("STINGERLOOM_LINT_JOBS", "")
    try:
        count = int(jobs) if jobs else len(os.sched_getaffinity(0))
    except (AttributeError, ValueError):
        count = os.cpu_count() or 1
    if count < 2 or not hasattr(os, "fork"):
        return None
    from .workers import WorkerPool

    return WorkerPool(count, "fork", forced=bool(jobs))


def run(args: argparse.Namespace) -> int:
    from . import registry

    if getattr(args, "explain", None) is not None:
        return _explain(args)
    from stingerloom.errors import StingerloomError

    try:
        settings, lint_config = _project(args)
    except StingerloomError as exc:  # a broken configuration file: say where
        print(exc.format(), file=sys.stderr)
        return exc.exit_code
    if not args.manifests:
        return _err("give at least one MANIFEST (or --explain RULE), or set `manifest` in stingerloom.toml")
    # flags win over the configuration's [lint] table, key by key
    select = args.select or (lint_config.select if lint_config and lint_config.select else None)
    ignore = args.ignore or (lint_config.ignore if lint_config and lint_config.ignore else None)
    dialects = args.dialect or (lint_config.dialects if lint_config and lint_config.dialects else None)
    per_file = dict(lint_config.per_file_ignores or {}) if lint_config else {}
    bad = registry.bad_codes(select or ()) + registry.bad_codes(ignore or ()) + registry.bad_codes(
        [c for codes in per_file.values() for c in codes])
    if bad:
        return _err(f"unknown rule code(s): {', '.join(bad)}")
    try:
        targets = _targets([f"{d}={_version(v)}" for d, v in (lint_config.target or {}).items()]
                           if lint_config else None)
        targets.update(_targets(getattr(args, "target", None)))
    except ValueError as exc:
        return _err(str(exc))
    from .engine import lint_paths

    try:
        result = lint_paths(args.manifests, dialects=dialects, select=select or (),
                            ignore=ignore or (), targets=targets, base=args.base, verify_args=args,
                            placeholders=settings.placeholders() if settings is not None else None,
                            strict_placeholders=settings is not None and settings.env_name is not None,
                            workers=worker_pool())
        if per_file:
            _per_file_ignores(result, per_file, settings.project.folder)
    except Exception as exc:  # an internal error must not look like a clean run
        from stingerloom.errors import StingerloomError

        if getattr(args, "verbose", False):
            raise
        if isinstance(exc, StingerloomError):  # e.g. --verify cannot reach --dev-database
            print(exc.format(), file=sys.stderr)
            return exc.exit_code
        return _err(f"internal error: {exc!r} (run with -v for the traceback)")
    from .render import render

    no_color = bool(getattr(args, "no_color", False) or os.environ.get("NO_COLOR"))
    render(getattr(args, "format", "text"), result, sys.stdout, color=not no_color and sys.stdout.isatty(),
           quiet=bool(getattr(args, "quiet", False)),
           warnings_fail=bool(getattr(args, "junit_warnings_as_failures", False)))
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.unusable:
        return 2
    return 1 if result.errors else 0


def _explain(args: argparse.Namespace) -> int:
    """``--explain RULE``: the rule's documentation; ``--explain`` alone: every rule, one line each.
    Markdown, rendered with rich on a terminal, plain when piped."""
    from . import registry

    wanted = args.explain.strip()
    if not wanted:
        lines = ["# stingerloom lint rules", "", "| Code | Name | Severity | Dialects | What it finds |",
                 "| --- | --- | --- | --- | --- |"]
        for cls in registry.all_rules():
            notes = ("; opt-in" if not cls.default_enabled else "") + ("; planned" if cls.planned else "")
            lines.append(f"| {cls.code} | {cls.name} | {cls.severity}{notes} | {', '.join(cls.dialects)} | "
                         f"{cls.short().replace('|', '/')} |")
        text = "\n".join(lines) + "\n\nMore: `stingerloom lint --explain CODE`.\n"
    else:
        code = wanted.upper()
        if not registry.exists(code):
            by_name = [c for c in registry.CODES
                       if wanted.lower() in (registry.get(c).name, *registry.get(c).aliases)]
            if not by_name:
                return _err(f"unknown rule {args.explain!r}; `stingerloom lint --explain` lists every rule")
            code = by_name[0]
        cls = registry.get(code)
        text = f"# {cls.explain()}"
    no_color = bool(getattr(args, "no_color", False) or os.environ.get("NO_COLOR"))
    if sys.stdout.isatty() and not no_color:
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)
    return 0
