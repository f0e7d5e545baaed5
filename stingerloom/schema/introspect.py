"""Read a live database into the canonical schema model (:class:`stingerloom.schema.model.Schema`).

Each dialect's SchemaImpl reads its own catalog (``SchemaImpl.introspect`` in
``stingerloom/dialects/schema_*.py``):

* PostgreSQL: ``pg_catalog``, one or several schemas (table names are qualified ``schema.table``
  when more than one schema is read), in five queries whatever the number of tables.
* MySQL/MariaDB: ``information_schema`` of the current database, in five queries.
* SQLite: ``sqlite_master`` joined to the ``table_info``/``index_list``/``index_info``/
  ``foreign_key_list`` pragma functions, in five queries whatever the number of tables; constraint
  names and CHECK expressions, which SQLite keeps only in the CREATE TABLE text, are read from it
  (only for the tables whose text can hold them).

The migration history table is never part of the schema. Types are stored in portable form where
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
        out = schema_impl(dialect.name).introspect(dialect, history, schemas)
        out.dialect = dialect.name
        return out
