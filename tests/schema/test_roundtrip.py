"""Declarative schema against real databases: generate, apply, generate again, roll back.

Every test runs on SQLite, PostgreSQL and MariaDB (``db_url``), on a fresh database.
"""

from __future__ import annotations

import copy

import pytest

from stingerloom.dialects import get_dialect
from stingerloom.schema import SchemaDiff, SchemaDiffMigrationGenerator
from stingerloom.schema.dump import dump_schema
from stingerloom.schema.generate import render_diff

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
        },
        "indexes": {"idx_users_name": {"columns": ["name"]}},
        "foreign_keys": [{"name": "fk_users_team", "columns": ["team_id"],
                          "references": {"table": "teams", "columns": ["id"]}}],
        "checks": {"ck_users_name": "name <> ''"},
    },
    "tags": {"columns": {"id": {"type": "integer", "primary_key": True},
                         "label": {"type": "varchar(30)", "nullable": False}}},
}}


def _users(s):
    return s["tables"]["users"]


def _cols(s):
    return _users(s)["columns"]


CHANGES = {
    "add_column": lambda s: _cols(s).update(phone={"type": "varchar(20)"}),
    "add_not_null_column_with_default": lambda s: _cols(s).update(
        plan={"type": "varchar(10)", "nullable": False, "default": "'free'"}),
    "add_timestamp_default_now": lambda s: _cols(s).update(created_at={"type": "timestamp", "default": "CURRENT_TIMESTAMP"}),
    "add_boolean_and_numeric": lambda s: _cols(s).update(active={"type": "boolean", "default": True},
                                                        balance={"type": "numeric(10,2)", "default": 0}),
    "drop_column": lambda s: _cols(s).pop("email"),
    "widen_varchar": lambda s: _cols(s)["name"].update(type="varchar(200)"),
    "narrow_varchar": lambda s: _cols(s)["name"].update(type="varchar(50)"),
    "integer_to_bigint": lambda s: _cols(s)["score"].update(type="bigint"),
    "integer_to_numeric": lambda s: _cols(s)["score"].update(type="numeric(12,2)"),
    "make_not_null": lambda s: _cols(s)["email"].update(nullable=False),
    "make_nullable": lambda s: _cols(s)["name"].update(nullable=True),
    "set_default": lambda s: _cols(s)["email"].update(default="'nobody@example.com'"),
    "change_default": lambda s: _cols(s)["score"].update(default=10),
    "drop_default": lambda s: _cols(s)["score"].pop("default"),
    "add_index": lambda s: _users(s)["indexes"].update(idx_users_email={"columns": ["email"]}),
    "add_composite_unique_index": lambda s: _users(s)["indexes"].update(
        uq_users_team_name={"columns": ["team_id", "name"], "unique": True}),
    "change_index_columns": lambda s: _users(s)["indexes"].update(idx_users_name={"columns": ["name", "email"]}),
    "drop_index": lambda s: _users(s)["indexes"].pop("idx_users_name"),
    "unique_column": lambda s: _cols(s)["email"].update(unique=True),
    "drop_foreign_key": lambda s: _users(s).pop("foreign_keys"),
    "change_foreign_key_action": lambda s: _users(s)["foreign_keys"][0].update(on_delete="cascade"),
    "add_foreign_key": lambda s: s["tables"]["tags"]["columns"].update(team_id={"type": "integer"}) or
    s["tables"]["tags"].update(foreign_keys=[{"columns": ["team_id"], "references": {"table": "teams", "columns": ["id"]},
                                               "on_delete": "set null"}]),
    "add_check": lambda s: _users(s)["checks"].update(ck_users_score="score >= 0"),
    "drop_check": lambda s: _users(s).pop("checks"),
    "rename_column": lambda s: _users(s).update(columns={
        ("mail" if k == "email" else k): (dict(v, renamed_from="email") if k == "email" else v)
        for k, v in _cols(s).items()}),
    "rename_table": lambda s: s.update(tables={
        ("labels" if k == "tags" else k): (dict(v, renamed_from="tags") if k == "tags" else v)
        for k, v in s["tables"].items()}),
    "add_table": lambda s: s["tables"].update(audit={"columns": {
        "id": {"type": "bigint", "primary_key": True, "autoincrement": True},
        "payload": {"type": "text"}, "at": {"type": "timestamp", "nullable": False}}}),
    "drop_table": lambda s: s["tables"].pop("tags"),
    "change_primary_key": lambda s: s["tables"]["tags"].update(
        columns={"id": {"type": "integer"}, "label": {"type": "varchar(30)"}}, primary_key=["id", "label"]),
}


