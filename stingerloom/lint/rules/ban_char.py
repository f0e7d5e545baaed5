"""SL904 ban-char: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..bases import TypeRule


class SL904(TypeRule):
    """`char(n)` columns (opt-in).

    ## What it does
    Finds `char(n)`/`character(n)` columns.

    ## Why is this bad?
    Values are blank-padded, comparisons ignore the padding in surprising ways, and it is no faster.

    ## Example
    ```sql
    CREATE TABLE countries (code char(2));
    ```

    ## Use instead
    ```sql
    CREATE TABLE countries (code text CHECK (length(code) = 2));
    ```
    """

    code, name, severity, default_enabled = "SL904", "ban-char", "info", False
    types = frozenset({"bpchar"})
    message = "column {col!r} is char(n); prefer text or varchar"
