"""SL917 prefer-column-alignment: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL917(Rule):
    """Column order that wastes alignment padding (planned).

    ## What it does
    Planned: suggest ordering fixed-width columns by alignment (8-byte types first) in `CREATE TABLE`.

    ## Why is this bad?
    PostgreSQL pads each column to its type's alignment; a poor order can waste several bytes per row.

    ## Example
    ```sql
    CREATE TABLE t (a boolean, b bigint, c boolean, d bigint);
    ```

    ## Use instead
    ```sql
    CREATE TABLE t (b bigint, d bigint, a boolean, c boolean);
    ```
    """

    code, name, severity, dialects, default_enabled = "SL917", "prefer-column-alignment", "info", ("postgres",), False
    aliases = ("column-alignment",)  # its earlier name: --explain still takes it
    planned = "needs the type alignment table; low value compared to the safety rules"
