"""One module per database. ``get_dialect(url_or_connection)`` picks the class.

Drivers are imported inside each dialect's ``connect`` so that ``import stingerloom`` stays fast.
The one list of dialect names and their other spellings (``NAMES``, ``ALIASES``, ``canonical``) lives
in :mod:`.names` and is re-exported here.
"""

from __future__ import annotations

from ..errors import InputError
from .names import ALIASES, FILE_DATABASES, NAMES, canonical

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ALIASES", "FILE_DATABASES", "NAMES", "canonical", "connection_dialect_name", "dialect_class",
           "get_dialect", "schema_impl"]

if TYPE_CHECKING:  # pragma: no cover
    from ..urls import DatabaseURL

_CLASSES = {
    "sqlite": ("stingerloom.dialects.sqlite", "SqliteDialect"),
    "postgres": ("stingerloom.dialects.postgres", "PostgresDialect"),
    "mysql": ("stingerloom.dialects.mysql", "MySQLDialect"),
}


#: each dialect's schema SQL (stingerloom.dialects.schema_base.SchemaImpl)
_SCHEMA_IMPLS = {
    "sqlite": ("stingerloom.dialects.schema_sqlite", "SqliteSchema"),
    "postgres": ("stingerloom.dialects.schema_postgres", "PostgresSchema"),
    "mysql": ("stingerloom.dialects.schema_mysql", "MySQLSchema"),
}
_SCHEMA_CACHE: dict[str, Any] = {}


def schema_impl(name: str):
    """The schema SQL of dialect ``name`` (DDL, introspection, type tables): a shared instance."""
    impl = _SCHEMA_CACHE.get(name)
    if impl is None:
        import importlib

        try:
            module, cls = _SCHEMA_IMPLS[name]
        except KeyError:
            raise InputError(f"unknown dialect {name!r}", hint="use sqlite, postgres or mysql") from None
        impl = _SCHEMA_CACHE[name] = getattr(importlib.import_module(module), cls)()
    return impl


def dialect_class(name: str):
    import importlib

    try:
        module, cls = _CLASSES[name]
    except KeyError:
        raise InputError(f"unknown dialect {name!r}", hint="use sqlite, postgres or mysql") from None
    return getattr(importlib.import_module(module), cls)


def connection_dialect_name(connection: Any) -> str:
    """The dialect of an open DB-API connection (sqlite3, psycopg 3 or PyMySQL)."""
    mod = type(connection).__module__
    if mod.startswith("sqlite3"):
        return "sqlite"
    if mod.startswith("psycopg"):
        return "postgres"
    if mod.startswith("pymysql") or mod.startswith("MySQLdb"):
        return "mysql"
    raise InputError(f"unsupported connection object {type(connection).__qualname__} from {mod}",
                     hint="pass a sqlite3, psycopg 3 or PyMySQL connection, or a database URL")


def get_dialect(target: "str | DatabaseURL | Any", *, history_table: str = "__migrations"):
    """A (not yet connected) dialect for a URL string, a DatabaseURL, or an open connection."""
    from ..urls import DatabaseURL

    if isinstance(target, str):
        target = DatabaseURL.parse(target)
    if isinstance(target, DatabaseURL):
        return dialect_class(target.dialect)(url=target, history_table=history_table)
    return dialect_class(connection_dialect_name(target))(connection=target, history_table=history_table)
