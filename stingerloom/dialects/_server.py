"""What the client/server dialects (PostgreSQL, MySQL) share: schema-qualified table names and a
polled, re-entrant server-side migration lock.

Subclasses supply ``_prepare_lock()`` (optional), ``_try_lock()``, ``_unlock()`` and ``_lock_timeout(timeout)``. The lock is polled
(rather than a blocking server call) so that ``--lock-timeout`` may be fractional and a waiting run
can report who holds the lock when it gives up.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, Iterator

from ..errors import LockTimeout
from .base import Dialect

POLL_SECONDS = 0.1


class ServerDialect(Dialect):
    drop_database_sql = "DROP DATABASE IF EXISTS {name}"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock_depth = 0

    # -- identifiers ----------------------------------------------------------------------------
    @staticmethod
    def split_name(name: str) -> tuple[str | None, str]:
        """``schema.table`` -> (``schema``, ``table``); a name without a dot has no schema."""
        schema, dot, table = name.partition(".")
        return (schema, table) if dot else (None, name)

    def table_ref(self, name: str) -> str:
        schema, table = self.split_name(name)
        return f"{self.quote(schema)}.{self.quote(table)}" if schema else self.quote(table)

    #: the schema (PostgreSQL) or database (MySQL) that an unqualified table name resolves to now
    _current_schema_sql = ""

    def _resolve_history_table(self) -> None:
        """Pin the history table to one schema at connect (the current one when unqualified), so that
        a migration's ``SET search_path`` or ``USE`` cannot send history rows elsewhere, and both
        spellings (``__migrations``, ``public.__migrations``) take the same migration lock."""
        schema, _ = self.split_name(self.history_table)
        if schema is None:
            current = self.execute(self._current_schema_sql)[0][0]
            if current:
                self.resolved_history = f"{current}.{self.history_table}"

    # -- locking --------------------------------------------------------------------------------
    def _prepare_lock(self) -> None:
        """Called once before polling (e.g. to work out the lock's name)."""

    def _try_lock(self) -> bool:
        raise NotImplementedError

    def _unlock(self) -> None:
        raise NotImplementedError

    def _lock_timeout(self, timeout: float) -> LockTimeout:
        raise NotImplementedError

    def _connection_usable(self) -> bool:
        return self.connection is not None

    @contextlib.contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        if self._lock_depth:  # already held by this connection: nested use is free
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        deadline = time.monotonic() + max(0.0, timeout)
        self._prepare_lock()
        while not self._try_lock():
            if time.monotonic() >= deadline:
                raise self._lock_timeout(timeout)
            time.sleep(min(POLL_SECONDS, max(0.01, deadline - time.monotonic())))
        self._lock_depth = 1
        try:
            yield
        finally:
            self._lock_depth = 0
            with contextlib.suppress(Exception):  # a broken connection has released it already
                if self._connection_usable():
                    self._unlock()

    def lock_holder(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def lock_holder_text(self) -> str | None:
        holder = self.lock_holder()
        if not holder:
            return None
        if "pid" in holder:  # PostgreSQL
            text = f"backend pid {holder['pid']}"
        else:
            text = f"connection {holder['id']}"
        if holder.get("user"):
            text += f", user {holder['user']}" + (f"@{holder['host']}" if holder.get("host") else "")
        return text
