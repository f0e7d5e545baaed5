"""SL109 require-down-for-each-up-dialect: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL109(Rule):
    """`up` and `down` name different dialects.

    ## What it does
    Compares the dialect keys of `up` and `down`: reports a checked dialect that has an `up` but no
    `down` (no key and no `default`) while other dialects have one. A `down` that is one `default` for
    every dialect is accepted, and so is a dialect-specific `down` for a `default` up (MySQL's
    `DROP INDEX … ON t`). A migration with no `down` at all is SL401.

    ## Why is this bad?
    `rollback` of that dialect fails: there is nothing to run.

    ## Example
    ```yaml
    up:
      postgres: CREATE INDEX CONCURRENTLY i ON t (a);
      default: CREATE INDEX i ON t (a);
    down:
      postgres: DROP INDEX CONCURRENTLY i;
    ```

    ## Use instead
    ```yaml
    up:
      postgres: CREATE INDEX CONCURRENTLY i ON t (a);
      default: CREATE INDEX i ON t (a);
    down:
      postgres: DROP INDEX CONCURRENTLY i;
      default: DROP INDEX i;
    ```
    """

    code, name, severity = "SL109", "require-down-for-each-up-dialect", "warning"
    aliases = ("up-down-dialect-mismatch",)  # its earlier name: --explain still takes it
    help = "give down the same dialect keys as up (or a default that suits every dialect)"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for m in migrations:
            down = m.down_sources
            if not down or m.irreversible:
                continue
            problems = []
            up = m.up_sources
            for d in dialects:  # (the block each dialect runs, as m.up_sql/down_sql pick it, unbound)
                if m._pick(up, d) is None:
                    continue
                if m._pick(down, d) is None:
                    problems.append(f"{d} has an up but no down (and no default)")
            if problems:
                run.add(self, "up and down name different dialects: " + "; ".join(problems), m.source_file,
                        m.source_line or 1, 1, m, None)
