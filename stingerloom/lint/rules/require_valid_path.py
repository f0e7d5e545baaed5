"""SL102 require-valid-path: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import report_loader_problems


class SL102(Rule):
    """A listed migration file is missing, or its path leaves the manifest's folder.

    ## What it does
    Reports entries of `migrations:` that name no file, and paths such as `../x.yaml` or absolute paths
    when the manifest does not set `allow_outside_paths: true`.

    ## Why is this bad?
    `apply` stops at the missing file; a path outside the folder makes the manifest depend on the
    machine it runs on.

    ## Example
    ```yaml
    migrations:
      - ../shared/001_users.yaml
    ```

    ## Use instead
    ```yaml
    migrations:
      - 001_users.yaml
    ```
    """

    code, name, severity = "SL102", "require-valid-path", "error"
    aliases = ("bad-path",)  # its earlier name: --explain still takes it
    runs_on_unloadable = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        report_loader_problems(self, run, path)
