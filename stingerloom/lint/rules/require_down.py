"""SL401 require-down: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL401(Rule):
    """No `down`, and the migration is not declared irreversible.

    ## What it does
    Reports a migration without `down` SQL for a checked dialect, unless it sets `irreversible: true`.

    ## Why is this bad?
    `rollback` cannot revert it; the author never decided whether it can be reverted.

    ## Example
    ```yaml
    id: 002_add_phone
    up: ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```yaml
    id: 002_add_phone
    up: ALTER TABLE users ADD COLUMN phone text;
    down: ALTER TABLE users DROP COLUMN phone;
    ```
    """

    code, name, severity = "SL401", "require-down", "error"
    aliases = ("missing-down",)  # its earlier name: --explain still takes it
    # a repeatable's rollback re-applies its previous definition: its down is not the undo
    for_repeatable = False
    help = "add a `down`, or declare `irreversible: true`"

    def check_migration(self, ctx) -> None:
        m = ctx.migration
        if m.irreversible or ctx.down_source is not None or ctx.up_source is None:
            return
        if m.down_sources:
            return  # another dialect has a down; SL107/SL109 report the gap
        ctx.report_migration(self, "migration has no down and is not declared irreversible")
