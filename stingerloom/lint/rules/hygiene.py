"""SL19x: the health of `-- stingerloom:ignore` comments. The engine finds the comments and applies
them (marking what each one suppressed); these rules run after that and check the comments."""

from __future__ import annotations

from ..api import Rule


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

    code, name, severity = "SL190", "unused-ignore", "warning"
    after_ignores = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for ig in run.unique_ignores():
            unused = [c for c in ig.codes if c not in ig.used] if ig.codes else ([] if ig.used else ["(all)"])
            for c in unused:
                if c in run.enabled or c == "(all)":
                    run.add(self, f"stingerloom:{_form(ig)} {c} suppresses nothing", ig.file, ig.line, ig.column,
                            None, None)


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

    code, name, severity = "SL191", "ignore-without-reason", "warning"
    after_ignores = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for ig in run.unique_ignores():
            if not ig.reason:
                run.add(self, f"stingerloom:{_form(ig)} without a reason; add `-- why` after the codes", ig.file,
                        ig.line, ig.column, None, None)


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

    code, name, severity = "SL192", "unknown-rule-in-ignore", "error"
    after_ignores = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for ig in run.unique_ignores():
            for bad in ig.bad:
                run.add(self, f"unknown rule {bad!r} in stingerloom:{_form(ig)}", ig.file, ig.line, ig.column,
                        None, None)


def _form(ig) -> str:
    return "ignore-file" if ig.file_level else "ignore"
