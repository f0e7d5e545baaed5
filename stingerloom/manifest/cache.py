"""A cache of loaded manifests, so that a warm start does not import PyYAML or pydantic.

After a successful full load we store the migrations (SQL texts, positions, flags) in
``${XDG_CACHE_HOME:-~/.cache}/stingerloom/manifest-<key>.marshal``, keyed by the manifest's resolved
path (and the path as given, which the displayed file names derive from). An entry is used only if

* its format version and the Python version match (``marshal`` is version specific),
* every file read is still a regular file with the same size and the same SHA-256 of its content.
  Timestamps are not trusted: ``cp -p``, ``rsync -a`` and ``tar x`` keep a modification time while
  changing the content, so every hit reads and hashes every file (about 15 ms per 1,000 small files),
* every environment variable that ``${VAR}`` expansion read has the same value (we store a digest
  of the values, never the values).

No secret is stored: ``database`` is kept as written (``${DATABASE_URL}``, expanded when read), and a
manifest whose ``database:`` holds a literal password (lint SL110) is not cached at all.
Anything unexpected (no home, unwritable folder, corrupt entry) means: no cache, silently.
``STINGERLOOM_NO_CACHE=1`` disables it. This module imports only the standard library's light parts.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import sys
from pathlib import Path

from ..migration import SqlMigration, SqlSource
from . import envvars
from .result import Manifest

FORMAT = 5  # 2: rows carry the migration's `placeholders` flag; 3: files checked by content hash; 4: `repeatable`;
# 5: the checksum of each up SQL
_TAG = (FORMAT, sys.hexversion)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a file replaced by a named pipe must not block a hit


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


sha256 = hashlib.sha256


def digest(data: bytes) -> bytes:
    return sha256(data).digest()


FOLDER = -1  # the size recorded for a folder: its digest is of its sorted list of names


def folder_listing(names: list[str]) -> bytes:
    return "\0".join(sorted(names)).encode("utf-8", "surrogateescape")


class FileRecord:
    """What the cache needs to know about one file that was read: its size and content digest."""

    __slots__ = ("path", "size", "digest")

    def __init__(self, path: str, data: bytes, size: int | None = None) -> None:
        self.path = path
        self.size = len(data) if size is None else size
        self.digest = digest(data)

    @classmethod
    def folder(cls, path: str, names: list[str]) -> "FileRecord":
        """A folder read by a ``{directory: ...}`` entry: the cache checks its list of names."""
        return cls(path, folder_listing(names), size=FOLDER)


class LoadRecord:
    """What a full load hands the cache beside the manifest: the files and folders it read, the
    environment variables ``${VAR}`` expansion looked at, and ``history_table`` as written."""

    __slots__ = ("files", "env_names", "history_raw")

    def __init__(self, files: list[FileRecord], env_names: list[str], history_raw: str | None) -> None:
        self.files = files
        self.env_names = env_names
        self.history_raw = history_raw


def _fresh(records: list) -> bool:
    """True if every ``(path, size, digest)`` still names a regular file with exactly that content
    (a folder: exactly those names)."""
    for file, size, want in records:
        if size == FOLDER:
            if digest(folder_listing(os.listdir(file))) != want:
                return False
            continue
        fd = os.open(file, os.O_RDONLY | _NONBLOCK)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size != size:
                return False
            data = os.read(fd, size + 1)  # a short read (never for a regular file) is only a miss
        finally:
            os.close(fd)
        if sha256(data).digest() != want:
            return False
    return True


def _sources(items: tuple) -> dict[str, SqlSource]:
    return {name: SqlSource(*fields) for name, *fields in items}


class _CachedMigration(SqlMigration):
    """A :class:`SqlMigration` read from the cache whose :class:`SqlSource` objects are made when first
    asked for: ``status`` needs only each up SQL's checksum, which the cache stores beside its text,
    and building the 2,000 sources of 1,000 migrations cost it ~2 ms on every run."""

    def __init__(self, mid: str, up: tuple, down: tuple | None, **fields) -> None:
        super().__init__(mid, up={}, **fields)
        self._up: dict[str, SqlSource] | None = None
        self._down: dict[str, SqlSource] | None = None
        self._packed = (up, down)

    @property
    def up_sources(self) -> dict[str, SqlSource]:
        if self._up is None:
            self._up = _sources(self._packed[0])
        return self._up

    @up_sources.setter
    def up_sources(self, value: dict[str, SqlSource]) -> None:
        self._up = value

    @property
    def down_sources(self) -> dict[str, SqlSource]:
        if self._down is None:
            down = self._packed[1]
            self._down = _sources(down) if down is not None else {}
        return self._down

    @down_sources.setter
    def down_sources(self, value: dict[str, SqlSource]) -> None:
        self._down = value

    def checksum(self, dialect: str) -> str | None:
        if self._up is not None:
            return super().checksum(dialect)
        default = None
        for name, text, *_ in self._packed[0]:  # as SqlMigration._pick: the dialect's, else "default"
            if name == dialect:
                return self.text_checksum(text)
            if name == "default":
                default = text
        return self.text_checksum(default) if default is not None else None


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
        if tag != _TAG or stored_path != resolved:
            return None
        if env_names and _env_digest(env_names) != env_digest:
            return None
        if not _fresh(records):
            return None
        history = envvars.expand(raw[1]) if raw[1] is not None else "__migrations"
        migrations = [
            _CachedMigration(mid, up, down, description=desc, transaction=tx, irreversible=irr,
                             source_file=sfile, source_line=sline, placeholders=ph, repeatable=rep,
                             checksums=dict(zip([item[1] for item in up], sums)))
            for mid, desc, tx, irr, sfile, sline, up, down, ph, rep, sums in rows
        ]
        return Manifest(path=path, database_template=raw[0], database_line=raw[2], history_table=history,
                        allow_outside_paths=allow, migrations=migrations, file_names=list(files))
    except Exception:  # a missing, stale or corrupt entry is simply a miss
        return None


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


def store(path: Path, manifest: Manifest, record: LoadRecord) -> None:
    """Remember ``manifest`` (just loaded, as ``record`` says); failures are silent."""
    try:
        found = _entry(path)
        if found is None:
            return
        entry, resolved = found
        if _holds_password(manifest.database_template):
            return  # never write a secret to disk
        env_names = sorted(record.env_names)
        rows = [
            (m.id, m.description, m.transaction, m.irreversible, m.source_file, m.source_line,
             _pack(m.up_sources), _pack(m.down_sources) if m.down_sources else None, m.placeholders,
             m.repeatable, tuple(m.text_checksum(s.text) for s in m.up_sources.values()))
            for m in manifest.migrations
        ]
        payload = (
            _TAG, resolved, env_names, _env_digest(env_names),
            [(r.path, r.size, r.digest) for r in record.files],
            (manifest.database_template, record.history_raw, manifest.database_line),
            manifest.allow_outside_paths, list(manifest.file_names), rows,
        )
        _write(entry, payload)
    except Exception:
        return


def _holds_password(template: str | None) -> bool:
    """True if the manifest's ``database:`` as written holds a password (not a ``${VAR}`` of one)."""
    if not template:
        return False
    from ..urls import literal_password

    return literal_password(template)
