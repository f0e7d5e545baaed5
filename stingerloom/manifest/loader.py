"""Reading a manifest and its migration files into a :class:`Manifest`, collecting every problem.

The steps, each of which adds :class:`~stingerloom.errors.Problem` objects instead of stopping:

1. read the manifest (YAML or TOML) with positions (:mod:`.yamlsource`, :mod:`.tomlsource`);
2. validate it with :class:`.models.ManifestFile`, mapping each pydantic ``loc`` to a line/column;
3. expand ``${VAR}`` in its values (``database`` only when it is read: it may not be the target);
4. check each migration path (resolved, symlinks included, before the "inside the folder" test);
5. read and validate every migration file (several documents per YAML file allowed);
6. check that ids are unique.

Problem codes: SL101 invalid content, SL102 bad path, SL103 duplicate or missing id.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Problem
from ..migration import SqlMigration, SqlSource
from . import envvars
from .cache import digest
from .located import Located
from .models import UNION_TAGS, DialectSql, ManifestFile, MigrationFile
from .result import Manifest

MAX_FILE_BYTES = 10 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")
TOML_SUFFIXES = (".toml",)
DIALECT_KEYS = ("postgres", "mysql", "sqlite", "default")
_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?")

_EXPECTED = {
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "list_type": "a list of file paths",
    "string_too_short": "a non-empty string",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
}


class FileRecord:
    """What the cache needs to know about one file that was read: its size and content digest."""

    __slots__ = ("path", "size", "digest")

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.size = len(data)
        self.digest = digest(data)


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))
    return next((name for test, name in kinds if test(mode)), "not a file")


class Loader:
    def __init__(self, path: Path, env: Any = None) -> None:
        self.path = path
        self.display = str(path)
        self.env = os.environ if env is None else env
        self.problems: list[Problem] = []
        #: entries whose file could not be loaded: (migrations loaded before it, entry, its problems)
        self.broken: list[tuple[int, str, list[Problem]]] = []
        #: the usable part of a manifest whose only problems are in its entries' files, else None
        self.partial: Manifest | None = None
        self.records: list[FileRecord] = []
        self.used_env: dict[str, str | None] = {}
        self.raw: dict[str, str | None] = {}  # database/history_table before expansion
        self.database_line: int | None = None

    # -- helpers ------------------------------------------------------------------------------------
    def problem(self, message: str, file: str | None, pos: tuple = (None, None), *, key: str | None = None,
                code: str = "SL101") -> None:
        self.problems.append(Problem(message, file, pos[0], pos[1], key=key, code=code))

    def read_text(self, path: Path, display: str, pos_file: str | None, pos: tuple, code: str) -> str | None:
        """The text of ``path``, or None after reporting why it cannot be read."""
        try:
            # O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files are read
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with open(fd, "rb") as fh:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    self.problem(f"not a regular file ({_file_kind(st.st_mode)}): {display}", pos_file, pos, code=code)
                    return None
                if st.st_size > MAX_FILE_BYTES:
                    self.problem(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: {display}", display)
                    return None
                data = fh.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            self.problem(f"no such file: {display}", pos_file, pos, code=code)
            return None
        except IsADirectoryError:
            self.problem(f"is a folder, not a file: {display}", pos_file, pos, code=code)
            return None
        except OSError as exc:
            self.problem(f"cannot read {display}: {exc.strerror or exc}", pos_file, pos, code=code)
            return None
        if len(data) > MAX_FILE_BYTES:
            self.problem(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: {display}", display)
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            self.problem(f"not UTF-8 text (byte {exc.start})", display, (line, None))
            return None
        self.records.append(FileRecord(str(path.absolute()), data))
        return text

    def parse(self, text: str, display: str, suffix: str) -> list[Located]:
        if suffix in TOML_SUFFIXES:
            from .tomlsource import read_toml

            doc, problems = read_toml(text, display)
            self.problems.extend(problems)
            return [doc] if doc is not None else []
        from .yamlsource import read_yaml

        docs, problems = read_yaml(text, display)
        self.problems.extend(problems)
        return list(docs)

    def validate(self, model: type[BaseModel], doc: Located) -> BaseModel | None:
        try:
            return model.model_validate(doc.data)
        except ValidationError as exc:
            for err in exc.errors():
                self.problems.append(_problem_from_error(err, doc, model))
            return None

    def expand(self, doc: Located, key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return envvars.expand(value, self.env, self.used_env)
        except envvars.UndefinedVariable as exc:
            self.problem(
                f"{key}: environment variable {exc.name!r} is not set "
                f"(set it, or give a default: ${{{exc.name}:-...}})",
                doc.file, doc.where((key,)), key=key,
            )
        except ValueError as exc:
            self.problem(f"{key}: {exc}", doc.file, doc.where((key,)), key=key)
        return None

    # -- the manifest -------------------------------------------------------------------------------
    def load(self) -> Manifest | None:
        path = self.path
        text = self.read_text(path, self.display, self.display, (None, None), "SL102")
        if text is None:
            return None
        docs = self.parse(text, self.display, path.suffix.lower())
        if not docs:
            if not self.problems:
                self.problem("the manifest is empty: it needs at least `stingerloom: 1`", self.display, (1, 1))
            return None
        if len(docs) > 1:
            self.problem("a manifest holds one YAML document, not several", self.display, docs[1].start)
        doc = docs[0]
        data = doc.data
        if not isinstance(data, dict):
            self.problem("the manifest must be a mapping of keys, e.g. `stingerloom: 1` and `migrations:`",
                         self.display, doc.start)
            return None
        model = self.validate(ManifestFile, doc)
        if model is not None:
            entries, allow = list(model.migrations), model.allow_outside_paths
            database, history = model.database, model.history_table
        else:  # keep going with what is usable, to report the migration files' problems too
            raw_entries = data.get("migrations")
            entries = raw_entries if isinstance(raw_entries, list) else []
            allow = data.get("allow_outside_paths") is True
            database, history = data.get("database"), data.get("history_table", "__migrations")
        self.raw = {"database": database, "history_table": history if isinstance(history, str) else None}
        self.database_line = doc.where(("database",))[0] if "database" in data else None
        if isinstance(database, str):  # expanded only when it is the target (SPEC §7); its syntax now
            try:
                envvars.expand(database, envvars.ANY_VALUE)
            except ValueError as exc:
                self.problem(f"database: {exc}", doc.file, doc.where(("database",)), key="database")
        history_raw = history
        history = self.expand(doc, "history_table", history)
        if isinstance(history, str) and not _TABLE.fullmatch(history):
            shown = repr(history) if history == history_raw else f"{history_raw!r} (as expanded from the environment)"
            self.problem(
                f"history_table: {shown} is not a table name (letters, digits, _; optionally schema.table)",
                self.display, doc.where(("history_table",)), key="history_table",
            )
        migrations: list[SqlMigration] = []
        files: list[str] = [str(path)]
        header_problems = len(self.problems)
        for index, entry in enumerate(entries):
            if isinstance(entry, str):
                before = len(self.problems)
                self.load_entry(doc, index, entry, allow, migrations, files)
                if len(self.problems) > before:  # for `status`, which still shows the history
                    self.broken.append((len(migrations), entry, self.problems[before:]))
        self.check_ids(migrations)
        loaded = Manifest(
            path=path,
            database_template=database if isinstance(database, str) else None,
            database_line=self.database_line,
            history_table=history,
            allow_outside_paths=allow,
            migrations=migrations,
            file_names=files,
        )
        if self.problems:
            if model is not None and not header_problems and sum(len(b[2]) for b in self.broken) == len(self.problems):
                self.partial = loaded
            return None
        return loaded

    def load_entry(self, doc: Located, index: int, entry: str, allow: bool,
                   migrations: list[SqlMigration], files: list[str]) -> None:
        pos = doc.where(("migrations", index))
        entry_expanded = self.expand(doc, "migrations", entry)
        if entry_expanded is None:
            return
        entry = entry_expanded
        if not entry.strip():
            self.problem("empty migration path", self.display, pos, key="migrations", code="SL102")
            return
        if "\0" in entry:
            self.problem("migration path contains a NUL byte (\\0), which no file name can hold",
                         self.display, pos, key="migrations", code="SL102")
            return
        base = self.path.parent
        target = base / entry
        display = os.path.normpath(target) if not os.path.isabs(entry) else entry
        hint = "set `allow_outside_paths: true` in the manifest if this is intended"
        if not allow:
            if os.path.isabs(entry):
                self.problem(f"absolute path {entry!r} is not allowed: paths are relative to the "
                             f"manifest's folder ({hint})", self.display, pos, key="migrations", code="SL102")
                return
            try:
                resolved = target.resolve()
                inside = resolved.is_relative_to(base.resolve())
            except (OSError, RuntimeError) as exc:  # symlink loop
                self.problem(f"cannot resolve {entry!r}: {exc}", self.display, pos, key="migrations", code="SL102")
                return
            if not inside:
                how = "through a symlink " if ".." not in Path(entry).parts else ""
                self.problem(f"path {entry!r} leaves the manifest's folder {how}(it resolves to {resolved}; "
                             f"{hint})", self.display, pos, key="migrations", code="SL102")
                return
        suffix = target.suffix.lower()
        if suffix not in YAML_SUFFIXES + TOML_SUFFIXES:
            self.problem(f"{entry!r}: unsupported file type (expected .yaml, .yml or .toml)",
                         self.display, pos, key="migrations", code="SL102")
            return
        text = self.read_text(target, display, self.display, pos, "SL102")
        if text is None:
            return
        files.append(display)
        docs = self.parse(text, display, suffix)
        if not docs:
            if not any(p.file == display for p in self.problems):
                self.problem("no migration in this file: it needs at least `up:`", display, (1, 1))
            return
        several = len(docs) > 1
        for doc_index, mdoc in enumerate(docs):
            migration = self.load_migration(mdoc, Path(entry).stem, several, doc_index)
            if migration is not None:
                migrations.append(migration)

    # -- one migration ------------------------------------------------------------------------------
    def load_migration(self, doc: Located, stem: str, several: bool, doc_index: int) -> SqlMigration | None:
        data = doc.data
        if not isinstance(data, dict):
            self.problem("a migration must be a mapping of keys (id, description, up, down, ...)",
                         doc.file, doc.start)
            return None
        if several and "id" not in data:
            self.problem(f"document {doc_index + 1} of this file has no `id`: each migration of a "
                         "multi-document file needs one", doc.file, doc.start, key="id", code="SL103")
        model = self.validate(MigrationFile, doc)
        if model is None:
            return None
        migration = SqlMigration(
            model.id if model.id is not None else stem,
            up=self.sources(doc, "up", model.up),
            down=self.sources(doc, "down", model.down) if model.down is not None else None,
            description=model.description,
            transaction=model.transaction,
            irreversible=model.irreversible,
            source_file=doc.file,
            source_line=doc.where(("id",), key=True)[0] if "id" in data else doc.start[0],
        )
        return migration

    @staticmethod
    def sources(doc: Located, key: str, value: str | DialectSql) -> dict[str, SqlSource]:
        if isinstance(value, str):
            return {"default": _source(doc, (key,), value)}
        return {
            name: _source(doc, (key, name), text)
            for name in DIALECT_KEYS
            if (text := getattr(value, name)) is not None
        }

    def check_ids(self, migrations: list[SqlMigration]) -> None:
        seen: dict[str, SqlMigration] = {}
        for m in migrations:
            first = seen.get(m.id)
            if first is None:
                seen[m.id] = m
                continue
            self.problem(f"duplicate id {m.id!r}: also used by {first.source_file}:{first.source_line}",
                         m.source_file, (m.source_line, 1), key="id", code="SL103")


def _source(doc: Located, path: tuple, text: str) -> SqlSource:
    block = doc.block(path)
    return SqlSource(text, doc.file, block.line, block.column, block.indent, block.exact)


def _clean_loc(loc: tuple) -> tuple:
    """``loc`` without pydantic's union member labels (which follow an ``up``/``down`` key)."""
    out: list = []
    for part in loc:
        if part in UNION_TAGS and out and out[-1] in ("up", "down") and len(out) == 1:
            continue
        out.append(part)
    return tuple(out)


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _short(value: Any) -> str:
    import datetime

    text = value.isoformat() if isinstance(value, (datetime.date, datetime.time)) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed in the mapping at ``loc`` (a loc of the model's data)."""
    if model is MigrationFile and len(loc) == 1 and loc[0] in ("up", "down"):
        return list(DialectSql.model_fields)
    return list(model.model_fields)


def _problem_from_error(err: dict, doc: Located, model: type[BaseModel]) -> Problem:
    loc = _clean_loc(tuple(err["loc"]))
    kind = err["type"]
    key = str(loc[-1]) if loc and not isinstance(loc[-1], int) else (_dotted(loc) or None)
    name = _dotted(loc)
    if kind == "extra_forbidden":
        line, column = doc.where(loc, key=True)
        allowed = _fields(model, loc[:-1])
        message = f"unknown key {key!r} (expected one of: {', '.join(allowed)})"
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {close[0]!r}?"
        if len(loc) > 1:
            message = f"{_dotted(loc[:-1])}: {message}"
    elif kind == "missing":
        line, column = doc.where(loc[:-1])
        message = f"missing required key {key!r}"
        if loc == ("stingerloom",):
            message += " (the format version): add `stingerloom: 1` at the top of the manifest"
        elif loc == ("up",):
            message += " (the SQL that applies the migration)"
    elif kind == "literal_error" and loc == ("stingerloom",):
        line, column = doc.where(loc)
        message = f"unsupported format version {_short(err.get('input'))}: this stingerloom reads version 1"
    else:
        line, column = doc.where(loc)
        if kind == "string_type" and len(loc) == 2 and loc[0] in ("up", "down"):
            expected = 'SQL text (write "" for a deliberate no-op)'
        elif kind == "sql_block":
            expected = "SQL text or a mapping from dialect (postgres, mysql, sqlite, default) to SQL"
        elif kind == "value_error":
            expected = None
        else:
            expected = _EXPECTED.get(kind)
        if expected is None:
            msg = err.get("msg", "invalid value")
            message = f"{name}: {msg.removeprefix('Value error, ')}" if name else msg
        else:
            message = f"{name}: expected {expected}, got {_short(err.get('input'))}"
    return Problem(message, doc.file, line, column, key=key, code="SL101")


def load(path: Path, env: Any = None) -> tuple[Manifest | None, list[Problem], Loader]:
    """Read ``path`` fully (no cache): the manifest (None if any problem), the problems, the loader."""
    loader = Loader(path, env)
    manifest = loader.load()
    return manifest, _in_file_order(loader.problems), loader


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    """Problems grouped by file (in the order files were first mentioned), then by position."""
    rank: dict[str | None, int] = {}
    for p in problems:
        rank.setdefault(p.file, len(rank))
    return sorted(problems, key=lambda p: (rank[p.file], p.line or 0, p.column or 0))
