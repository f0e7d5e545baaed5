"""The one rule for paths in project files: relative to a folder, and never leaving it.

Used for migration entries, includes, folders and ``{file: x.sql}`` blocks of a manifest, and for
the configuration's ``manifest``. Symlinks are resolved *before* the "inside the folder" test, so a
link that points outside the project is refused like ``../``.
"""

from __future__ import annotations

import os
from pathlib import Path


def check_inside(base: Path, entry: str, *, allow_outside: bool = False, what: str = "the manifest's folder",
                 root: Path | None = None) -> tuple[Path | None, str | None]:
    """``(resolved path, None)``, or ``(None, why it is refused)`` for ``entry`` relative to ``base``.

    The path must stay inside ``root`` (default: ``base``)."""
    if "\0" in entry:
        return None, f"path {entry!r} contains a NUL byte (\\0), which no file name can hold"
    target = base / entry
    root = base if root is None else root
    if allow_outside:
        return target, None
    if os.path.isabs(entry):
        return None, f"absolute path {entry!r} is not allowed: paths are relative to {what}"
    try:
        resolved = target.resolve()
        inside = resolved.is_relative_to(root.resolve())
    except (OSError, RuntimeError) as exc:  # a symlink loop
        return None, f"cannot resolve {entry!r}: {exc}"
    if not inside:
        how = "through a symlink " if ".." not in Path(entry).parts else ""
        return None, f"path {entry!r} leaves {what} {how}(it resolves to {resolved})"
    return resolved, None
