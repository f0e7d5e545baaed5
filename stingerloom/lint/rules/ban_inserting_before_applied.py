"""SL121 ban-inserting-before-applied: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import manifest_at_base


class SL121(Rule):
    """A new migration is placed before migrations that exist at the base ref.

    ## What it does
    With `--base REF`, reports a migration id that is new in this branch and is listed before a migration
    that already existed at REF.

    ## Why is this bad?
    Databases that already applied the later migrations see the new one as pending out of order
    ("non-linear" history): it may be skipped or applied on top of a schema it was not written for.

    ## Example
    ```yaml
    migrations:
      - 001_users.yaml
      - 002_new_in_this_branch.yaml
      - 002_merged_last_week.yaml
    ```

    ## Use instead
    ```yaml
    migrations:
      - 001_users.yaml
      - 002_merged_last_week.yaml
      - 003_new_in_this_branch.yaml
    ```
    """

    code, name, severity = "SL121", "ban-inserting-before-applied", "error"
    aliases = ("inserted-before-applied",)  # its earlier name: --explain still takes it
    help = "append new migrations at the end of the manifest"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        base = manifest_at_base(run, path)
        if base is None:
            return
        old = {m.id for m in base.migrations}
        cur_ids = [m.id for m in migrations]
        for i, m in enumerate(migrations):
            if m.id not in old and any(x in old for x in cur_ids[i + 1:]):
                run.add(self, f"new migration {m.id!r} is listed before migrations that exist at {run.options.base}",
                        m.source_file, m.source_line or 1, 1, m, None)
