"""Infrastructure faults and well-known database errors, explained (issue 8, items 12, 19, 20).

Each dialect sorts a driver exception into a *kind* (``Dialect.fault_kind``); this module turns a
kind into a sentence a DBA can act on. Faults are not bugs: lost connection, crash, full disk,
read-only database, missing privilege, a lock held too long. None of them is an "internal error".
"""

from __future__ import annotations

import errno

from .errors import StingerloomError


class DatabaseFault(StingerloomError):
    """The database (or the machine) could not do the work: lost connection, full disk, read-only,
    permission denied, a lock held by someone else (exit 1: the work failed, the input is fine)."""

    exit_code = 1

    def __init__(self, message: str, *, kind: str | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.kind = kind


#: kind -> (what happened, what to do)
_TEXT = {
    "connection": ("the connection to the database was lost (the server closed it, was restarted or "
                   "killed this session, or the network failed)",
                   "check that the server is up, then run `stingerloom status` and the command again"),
    "read_only": ("the database is read-only (a read-only replica, `default_transaction_read_only`, "
                  "`read_only`, or a file without write permission)",
                  "run it against the writable primary, or make the database writable"),
    "disk_full": ("the disk of the database is full",
                  "free space on the database's disk, then run the command again"),
    "permission": ("permission denied", "grant the privilege, or run as a user that has it"),
    "lock_timeout": ("gave up waiting for a lock held by another session",
                     "wait for that session to finish (or end it), or raise --lock-timeout"),
    "deadlock": ("deadlock: this statement and another session waited for each other's locks, and "
                 "the database aborted this one",
                 "run the command again once the other session is done"),
    "duplicate": ("a row with the same key already exists",
                  "the table already holds that key: fix the data, or make the statement skip existing "
                  "rows ({skip})"),
}
_ALL_SKIPS = "INSERT … ON CONFLICT DO NOTHING, INSERT IGNORE, INSERT OR IGNORE"


def describe(kind: str, skip_existing: str | None = None) -> tuple[str, str]:
    """What happened and what to do; ``skip_existing``: the target database's way to skip a row
    whose key exists (``Dialect.skip_existing``), else every database's."""
    what, todo = _TEXT[kind]
    return what, todo.replace("{skip}", skip_existing or _ALL_SKIPS)


def os_fault(exc: BaseException) -> str | None:
    """The kind of an operating-system error (the SQLite lock file, a full disk)."""
    if not isinstance(exc, OSError):
        return None
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission"
    if exc.errno == errno.EROFS:
        return "read_only"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disk_full"
    return None
