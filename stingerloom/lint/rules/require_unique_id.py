"""SL103 require-unique-id: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import report_loader_problems


class SL103(Rule):
    """Two migrations share an id, or a document of a multi-document file has no id.

    ## What it does
    Checks that every migration id is unique in the manifest, across files and `---` documents.

    ## Why is this bad?
    The history table is keyed by id: a repeated id makes the second migration look applied.

    ## Example
    ```yaml
    id: 001_users
    up: CREATE TABLE users (id int);
    ---
    up: CREATE TABLE teams (id int);
    ```

    ## Use instead
    ```yaml
    id: 001_users
    up: CREATE TABLE users (id int);
    ---
    id: 002_teams
    up: CREATE TABLE teams (id int);
    ```
    """

    code, name, severity = "SL103", "require-unique-id", "error"
    aliases = ("duplicate-id",)  # its earlier name: --explain still takes it
    runs_on_unloadable = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        report_loader_problems(self, run, path)