def dialect_of(url: str) -> str:
    return get_dialect(url).name


def run_sql(url: str, sql: str) -> None:
    d = get_dialect(url)
    d.connect()
    try:
        for stmt in d.split(sql):
            d.execute(stmt.sql)
    finally:
        d.close()


def sync(url: str, schema) -> tuple[str, str]:
    """Generate, apply, and check that the database now matches; returns (up, down)."""
    diff = SchemaDiff.compare(url, schema)
    up, down = render_diff(diff, diff.dialect)
    run_sql(url, up.sql)
    again = SchemaDiff.compare(url, schema)
    assert again.is_empty, f"still differs after applying:\n{up.sql}\n-> {again.describe()}"
    return up.sql, down.sql


def test_generate_apply_then_no_changes(db_url):
    up, down = sync(db_url, BASE)
    assert "CREATE TABLE" in up
    gen = SchemaDiffMigrationGenerator().generate(SchemaDiff.compare(db_url, BASE))
    assert gen == []
    run_sql(db_url, down)
    assert dump_schema(db_url).strip() == "tables: {}"


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_change_round_trips(db_url, change):
    sync(db_url, BASE)
    target = copy.deepcopy(BASE)
    CHANGES[change](target)
    up, down = sync(db_url, target)
    if change == "integer_to_bigint" and dialect_of(db_url) == "sqlite":
        assert not up.strip(), "SQLite has one integer type: nothing to change"
    else:
        assert up.strip(), "the change produced no SQL"
    run_sql(db_url, down)
    back = SchemaDiff.compare(db_url, BASE)
    assert back.is_empty, f"down did not restore the base schema:\n{down}\n-> {back.describe()}"


def test_dump_then_generate_has_no_changes(db_url, tmp_path):
    d = dialect_of(db_url)
    auto = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgres": "SERIAL PRIMARY KEY",
            "mysql": "INT AUTO_INCREMENT PRIMARY KEY"}[d]
    q = "`" if d == "mysql" else '"'
    run_sql(db_url, f"""
        CREATE TABLE {q}groups{q} (id INTEGER PRIMARY KEY, title VARCHAR(40) NOT NULL UNIQUE);
        CREATE TABLE members (
            id {auto},
            email VARCHAR(120) NOT NULL UNIQUE,
            nick CHARACTER VARYING(30) DEFAULT 'anon',
            joined TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            karma NUMERIC(8, 2) DEFAULT 0,
            active BOOLEAN DEFAULT TRUE,
            group_id INTEGER REFERENCES {q}groups{q} (id) ON DELETE CASCADE,
            CONSTRAINT ck_members_karma CHECK (karma >= 0)
        );
        CREATE INDEX members_nick_idx ON members (nick, joined);
    """)
    path = tmp_path / "dumped.yaml"
    path.write_text(dump_schema(db_url))
    diff = SchemaDiff.compare(db_url, str(path))
    assert diff.is_empty, f"{path.read_text()}\n-> {diff.describe()}"


