"""Type and default normalisation: spellings of the same type compare equal on each dialect."""

import pytest

from stingerloom.schema.types import is_narrowing, native_type, normalize_default, portable_type


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_varchar_spellings_are_equal(dialect):
    forms = {native_type(t, dialect) for t in ("character varying(100)", "varchar(100)", "VARCHAR( 100 )")}
    assert forms == {"varchar(100)"}


@pytest.mark.parametrize("dialect,live,portable", [
    # on PostgreSQL the portable timestamp and json are timestamptz and jsonb (what lint advises);
    # the server's timestamp without time zone and json keep explicit native spellings
    ("postgres", "timestamp with time zone", "timestamp"), ("postgres", "jsonb", "json"),
    ("postgres", "timestamp without time zone", "timestamp without time zone"),
    ("postgres", "double precision", "double"),
    ("postgres", "bytea", "blob"), ("postgres", "numeric(10,2)", "numeric(10,2)"),
    ("mysql", "int(11)", "integer"), ("mysql", "tinyint(1)", "boolean"), ("mysql", "datetime", "timestamp"),
    ("mysql", "decimal(10,2)", "numeric(10,2)"), ("mysql", "char(36)", "uuid"), ("mysql", "int(10) unsigned", "int unsigned"),
    ("sqlite", "INTEGER", "integer"), ("sqlite", "BIGINT", "integer"), ("sqlite", "VARCHAR(20)", "varchar(20)"),
])
def test_portable_names_of_live_types(dialect, live, portable):
    assert portable_type(live, dialect) == portable
    assert native_type(portable, dialect) == native_type(live, dialect)


def test_postgres_json_column_is_not_the_portable_json():
    """A live `json` column dumps as `pg_catalog.json`: written back as `json`, it would mean jsonb."""
    assert portable_type("json", "postgres") == "pg_catalog.json"
    assert native_type("pg_catalog.json", "postgres") == "pg_catalog.json"
    assert native_type("json", "postgres") == native_type("jsonb", "postgres") == "jsonb"
    assert native_type("timestamp", "postgres") == native_type("timestamptz", "postgres") == "timestamp with time zone"


@pytest.mark.parametrize("dialect,a,b,typ", [
    ("postgres", "'free'::character varying", "'free'", "varchar(10)"),
    ("postgres", "now()", "CURRENT_TIMESTAMP", "timestamp"),
    ("postgres", "0.00", "0", "numeric(10,2)"),
    ("postgres", "true", "TRUE", "boolean"),
    ("mysql", "current_timestamp()", "CURRENT_TIMESTAMP", "timestamp"),
    ("mysql", "1", "TRUE", "boolean"),
    ("mysql", "'0'", "0", "integer"),
    ("sqlite", "(0)", "0", "integer"),
])
def test_default_spellings_are_equal(dialect, a, b, typ):
    assert normalize_default(a, typ, dialect) == normalize_default(b, typ, dialect)


def test_null_default_is_no_default():
    assert normalize_default("NULL", "varchar(5)", "mysql") is None


@pytest.mark.parametrize("old,new,narrowing", [
    ("varchar(100)", "varchar(50)", True), ("varchar(50)", "varchar(100)", False),
    ("bigint", "integer", True), ("integer", "bigint", False), ("varchar(20)", "text", False),
    ("text", "integer", True), ("numeric(10,2)", "numeric(12,2)", False), ("numeric(10,2)", "numeric(10,1)", True),
])
def test_narrowing(old, new, narrowing):
    assert is_narrowing(old, new, "postgres") is narrowing
