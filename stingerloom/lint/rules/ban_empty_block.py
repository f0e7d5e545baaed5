"""SL106 ban-empty-block: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import blank_sql


class SL106(Rule):
    """`up` is empty or holds only comments.

    ## What it does
    Reports a migration whose `up` has no statement for any dialect, and any `up` or `down` block that
    holds only comments (which `apply` refuses). (An empty block `""` for *one* dialect in a
    per-dialect mapping, or an empty `down`, is a deliberate no-op and is not reported.)

    ## Why is this bad?
    The migration is recorded as applied although it did nothing: usually the SQL was forgotten.

    ## Example
    ```yaml
    id: 004_add_index
    up: |
      -- TODO
    down: ""
    ```

    ## Use instead
    ```yaml
    id: 004_add_index
    up: CREATE INDEX idx_users_email ON users (email);
    down: DROP INDEX idx_users_email;
    ```
    """

    code, name, severity = "SL106", "ban-empty-block", "error"
    aliases = ("empty-block",)  # its earlier name: --explain still takes it

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for m in migrations:
            srcs = list(m.up_sources.values())
            whole_up = bool(srcs) and all(blank_sql(s.text) for s in srcs)
            if whole_up:
                line = m.source_line or 1
                run.add(self, "up holds no statement (only whitespace or comments)", m.source_file, line, 1,
                        m, None)
            # a block of only comments (the template `new` writes) is refused by `apply` (SPEC §7)
            for key, sources in (("up", {} if whole_up else m.up_sources), ("down", m.down_sources)):
                for dialect, src in sources.items():
                    if src.text.strip() and blank_sql(src.text):
                        label = key if dialect == "default" else f"{key}.{dialect}"
                        run.add(self, f"{label} holds only comments: `apply` refuses it (write the SQL, or "
                                "\"\" for a deliberate no-op)", src.file or m.source_file,
                                src.line or m.source_line or 1, src.column or 1, m, None)
