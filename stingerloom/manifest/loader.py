"""Reading a manifest and its migration files into a :class:`Manifest`, collecting every problem.

The steps, each of which adds :class:`~stingerloom.errors.Problem` objects instead of stopping:

1. read the manifest (YAML or TOML) with positions (:mod:`.yamlplain` for the plainest YAML,
   else :mod:`.yamlsource`; :mod:`.tomlsource`);
2. validate it: the common valid shapes by :mod:`.fastcheck` (no pydantic import), anything else
   with :class:`.models.ManifestFile`, mapping each pydantic ``loc`` to a line/column;
3. expand ``${VAR}`` in its values (``database`` only when it is read: it may not be the target);
4. check each migration path (resolved, symlinks included, before the "inside the folder" test);
5. read and validate every migration file (several documents per YAML file allowed);
6. check that ids are unique.

Problem codes: SL101 invalid content, SL102 bad path, SL103 duplicate or missing id.
"""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

from ..errors import Problem
from ..migration import SqlMigration, SqlSource
from . import envvars, fastcheck
from .cache import FileRecord, LoadRecord
from .fastcheck import DIALECT_KEYS
from .located import Located
from .result import Manifest
from .yamlplain import read_plain

TYPE_CHECKING = False  # typing itself is not imported at run time (~2 ms of every cold apply)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from pydantic import BaseModel

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_INCLUDE_DEPTH = 32
MAX_ID_LENGTH = 255  # the history table's id column: VARCHAR(255) on PostgreSQL and MySQL
YAML_SUFFIXES = (".yaml", ".yml")
TOML_SUFFIXES = (".toml",)
SQL_SUFFIXES = (".sql",)
_MIGRATION_SUFFIXES = YAML_SUFFIXES + TOML_SUFFIXES + SQL_SUFFIXES
_VERSION = re.compile(r"(\d+)(?=[_.\-])")
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


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _read_all(fd: int, size: int) -> bytes:
    """Up to ``MAX_FILE_BYTES + 1`` bytes of ``fd`` (of ``size`` bytes when opened; it may grow)."""
    chunks = [os.read(fd, size + 1)]
    total = len(chunks[0])
    while chunks[-1] and total <= MAX_FILE_BYTES:
        chunks.append(os.read(fd, MAX_FILE_BYTES + 1 - total))
        total += len(chunks[-1])
    return b"".join(chunks)


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))
    return next((name for test, name in kinds if test(mode)), "not a file")


