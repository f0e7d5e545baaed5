"""A cache of loaded manifests, so that a warm start does not import PyYAML or pydantic.

After a successful full load we store the migrations (SQL texts, positions, flags) in
``${XDG_CACHE_HOME:-~/.cache}/stingerloom/manifest-<key>.marshal``, keyed by the manifest's resolved
path (and the path as given, which the displayed file names derive from). An entry is used only if

* its format version and the Python version match (``marshal`` is version specific),
* every file read has the same path, ``mtime_ns`` and size, and files that had changed within a few
  seconds of being read (where timestamps may not yet tell edits apart) also the same SHA-256,
* every environment variable that ``${VAR}`` expansion read has the same value (we store a digest
  of the values, never the values: they may hold passwords; ``database`` is expanded again).

Anything unexpected (no home, unwritable folder, corrupt entry) means: no cache, silently.
``STINGERLOOM_NO_CACHE=1`` disables it. This module imports only the standard library's light parts.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..migration import SqlMigration, SqlSource
from . import envvars
from .result import Manifest

if TYPE_CHECKING:  # pragma: no cover
    from .loader import Loader

FORMAT = 2  # 2: rows carry the migration's `placeholders` flag
RACY_NS = 3_000_000_000  # files changed this recently are fingerprinted by their content too
_TAG = (FORMAT, sys.hexversion)


def cache_dir() -> str | None:
    """The cache folder, or None when caching is disabled."""
    if os.environ.get("STINGERLOOM_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None  # per the XDG spec a relative value is invalid
    return os.path.join(base, "stingerloom")


def _entry(path: Path) -> tuple[str, str] | None:
    folder = cache_dir()
    if folder is None:
        return None
    resolved = os.path.realpath(path)
    key = hashlib.sha256(f"{resolved}\0{path}".encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return os.path.join(folder, f"manifest-{key}.marshal"), resolved


def _env_digest(names: list[str]) -> str:
    h = hashlib.sha256()
    for name in names:
        value = os.environ.get(name)
        h.update(f"{name}\0{'-' if value is None else '=' + value}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _fresh(records: list) -> bool:
    for file, mtime_ns, size, digest in records:
        st = os.stat(file)
        if st.st_mtime_ns != mtime_ns or st.st_size != size:
            return False
        if digest is not None:
            with open(file, "rb") as fh:
                if hashlib.sha256(fh.read()).hexdigest() != digest:
                    return False
    return True


def _sources(items: tuple) -> dict[str, SqlSource]:
    return {name: SqlSource(*fields) for name, *fields in items}


def load(path: Path) -> Manifest | None:
    """The cached manifest for ``path`` if it is still valid, else None."""
    try:
        found = _entry(path)
        if found is None:
            return None
        entry, resolved = found
        with open(entry, "rb") as fh:
            payload = marshal.loads(fh.read())  # one read: marshal.load(fh) reads in small pieces
        tag, stored_path, env_names, env_digest, records, raw, allow, files, rows = payload
        if tag != _TAG or stored_path != resolved or not _fresh(records):
            return None
        if env_names and _env_digest(env_names) != env_digest:
            return None
        if any(r[3] is not None for r in records):
            _settle(entry, payload)
        database = envvars.expand(raw[0]) if raw[0] is not None else None
        history = envvars.expand(raw[1]) if raw[1] is not None else "__migrations"
        migrations = [
            SqlMigration(mid, up=_sources(up), down=_sources(down) if down is not None else None,
                         description=desc, transaction=tx, irreversible=irr, source_file=sfile,
                         source_line=sline, placeholders=ph)
            for mid, desc, tx, irr, sfile, sline, up, down, ph in rows
        ]
        return Manifest(path=path, database=database, history_table=history, allow_outside_paths=allow,
                        migrations=migrations, file_names=list(files))
    except Exception:  # a missing, stale or corrupt entry is simply a miss
        return None


def _settle(entry: str, payload: tuple) -> None:
    """Drop the content digests of files no longer recently changed (just verified): later hits only stat."""
    now = time.time_ns()
    records = [(f, m, s, d if m + RACY_NS > now else None) for f, m, s, d in payload[4]]
    if records != payload[4]:
        _write(entry, payload[:4] + (records,) + payload[5:])


def _write(entry: str, payload: tuple) -> None:
    os.makedirs(os.path.dirname(entry), mode=0o700, exist_ok=True)
    tmp = f"{entry}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(payload, fh)
        os.replace(tmp, entry)
    except BaseException:
        try:
            os.unlink(tmp)
        finally:
            raise


def _pack(sources: dict[str, SqlSource]) -> tuple:
    return tuple((name, s.text, s.file, s.line, s.column, s.indent, s.exact) for name, s in sources.items())


def store(path: Path, manifest: Manifest, loader: "Loader") -> None:
    """Remember ``manifest`` (just loaded by ``loader``); failures are silent."""
    try:
        found = _entry(path)
        if found is None:
            return
        entry, resolved = found
        env_names = sorted(loader.used_env)
        rows = [
            (m.id, m.description, m.transaction, m.irreversible, m.source_file, m.source_line,
             _pack(m.up_sources), _pack(m.down_sources) if m.down_sources else None, m.placeholders)
            for m in manifest.migrations
        ]
        payload = (
            _TAG, resolved, env_names, _env_digest(env_names),
            [(r.path, r.mtime_ns, r.size, r.digest) for r in loader.records],
            (loader.raw.get("database"), loader.raw.get("history_table")),
            manifest.allow_outside_paths, list(manifest.file_names), rows,
        )
        _write(entry, payload)
    except Exception:
        return
