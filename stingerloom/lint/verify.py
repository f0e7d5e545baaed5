"""``lint --verify``: prove on a scratch database that every ``down`` undoes its ``up``.

The manifest is replayed on SQLite ``:memory:`` (default) or on a throwaway database created on the
server named by ``--dev-database`` (PostgreSQL or MySQL/MariaDB; dropped afterwards). For each
migration: snapshot the schema, run ``up``, run ``down``, compare with the snapshot, run ``up``
again so the next migration starts where it should.

* a ``down`` that leaves the schema different is **SL402** (warning), naming what differs;
* a statement of ``up`` or ``down`` that fails is **SL201** (error) at the statement's file and line;
  the replay stops there, since later migrations depend on it.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any, Iterator, Optional

from ..schema.diff import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddIndex,
    CreateTable,
    DropCheck,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    ModifyColumn,
    Op,
    RenameColumn,
    RenameTable,
    SchemaDiff,
    SetPrimaryKey,
)


class _Stop(Exception):
    pass


def run_verify(manifest: Any, args: Any = None) -> list:
    """Findings of the replay of ``manifest`` (``args.dev_database`` picks the scratch server).

    Findings are ``stingerloom.lint.model.Finding`` objects (``verify_manifest`` gives them as dicts).
    """
    from .model import Finding

    return [Finding(**f) for f in verify_manifest(manifest, getattr(args, "dev_database", None))]


def verify_manifest(manifest: Any, dev_database: Optional[str] = None) -> list[dict]:
    """The findings (as dicts) of replaying ``manifest`` up, down and up again, one migration at a time."""
    findings: list[dict] = []
    history = getattr(manifest, "history_table", "__migrations")
    with scratch_database(dev_database, history) as dialect:
        from ..schema.introspect import introspect

        for m in manifest.migrations:
            try:
                before = introspect(dialect, history_table=history)
                _run(dialect, m, "up", findings)
                if getattr(m, "irreversible", False) or not has_block(m, "down", dialect.name):
                    continue
                _run(dialect, m, "down", findings)
                after = introspect(dialect, history_table=history)
                diff = SchemaDiff(after, before, dialect.name)
                if not diff.is_empty:
                    src = m.down_sql(dialect.name)
                    ops = _headline_ops(diff)
                    what = "; ".join(_explain(op, dialect.name) for op in ops[:6]) + (" ..." if len(ops) > 6 else "")
                    findings.append(_finding(_sl402().verified, what, m, dialect.name, src))
                    if not _restore(dialect, m, diff):
                        break
                _run(dialect, m, "up", findings, again=True)
            except _Stop:
                break
    return findings


@contextlib.contextmanager
def scratch_database(dev_database: Optional[str], history_table: str = "__migrations") -> Iterator[Any]:
    """A connected dialect on an empty scratch database, removed afterwards."""
    from ..dialects import get_dialect
    from ..urls import DatabaseURL

    url = DatabaseURL.parse(dev_database) if dev_database else None
    admin = get_dialect(url, history_table=history_table) if url is not None else None
    if admin is None or admin.drop_database_sql is None:  # SQLite: a database in memory
        d = get_dialect("sqlite:///:memory:", history_table=history_table)
        d.connect()
        try:
            yield d
        finally:
            d.close()
        return
    admin.connect()
    name = f"sl_verify_{uuid.uuid4().hex[:12]}"
    q = admin.quote(name)
    admin.execute(f"CREATE DATABASE {q}")
    try:
        raw = _with_database(url, name)
        d = get_dialect(raw, history_table=history_table)
        d.connect()
        try:
            yield d
        finally:
            d.close()
    finally:
        with contextlib.suppress(Exception):
            admin.execute(admin.drop_database_sql.format(name=q))
        admin.close()


def _with_database(url: Any, name: str) -> str:
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url.raw)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(name), parts.query, parts.fragment))


def has_block(m: Any, direction: str, dialect: str) -> bool:
    """Whether ``m`` has a ``direction`` block to run on ``dialect``: SQL for it, or a Python method."""
    from ..migration import Migration

    getter = m.up_sql if direction == "up" else m.down_sql
    if getter(dialect) is not None:
        return True
    if type(m).__dict__.get(direction) is None and getattr(type(m), direction) is getattr(Migration, direction):
        return False
    from ..migration import SqlMigration

    return not isinstance(m, SqlMigration)


def _run(dialect: Any, m: Any, direction: str, findings: list, again: bool = False) -> None:
    """Run ``m``'s ``direction`` block through the one executor; a failure becomes an SL201 finding
    at the statement's line and stops the replay (later migrations depend on it)."""
    from ..errors import InputError, MigrationFailed
    from ..execute import run_block

    src = (m.up_sql if direction == "up" else m.down_sql)(dialect.name)
    if src is None and not has_block(m, direction, dialect.name):
        raise _Stop  # no SQL for this dialect: lint reports it; the replay cannot go on
    try:
        run_block(dialect, m, direction, src)
        dialect.reset_session()  # as apply does: a migration's SET must not reach the next one
    except InputError as exc:  # the splitter cannot read the block
        findings.append(_finding(_sl201().replay_failed, f"{direction} cannot be split into statements: {exc.detail}",
                                 m, dialect.name, src))
        raise _Stop from None
    except MigrationFailed as exc:
        stmt = getattr(exc, "statement", None)
        if src is None or stmt is None:  # a Python migration
            findings.append(_finding(_sl201().replay_failed,
                                     f"{direction} failed on {dialect.name} scratch database: {exc.detail}",
                                     m, dialect.name, None))
        else:
            line, column = src.position(stmt.offset)
            what = "up (run again after down)" if again else direction
            findings.append(_finding(_sl201().replay_failed,
                                     f"{what} fails on a {dialect.name} scratch database: {exc.detail}",
                                     m, dialect.name, src, line, column))
        raise _Stop from None
    except Exception as exc:  # a Python migration's own error
        if src is not None:
            raise
        findings.append(_finding(_sl201().replay_failed, f"{direction} failed on {dialect.name} scratch database: {exc}",
                                 m, dialect.name, None))
        raise _Stop from None


