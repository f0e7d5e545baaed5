"""A migration lock kept as a row in a small table, for databases where a server-side lock is not enough.

On MariaDB Galera ``GET_LOCK`` is node-local: three runs against three nodes would all hold "the"
lock. A row, on the other hand, is replicated and its writes are certified cluster-wide: of two
nodes inserting the same primary key at once, one commit fails (duplicate key, or the certification
conflict reported as a deadlock, 1213). So the lock is the row ``name`` in ``<history table>_lock``:

* **take**: ``INSERT`` the row in autocommit (owner: a random uuid; host, pid, acquired, heartbeat,
  expires). A duplicate-key or certification error means someone else holds it: wait and retry
  until ``--lock-timeout``, then ``LockTimeout`` naming the holder's host, pid and start time.
* **keep**: a heartbeat thread, on a connection of its own, pushes ``expires`` forward every
  ``lease / 3`` seconds with ``UPDATE … WHERE name = ? AND owner = ?``; a row count of 0 means the
  lock was taken over, and ``lost`` tells the run so. ``still_held()`` (asked before each statement
  and bookkeeping write) renews at once when the last heartbeat is older than half the lease, so a
  run that was stopped (SIGSTOP, a frozen VM) finds out before it writes anything.
* **release**: ``DELETE … WHERE name = ? AND owner = ?`` at the end.
* **recover**: a run that crashed (or a node that died) leaves the row behind; once its lease has
  expired, a waiting run takes it over with ``UPDATE … WHERE name = ? AND owner = <old owner> AND
  expires < now`` and checks that it touched one row (a concurrent takeover on another node fails
  certification, so only one wins).

Times come from the database server's clock (the dialect's ``now_sql``), so the lease holds across
client machines; the nodes' clocks must agree to well within the lease.

The dialect supplies the SQL for its types and clock, tells which errors mean "someone else got
there first" (``write_conflict``), writes through ``bookkeep`` (immune to session settings a
migration changed) and opens the heartbeat's connection (``open_side_connection``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import threading
import time
import uuid
from typing import Any

DEFAULT_LEASE = 60.0  # seconds a lock row stays valid without a heartbeat


class LockRow:
    def __init__(self, dialect: Any, table: str, name: str, lease: float = DEFAULT_LEASE) -> None:
        self.d = dialect
        self.table = table
        self.name = name
        self.lease = max(1.0, float(lease))
        self.owner = str(uuid.uuid4())
        self.host = socket.gethostname()[:255]
        self.pid = os.getpid()
        self.lost = False  # the heartbeat found the row taken over: this run no longer holds the lock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None  # the heartbeat's own connection
        self._conn_lock = threading.Lock()
        self._last_renewed = 0.0
        self._ensured = False

    # -- SQL -----------------------------------------------------------------------------------------
    @property
    def ref(self) -> str:
        return self.d.table_ref(self.table)

    def _col(self, name: str) -> str:
        return self.d.quote(name)

    def ensure_table(self) -> None:
        if not self._ensured:
            self.d.bookkeep(self.d.lock_row_ddl(self.ref))
            self._ensured = True

    def _expiry(self) -> str:
        return self.d.lock_row_expiry_sql(self.lease)

    # -- take, keep, release -------------------------------------------------------------------------
    def try_acquire(self) -> bool:
        """One attempt: insert the row, or take over an expired one. True when this run holds it."""
        self.ensure_table()
        c, ph, now = self._col, self.d.placeholder, self.d.now_sql
        cols = ", ".join(c(x) for x in ("name", "owner", "host", "pid", "acquired", "heartbeat", "expires"))
        try:
            self.d.bookkeep(f"INSERT INTO {self.ref} ({cols}) VALUES ({ph}, {ph}, {ph}, {ph}, {now}, {now}, "
                            f"{self._expiry()})", (self.name, self.owner, self.host, self.pid))
            return True
        except Exception as exc:
            if not self._busy(exc):
                raise
        holder = self.holder()
        if holder is None or not holder["expired"]:
            return False
        try:  # the holder's lease ran out (it crashed, or its node died): take over, if still so
            touched = self.d.bookkeep(
                f"UPDATE {self.ref} SET {c('owner')} = {ph}, {c('host')} = {ph}, {c('pid')} = {ph}, "
                f"{c('acquired')} = {now}, {c('heartbeat')} = {now}, {c('expires')} = {self._expiry()} "
                f"WHERE {c('name')} = {ph} AND {c('owner')} = {ph} AND {c('expires')} < {now}",
                (self.owner, self.host, self.pid, self.name, holder["owner"]))
        except Exception as exc:
            if not self._busy(exc):
                raise
            return False
        if touched == 1:
            self.took_over = holder
            return True
        return False

    took_over: dict | None = None  # the expired holder this run replaced, if any

    def _busy(self, exc: BaseException) -> bool:
        """Someone else got there first (duplicate key, certification conflict) or holds the row."""
        return self.d.write_conflict(exc) or self.d.fault_kind(exc) == "lock_timeout"

    def holder(self) -> dict[str, Any] | None:
        """The row as it stands: owner, host, pid, acquired, heartbeat, expires, expired (bool)."""
        c, ph, now = self._col, self.d.placeholder, self.d.now_sql
        rows = self.d.execute(
            f"SELECT {c('owner')}, {c('host')}, {c('pid')}, {c('acquired')}, {c('heartbeat')}, {c('expires')}, "
            f"CASE WHEN {c('expires')} < {now} THEN 1 ELSE 0 END FROM {self.ref} WHERE {c('name')} = {ph}",
            (self.name,))
        if not rows:
            return None
        owner, host, pid, acquired, heartbeat, expires, expired = rows[0]
        return {"owner": owner, "host": host, "pid": pid, "acquired": _iso(acquired), "heartbeat": _iso(heartbeat),
                "expires": _iso(expires), "expired": bool(expired)}

    def start_heartbeat(self) -> None:
        self._conn = self.d.open_side_connection()
        self._last_renewed = time.monotonic()
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="stingerloom-lock-heartbeat", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        """Push ``expires`` forward; a row count of 0 means another run took the lock over."""
        c, ph, now = self._col, self.d.placeholder, self.d.now_sql
        started = time.monotonic()
        with self._conn_lock:
            cur = self._conn.cursor()
            try:
                cur.execute(f"UPDATE {self.ref} SET {c('heartbeat')} = {now}, {c('expires')} = {self._expiry()} "
                            f"WHERE {c('name')} = {ph} AND {c('owner')} = {ph}", (self.name, self.owner))
                touched = cur.rowcount
            finally:
                cur.close()
        if touched == 0:
            self.lost = True
        else:
            self._last_renewed = started

    def _beat(self) -> None:
        while not self._stop.wait(self.lease / 3) and not self.lost:
            with contextlib.suppress(Exception):  # a busy or restarting node: try again at the next beat
                self._renew()

    def still_held(self) -> bool:
        """Whether this run still holds the lock. When the last heartbeat is older than half the lease
        (the process was stopped, the heartbeat starved), renew now rather than trust it."""
        if not self.lost and self._thread is not None and time.monotonic() - self._last_renewed > self.lease / 2:
            with contextlib.suppress(Exception):  # cannot tell now: the conditional history writes still guard
                self._renew()
        return not self.lost

    def release(self) -> None:
        """Stop the heartbeat and delete the row if this run still owns it."""
        self.stop_heartbeat()
        c, ph = self._col, self.d.placeholder
        if self.lost:
            return
        self.d.bookkeep(f"DELETE FROM {self.ref} WHERE {c('name')} = {ph} AND {c('owner')} = {ph}",
                        (self.name, self.owner))

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def describe_holder(self, holder: dict[str, Any] | None) -> str:
        if not holder:
            return "held by a run that has just finished"
        out = f"held by pid {holder['pid']} on host {holder['host']} since {holder['acquired']}"
        out += f", last heartbeat {holder['heartbeat']}, lease until {holder['expires']}"
        return out


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value
