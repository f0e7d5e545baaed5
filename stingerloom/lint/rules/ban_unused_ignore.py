"""SL190 ban-unused-ignore: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import ignore_form


class SL190(Rule):
    """An ignore comment suppresses nothing.

    ## What it does
    Reports `-- stingerloom:ignore CODE` (or `ignore-file`) comments where the named rule found nothing
    to suppress.

    ## Why is this bad?
    Stale ignores hide future problems: the statement was fixed, but the next change to it will not be
    checked.

    ## Example
    ```sql
    -- stingerloom:ignore SL601 -- table is tiny
    CREATE INDEX CONCURRENTLY idx_a ON t (a);
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY idx_a ON t (a);
    ```
    """

    code, name, severity = "SL190", "ban-unused-ignore", "warning"
    aliases = ("unused-ignore",)  # its earlier name: --explain still takes it
    after_ignores = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for ig in run.unique_ignores():
            unused = [c for c in ig.codes if c not in ig.used] if ig.codes else ([] if ig.used else ["(all)"])
            for c in unused:
                if c in run.enabled or c == "(all)":
                    run.add(self, f"stingerloom:{ignore_form(ig)} {c} suppresses nothing", ig.file, ig.line, ig.column,
                            None, None)
