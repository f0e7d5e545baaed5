"""Manifests and migration files (YAML and TOML): loading, validation, positions, caching.

``load_manifest(path)`` returns a :class:`Manifest` or raises :class:`~stingerloom.errors.ManifestError`
listing every problem in every file; ``read_manifest(path)`` returns ``(manifest | None, problems)``
and is what ``stingerloom lint`` uses.

This module stays light: PyYAML and tomllib are imported only when files must really be parsed, and
pydantic only for a file that is not plainly valid (see :mod:`.fastcheck`). A successful load is
cached (see :mod:`.cache`), so that a warm ``status`` over a thousand migrations costs little more
than starting Python.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError, ManifestError, Problem
from .result import Manifest

__all__ = ["Manifest", "load_manifest", "read_manifest", "read_manifest_partial"]


def read_manifest(path: str | os.PathLike[str], *, use_cache: bool = True) -> tuple[Manifest | None, list[Problem]]:
    """Load the manifest at ``path``: ``(manifest, [])``, or ``(None, problems)`` if anything is wrong.

    Bad content never raises: every problem (SL101 invalid content, SL102 bad path, SL103 duplicate
    or missing id) comes back as a :class:`Problem` with its file, line and column. Only a manifest
    path that does not exist (or is a folder) raises :class:`InputError`, as any missing input file.
    ``use_cache=False`` neither reads nor writes the cache (for throwaway copies of a manifest).
    """
    path = Path(path)
    _check_input(path)
    from . import cache

    manifest = cache.load(path) if use_cache else None
    if manifest is not None:
        return manifest, []
    from .loader import load

    manifest, problems, loader = load(path)
    if manifest is not None and use_cache:
        cache.store(path, manifest, loader.record())
    return manifest, problems


def load_manifest(path: str | os.PathLike[str]) -> Manifest:
    """Load the manifest at ``path`` and all its migrations, or raise :class:`ManifestError`.

    The error lists every problem of every file, not just the first.
    """
    manifest, problems = read_manifest(path)
    if manifest is None:
        raise ManifestError(problems, hint=_hint(problems))
    return manifest


def read_manifest_partial(path: str | os.PathLike[str]) -> tuple[Manifest, list[tuple[int, str, list[Problem]]]]:
    """For ``status``: the manifest, or when only some of its entries are broken (a listed file
    missing or invalid) the usable part and, per broken entry, ``(how many migrations come before
    it, its id, its problems)``; the id is the file's ``id:`` when it can be read, else the file's
    stem. Any other problem raises :class:`ManifestError`."""
    manifest, problems = read_manifest(path)
    if manifest is not None:
        return manifest, []
    from .loader import load

    _, problems, loader = load(Path(path))
    if loader.partial is None:
        raise ManifestError(problems, hint=_hint(problems))
    folder = Path(path).parent
    return loader.partial, [(pos, _entry_id(folder / entry), found) for pos, entry, found in loader.broken]


def _entry_id(file: Path) -> str:
    import re

    try:
        if file.is_file():  # never open a FIFO or a device
            with open(file, encoding="utf-8", errors="replace") as f:
                match = re.search(r"""(?m)^id\s*[:=]\s*["']?([^\s"'#]+)""", f.read(65536))
            if match:
                return match.group(1)
    except OSError:
        pass
    return file.stem


def _check_input(path: Path) -> None:
    if path.is_file():
        return
    if path.is_dir():
        for name in ("manifest.yaml", "manifest.yml", "manifest.toml"):
            if (path / name).is_file():
                raise InputError(f"{path} is a folder, not a manifest file", hint=f"did you mean {path / name}?")
        raise InputError(f"{path} is a folder, not a manifest file",
                         hint="give the path of a manifest.yaml (or .toml); `stingerloom init` creates one")
    if path.exists():  # a named pipe, a socket, a device: reading it could block forever
        raise InputError(f"{path} is not a regular file", hint="give the path of a manifest.yaml (or .toml) file")
    raise InputError(f"no such file: {path}",
                     hint="check the path; `stingerloom init [DIR]` creates a manifest")


def _hint(problems: list[Problem]) -> str | None:
    bad_paths = [p.message for p in problems if p.code == "SL102"]
    if any(m.startswith("no such") for m in bad_paths):
        return ("a path is relative to the folder of the file that names it: the manifest (or included manifest) "
                "that lists it, the migration file for `{file: ...}`")
    if any(m.endswith(": Permission denied") for m in bad_paths):
        return "make the files (and their folders) readable for this user"
    if any("unknown key" in p.message for p in problems):
        return "the JSON Schemas in schemas/ let an editor check these files as you type"
    return None
