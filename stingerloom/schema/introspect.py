"""Read a live database into the canonical schema model (:class:`stingerloom.schema.model.Schema`).

Each dialect's SchemaImpl reads its own catalog (``SchemaImpl.introspect`` in
``stingerloom/dialects/schema_*.py``):

* PostgreSQL: ``pg_catalog``, one or several schemas (table names are qualified ``schema.table``
  when more than one schema, or one that is not the session's, is read), in six queries whatever
  the number of tables.
* MySQL/MariaDB: ``information_schema`` of the current database, in five queries.
* SQLite: ``sqlite_master`` joined to the ``table_info``/``index_list``/``index_info``/
  ``foreign_key_list`` pragma functions, in five queries whatever the number of tables; constraint
  names and CHECK expressions, which SQLite keeps only in the CREATE TABLE text, are read from it
  (only for the tables whose text can hold them).

The migration history table is never part of the schema; what the model leaves out (views,
triggers, partial and expression indexes, generated columns...) is listed in ``Schema.skipped``. Types are stored in portable form where
one maps to the native type (see :mod:`stingerloom.schema.types`).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Optional, Sequence

from ..dialects import schema_impl
from .model import Schema


@contextlib.contextmanager
def open_dialect(target: Any, history_table: str = "__migrations") -> Iterator[Any]:
    """A connected dialect for a URL, a DatabaseURL, an open connection, or a Dialect (kept open)."""
    from ..dialects.base import Dialect

    if isinstance(target, Dialect):
        if target.connection is None:
            target.connect()
        yield target
        return
    from ..dialects import get_dialect

    dialect = get_dialect(target, history_table=history_table)
    if dialect.connection is None:
        dialect.connect()
    try:
        yield dialect
    finally:
        dialect.close()


def introspect(target: Any, *, schemas: Optional[Sequence[str]] = None,
               history_table: str = "__migrations") -> Schema:
    """The schema of the live database ``target`` (URL, connection or dialect)."""
    with open_dialect(target, history_table) as dialect:
        history = getattr(dialect, "history_table", None) or history_table
        impl = schema_impl(dialect.name)
        if schemas and not impl.schema_qualified_names:  # it was ignored: the whole database was read
            from ..errors import InputError

            raise InputError(f"--schema-name is for PostgreSQL; {dialect.display_url} has no schemas to choose",
                             hint="leave it out (on MySQL the database of the URL is the schema)")
        try:
            out = impl.introspect(dialect, history, schemas)
        except Exception as exc:
            fault = read_fault(dialect, exc)
            if fault is None:
                raise
            raise fault from exc
        out.dialect = dialect.name
        return out


def read_fault(dialect: Any, exc: BaseException) -> Optional[Exception]:
    """``exc`` (raised while reading the catalog) explained: a lost connection, a missing privilege,
    a lock wait given up... (a DatabaseFault, exit 1), or None for a bug."""
    from ..faults import DatabaseFault, describe

    kind = dialect.fault_kind(exc)
    if kind is None and not dialect.is_database_error(exc):
        return None
    text = (f"{exc.strerror or exc}" if isinstance(exc, OSError) else dialect.error_message(exc)[0]) or ""
    text = text.splitlines()[0] if text.strip() else type(exc).__name__
    where = f"while reading the schema of {dialect.display_url}"
    if kind in ("connection", "permission", "lock_timeout", "deadlock", "read_only", "disk_full"):
        what, todo = describe(kind)
        if kind == "permission":
            todo = "grant the user read access to the catalog and the tables (or run as a user that has it)"
        elif kind == "connection":
            todo = "check that the server is up, then run the command again"
        return DatabaseFault(f"{what} {where}: {text}; nothing was written", kind=kind, hint=todo)
    return DatabaseFault(f"the database refused a catalog query {where}: {text}; nothing was written",
                         kind=kind, hint="run again with -v to see the query, and report it")
