"""``stingerloom generate`` and ``stingerloom schema dump``: argument set-up and the two commands.

The main CLI builds the subparsers and calls ``configure_generate``/``configure_dump`` to add these
commands' own options, then ``run_generate``/``run_dump``. Heavy imports happen inside the ``run_``
functions so that ``stingerloom --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

DIALECT_CHOICES = ("postgres", "mysql", "sqlite")


def configure_generate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifest", nargs="?",
                        help="the manifest to append the new migration to (default: the configuration's `manifest`)")
    parser.add_argument("--schema", required=True, metavar="FILE", help="the declarative schema (YAML)")
    parser.add_argument("--name", default="schema_changes",
                        help="name of the new migration file, NNN_<name>.yaml (default: schema_changes)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when the database differs from the schema (CI drift gate)")
    parser.add_argument("--dialect", action="append", choices=DIALECT_CHOICES, metavar="D",
                        help="write up/down blocks for these dialects (repeatable; default: the target's)")
    parser.add_argument("--schema-name", action="append", metavar="S",
                        help="PostgreSQL schema(s) to compare (repeatable; default: the current schema)")
    parser.add_argument("--allow-drop-all", action="store_true",
                        help="write the migration even when it drops every table of the database")


def configure_dump(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifest", nargs="?", metavar="MANIFEST",
                        help="dump this manifest's database, leaving out its history table")
    parser.add_argument("--schema-name", action="append", metavar="S",
                        help="PostgreSQL schema(s) to dump (repeatable; default: the current schema)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the YAML to FILE instead of stdout")
    parser.add_argument("--history-table", default=None,
                        help="history table to leave out (default: the manifest's, else __migrations)")


def _say(args: argparse.Namespace, text: str, *, err: bool = False) -> None:
    if getattr(args, "quiet", False) and not err:
        return
    print(text, file=sys.stderr if err else sys.stdout)


def _target(args: argparse.Namespace, manifest: Any, settings: Any = None):
    from ..config import settings_from_args
    from ..target import default_notice

    settings = settings or settings_from_args(args)
    url, is_default = settings.target(manifest)
    if is_default:
        print(default_notice(), file=sys.stderr)
    return url


# -- generate -----------------------------------------------------------------------------------------
def run_generate(args: argparse.Namespace) -> int:
    from ..config import settings_from_args
    from ..errors import InputError
    from ..manifest import load_manifest
    from .diff import SchemaDiff
    from .model import load_schema_file

    settings = settings_from_args(args)  # the configuration's manifest and environment (SPEC §8)
    args.manifest = settings.manifest(args.manifest).value
    manifest = load_manifest(args.manifest)
    url = _target(args, manifest, settings)
    manifest.history_table = settings.history_table(manifest).value
    schema = load_schema_file(args.schema)
    _refuse_pending(manifest, url)
    diff = SchemaDiff.compare(url, schema, schemas=getattr(args, "schema_name", None),
                              history_table=manifest.history_table)
    if diff.is_empty:
        _say(args, f"No schema changes: {url} matches {args.schema}")
        return 0
    dialects = list(dict.fromkeys(args.dialect or [diff.dialect]))
    if args.check:
        lines = [f"{url} differs from {args.schema} ({len(diff.ops)} change(s)):"]
        lines += [f"  - {d}" for d in diff.describe()]
        for w in diff.warnings():
            lines.append(f"  destructive: {w}")
        lines.append(f"  run `stingerloom generate {args.manifest} --schema {args.schema}` to write the migration")
        print("\n".join(lines))
        return 1
    _refuse_drop_all(diff, url, getattr(args, "allow_drop_all", False))
    from ..scaffold import append_to_manifest, next_number, slug

    name = slug(args.name or "schema_changes")
    mpath = Path(args.manifest)
    number, width = next_number(mpath)
    stem = f"{number:0{width}d}_{name}"
    path = mpath.parent / f"{stem}.yaml"
    text, warnings = migration_yaml(diff, dialects, source=args.schema, target=str(url))
    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise InputError(f"{path} already exists", hint="pick another --name") from None
    try:
        append_to_manifest(mpath, path.name)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    _say(args, f"Wrote {path} ({len(diff.ops)} change(s)) and added it to {mpath}")
    if not getattr(args, "quiet", False):
        print(text, end="")
    for w in warnings:
        print(f"warning: destructive step: {w}", file=sys.stderr)
    return 0


def _refuse_pending(manifest: Any, url: Any) -> None:
    """A diff against a database with pending migrations would repeat them: refuse, as alembic does."""
    from ..errors import DriftError
    from ..runner import MigrationRunner

    runner = MigrationRunner(manifest.migrations, database=url.raw,
                             history_table=manifest.history_table)
    try:
        pending = runner.get_pending_migrations()
    finally:
        runner.close()
    if pending:
        ids = ", ".join(m.id for m in pending[:5]) + (" ..." if len(pending) > 5 else "")
        raise DriftError(f"{len(pending)} migration(s) not applied to {url} yet: {ids}",
                         hint="run `stingerloom apply` first, so the new migration starts from the manifest's end")


def _refuse_drop_all(diff: Any, url: Any, allowed: bool) -> None:
    """A migration that drops every table of a non-empty database is almost always a diff against the
    wrong database (or an empty schema file): refuse it unless ``--allow-drop-all`` says it is meant."""
    from ..errors import DriftError

    live = len(diff.live.tables)
    if allowed or not live or len(diff.dropped_tables) < live:
        return
    raise DriftError(
        f"refusing to write a migration that drops every table of {url} ({live} table(s)); nothing written",
        hint="check --schema and the target database (`stingerloom schema dump MANIFEST` writes the schema "
             "of the manifest's database); pass --allow-drop-all if dropping them all is really meant",
    )


def migration_yaml(diff: Any, dialects: Sequence[str], *, source: str = "", target: str = "") -> tuple[str, list[str]]:
    """The YAML text of the migration for ``diff`` and its destructive-step warnings."""
    from .generate import render_diff

    rendered = {d: render_diff(diff, d) for d in dialects}
    warnings: list[str] = []
    for d, (up, _down) in rendered.items():
        for w in up.warnings:
            label = w if len(dialects) == 1 else f"{w} ({d})"
            if label not in warnings:
                warnings.append(label)
    head = [f"# Generated by `stingerloom generate` from {source} against {target}." if source else
            "# Generated by `stingerloom generate`.",
            "# Review it before applying."]
    if warnings:
        head.append("# DESTRUCTIVE steps (marked `-- DESTRUCTIVE` below):")
        head += [f"#   - {w}" for w in warnings]
    changes = diff.describe()
    desc = "; ".join(changes[:3]) + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")
    out = "\n".join(head) + "\n" + f"description: {_scalar(desc)}\n"
    # Always keyed by dialect, even for one: a plain `up:` would mean "every dialect", and SQL written
    # for one server is not valid on the others (lint checks them all).
    for key in ("up", "down"):
        idx = 0 if key == "up" else 1
        out += f"{key}:\n"
        for d in dialects:
            out += f"  {d}: " + _block(rendered[d][idx].sql, 4)
    return out, warnings


def _scalar(value: Any) -> str:
    """``value`` as YAML flow text, keys in their given order, strings plain when that reads back
    the same and double-quoted otherwise (so ``'free'`` is written ``"'free'"``)."""
    import json

    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if text and _plain_ok(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _plain_ok(text: str) -> bool:
    import yaml

    if text != text.strip() or any(ch in text for ch in ",[]{}#&*!|>%@`\"\'") or ": " in text or text.endswith(":"):
        return False
    try:
        return yaml.safe_load("{k: " + text + "}") == {"k": text}
    except yaml.YAMLError:
        return False


def _block(sql: str, indent: int) -> str:
    lines = sql.rstrip("\n").split("\n") if sql.strip() else []
    if not lines:
        return '""\n'
    pad = " " * indent
    return "|\n" + "".join((pad + line if line else "") + "\n" for line in lines)


# -- schema dump -------------------------------------------------------------------------------------
def dump_schema(target: Any, *, schemas: Optional[Sequence[str]] = None, history_table: str = "__migrations") -> str:
    """The declarative schema YAML of the live database ``target`` (URL, connection or dialect)."""
    from .introspect import introspect
    from .model import to_file_dict

    return schema_yaml(to_file_dict(introspect(target, schemas=schemas, history_table=history_table)))


def schema_yaml(data: dict) -> str:
    """A schema file as YAML, laid out like SPEC §1 (one flow mapping per column)."""
    out = ["tables:" + (" {}" if not data["tables"] else "")]
    for tname, table in data["tables"].items():
        out.append(f"  {_scalar(tname)}:")
        out.append("    columns:")
        for cname, spec in table["columns"].items():
            out.append(f"      {_scalar(cname)}: {_scalar(spec)}")
        if "primary_key" in table:
            out.append(f"    primary_key: {_scalar(table['primary_key'])}")
        if table.get("indexes"):
            out.append("    indexes:")
            for iname, ix in table["indexes"].items():
                out.append(f"      {_scalar(iname)}: {_scalar(ix)}")
        if table.get("foreign_keys"):
            out.append("    foreign_keys:")
            for fk in table["foreign_keys"]:
                out.append(f"      - {_scalar(fk)}")
        if table.get("checks"):
            out.append("    checks:")
            for cname, expr in table["checks"].items():
                out.append(f"      {_scalar(cname)}: {_scalar(expr)}")
    return "\n".join(out) + "\n"


def run_dump(args: argparse.Namespace) -> int:
    """Dump the manifest's database (or --database / STINGERLOOM_DATABASE_URL), never inventing one."""
    from ..errors import InputError

    manifest = None
    if getattr(args, "manifest", None):
        from ..manifest import load_manifest

        manifest = load_manifest(args.manifest)
    url = _target(args, manifest)
    if url.dialect == "sqlite" and url.database != ":memory:" and not Path(url.database).is_file():
        raise InputError(f"no such SQLite database file: {url.database}",
                         hint="give the MANIFEST whose database to dump, or --database URL")
    history_table = getattr(args, "history_table", None) or (
        manifest.history_table if manifest is not None else "__migrations")
    text = dump_schema(url.raw, schemas=getattr(args, "schema_name", None), history_table=history_table)
    header = f"# Declarative schema of {url}, written by `stingerloom schema dump`.\n"
    if getattr(args, "output", None):
        Path(args.output).write_text(header + text, encoding="utf-8")
        _say(args, f"Wrote {args.output}", err=True)
    else:
        sys.stdout.write(header + text)
    return 0
