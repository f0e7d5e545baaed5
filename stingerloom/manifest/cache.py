"""A cache of loaded manifests, so that a warm start does not import PyYAML or pydantic.

After a successful full load we store the migrations (SQL texts, positions, flags) in
``${XDG_CACHE_HOME:-~/.cache}/stingerloom/manifest-<key>.marshal``, keyed by the manifest's resolved
path and the path as given (which the displayed file names derive from; both are stored and
compared: the key, made of the two, only spreads the entries). An entry is used only if

* its format version and the Python version match (``marshal`` is version specific),
* every file read is still a regular file with the same content, which is trusted without reading
  the file when its stat fingerprint ``(st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns)`` is the
  one taken (before reading it) when the entry was made, as git trusts its index. A modification
  time can be set back (``cp -p``, ``rsync -a``, ``tar x``, ``touch -r``) but a change time cannot:
  the kernel sets it to "now" on every write, rename or ``utime``, so any edit changes the
  fingerprint, and a file whose fingerprint changed is read and its SHA-256 compared. A file whose
  modification or change time is not older than :data:`RACY_MARGIN_NS` before the load that made the
  entry began is "racy" (git's rule: an edit in the same timestamp tick, on a file system with coarse
  timestamps, would leave the fingerprint as it was) and is always hashed; a hit that found such a
  file, or a changed fingerprint over the same content, rewrites the entry once the files are old
  enough, so the next run trusts them. On Windows (``st_ctime`` is the creation time) every file is
  hashed on every hit,
* every environment variable that ``${VAR}`` expansion read has the same value (we store a digest
  of the values, never the values).

No secret is stored: ``database`` is kept as written (``${DATABASE_URL}``, expanded when read), and a
manifest whose ``database:`` holds a literal password (lint SL110) is not cached at all.
Anything unexpected (no home, unwritable folder, corrupt entry) means: no cache, silently.
``STINGERLOOM_NO_CACHE=1`` disables it (deleting the cache folder forces one full re-check).
This module imports only the standard library's light parts: ``hashlib`` (OpenSSL, ~2.5 ms) is
imported only when a file must be hashed, which a warm run over unchanged files never does.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys
import time
from operator import attrgetter
from pathlib import Path

from ..migration import SqlMigration, SqlSource
from . import envvars
from .result import Manifest

FORMAT = 6  # 2: rows carry the migration's `placeholders` flag; 3: files checked by content hash; 4: `repeatable`;
# 5: the checksum of each up SQL; 6: stat fingerprints, both paths, each migration's SQL marshalled apart
_TAG = (FORMAT, sys.hexversion)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a file replaced by a named pipe must not block a hit
#: a file modified or changed less than this before its load began is hashed on every hit ("racy")
RACY_MARGIN_NS = 2_000_000_000
#: whether stat fingerprints can be trusted (on Windows ``st_ctime`` is the creation time)
TRUST_STAT = os.name != "nt"


def cache_dir() -> str | None:
    """The cache folder, or None when caching is disabled."""
    if os.environ.get("STINGERLOOM_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None  # per the XDG spec a relative value is invalid
    return os.path.join(base, "stingerloom")


def _entry(path: Path) -> tuple[str, str, str] | None:
    """``(entry file, resolved path, path as given)``; the entry holds both paths, so two manifests
    whose keys collide only miss."""
    folder = cache_dir()
    if folder is None:
        return None
    resolved, given = os.path.realpath(path), str(path)
    return os.path.join(folder, f"manifest-{_key(resolved)}{_key(given)}.marshal"), resolved, given


_PRIME = (1 << 61) - 1


def _key(text: str) -> str:
    """16 hex digits of ``text``: its UTF-8 bytes read as one number, modulo a Mersenne prime (no
    module to import: hashlib costs 2.5 ms, binascii 0.3)."""
    return f"{int.from_bytes(text.encode('utf-8', 'surrogatepass'), 'big') % _PRIME:016x}"


def _env_digest(names: list[str]) -> str:
    import hashlib

    h = hashlib.sha256()
    for name in names:
        value = os.environ.get(name)
        h.update(f"{name}\0{'-' if value is None else '=' + value}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def digest(data: bytes) -> bytes:
    from hashlib import sha256

    return sha256(data).digest()


FOLDER = -1  # the size recorded for a folder: its digest is of its sorted list of names


def folder_listing(names: list[str]) -> bytes:
    return "\0".join(sorted(names)).encode("utf-8", "surrogateescape")


def fingerprint(st: os.stat_result, since_ns: int) -> tuple | None:
    """What a later run compares to trust a file unread, or None when it cannot be trusted: on
    Windows, or when the file is "racy" (modified or changed within :data:`RACY_MARGIN_NS` of
    ``since_ns``, the moment its reading began)."""
    if not TRUST_STAT or max(st.st_mtime_ns, st.st_ctime_ns) >= since_ns - RACY_MARGIN_NS:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class FileRecord:
    """What the cache needs to know about one file that was read: its size, content digest and stat
    (taken before the read, so that any later change changes its change time)."""

    __slots__ = ("path", "size", "digest", "stat")

    def __init__(self, path: str, data: bytes, size: int | None = None, st: os.stat_result | None = None) -> None:
        self.path = path
        self.size = len(data) if size is None else size
        self.digest = digest(data)
        self.stat = st

    @classmethod
    def folder(cls, path: str, names: list[str], st: os.stat_result | None = None) -> "FileRecord":
        """A folder read by a ``{directory: ...}`` entry: the cache checks its list of names."""
        return cls(path, folder_listing(names), size=FOLDER, st=st)


class LoadRecord:
    """What a full load hands the cache beside the manifest: the files and folders it read, the
    environment variables ``${VAR}`` expansion looked at, ``history_table`` as written, and when
    the load began (``time.time_ns()``, before any file was read)."""

    __slots__ = ("files", "env_names", "history_raw", "started_ns")

    def __init__(self, files: list[FileRecord], env_names: list[str], history_raw: str | None,
                 started_ns: int = 0) -> None:
        self.files = files
        self.env_names = env_names
        self.history_raw = history_raw
        self.started_ns = started_ns


def _fresh(records: list, since_ns: int) -> tuple[bool, list | None]:
    """``(fresh, refreshed)``: fresh if every ``[path, size, digest, fingerprint]`` still names a
    regular file with exactly that content (a folder: exactly those names), trusted unread when its
    fingerprint is unchanged. ``refreshed``: when some file had to be read and a fingerprint taken
    now (``since_ns``: before any was taken) would be trusted next time, the records with it, which
    the caller stores; else None."""
    better = False
    for rec in records:
        file, size, want, known = rec
        try:
            st = os.stat(file)
        except OSError:
            return False, None
        if known is not None and known == (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns):
            continue
        if size == FOLDER:
            if not stat.S_ISDIR(st.st_mode) or digest(folder_listing(os.listdir(file))) != want:
                return False, None
        else:
            fd = os.open(file, os.O_RDONLY | _NONBLOCK)
            try:
                st = os.fstat(fd)  # the fingerprint kept is of the file that was read, before reading it
                if not stat.S_ISREG(st.st_mode) or st.st_size != size:
                    return False, None
                data = os.read(fd, size + 1)  # a short read (never for a regular file) is only a miss
            finally:
                os.close(fd)
            if digest(data) != want:
                return False, None
        rec[3] = fingerprint(st, since_ns)
        better = better or rec[3] is not None
    return True, records if better else None


_UNPACKED = frozenset({"up_sources", "down_sources", "checksums"})  # see _CachedMigration.__getattr__


def _sources(items: tuple) -> dict[str, SqlSource]:
    return {name: SqlSource(*fields) for name, *fields in items}


def _unpacked(slot: str, bit: int) -> property:
    """An attribute of :class:`_CachedMigration` made from its SQL blob when first read; assigning it
    replaces it, as on a :class:`SqlMigration`. Read through ``operator.attrgetter`` (no Python frame:
    lint reads the sources ~26 times per migration, a Python ``__get__`` each time cost ~0.05 s on
    10,000); while ``slot`` is unset the read fails over to ``_CachedMigration.__getattr__``, which
    unpacks the blob."""

    def assign(obj, value) -> None:
        setattr(obj, slot, value)
        obj._assigned |= bit

    return property(attrgetter(slot), assign)


class _CachedMigration(SqlMigration):
    """A :class:`SqlMigration` read from the cache whose SQL is unpacked when first asked for:
    ``status`` needs only each up SQL's checksum, which the cache stores beside the dialect names,
    while the texts and positions of its up and down SQL stay one ``marshal`` blob (unmarshalling
    them and building the 2,000 sources of 1,000 migrations cost it ~3 ms on every run). It sets its
    fields from the entry's row itself, not through ``SqlMigration.__init__`` (1 ms less per 1,000);
    ``tests/manifest/test_cache.py`` checks that it has every attribute a loaded one has, alike."""

    # made from the blob when first asked for (slots, unset until then: see _unpacked)
    __slots__ = ("_up", "_down", "_sums", "_assigned")

    def __init__(self, row: tuple) -> None:  # not super().__init__: a test checks the attributes are alike
        (self.id, self.description, self.transaction, self.irreversible, self.source_file, self.source_line,
         self.placeholders, self.repeatable, self._names, self._packed_sums, self._blob) = row
        self._assigned = 0  # bits of the attributes assigned (1 up_sources, 2 down_sources, 4 checksums)

    def __getattr__(self, name: str):  # only for an attribute not found otherwise
        if name in _UNPACKED and self._blob is not None:  # (no _blob: AttributeError, from here)
            self._unpack()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _unpack(self) -> None:
        if self._blob is None:
            return
        up, down = marshal.loads(self._blob)
        self._blob = None
        assigned = self._assigned
        if not assigned & 1:
            self._up = _sources(up)
        if not assigned & 2:
            self._down = _sources(down) if down is not None else {}
        if not assigned & 4:
            self._sums = dict(zip([item[1] for item in up], self._packed_sums))

    up_sources = _unpacked("_up", 1)
    down_sources = _unpacked("_down", 2)
    checksums = _unpacked("_sums", 4)  # up SQL text -> its checksum, as SqlMigration keeps them

    def checksum(self, dialect: str) -> str | None:
        if self._blob is None or self._assigned & 1:  # unpacked, or assigned
            return super().checksum(dialect)
        names = self._names  # as SqlMigration._pick: the dialect's, else "default"
        if dialect in names:
            return self._packed_sums[names.index(dialect)]
        if "default" in names:
            return self._packed_sums[names.index("default")]
        return None


def load(path: Path) -> Manifest | None:
    """The cached manifest for ``path`` if it is still valid, else None."""
    try:
        found = _entry(path)
        if found is None:
            return None
        entry, resolved, given = found
        with open(entry, "rb") as fh:
            payload = marshal.loads(fh.read())  # one read: marshal.load(fh) reads in small pieces
        tag, stored_paths, env_names, env_digest, records, raw, allow, files, rows = payload
        if tag != _TAG or stored_paths != (resolved, given):
            return None
        if env_names and _env_digest(env_names) != env_digest:
            return None
        fresh, refreshed = _fresh(records, time.time_ns())
        if not fresh:
            return None
        if refreshed is not None:  # racy or touched files read and unchanged: trust them next time
            try:
                _write(entry, payload)
            except OSError:
                pass
        history = envvars.expand(raw[1]) if raw[1] is not None else "__migrations"
        migrations = list(map(_CachedMigration, rows))
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
        entry, resolved, given = found
        if _holds_password(manifest.database_template):
            return  # never write a secret to disk
        env_names = sorted(record.env_names)
        rows = [
            (m.id, m.description, m.transaction, m.irreversible, m.source_file, m.source_line, m.placeholders,
             m.repeatable, tuple(m.up_sources), tuple(m.text_checksum(s.text) for s in m.up_sources.values()),
             marshal.dumps((_pack(m.up_sources), _pack(m.down_sources) if m.down_sources else None)))
            for m in manifest.migrations
        ]
        since = record.started_ns
        payload = (
            _TAG, (resolved, given), env_names, _env_digest(env_names) if env_names else "",
            [[r.path, r.size, r.digest, fingerprint(r.stat, since) if r.stat is not None else None]
             for r in record.files],
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
