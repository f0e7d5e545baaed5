"""SL905 prefer-timestamptz: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..bases import TypeRule


class SL905(TypeRule):
    """`timestamp` without time zone.

    ## What it does
    Finds `timestamp` (without time zone) columns, in `CREATE TABLE`, `ADD COLUMN` and `ALTER COLUMN
    … TYPE`.

    ## Why is this bad?
    The value drops the time-zone offset; servers or sessions in different zones read different instants.

    ## Example
    ```sql
    CREATE TABLE events (created_at timestamp);
    ```

    ## Use instead
    ```sql
    CREATE TABLE events (created_at timestamptz);
    ```
    """

    code, name, severity = "SL905", "prefer-timestamptz", "warning"
    types = frozenset({"timestamp"})
    message = "column {col!r} is timestamp without time zone; prefer timestamptz"
    help = "use timestamptz"
