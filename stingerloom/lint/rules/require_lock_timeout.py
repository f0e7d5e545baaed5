"""SL305 require-lock-timeout: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..bases import TimeoutRule


class SL305(TimeoutRule):
    """Lock-taking DDL with no lock timeout before it.

    ## What it does
    Finds the first lock-taking DDL statement (ALTER TABLE, CREATE INDEX, DROP, RENAME, TRUNCATE, …) on an
    existing table, or explicit `LOCK TABLE … IN SHARE MODE` or stronger (`ACCESS EXCLUSIVE` by default;
    MySQL `LOCK TABLES`), that is not preceded by `SET lock_timeout` (MySQL: `SET lock_wait_timeout`).

    ## Why is this bad?
    The DDL waits behind any long transaction holding a lock on the table, and every later query on the
    table queues behind the DDL: a short lock becomes an outage.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '2s';
    ALTER TABLE users ADD COLUMN phone text;
    ```
    """

    code, name, severity, dialects = "SL305", "require-lock-timeout", "warning", ("postgres", "mysql")
    settings, what = ("lock_timeout",), "lock timeout"
    help = "add `SET lock_timeout = '2s'` (MySQL: `SET SESSION lock_wait_timeout = 2`) first, and retry on timeout"