def _restore(dialect: Any, m: Any, diff: SchemaDiff) -> bool:
    """Bring the scratch database back to the schema before ``m``'s up (using generate's own SQL),
    so that the replay can go on after a faulty ``down``. False when that is not possible."""
    from ..execute import run_block
    from ..migration import SqlSource
    from ..schema.generate import render_diff

    try:
        up, _down = render_diff(diff, dialect.name)
        run_block(dialect, m, "down", SqlSource(up.sql, file="(the schema before up, as generate writes it)"))
    except Exception:
        return False
    return True


def _headline_ops(diff: SchemaDiff) -> list[Op]:
    """The diff's operations without those implied by a whole table being created or dropped."""
    whole = {op.table for op in diff.ops if isinstance(op, (CreateTable, DropTable))}
    return [op for op in diff.ops if isinstance(op, (CreateTable, DropTable)) or op.table not in whole]


def _explain(op: Op, dialect: str) -> str:
    """What a difference between the schema after down (live) and before up (declared) means."""
    if isinstance(op, CreateTable):
        return f"table {op.table} is missing (down dropped a table up did not create)"
    if isinstance(op, DropTable):
        return f"table {op.table} is left behind"
    if isinstance(op, AddColumn):
        return f"column {op.table}.{op.column.name} is missing"
    if isinstance(op, DropColumn):
        return f"column {op.table}.{op.column.name} is left behind"
    if isinstance(op, ModifyColumn):
        return f"column {op.table}.{op.new.name} keeps its new {', '.join(op.changes(dialect) or ['definition'])}"
    if isinstance(op, AddIndex):
        return f"index {op.index.name} on {op.table} is missing"
    if isinstance(op, DropIndex):
        return f"index {op.index.name} on {op.table} is left behind"
    if isinstance(op, AddForeignKey):
        return f"foreign key {op.fk.name} on {op.table} is missing"
    if isinstance(op, DropForeignKey):
        return f"foreign key {op.fk.name} on {op.table} is left behind"
    if isinstance(op, AddCheck):
        return f"check {op.check.name} on {op.table} is missing"
    if isinstance(op, DropCheck):
        return f"check {op.check.name} on {op.table} is left behind"
    if isinstance(op, SetPrimaryKey):
        return f"the primary key of {op.table} is ({', '.join(op.old)}) instead of ({', '.join(op.new)})"
    if isinstance(op, RenameTable):
        return f"table {op.new_name} is still named {op.table}"
    if isinstance(op, RenameColumn):
        return f"column {op.table}.{op.new_name} is still named {op.old_name}"
    return op.describe()


def _sl201():
    from . import registry

    return registry.get("SL201")


def _sl402():
    from . import registry

    return registry.get("SL402")


_KEYS = ("rule", "severity", "message", "file", "line", "column", "migration", "dialect")


def _finding(make, message: str, m: Any, dialect: str, src: Any,
             line: Optional[int] = None, column: Optional[int] = None) -> dict:
    """The finding made by the rule's own constructor (``make``: SL201.replay_failed,
    SL402.verified), as a dict."""
    file = getattr(src, "file", None) or getattr(m, "source_file", None)
    if line is None:
        line = getattr(src, "line", None) or getattr(m, "source_line", None)
        column = getattr(src, "column", None) if getattr(src, "line", None) else None
    f = make(message, str(file) if file else None, line, column, getattr(m, "id", None), dialect)
    return {k: v for k, v in f.as_json().items() if k in _KEYS}
