"""SL906 prefer-jsonb: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..bases import TypeRule


class SL906(TypeRule):
    """`json` columns.

    ## What it does
    Finds `json` columns.

    ## Why is this bad?
    `json` has no equality operator (`SELECT DISTINCT`, `UNION` and `GROUP BY` fail), no indexing, and is
    re-parsed on every access.

    ## Example
    ```sql
    CREATE TABLE events (payload json);
    ```

    ## Use instead
    ```sql
    CREATE TABLE events (payload jsonb);
    ```
    """

    code, name, severity = "SL906", "prefer-jsonb", "warning"
    types = frozenset({"json"})
    message = "column {col!r} is json; prefer jsonb"
    help = "use jsonb"
