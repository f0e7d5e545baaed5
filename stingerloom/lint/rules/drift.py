"""SL12x: history integrity against a git ref (``--base REF``): the manifest and its files are read
as they were at REF with ``git show REF:path`` and compared with the working tree."""

from __future__ import annotations

from ..api import Rule
from ..facts import load_at_ref


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

    code, name, severity = "SL120", "applied-migration-edited", "error"
    help = "leave merged migrations alone; write a new migration for the change"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        base = _base(run, path)
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


class SL121(Rule):
    """A new migration is placed before migrations that exist at the base ref.

    ## What it does
    With `--base REF`, reports a migration id that is new in this branch and is listed before a migration
    that already existed at REF.

    ## Why is this bad?
    Databases that already applied the later migrations see the new one as pending out of order
    ("non-linear" history): it may be skipped or applied on top of a schema it was not written for.

    ## Example
    ```yaml
    migrations:
      - 001_users.yaml
      - 002_new_in_this_branch.yaml
      - 002_merged_last_week.yaml
    ```

    ## Use instead
    ```yaml
    migrations:
      - 001_users.yaml
      - 002_merged_last_week.yaml
      - 003_new_in_this_branch.yaml
    ```
    """

    code, name, severity = "SL121", "inserted-before-applied", "error"
    help = "append new migrations at the end of the manifest"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        base = _base(run, path)
        if base is None:
            return
        old = {m.id for m in base.migrations}
        cur_ids = [m.id for m in migrations]
        for i, m in enumerate(migrations):
            if m.id not in old and any(x in old for x in cur_ids[i + 1:]):
                run.add(self, f"new migration {m.id!r} is listed before migrations that exist at {run.options.base}",
                        m.source_file, m.source_line or 1, 1, m, None)


class SL122(Rule):
    """A migration of the base ref was deleted or renamed.

    ## What it does
    With `--base REF`, reports migration ids present at REF and missing now.

    ## Why is this bad?
    Databases that applied it show it as `missing` in `status`; `rollback --include-missing` (or a `--to` that
    passes it) then reverts it with the stored `down_sql`; a plain `rollback` leaves it alone.

    ## Example
    ```yaml
    migrations:
      - 001_users.yaml
      # 002_add_phone.yaml removed
    ```

    ## Use instead
    ```yaml
    migrations:
      - 001_users.yaml
      - 002_add_phone.yaml
      - 003_drop_phone.yaml   # revert with a new migration
    ```
    """

    code, name, severity = "SL122", "migration-removed", "info"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        base = _base(run, path)
        if base is None:
            return
        cur_ids = {m.id for m in migrations}
        for mid in {m.id: m for m in base.migrations}:
            if mid not in cur_ids:
                run.add(self, f"migration {mid!r} exists at {run.options.base} but not any more", path, 1, 1, mid,
                        None)


def _base(run, path: str):
    """The manifest at ``--base REF`` (read once per run; None without --base or when it is new since REF).
    An unusable ref is an InputError (exit 2), never a silent pass."""
    ref = run.options.base
    if not ref:
        return None
    return run.memo(("base", path, ref), lambda: load_at_ref(path, ref))
