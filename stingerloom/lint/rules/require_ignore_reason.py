"""SL191 require-ignore-reason: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import ignore_form


class SL191(Rule):
    """An ignore comment gives no reason.

    ## What it does
    Requires `-- reason` after the codes of every `stingerloom:ignore` comment.

    ## Why is this bad?
    A suppression without a reason cannot be reviewed or revisited.

    ## Example
    ```sql
    -- stingerloom:ignore SL601
    CREATE INDEX idx_a ON t (a);
    ```

    ## Use instead
    ```sql
    -- stingerloom:ignore SL601 -- t has 40 rows, a lock is harmless
    CREATE INDEX idx_a ON t (a);
    ```
    """

    code, name, severity = "SL191", "require-ignore-reason", "warning"
    aliases = ("ignore-without-reason",)  # its earlier name: --explain still takes it
    after_ignores = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for ig in run.unique_ignores():
            if not ig.reason:
                run.add(self, f"stingerloom:{ignore_form(ig)} without a reason; add `-- why` after the codes", ig.file,
                        ig.line, ig.column, None, None)
