"""SL120 ban-editing-applied-migration: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import manifest_at_base


class SL120(Rule):
    """A migration that exists at the base ref has a changed `up`.

    ## What it does
    With `--base REF`, compares each migration's `up` SQL (SHA-256, line endings normalised, per dialect)
    with the same migration id at REF.

    ## Why is this bad?
    Databases that already applied it will not run it again; `apply` there refuses with "modified". The
    change never reaches them.

    ## Example
    ```yaml
    # 001_users.yaml, already merged, edited in this branch:
    up: CREATE TABLE users (id bigint, email text);
    ```

    ## Use instead
    ```yaml
    # a new migration, 007_add_email.yaml:
    up: ALTER TABLE users ADD COLUMN email text;
    ```
    """

    code, name, severity = "SL120", "ban-editing-applied-migration", "error"
    aliases = ("applied-migration-edited",)  # its earlier name: --explain still takes it
    help = "leave merged migrations alone; write a new migration for the change"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        base = manifest_at_base(run, path)
        if base is None:
            return
        old = {m.id: m for m in base.migrations}
        for m in migrations:
            b = old.get(m.id)
            if b is None:
                continue
            for d in dialects:
                if m.checksum(d) != b.checksum(d):
                    src = m.up_sql(d)
                    run.add(self, f"up of {m.id!r} differs from {run.options.base} ({d})", m.source_file,
                            (src.line if src else None) or m.source_line or 1, (src.column if src else None) or 1,
                            m, d)
