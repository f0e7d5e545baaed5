"""SL192 ban-unknown-rule-in-ignore: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import ignore_form


class SL192(Rule):
    """An ignore comment names a rule that does not exist.

    ## What it does
    Checks every code in `stingerloom:ignore` comments against the rule catalogue.

    ## Why is this bad?
    A mistyped code suppresses nothing, while the author believes the finding is handled.

    ## Example
    ```sql
    -- stingerloom:ignore SL6001 -- reviewed
    CREATE INDEX idx_a ON t (a);
    ```

    ## Use instead
    ```sql
    -- stingerloom:ignore SL601 -- reviewed
    CREATE INDEX idx_a ON t (a);
    ```
    """

    code, name, severity = "SL192", "ban-unknown-rule-in-ignore", "error"
    aliases = ("unknown-rule-in-ignore",)  # its earlier name: --explain still takes it
    after_ignores = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for ig in run.unique_ignores():
            for bad in ig.bad:
                run.add(self, f"unknown rule {bad!r} in stingerloom:{ignore_form(ig)}", ig.file, ig.line, ig.column,
                        None, None)
