"""SL903 prefer-text-field: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..bases import TypeRule


class SL903(TypeRule):
    """`varchar(n)` columns (opt-in).

    ## What it does
    Finds `varchar(n)` columns with a length.

    ## Why is this bad?
    Changing the length later needs ACCESS EXCLUSIVE (shrinking rewrites); a CHECK constraint can be
    replaced `NOT VALID` without a long lock.

    ## Example
    ```sql
    CREATE TABLE users (name varchar(100));
    ```

    ## Use instead
    ```sql
    CREATE TABLE users (name text CHECK (length(name) <= 100));
    ```
    """

    code, name, severity, default_enabled = "SL903", "prefer-text-field", "info", False
    message = "column {col!r} is varchar(n); prefer text with a CHECK on its length"

    def applies(self, tname, mods, cd) -> bool:
        return tname == "varchar" and bool(mods)