class Loader:
    def __init__(self, path: Path, env: Any = None) -> None:
        self.path = path
        self.folder = path.parent  # the top manifest's folder
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
        self.allow = False
        self.stack: list[Path] = []  # manifests being included (cycle check)
        self.referenced: set[Path] = set()  # .sql files read by {file: ...} blocks
        self.database_line: int | None = None
        self.cwd = os.getcwd()  # what Path.absolute() would prefix, asked once per load
        self.started_ns = time.time_ns()  # before any file is read: the cache's "racy" reference

    # -- helpers ------------------------------------------------------------------------------------
    def record(self) -> LoadRecord:
        """What the manifest cache keeps of this load beside the manifest."""
        return LoadRecord(self.records, list(self.used_env), self.raw.get("history_table"), self.started_ns)

    def problem(self, message: str, file: str | None, pos: tuple = (None, None), *, key: str | None = None,
                code: str = "SL101") -> None:
        self.problems.append(Problem(message, file, pos[0], pos[1], key=key, code=code))

    def read_text(self, path: Path, display: str, pos_file: str | None, pos: tuple, code: str) -> str | None:
        """The text of ``path``, or None after reporting why it cannot be read."""
        try:
            # O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files are read
            fd = os.open(path, os.O_RDONLY | _NONBLOCK)
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    self.problem(f"not a regular file ({_file_kind(st.st_mode)}): {display}", pos_file, pos, code=code)
                    return None
                if st.st_size > MAX_FILE_BYTES:
                    self.problem(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: {display}", display)
                    return None
                data = _read_all(fd, st.st_size)
            finally:
                os.close(fd)
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
            # utf-8-sig decodes in Python (~1 µs a file); without a BOM it is utf-8, decoded in C
            text = data.decode("utf-8-sig" if data[:3] == b"\xef\xbb\xbf" else "utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            self.problem(f"not UTF-8 text (byte {exc.start})", display, (line, None))
            return None
        name = str(path)
        self.records.append(FileRecord(name if os.path.isabs(name) else os.path.join(self.cwd, name), data, st=st))
        return text

    def parse(self, text: str, display: str, suffix: str) -> list[Located]:
        if suffix in TOML_SUFFIXES:
            from .tomlsource import read_toml

            doc, problems = read_toml(text, display)
            self.problems.extend(problems)
            return [doc] if doc is not None else []
        plain = read_plain(text, display)  # most files: without importing PyYAML
        if plain is not None:
            return plain
        from .yamlsource import read_yaml

        docs, problems = read_yaml(text, display)
        self.problems.extend(problems)
        return list(docs)

    def validate_manifest(self, doc: Located) -> dict | None:
        """``doc`` as a valid manifest (plain data, see :mod:`.fastcheck`), or None after its problems."""
        return self._checked(doc, "ManifestFile")

    def validate_migration(self, doc: Located) -> dict | None:
        """``doc`` as a valid migration (plain data, see :mod:`.fastcheck`), or None after its problems."""
        return self._checked(doc, "MigrationFile")

    def _checked(self, doc: Located, model_name: str) -> dict | None:
        """The fast check first; pydantic (and its error messages) only for what it leaves undecided."""
        plain = fastcheck.CHECKS[model_name](doc.data)
        if plain is not None:
            return plain
        from . import models

        model = self.validate(getattr(models, model_name), doc)
        return None if model is None else fastcheck.FROM_MODEL[model_name](model)

    def validate(self, model: type[BaseModel], doc: Located) -> BaseModel | None:
        """pydantic's verdict on ``doc``: the model, or None after adding one problem per error."""
        from pydantic import ValidationError

        try:
            return model.model_validate(doc.data)
        except ValidationError as exc:
            for err in exc.errors():
                self.problems.append(problem_from_error(err, doc, model))
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
        model = self.validate_manifest(doc)
        if model is not None:
            entries, allow = model["migrations"], model["allow_outside_paths"]
            database, history = model["database"], model["history_table"]
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
        self.allow = allow
        self.stack = [path.resolve()]
        self.load_entries(doc, entries, self.folder, migrations, files, top=True)
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

    def load_entries(self, doc: Located, entries: list, base: Path, migrations: list[SqlMigration],
                     files: list[str], top: bool = False) -> None:
        """The ``migrations:`` list of the manifest ``doc`` (whose folder is ``base``), in order.

        ``top``: the top manifest's list, whose entries with problems are remembered in ``broken``
        (for `status`, which still shows the history)."""
        for index, entry in enumerate(entries):
            before = len(self.problems)
            self.load_one_entry(doc, index, entry, base, migrations, files)
            if top and len(self.problems) > before:
                label = entry if isinstance(entry, str) else " ".join(
                    f"{k}: {v if str(v).isprintable() else repr(v)}" for k, v in entry.items())
                self.broken.append((len(migrations), label, self.problems[before:]))

    def load_one_entry(self, doc: Located, index: int, entry: Any, base: Path, migrations: list[SqlMigration],
                       files: list[str]) -> None:
        if isinstance(entry, dict) and isinstance(entry.get("include"), str):
            self.load_include(doc, index, entry["include"], base, migrations, files)
        elif isinstance(entry, dict) and isinstance(entry.get("directory"), str):
            self.load_directory(doc, index, entry["directory"], base, migrations, files)
        elif isinstance(entry, str):
            self.load_entry(doc, index, entry, base, migrations, files)

    def resolve_entry(self, doc: Located, pos: tuple, entry: str, base: Path, key: str = "migrations") -> Path | None:
        """``base / entry`` if it may be read (inside the top manifest's folder unless allowed), else None."""
        entry_expanded = self.expand(doc, key, entry)
        if entry_expanded is None:
            return None
        if not entry_expanded.strip():
            self.problem("empty migration path", doc.file, pos, key=key, code="SL102")
            return None
        if self.plain_name_inside(base, entry_expanded):
            return base / entry_expanded
        from .paths import check_inside

        _, problem = check_inside(base, entry_expanded, allow_outside=self.allow, root=self.path.parent)
        if problem is not None:
            if "leaves" in problem or problem.startswith("absolute path"):
                problem += "; set `allow_outside_paths: true` in the manifest if this is intended"
            self.problem(problem, doc.file, pos, key=key, code="SL102")
            return None
        return base / entry_expanded

    def plain_name_inside(self, base: Path, entry: str) -> bool:
        """True for a file name (no folder part) beside the top manifest that is not a symlink: it is
        inside the manifest's folder, as :func:`.paths.check_inside` would find after resolving the
        whole path (one ``lstat`` here instead of one per folder of the path). False means: check fully."""
        if self.allow or (base is not self.folder and base != self.folder) or entry in (".", "..") \
                or "/" in entry or os.sep in entry or "\0" in entry:
            return False
        try:
            return not stat.S_ISLNK(os.lstat(os.path.join(base, entry)).st_mode)
        except FileNotFoundError:
            return True  # resolves to the folder's own path joined with the name: inside
        except OSError:
            return False

    def load_entry(self, doc: Located, index: int, entry: str, base: Path,
                   migrations: list[SqlMigration], files: list[str]) -> None:
        pos = doc.where(("migrations", index))
        target = self.resolve_entry(doc, pos, entry, base)
        if target is not None:
            self.load_file(target, doc.file, pos, migrations, files)

    def load_file(self, target: Path, pos_file: str | None, pos: tuple, migrations: list[SqlMigration],
                  files: list[str]) -> None:
        """One migration file (YAML, TOML, or dbmate .sql) named at ``pos_file``:``pos``."""
        display = os.path.normpath(target)
        suffix = target.suffix.lower()
        if suffix not in _MIGRATION_SUFFIXES:
            self.problem(f"{target.name!r}: unsupported file type (expected .yaml, .yml, .toml or .sql)",
                         pos_file, pos, key="migrations", code="SL102")
            return
        text = self.read_text(target, display, pos_file, pos, "SL102")
        if text is None:
            return
        files.append(display)
        if suffix in SQL_SUFFIXES:
            from .sqlfile import parse_sql_file

            migration, problems = parse_sql_file(text, display, target.stem)
            self.problems.extend(problems)
            if migration is not None:
                migrations.append(migration)
            return
        docs = self.parse(text, display, suffix)
        if not docs:
            if not any(p.file == display for p in self.problems):
                self.problem("no migration in this file: it needs at least `up:`", display, (1, 1))
            return
        several = len(docs) > 1
        for doc_index, mdoc in enumerate(docs):
            migration = self.load_migration(mdoc, target.stem, several, doc_index, target)
            if migration is not None:
                migrations.append(migration)

    def load_include(self, doc: Located, index: int, entry: str, base: Path,
                     migrations: list[SqlMigration], files: list[str]) -> None:
        """``{include: sub/manifest.yaml}``: that manifest's migrations, in its order, here."""
        pos = doc.where(("migrations", index))
        target = self.resolve_entry(doc, pos, entry, base)
        if target is None:
            return
        real = target.resolve()
        if real in self.stack:
            chain = " -> ".join(os.path.basename(p) for p in self.stack + [real])
            self.problem(f"include cycle: {entry!r} includes itself ({chain})", doc.file, pos,
                         key="include", code="SL102")
            return
        if len(self.stack) > MAX_INCLUDE_DEPTH:
            self.problem(f"includes nested more than {MAX_INCLUDE_DEPTH} deep", doc.file, pos, key="include",
                         code="SL102")
            return
        display = os.path.normpath(target)
        if target.suffix.lower() not in YAML_SUFFIXES + TOML_SUFFIXES:
            self.problem(f"include {entry!r}: a manifest is a .yaml, .yml or .toml file", doc.file, pos,
                         key="include", code="SL102")
            return
        text = self.read_text(target, display, doc.file, pos, "SL102")
        if text is None:
            return
        files.append(display)
        docs = self.parse(text, display, target.suffix.lower())
        if not docs:
            return
        sub = docs[0]
        if not isinstance(sub.data, dict):
            self.problem("an included manifest must be a mapping with `stingerloom: 1` and `migrations:`",
                         display, sub.start)
            return
        model = self.validate_manifest(sub)
        if model is None:
            return
        for key in ("database", "history_table", "allow_outside_paths"):
            if key in sub.data:
                self.problem(f"{key}: only the top manifest's {key} counts; remove it from this included manifest",
                             display, sub.where((key,), key=True), key=key)
        self.stack.append(real)
        try:
            self.load_entries(sub, model["migrations"], target.parent, migrations, files)
        finally:
            self.stack.pop()

    def load_directory(self, doc: Located, index: int, entry: str, base: Path,
                       migrations: list[SqlMigration], files: list[str]) -> None:
        """``{directory: versions/}``: every migration file there, in version order."""
        pos = doc.where(("migrations", index))
        folder = self.resolve_entry(doc, pos, entry, base)
        if folder is None:
            return
        try:
            st = os.stat(folder)  # before listing it: a later change changes its change time
            names = sorted(os.listdir(folder))
        except FileNotFoundError:
            self.problem(f"no such folder: {os.path.normpath(folder)}", doc.file, pos, key="directory", code="SL102")
            return
        except NotADirectoryError:
            self.problem(f"not a folder: {os.path.normpath(folder)}", doc.file, pos, key="directory", code="SL102")
            return
        except OSError as exc:
            self.problem(f"cannot list {os.path.normpath(folder)}: {exc.strerror or exc}", doc.file, pos,
                         key="directory", code="SL102")
            return
        # the folder's list of names tells the cache that a file was added, removed or renamed
        self.records.append(FileRecord.folder(str(folder.absolute()), names, st))
        found: list[tuple[int, str]] = []
        for name in names:
            suffix = os.path.splitext(name)[1].lower()
            if name.startswith(".") or suffix not in _MIGRATION_SUFFIXES:
                continue
            if not (folder / name).is_file():  # named like a migration but unreadable as one: never skipped silently
                what = ("a folder, not a migration file" if (folder / name).is_dir()
                        else "a symbolic link to nothing (its target is missing, or a loop)")
                self.problem(f"{os.path.normpath(folder / name)}: {what}", doc.file, pos, key="directory",
                             code="SL102")
                continue
            m = _VERSION.match(name)
            if m is None:
                self.problem(f"{os.path.normpath(folder / name)}: a file in a `directory:` folder must start with "
                             "its version, a number or a UTC timestamp (001_name.yaml, 20260101120000_name.sql)",
                             doc.file, pos, key="directory", code="SL102")
                continue
            found.append((int(m.group(1)), name))
        found.sort()
        slots: dict[str, list[SqlMigration]] = {}
        referenced_before = set(self.referenced)
        for _, name in found:  # YAML/TOML first: the .sql files they read are not migrations themselves
            if not name.lower().endswith(SQL_SUFFIXES):
                slots[name] = []
                self.load_file(folder / name, doc.file, pos, slots[name], files)
        referenced = self.referenced - referenced_before
        kept = [(v, n) for v, n in found if not (n.lower().endswith(SQL_SUFFIXES)
                                                  and (folder / n).resolve() in referenced)]
        by_version: dict[int, str] = {}
        for version, name in kept:
            if version in by_version:
                self.problem(f"{os.path.normpath(folder / name)} and {by_version[version]} have the same version "
                             f"{version}: rename one (`stingerloom new --timestamp` avoids this)", doc.file, pos,
                             key="directory", code="SL103")
            by_version.setdefault(version, name)
            if name not in slots:
                slots[name] = []
                self.load_file(folder / name, doc.file, pos, slots[name], files)
            migrations.extend(slots[name])

    # -- one migration ------------------------------------------------------------------------------
    def load_migration(self, doc: Located, stem: str, several: bool, doc_index: int,
                       file: Path) -> SqlMigration | None:
        """The migration of ``doc`` (document ``doc_index`` of ``file``, named ``stem``), or None after
        its problems."""
        data = doc.data
        if not isinstance(data, dict):
            self.problem("a migration must be a mapping of keys (id, description, up, down, ...)",
                         doc.file, doc.start)
            return None
        if several and "id" not in data:
            self.problem(f"document {doc_index + 1} of this file has no `id`: each migration of a "
                         "multi-document file needs one", doc.file, doc.start, key="id", code="SL103")
        model = self.validate_migration(doc)
        if model is None:
            return None
        migration = SqlMigration(
            model["id"] if model["id"] is not None else stem,
            up=self.sources(doc, "up", model["up"], file),
            down=self.sources(doc, "down", model["down"], file) if model["down"] is not None else None,
            description=model["description"],
            transaction=model["transaction"],
            irreversible=model["irreversible"],
            source_file=doc.file,
            source_line=doc.where(("id",), key=True)[0] if "id" in data else doc.start[0],
            placeholders=model["placeholders"],
            repeatable=model["repeatable"],
        )
        return migration

    def sources(self, doc: Located, key: str, value: str | dict, file: Path) -> dict[str, SqlSource]:
        """``up``/``down`` (plain, see :mod:`.fastcheck`) of the migration file ``file`` as one SqlSource
        per dialect named."""
        if isinstance(value, str):
            return {"default": _source(doc, (key,), value)}
        if "file" in value:
            return {"default": self.source(doc, (key,), value, file)}
        return {name: self.source(doc, (key, name), value[name], file) for name in DIALECT_KEYS if name in value}

    def source(self, doc: Located, path: tuple, value: str | dict, file: Path) -> SqlSource:
        if isinstance(value, str):
            return _source(doc, path, value)
        # {file: x.sql}, beside the migration file ``file``: the whole file, positions in that file
        pos = doc.where(path + ("file",))
        name = value["file"]
        target = self.resolve_entry(doc, pos, name, file.parent, key="file")
        text = None
        if target is not None:
            if target.suffix.lower() not in SQL_SUFFIXES:
                self.problem(f"file {name!r}: SQL is read from a .sql file", doc.file, pos, key="file",
                             code="SL102")
            else:
                display = os.path.normpath(target)
                text = self.read_text(target, display, doc.file, pos, "SL102")
                if text is not None:
                    self.referenced.add(target.resolve())
                    return SqlSource(text, display, 1, 1, 0, True)
        return SqlSource("", doc.file, pos[0], pos[1], 0, False)  # not used: the load has a problem

    def check_ids(self, migrations: list[SqlMigration]) -> None:
        seen: dict[str, SqlMigration] = {}
        for m in migrations:
            if len(m.id) > MAX_ID_LENGTH:  # PostgreSQL and MySQL would refuse its history row mid-run
                self.problem(f"id {m.id[:40] + '…'!r} is {len(m.id)} characters long: the history table's id "
                             f"column holds at most {MAX_ID_LENGTH}; use a shorter id", m.source_file, (m.source_line, 1), key="id",
                             code="SL103")
            first = seen.get(m.id)
            if first is None:
                seen[m.id] = m
                continue
            if m.source_file and first.source_file == m.source_file:  # one file reached twice (listed, included, a folder)
                self.problem(f"{m.source_file} is listed twice in the manifest (directly, through an include or a "
                             f"`directory:` entry): list it once, as each id runs once", m.source_file,
                             (m.source_line, 1), key="id", code="SL103")
                continue
            self.problem(f"duplicate id {m.id!r}: also used by {first.source_file}:{first.source_line}",
                         m.source_file, (m.source_line, 1), key="id", code="SL103")


def _source(doc: Located, path: tuple, text: str) -> SqlSource:
    block = doc.block(path)
    return SqlSource(text, doc.file, block.line, block.column, block.indent, block.exact)


def _clean_loc(loc: tuple) -> tuple:
    """``loc`` without pydantic's union member labels (which follow an ``up``/``down`` key)."""
    from .models import ENTRY_TAGS, UNION_TAGS

    out: list = []
    for part in loc:
        if part in UNION_TAGS and out and out[0] in ("up", "down") and len(out) <= 2:
            continue
        if part in ENTRY_TAGS and out and out[0] == "migrations" and len(out) == 2:
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
    keys_at = getattr(model, "keys_at", None)
    if keys_at is not None:  # a model with nested tables says itself (the project configuration)
        return keys_at(loc)
    from .models import DialectSql, MigrationFile

    if model is MigrationFile and len(loc) == 1 and loc[0] in ("up", "down"):
        return list(DialectSql.model_fields)
    return list(model.model_fields)


def problem_from_error(err: dict, doc: Located, model: type[BaseModel]) -> Problem:
    """A pydantic error of ``model`` validating ``doc``'s data, as a Problem at its file:line."""
    loc = _clean_loc(tuple(err["loc"]))
    kind = err["type"]
    key = str(loc[-1]) if loc and not isinstance(loc[-1], int) else (_dotted(loc) or None)
    name = _dotted(loc)
    if kind == "extra_forbidden":
        line, column = doc.where(loc, key=True)
        tags = set(err["loc"])
        allowed = (["file"] if "sqlfile" in tags else ["include"] if "entry_include" in tags
                   else ["directory"] if "entry_directory" in tags else _fields(model, loc[:-1]))
        message = f"unknown key {key!r} (expected one of: {', '.join(allowed)})"
        import difflib

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
        elif kind == "sql_text":
            expected = 'SQL text (write "" for a deliberate no-op)'
        elif kind == "manifest_entry":
            expected = "a file path, {include: manifest.yaml} or {directory: folder/}"
            if isinstance(err.get("input"), dict) and {"up", "down", "id"} & set(err["input"]):
                expected += " (a migration's id, up and down go in a file of their own, listed here by its path)"
        elif kind == "value_error":
            expected = None
        else:
            expected = getattr(model, "EXPECTED", {}).get(kind) or _EXPECTED.get(kind)
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