@pytest.mark.postgres
def test_postgres_json_and_timestamp_kinds_round_trip(fresh_database, tmp_path):
    """The portable timestamp/json are timestamptz/jsonb on PostgreSQL; live json and timestamp
    without time zone columns dump with explicit spellings, so a dump compares equal to its server."""
    url = fresh_database("postgres")
    run_sql(url, "CREATE TABLE docs (id INTEGER PRIMARY KEY, raw JSON, doc JSONB, at TIMESTAMP, "
                 "at_tz TIMESTAMPTZ, at3 TIMESTAMP(3))")
    path = tmp_path / "dumped.yaml"
    path.write_text(dump_schema(url))
    cols = {line.split(":")[0].strip(): line for line in path.read_text().splitlines() if "type:" in line}
    assert "pg_catalog.json" in cols["raw"] and "type: json" in cols["doc"] and "type: timestamp}" in cols["at_tz"]
    assert "without time zone" in cols["at"] and "without time zone" in cols["at3"]
    assert SchemaDiff.compare(url, str(path)).is_empty
    up, _ = render_diff(SchemaDiff.compare(url, {"tables": {"docs": {"columns": {
        "id": {"type": "integer", "primary_key": True}, "raw": {"type": "pg_catalog.json"}, "doc": {"type": "json"},
        "at": {"type": "timestamp without time zone"}, "at_tz": {"type": "timestamp"},
        "at3": {"type": "timestamp(3) without time zone"}, "extra": {"type": "timestamp"}}}}}), "postgres")
    assert up.sql.count("ALTER TABLE") == 1 and "TIMESTAMP WITH TIME ZONE" in up.sql


@pytest.mark.postgres
def test_postgres_check_on_a_column_named_with_a_parenthesis(fresh_database):
    """The CHECK expression read back ends at its own closing parenthesis, not at one inside a quoted
    name or a string."""
    from stingerloom.schema.introspect import introspect

    url = fresh_database("postgres")
    run_sql(url, 'CREATE TABLE t ("a)" INTEGER, b TEXT, CONSTRAINT "ck, (t" CHECK ("a)" > 0 AND b <> \')\'))')
    checks = introspect(url).tables["t"].checks
    assert {name: c.expression for name, c in checks.items()} == {
        "ck, (t": '(("a)" > 0) AND (b <> \')\'::text))'}


def test_history_table_is_not_part_of_the_schema(db_url):
    from stingerloom.runner import MigrationRunner

    runner = MigrationRunner([], database=db_url)
    runner.run()
    runner.close()
    assert dump_schema(db_url).strip() == "tables: {}"


def test_sqlite_rebuild_keeps_rows(fresh_database):
    url = fresh_database("sqlite")
    sync(url, BASE)
    run_sql(url, "INSERT INTO teams (id, name) VALUES (1, 'red');"
                 "INSERT INTO users (name, email, team_id) VALUES ('ann', 'ann@example.com', 1)")
    target = copy.deepcopy(BASE)
    _cols(target)["name"].update(type="varchar(200)")
    _cols(target)["email"].update(nullable=False)
    up, down = sync(url, target)
    assert "rebuild users" in up
    run_sql(url, down)
    d = get_dialect(url)
    d.connect()
    try:
        assert d.execute("SELECT name, email, team_id, score FROM users") == [("ann", "ann@example.com", 1, 0)]
        assert d.execute("PRAGMA foreign_key_check") == []
    finally:
        d.close()


@pytest.mark.postgres
def test_postgres_several_schemas(fresh_database):
    url = fresh_database("postgres")
    run_sql(url, 'CREATE SCHEMA sales; CREATE TABLE public.customers (id INTEGER PRIMARY KEY);'
                 'CREATE TABLE sales.orders (id INTEGER PRIMARY KEY, customer_id INTEGER '
                 'REFERENCES public.customers (id))')
    schema = {"tables": {
        "public.customers": {"columns": {"id": {"type": "integer", "primary_key": True}}},
        "sales.orders": {"columns": {"id": {"type": "integer", "primary_key": True},
                                     "customer_id": {"type": "integer"}, "total": {"type": "numeric(12,2)"}},
                         "foreign_keys": [{"name": "orders_customer_id_fkey", "columns": ["customer_id"],
                                           "references": {"table": "public.customers", "columns": ["id"]}}]},
    }}
    diff = SchemaDiff.compare(url, schema, schemas=["public", "sales"])
    assert diff.describe() == ["add column sales.orders.total"]
    up, _down = render_diff(diff, "postgres")
    assert 'ALTER TABLE "sales"."orders" ADD COLUMN "total" NUMERIC(12,2)' in up.sql
    run_sql(url, up.sql)
    assert SchemaDiff.compare(url, schema, schemas=["public", "sales"]).is_empty
    only_public = SchemaDiff.compare(url, {"tables": {"customers": {"columns": {"id": {"type": "int",
                                                                                       "primary_key": True}}}}})
    assert only_public.is_empty
