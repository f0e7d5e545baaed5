"""SL909 require-naming-convention: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL909(Rule):
    """Names against a naming convention (planned).

    ## What it does
    Planned: check schema, table, column, index, foreign key and check names against configurable regular
    expressions.

    ## Why is this bad?
    Inconsistent names make schemas hard to read and generated migrations hard to review.

    ## Example
    ```sql
    CREATE INDEX UsersEmail ON users (email);
    ```

    ## Use instead
    ```sql
    CREATE INDEX idx_users_email ON users (email);
    ```
    """

    code, name, severity, default_enabled = "SL909", "require-naming-convention", "info", False
    aliases = ("naming-convention",)  # its earlier name: --explain still takes it
    planned = "needs a configuration file for the conventions (a manifest key would need a SPEC change)"
