"""SL107 require-dialect-coverage: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..model import ALL_DIALECTS

_KNOWN_KEYS = set(ALL_DIALECTS) | {"default"}


class SL107(Rule):
    """A checked dialect has no SQL, or a dialect key is unknown.

    ## What it does
    For every dialect being checked (`--dialect`, else those the manifest names, else all three), checks
    that each migration's `up` has a block for it or a `default`. Keys such as
    `postgresql`, `pg` or `mariadb` are reported as unknown.

    ## Why is this bad?
    A migration without SQL for the target dialect fails at apply time; it is never silently skipped.

    ## Example
    ```yaml
    up:
      postgres: CREATE INDEX CONCURRENTLY i ON t (a);
      mysql: CREATE INDEX i ON t (a);
    ```

    ## Use instead
    ```yaml
    up:
      postgres: CREATE INDEX CONCURRENTLY i ON t (a);
      default: CREATE INDEX i ON t (a);
    ```
    """

    code, name, severity = "SL107", "require-dialect-coverage", "error"
    aliases = ("dialect-coverage",)  # its earlier name: --explain still takes it

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for m in migrations:
            for block, srcs in (("up", m.up_sources), ("down", m.down_sources)):
                for key, src in srcs.items():
                    if key not in _KNOWN_KEYS:
                        run.add(self, f"unknown dialect key {key!r} in {block} (expected postgres, mysql, "
                                "sqlite or default)", src.file or m.source_file, src.line, src.column, m, None)
                if block == "down":
                    continue  # down coverage is SL109 (and SL401 when there is no down at all)
                for d in dialects:
                    if srcs and d not in srcs and "default" not in srcs:
                        run.add(self, f"{block} has no SQL for {d} and no default", m.source_file,
                                m.source_line or 1, 1, m, d)
