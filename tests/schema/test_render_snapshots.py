"""The exact SQL the schema renderer writes, per operation and per dialect, and proof that it runs.

Each case is a schema change that yields one kind of operation (create table, add column, alter
type, add index, ...). Its ``up`` and ``down`` SQL for PostgreSQL, MySQL and SQLite are kept in
``snapshots/render_<dialect>.sql``; a change to the renderer that changes a byte of them fails here
and names the case. After a deliberate change, rewrite the files with
``STINGERLOOM_UPDATE_SNAPSHOTS=1 pytest tests/schema/test_render_snapshots.py`` and review the diff.

``test_snapshot_sql_runs`` runs every snapshot, as written in the file, on a real database of each
dialect: the base schema, then ``up`` (after which the database matches the target schema), then
``down`` (after which it matches the base again).
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Callable, Optional

import pytest

from stingerloom.dialects import NAMES as DIALECTS
from stingerloom.dialects import get_dialect
from stingerloom.schema.diff import SchemaDiff
from stingerloom.schema.generate import render_diff
from stingerloom.schema.model import Index, Schema, resolve

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("STINGERLOOM_UPDATE_SNAPSHOTS") == "1"

BASE = {"tables": {
    "teams": {"columns": {"id": {"type": "integer", "primary_key": True},
                          "name": {"type": "varchar(50)"}}},
    "users": {
        "columns": {
            "id": {"type": "integer", "primary_key": True, "autoincrement": True},
            "name": {"type": "varchar(100)", "nullable": False},
            "email": {"type": "varchar(255)"},
            "team_id": {"type": "integer"},
            "score": {"type": "integer", "default": 0},
            "nick": {"type": "varchar(30)", "unique": True},
        },
        "indexes": {"idx_users_name": {"columns": ["name"]}},
        "foreign_keys": [{"name": "fk_users_team", "columns": ["team_id"],
                          "references": {"table": "teams", "columns": ["id"]}}],
        "checks": {"ck_users_name": "name <> ''"},
    },
    "tags": {"columns": {"id": {"type": "integer", "primary_key": True},
                         "label": {"type": "varchar(30)", "nullable": False}}},
}}


def _users(s: dict) -> dict:
    return s["tables"]["users"]


def _cols(s: dict) -> dict:
    return _users(s)["columns"]


def _rename(mapping: dict, old: str, new: str, **extra) -> dict:
    return {(new if k == old else k): (dict(v, renamed_from=old, **extra) if k == old else v)
            for k, v in mapping.items()}


def _as_constraint(schema: Schema) -> None:
    """The live side as introspection reads it where the unique index belongs to a UNIQUE constraint."""
    schema.tables["users"].indexes["uq_users_nick"].constraint = True


def _index_on_team(schema: Schema) -> None:
    """The live side with an index that the foreign key on users.team_id needs (MySQL)."""
    schema.tables["users"].indexes["idx_users_team"] = Index("idx_users_team", ("team_id",))


# case -> the change to BASE (the declared target), and optionally a change to the live side
CASES: dict[str, tuple[Callable[[dict], object], Optional[Callable[[Schema], None]]]] = {
    "create_table": (lambda s: s["tables"].update(audit={
        "columns": {"id": {"type": "bigint", "primary_key": True, "autoincrement": True},
                    "user_id": {"type": "integer", "nullable": False},
                    "code": {"type": "varchar(12)", "unique": True},
                    "payload": {"type": "json"}, "at": {"type": "timestamp", "default": "CURRENT_TIMESTAMP"},
                    "amount": {"type": "numeric(10,2)", "default": 0}, "ok": {"type": "boolean", "default": True}},
        "indexes": {"idx_audit_at": {"columns": ["at", "user_id"]}},
        "foreign_keys": [{"columns": ["user_id"], "references": {"table": "users", "columns": ["id"]},
                          "on_delete": "cascade", "on_update": "cascade"}],
        "checks": {"ck_audit_amount": "amount >= 0"}}), None),
    "create_table_composite_pk": (lambda s: s["tables"].update(memberships={
        "columns": {"user_id": {"type": "integer"}, "team_id": {"type": "integer"}, "role": {"type": "text"}},
        "primary_key": ["user_id", "team_id"]}), None),
    "drop_table": (lambda s: s["tables"].pop("tags"), None),
    "rename_table": (lambda s: s.update(tables=_rename(s["tables"], "tags", "labels")), None),
    "add_column": (lambda s: _cols(s).update(phone={"type": "varchar(20)"}), None),
    "add_column_not_null_default": (lambda s: _cols(s).update(
        plan={"type": "varchar(10)", "nullable": False, "default": "'free'"}), None),
    "add_column_default_now": (lambda s: _cols(s).update(
        created_at={"type": "timestamp", "default": "CURRENT_TIMESTAMP"}), None),
    "add_column_boolean_numeric": (lambda s: _cols(s).update(
        active={"type": "boolean", "default": True}, balance={"type": "numeric(10,2)", "default": 0}), None),
    "drop_column": (lambda s: _cols(s).pop("email"), None),
    "rename_column": (lambda s: _users(s).update(columns=_rename(_cols(s), "email", "mail")), None),
    "alter_type_widen": (lambda s: _cols(s)["name"].update(type="varchar(200)"), None),
    "alter_type_narrow": (lambda s: _cols(s)["name"].update(type="varchar(50)"), None),
    "alter_type_integer_to_numeric": (lambda s: _cols(s)["score"].update(type="numeric(12,2)"), None),
    "set_not_null": (lambda s: _cols(s)["email"].update(nullable=False), None),
    "drop_not_null": (lambda s: _cols(s)["name"].update(nullable=True), None),
    "set_default": (lambda s: _cols(s)["email"].update(default="'nobody@example.com'"), None),
    "change_default": (lambda s: _cols(s)["score"].update(default=10), None),
    "drop_default": (lambda s: _cols(s)["score"].pop("default"), None),
    "set_autoincrement": (lambda s: s["tables"]["tags"]["columns"]["id"].update(autoincrement=True), None),
    "change_primary_key": (lambda s: s["tables"]["tags"].update(
        columns={"id": {"type": "integer"}, "label": {"type": "varchar(30)"}}, primary_key=["id", "label"]), None),
    "add_index": (lambda s: _users(s)["indexes"].update(idx_users_email={"columns": ["email"]}), None),
    "add_unique_index": (lambda s: _users(s)["indexes"].update(
        uq_users_team_name={"columns": ["team_id", "name"], "unique": True}), None),
    "drop_index": (lambda s: _users(s)["indexes"].pop("idx_users_name"), None),
    "change_index_columns": (lambda s: _users(s)["indexes"].update(
        idx_users_name={"columns": ["name", "email"]}), None),
    "add_unique_column": (lambda s: _cols(s)["email"].update(unique=True), None),
    "drop_unique_column": (lambda s: _cols(s)["nick"].pop("unique"), None),
    "drop_unique_constraint": (lambda s: _cols(s)["nick"].pop("unique"), _as_constraint),
    "add_foreign_key": (lambda s: s["tables"]["tags"].update(
        columns=dict(s["tables"]["tags"]["columns"], team_id={"type": "integer"}),
        foreign_keys=[{"columns": ["team_id"], "references": {"table": "teams", "columns": ["id"]},
                       "on_delete": "set null"}]), None),
    "drop_foreign_key": (lambda s: _users(s).pop("foreign_keys"), None),
    "drop_index_serving_fk": (lambda s: None, _index_on_team),
    "change_foreign_key_action": (lambda s: _users(s)["foreign_keys"][0].update(on_delete="cascade"), None),
    "add_check": (lambda s: _users(s)["checks"].update(ck_users_score="score >= 0"), None),
    "drop_check": (lambda s: _users(s).pop("checks"), None),
}


def _schemas(case: str) -> tuple[Schema, Schema]:
    change, live_hook = CASES[case]
    target = copy.deepcopy(BASE)
    change(target)
    live = resolve(BASE)
    if live_hook:
        live_hook(live)
    return live, resolve(target)


def render(case: str, dialect: str) -> tuple[str, str]:
    live, declared = _schemas(case)
    up, down = render_diff(SchemaDiff(live, declared, dialect), dialect)
    return up.sql, down.sql


# -- the snapshot files ------------------------------------------------------------------------------
_MARK = re.compile(r"^-- ==== (\S+) \((up|down)\) ====$", re.M)


def _path(dialect: str) -> Path:
    return SNAPSHOTS / f"render_{dialect}.sql"


def read_snapshots(dialect: str) -> dict[tuple[str, str], str]:
    text = _path(dialect).read_text(encoding="utf-8")
    marks = list(_MARK.finditer(text))
    out = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out[(m.group(1), m.group(2))] = text[m.end() + 1:end].rstrip("\n") + "\n"
    return out


def _write_snapshots(dialect: str) -> None:
    parts = [f"-- The SQL the schema renderer writes for {dialect}, one section per case and direction.\n"
             "-- Generated by tests/schema/test_render_snapshots.py (STINGERLOOM_UPDATE_SNAPSHOTS=1); do not edit.\n"]
    for case in CASES:
        for direction, sql in zip(("up", "down"), render(case, dialect)):
            parts.append(f"-- ==== {case} ({direction}) ====\n{sql.rstrip(chr(10))}\n")
    SNAPSHOTS.mkdir(exist_ok=True)
    _path(dialect).write_text("\n".join(parts), encoding="utf-8")


if UPDATE:  # once per session, before the comparisons read the files
    for _d in DIALECTS:
        _write_snapshots(_d)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", list(CASES))
def test_render_matches_snapshot(case: str, dialect: str) -> None:
    saved = read_snapshots(dialect)
    up, down = render(case, dialect)
    assert up.strip(), f"{case} produced no SQL on {dialect}"
    assert up.rstrip("\n") + "\n" == saved[(case, "up")], f"{case} (up) on {dialect} differs from its snapshot"
    assert down.rstrip("\n") + "\n" == saved[(case, "down")], f"{case} (down) on {dialect} differs from its snapshot"


def test_every_snapshot_has_a_case() -> None:
    for dialect in DIALECTS:
        assert {case for case, _ in read_snapshots(dialect)} == set(CASES), dialect


def test_every_operation_type_is_covered() -> None:
    from stingerloom.schema import diff as diffmod
    from stingerloom.schema.generate import ops_for

    kinds = {name for name, obj in vars(diffmod).items()
             if isinstance(obj, type) and issubclass(obj, diffmod.Op) and obj is not diffmod.Op}
    seen: set[str] = set()
    for case in CASES:
        live, declared = _schemas(case)
        for dialect in DIALECTS:
            d = SchemaDiff(live, declared, dialect)
            ops = ops_for(d, dialect)
            seen |= {type(op).__name__ for op in ops} | {type(op.reverse()).__name__ for op in ops}
    assert seen == kinds


# -- the snapshots run --------------------------------------------------------------------------------
def _run(dialect_obj, sql: str, what: str) -> None:
    for stmt in dialect_obj.split(sql):
        try:
            dialect_obj.execute(stmt.sql)
        except Exception as exc:  # name the case and the statement
            raise AssertionError(f"{what}: {stmt.sql!r} failed: {exc}") from exc


def test_snapshot_sql_runs(db_url: str) -> None:
    d = get_dialect(db_url)
    name = d.name
    saved = read_snapshots(name)
    d.connect()
    try:
        for case in CASES:
            live, declared = _schemas(case)
            setup, teardown = render_diff(SchemaDiff(Schema(), live, name), name)
            _run(d, setup.sql, f"{case}: creating the base schema")
            _run(d, saved[(case, "up")], f"{case} (up)")
            after = SchemaDiff.compare(d, declared)
            assert after.is_empty, f"{case}: after up the database differs from the target: {after.describe()}"
            _run(d, saved[(case, "down")], f"{case} (down)")
            back = SchemaDiff.compare(d, live)
            assert back.is_empty, f"{case}: after down the database differs from the base: {back.describe()}"
            _run(d, teardown.sql, f"{case}: dropping the base schema")
    finally:
        d.close()
