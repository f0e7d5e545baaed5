"""SL12x: history integrity against a git ref (``--base REF``): the manifest and its files are read
as they were at REF with ``git show REF:path`` and compared with the working tree."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from stingerloom.errors import InputError

from ..model import Rule


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


def _git(args: list[str], cwd: Path) -> bytes | None:
    try:
        res = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout if res.returncode == 0 else None


MAX_BASE_BYTES = 200 * 1024 * 1024  # the manifest's folder at the git ref, as a tar


def _extract_folder(root: Path, ref: str, folder: str, into: Path) -> None:
    """The files of ``folder`` at ``ref`` written under ``into`` (tar's "data" filter: no links out,
    no devices, no absolute paths); nothing when git cannot or the folder is too big."""
    import io
    import tarfile

    data = _git(["archive", "--format=tar", ref, "--", folder], root)
    if not data or len(data) > MAX_BASE_BYTES:
        return
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            tf.extractall(into, filter="data")
    except (tarfile.TarError, OSError):
        return


def load_at_ref(manifest_path: str, ref: str):
    """The manifest as it was at ``ref`` (None if it did not exist there). Raises InputError when
    there is no repository or ``ref`` does not resolve (e.g. a shallow CI clone)."""
    mpath = Path(manifest_path).resolve()
    top = _git(["rev-parse", "--show-toplevel"], mpath.parent)
    if top is None:
        raise InputError(f"--base {ref}: {manifest_path} is not inside a git repository (or git is not installed)",
                         hint="run lint from a git checkout, or drop --base")
    root = Path(top.decode().strip())
    rel = mpath.relative_to(root)
    if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root) is None:
        shallow = (_git(["rev-parse", "--is-shallow-repository"], root) or b"").strip() == b"true"
        raise InputError(
            f"--base {ref}: git cannot resolve {ref!r} in {root}"
            + (" (this clone is shallow)" if shallow else ""),
            hint="fetch the history first (e.g. `git fetch origin main`, or `fetch-depth: 0` with "
                 "actions/checkout); without it the edited-migration checks cannot run")
    text = _git(["show", f"{ref}:{rel.as_posix()}"], root)
    if text is None:
        return None  # the manifest is new since REF
    import posixpath

    from stingerloom.manifest import read_manifest

    from .structure import _manifest_entries

    # The old files go to a throwaway folder, which is deleted once they are loaded (the loaded
    # migrations hold their SQL in memory), and never into the manifest cache.
    with tempfile.TemporaryDirectory(prefix="stingerloom-base-") as tmpdir:
        tmp = Path(tmpdir)
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_bytes(text)
        _, entries = _manifest_entries(str(tmp / rel))
        # the manifest's whole folder as it was: includes, `directory:` entries and {file: x.sql}
        # blocks read files that the list does not name
        _extract_folder(root, ref, rel.parent.as_posix() or ".", tmp)
        for e in entries:
            target = posixpath.normpath((rel.parent / e).as_posix())
            if posixpath.isabs(target) or target == ".." or target.startswith("../"):
                continue  # outside the repository: git has no such file, and it must not be written
            data = _git(["show", f"{ref}:{target}"], root)
            if data is not None:
                out = tmp / target
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
        manifest, _problems = read_manifest(tmp / rel, use_cache=False)
    return manifest


def check_base(run, manifest, migrations, path, ref, dialects) -> None:
    if not ({"SL120", "SL121", "SL122"} & run.enabled):
        return
    base = load_at_ref(path, ref)  # an unusable ref is an InputError (exit 2), never a silent pass
    if base is None:
        return
    old = {m.id: m for m in base.migrations}
    cur_ids = [m.id for m in migrations]
    for i, m in enumerate(migrations):
        b = old.get(m.id)
        if b is None:
            if any(x in old for x in cur_ids[i + 1:]):
                run.add("SL121", f"new migration {m.id!r} is listed before migrations that exist at {ref}",
                        m.source_file, m.source_line or 1, 1, m, None)
            continue
        for d in dialects:
            if m.checksum(d) != b.checksum(d):
                src = m.up_sql(d)
                run.add("SL120", f"up of {m.id!r} differs from {ref} ({d})", m.source_file,
                        (src.line if src else None) or m.source_line or 1, (src.column if src else None) or 1, m, d)
    for mid in old:
        if mid not in cur_ids:
            run.add("SL122", f"migration {mid!r} exists at {ref} but not any more", path, 1, 1, mid, None)
