"""SL101 require-valid-manifest: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import report_loader_problems


class SL101(Rule):
    """The manifest or a migration file is not valid.

    ## What it does
    Reports every problem the loader finds: YAML/TOML that does not parse, a missing or unsupported
    `stingerloom:` version, values of the wrong type, and unknown keys, each at its file, line and column.

    ## Why is this bad?
    `apply` refuses an invalid manifest, and an unknown key is usually a typo (`irreversable: true`)
    whose intent would otherwise be silently ignored.

    ## Example
    ```yaml
    id: 002_add_phone
    irreversable: true
    up: ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```yaml
    id: 002_add_phone
    irreversible: true
    up: ALTER TABLE users ADD COLUMN phone text;
    ```
    """

    code, name, severity = "SL101", "require-valid-manifest", "error"
    aliases = ("manifest-invalid",)  # its earlier name: --explain still takes it
    runs_on_unloadable = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        report_loader_problems(self, run, path)
