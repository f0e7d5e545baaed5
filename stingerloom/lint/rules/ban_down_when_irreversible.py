"""SL111 ban-down-when-irreversible: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import blank_sql


class SL111(Rule):
    """`irreversible: true` together with a `down`.

    ## What it does
    Reports a migration that declares itself irreversible and still has `down` SQL.

    ## Why is this bad?
    One of the two is wrong: either the `down` is a leftover that a rollback will run, or the flag hides
    a rollback that works.

    ## Example
    ```yaml
    irreversible: true
    up: DROP TABLE legacy;
    down: CREATE TABLE legacy (id int);
    ```

    ## Use instead
    ```yaml
    irreversible: true
    up: DROP TABLE legacy;
    ```
    """

    code, name, severity = "SL111", "ban-down-when-irreversible", "error"
    aliases = ("irreversible-contradiction",)  # its earlier name: --explain still takes it

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for m in migrations:
            if m.irreversible and any(not blank_sql(s.text) for s in m.down_sources.values()):
                run.add(self, "irreversible: true but the migration has a down", m.source_file,
                        m.source_line or 1, 1, m, None)
