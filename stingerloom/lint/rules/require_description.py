"""SL112 require-description: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL112(Rule):
    """A migration has no `description` (opt-in).

    ## What it does
    Reports migrations without a `description` key.

    ## Why is this bad?
    `status` and the history table show the description; without one, reviewers and on-call DBAs must
    open the file to learn what a migration does.

    ## Example
    ```yaml
    id: 002_add_phone
    up: ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```yaml
    id: 002_add_phone
    description: Add the users' phone number
    up: ALTER TABLE users ADD COLUMN phone text;
    ```
    """

    code, name, severity, default_enabled = "SL112", "require-description", "info", False
    aliases = ("missing-description",)  # its earlier name: --explain still takes it

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for m in migrations:
            if not (m.description or "").strip():
                run.add(self, "migration has no description", m.source_file, m.source_line or 1, 1, m, None)
