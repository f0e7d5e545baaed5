"""SL122 ban-removing-migration: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import manifest_at_base


class SL122(Rule):
    """A migration of the base ref was deleted or renamed.

    ## What it does
    With `--base REF`, reports migration ids present at REF and missing now.

    ## Why is this bad?
    Databases that applied it show it as `missing` in `status`; `rollback --include-missing` (or a `--to` that
    passes it) then reverts it with the stored `down_sql`; a plain `rollback` leaves it alone.

    ## Example
    ```yaml
    migrations:
      - 001_users.yaml
      # 002_add_phone.yaml removed
    ```

    ## Use instead
    ```yaml
    migrations:
      - 001_users.yaml
      - 002_add_phone.yaml
      - 003_drop_phone.yaml   # revert with a new migration
    ```
    """

    code, name, severity = "SL122", "ban-removing-migration", "info"
    aliases = ("migration-removed",)  # its earlier name: --explain still takes it

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        base = manifest_at_base(run, path)
        if base is None:
            return
        cur_ids = {m.id for m in migrations}
        for mid in {m.id: m for m in base.migrations}:
            if mid not in cur_ids:
                run.add(self, f"migration {mid!r} exists at {run.options.base} but not any more", path, 1, 1, mid,
                        None)
