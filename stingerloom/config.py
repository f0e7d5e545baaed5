"""The project configuration (SPEC §8): ``stingerloom.toml``, or ``[tool.stingerloom]`` in ``pyproject.toml``.

Found by walking up from the current folder (in each folder ``stingerloom.toml`` first, then a
``pyproject.toml`` that has a ``[tool.stingerloom]`` table), or named with ``--config FILE``.

Every setting is resolved with its origin, in this precedence: flags, then environment variables,
then the chosen environment's keys, then the manifest's, then the embedded default. ``${VAR}`` in a
configuration value is expanded only when that value is used (a ``prod`` URL never needs its
variable while you work on ``dev``). Relative paths (``manifest``, a ``sqlite:///`` file) are
relative to the configuration file's folder.

Light on purpose (tomllib and the standard library): pydantic is imported only when a configuration
file is really read.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ._record import Record
from .dialects import NAMES
from .errors import InputError, ManifestError, Problem
from .history import TABLE_PATTERN

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

CONFIG_NAME = "stingerloom.toml"
PYPROJECT = "pyproject.toml"
ENV_VAR = "STINGERLOOM_ENV"
CONFIG_VAR = "STINGERLOOM_CONFIG"
MAX_CONFIG_BYTES = 1024 * 1024
DEFAULT_LOCK_TIMEOUT = 60.0
# What any TOML spelling of a ``tool.stingerloom`` table contains: ``tool.stingerloom`` (a header or a
# dotted key, quotes and blanks around the dot allowed), a ``[tool]`` header, or ``tool = {``. A pattern
# text, compiled by ``re`` when first used: most runs read no pyproject.toml (0.15 ms of every start).
_TOOL_TABLE = rb"""tool["']?[ \t]*(?:\.[ \t]*["']?stingerloom|\]|=)"""


def shown(path: str | os.PathLike[str]) -> str:
    """``path`` as messages show it: relative to the current folder when inside it."""
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full)
    except ValueError:  # another drive (Windows)
        return full
    return full if rel.startswith("..") else rel


class Setting(Record):
    """A resolved value and where it came from (``--database``, ``STINGERLOOM_ENV``, ``file:line``, ``default``)."""

    __slots__ = ("value", "origin")


# -- finding and reading ------------------------------------------------------------------------------
def find_config(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest configuration file at or above ``start`` (default: the current folder), or None."""
    folder = Path(os.path.abspath(start or os.getcwd()))
    for d in (folder, *folder.parents):
        candidate = d / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = d / PYPROJECT
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError:
        return False
    if b"stingerloom" not in data or not re.search(_TOOL_TABLE, data):
        return False  # e.g. a project that only depends on stingerloom: no TOML parse on every run
    import tomllib

    try:
        tool = tomllib.loads(data.decode("utf-8-sig")).get("tool")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return b"[tool.stingerloom" in data  # broken, but meant for us: reading it will say where
    return isinstance(tool, dict) and "stingerloom" in tool


class Project:
    """A configuration file as read and validated (``model`` is a :class:`~stingerloom.configmodel.ConfigFile`)."""

    def __init__(self, path: Path, model: Any, doc: Any, prefix: tuple) -> None:
        self.path = path
        self.folder = path.parent
        self.model = model
        self._doc = doc
        self._prefix = prefix

    @property
    def display(self) -> str:
        return shown(self.path)

    def line(self, *keys: Any) -> int | None:
        return self._doc.where(self._prefix + keys)[0]

    def where(self, *keys: Any) -> str:
        """``file:line`` of the value at ``keys`` (e.g. ``("environments", "prod", "database")``)."""
        line = self.line(*keys)
        return f"{self.display}:{line}" if line else self.display

    def has(self, *keys: Any) -> bool:
        data = self._doc.data
        for k in self._prefix + keys:
            if not isinstance(data, dict) or k not in data:
                return False
            data = data[k]
        return True


def read_config(path: str | os.PathLike[str]) -> Project:
    """Read and validate the configuration at ``path``; raises :class:`ManifestError` listing every problem."""
    path = Path(path)
    display = shown(path)
    if path.is_dir():
        raise InputError(f"{display} is a folder, not a configuration file",
                         hint=f"give the path of a {CONFIG_NAME} (or a pyproject.toml)")
    try:
        if not path.is_file():
            raise FileNotFoundError
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise InputError(f"{display}: the configuration is larger than {MAX_CONFIG_BYTES // 1024} KB",
                             hint="a configuration holds settings, not data; check that this is the right file")
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"no such file: {display}", hint="check --config (or STINGERLOOM_CONFIG)") from None
    except OSError as exc:
        raise InputError(f"cannot read {display}: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise InputError(f"{display}: the configuration is larger than {MAX_CONFIG_BYTES // 1024} KB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError([Problem(f"not UTF-8 text (byte {exc.start})", display,
                                     data.count(b"\n", 0, exc.start) + 1)]) from None
    from .manifest.tomlsource import read_toml

    doc, problems = read_toml(text, display)
    if doc is None:
        raise ManifestError(problems)
    prefix: tuple = ()
    content = doc.data
    if path.name == PYPROJECT:
        prefix = ("tool", "stingerloom")
        content = (doc.data.get("tool") or {}).get("stingerloom") if isinstance(doc.data.get("tool"), dict) else None
        if content is None:
            raise InputError(f"{display} has no [tool.stingerloom] table",
                             hint=f"add one, or write the settings in {CONFIG_NAME}")
        if not isinstance(content, dict):
            raise ManifestError([Problem("tool.stingerloom must be a table", display, *doc.where(prefix))])
    model = _light_model(content)
    if model is not None:  # the usual case, without importing pydantic (start-up time)
        return Project(path, model, doc, prefix)
    from pydantic import ValidationError

    from .configmodel import ConfigFile
    from .manifest.loader import problem_from_error

    try:
        model = ConfigFile.model_validate(content)
    except ValidationError as exc:
        located = _Prefixed(doc, prefix)
        found = [problem_from_error(err, located, ConfigFile) for err in exc.errors()]
        raise ManifestError(sorted(found, key=lambda p: (p.line or 0, p.column or 0)),
                            hint="the JSON Schema schemas/config.schema.json lets an editor check this file") from None
    return Project(path, model, doc, prefix)


class _Table:
    """Plain attributes standing in for a validated pydantic model (see :func:`_light_model`)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


_ENV_KEYS = {"database", "lock_timeout", "placeholders", "history_table", "out_of_order"}
_LINT_KEYS = {"select", "ignore", "per-file-ignores", "target", "dialects"}
_TOP_KEYS = {"manifest", "default_env", "id_format", "environments", "lint"}


def _text(v: Any) -> bool:
    return isinstance(v, str) and v != ""


def _texts(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _light_env(e: Any) -> _Table | None:
    import re

    if not isinstance(e, dict) or not set(e) <= _ENV_KEYS:
        return None
    lt = e.get("lock_timeout")
    ph = e.get("placeholders")
    if (("database" in e and not _text(e["database"]))
            or ("history_table" in e and not (_text(e["history_table"]) and re.fullmatch(TABLE_PATTERN, e["history_table"])))
            or (lt is not None and (isinstance(lt, bool) or not isinstance(lt, (int, float)) or not 0 <= lt < float("inf")))
            or ("lock_timeout" in e and lt is None)
            or ("out_of_order" in e and e["out_of_order"] not in ("error", "warn", "apply"))
            or ("placeholders" in e and not (isinstance(ph, dict) and all(
                isinstance(v, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) for k, v in ph.items())))):
        return None
    return _Table(database=e.get("database"), lock_timeout=float(lt) if lt is not None else None,
                  placeholders=ph, history_table=e.get("history_table"), out_of_order=e.get("out_of_order"))


def _light_model(c: dict) -> _Table | None:
    """``c`` as plain attributes when it is plainly valid, else None (pydantic then says what is wrong).

    Accepts a subset of what :class:`~stingerloom.configmodel.ConfigFile` accepts, with the same values."""
    if not set(c) <= _TOP_KEYS:
        return None
    if any(k in c and not _text(c[k]) for k in ("manifest", "default_env")):
        return None
    if "id_format" in c and c["id_format"] not in ("number", "timestamp"):
        return None
    envs = c.get("environments", {})
    if not isinstance(envs, dict):
        return None
    environments = {}
    for name, e in envs.items():
        env = _light_env(e)
        if env is None:
            return None
        environments[name] = env
    lint = c.get("lint", {})
    if not isinstance(lint, dict) or not set(lint) <= _LINT_KEYS:
        return None
    pfi, target = lint.get("per-file-ignores"), lint.get("target")
    if (any(k in lint and not _texts(lint[k]) for k in ("select", "ignore", "dialects"))
            or not set(lint.get("dialects") or ()) <= set(NAMES)
            or ("per-file-ignores" in lint and not (isinstance(pfi, dict) and all(_texts(v) for v in pfi.values())))
            or ("target" in lint and not (isinstance(target, dict) and set(target) <= set(NAMES)
                                          and all(isinstance(v, str) for v in target.values())))):
        return None
    return _Table(manifest=c.get("manifest"), default_env=c.get("default_env"), id_format=c.get("id_format", "number"),
                  environments=environments,
                  lint=_Table(select=lint.get("select"), ignore=lint.get("ignore"), per_file_ignores=pfi,
                              target=target, dialects=lint.get("dialects")))


def lint_table(lint: Any) -> dict:
    """The [lint] settings as written (aliases, unset keys left out)."""
    names = {"select": "select", "ignore": "ignore", "per_file_ignores": "per-file-ignores", "target": "target",
             "dialects": "dialects"}
    return {alias: getattr(lint, name) for name, alias in names.items() if getattr(lint, name, None) is not None}


class _Prefixed:
    """A located document seen from one of its tables (``[tool.stingerloom]`` of a pyproject.toml)."""

    def __init__(self, doc: Any, prefix: tuple) -> None:
        self._doc, self._prefix = doc, prefix
        self.file = doc.file

    def where(self, path: tuple, *, key: bool = False) -> tuple[int | None, int | None]:
        return self._doc.where(self._prefix + tuple(path), key=key)


def load_project(config: str | None = None, cwd: str | None = None) -> Project | None:
    """The configuration named by ``config`` (or STINGERLOOM_CONFIG), else the nearest one, else None."""
    named = config or os.environ.get(CONFIG_VAR) or None
    if named:
        return read_config(named)
    found = find_config(cwd)
    return read_config(found) if found is not None else None


# -- resolution -----------------------------------------------------------------------------------
class Settings:
    """Everything a command needs from flags, environment variables, the configuration and defaults.

    Manifest-level values (``database``, ``history_table``) are completed by :meth:`database` and
    :meth:`history_table` once the manifest is loaded.
    """

    def __init__(self, project: Project | None, *, env: str | None = None, config_flag: str | None = None,
                 sets: dict[str, str] | None = None, lock_timeout: float | None = None,
                 database: str | None = None) -> None:
        self.project = project
        self.sets = dict(sets or {})
        self._database_flag = database
        self._lock_flag = lock_timeout
        self.env_name, self.env_origin = self._pick_env(env)
        self.environment = None
        if self.env_name is not None:
            envs = project.model.environments if project is not None else {}
            if self.env_name not in envs:
                self._unknown_env(envs)
            self.environment = envs[self.env_name]

    def _pick_env(self, flag: str | None) -> tuple[str | None, str | None]:
        if flag:
            return flag, "--env"
        if os.environ.get(ENV_VAR):
            return os.environ[ENV_VAR], ENV_VAR
        if self.project is not None and self.project.model.default_env:
            return self.project.model.default_env, self.project.where("default_env")
        return None, None

    def _unknown_env(self, envs: dict) -> None:
        import difflib

        name = self.env_name
        if self.project is None:
            raise InputError(f"environment {name!r} ({self.env_origin}): there is no configuration file",
                             hint=f"write a {CONFIG_NAME} with [environments.{name}] (`stingerloom init` creates one)")
        known = sorted(envs)
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        msg = f"unknown environment {name!r} (from {self.env_origin}): "
        msg += f"{self.project.display} defines {', '.join(known)}" if known else f"{self.project.display} defines none"
        file, line = (self.project.display, self.project.line("default_env")) if self.env_origin not in (
            "--env", ENV_VAR) else (None, None)
        raise InputError(msg + (f"; did you mean {close[0]!r}?" if close else ""), file=file, line=line,
                         hint=f"add [environments.{name}] to {self.project.display}, or pick another with --env")

    def _env_key(self, key: str) -> Setting | None:
        env = self.environment
        if env is None or getattr(env, key) is None:
            return None
        return Setting(getattr(env, key), self.project.where("environments", self.env_name, key))

    # -- settings ------------------------------------------------------------------------------
    def manifest(self, given: str | None) -> Setting:
        """The manifest path: the command's argument, else the configuration's ``manifest``."""
        if given:
            return Setting(given, "argument")
        p = self.project
        if p is not None and p.model.manifest:
            return Setting(self._inside(p.model.manifest, ("manifest",)), p.where("manifest"))
        where = f" or set `manifest` in {p.display}" if p is not None else \
            f" (or write a {CONFIG_NAME} with `manifest = \"migrations/manifest.yaml\"`: `stingerloom init` does)"
        raise InputError("no manifest given", hint=f"name the MANIFEST file{where}")

    def _inside(self, value: str, keys: tuple) -> str:
        """``value`` (a path relative to the configuration's folder), refused if it leaves that folder."""
        from .manifest import envvars
        from .manifest.paths import check_inside

        p = self.project
        try:
            value = envvars.expand(value)
        except (ValueError, envvars.UndefinedVariable) as exc:
            raise InputError(f"{'.'.join(keys)}: {exc}", file=p.display, line=p.line(*keys)) from None
        resolved, problem = check_inside(p.folder, value, allow_outside=False, what="the configuration's folder")
        if problem is not None:
            raise InputError(f"{'.'.join(keys)}: {problem}", file=p.display, line=p.line(*keys),
                             hint="paths in the configuration are relative to its folder and stay inside it")
        return shown(p.folder / value)

    def lock_timeout(self) -> Setting:
        if self._lock_flag is not None:
            return Setting(self._lock_flag, "--lock-timeout")
        return self._env_key("lock_timeout") or Setting(DEFAULT_LOCK_TIMEOUT, "default")

    def out_of_order(self) -> Setting:
        return self._env_key("out_of_order") or Setting("error", "default")

    def id_format(self) -> Setting:
        p = self.project
        if p is not None and p.has("id_format"):
            return Setting(p.model.id_format, p.where("id_format"))
        return Setting("number", "default")

    def history_table(self, manifest: Any = None) -> Setting:
        found = self._env_key("history_table")
        if found is not None:
            return Setting(self._expand(found, "history_table"), found.origin)
        if manifest is not None:
            value = manifest.history_table
            return Setting(value, str(manifest.path) if value != "__migrations" else "default")
        return Setting("__migrations", "default")

    def env_database(self) -> Setting | None:
        """The environment's ``database`` (expanded now: only call it when it is the target)."""
        found = self._env_key("database")
        if found is None:
            return None
        url = self._expand(found, "database")
        return Setting(_sqlite_relative_to(url, self.project.folder), found.origin)

    def target(self, manifest: Any = None) -> tuple[Any, bool]:
        """The target :class:`~stingerloom.urls.DatabaseURL` and whether it is the embedded default:
        ``--database``, ``STINGERLOOM_DATABASE_URL``, the environment's ``database`` (expanded only
        now, as it is the target), the manifest's, the default. A URL that does not parse is
        reported with where it came from, never with its text."""
        from .target import ENV_VAR as DB_VAR
        from .target import parse_from, resolve_database

        if not (self._database_flag or os.environ.get(DB_VAR)):
            env_db = self.env_database()
            if env_db is not None:
                file, _, line = env_db.origin.rpartition(":")
                return parse_from(env_db.value, f"environments.{self.env_name}.database", file or None,
                                  int(line) if line.isdigit() else None), False
        return resolve_database(self._database_flag, manifest)

    def database(self, manifest: Any = None, *, expand: bool = True) -> Setting:
        """The target URL and its origin (SPEC §2 with the environment between the variable and the manifest).

        ``expand=False`` shows ``${VAR}`` values as written (``stingerloom config``)."""
        from .target import DEFAULT_URL
        from .target import ENV_VAR as DB_VAR

        if self._database_flag:
            return Setting(self._database_flag, "--database")
        if os.environ.get(DB_VAR):
            return Setting(os.environ[DB_VAR], DB_VAR)
        if self._env_key("database") is not None:
            return self.env_database() if expand else self._env_key("database")
        if manifest is not None and getattr(manifest, "database", None):
            return Setting(manifest.database, str(manifest.path))
        return Setting(DEFAULT_URL, "default")

    def _expand(self, setting: Setting, key: str) -> str:
        from .manifest import envvars

        try:
            return envvars.expand(setting.value)
        except envvars.UndefinedVariable as exc:
            file, _, line = setting.origin.rpartition(":")
            raise InputError(
                f"environments.{self.env_name}.{key}: environment variable {exc.name!r} is not set",
                file=file, line=int(line), hint=f"set {exc.name} (or give a default: ${{{exc.name}:-...}}), "
                "or pick another environment with --env") from None
        except ValueError as exc:
            file, _, line = setting.origin.rpartition(":")
            raise InputError(f"environments.{self.env_name}.{key}: {exc}", file=file, line=int(line)) from None

    def targets(self, name: str) -> list[str]:
        """The database URLs of ``[targets.NAME]`` (``${VAR}`` expanded now: they are the targets)."""
        import difflib

        from .fleet import target_urls
        from .manifest import envvars

        p = self.project
        if p is None:
            raise InputError(f"--targets {name}: there is no configuration file",
                             hint=f"write a {CONFIG_NAME} with [targets.{name}] (urls, file or query)")
        groups = getattr(p.model, "targets", None) or {}
        if name not in groups:
            close = difflib.get_close_matches(name, sorted(groups), n=1, cutoff=0.6)
            raise InputError(f"--targets {name}: {p.display} defines "
                             + (", ".join(sorted(groups)) if groups else "no [targets.*]")
                             + (f"; did you mean {close[0]!r}?" if close else ""),
                             hint=f"add [targets.{name}] to {p.display}")

        def expand(value: str) -> str:
            try:
                return envvars.expand(value)
            except envvars.UndefinedVariable as exc:
                raise InputError(f"targets.{name}: environment variable {exc.name!r} is not set",
                                 file=p.display, line=p.line("targets", name),
                                 hint=f"set {exc.name} (or give a default: ${{{exc.name}:-...}})") from None
            except ValueError as exc:
                raise InputError(f"targets.{name}: {exc}", file=p.display, line=p.line("targets", name)) from None

        try:
            urls = target_urls(name, groups[name], p.folder, expand=expand,
                               anchor=lambda u: _sqlite_relative_to(u, p.folder))
        except InputError as exc:
            if exc.file is None:
                exc.file, exc.line = p.display, p.line("targets", name)
            raise
        return urls

    def placeholders(self):
        """The :class:`~stingerloom.placeholders.PlaceholderValues` of the environment and ``--set``."""
        from .placeholders import PlaceholderValues

        config: dict[str, tuple[str, str]] = {}
        env = self.environment
        if env is not None and env.placeholders:
            for name, value in env.placeholders.items():
                config[name] = (value, self.project.where("environments", self.env_name, "placeholders", name))
        return PlaceholderValues(config, self.sets, self.env_name)

    def lint(self) -> Any:
        """The configuration's [lint] table (a LintConfig), or None."""
        return self.project.model.lint if self.project is not None else None


def _sqlite_relative_to(url: str, folder: Path) -> str:
    """A relative ``sqlite:///file.db`` made relative to ``folder`` (the configuration's)."""
    prefix = next((p for p in ("sqlite:///", "sqlite3:///") if url.startswith(p)), None)
    if prefix is None:
        return url
    rest = url[len(prefix):]
    if not rest or rest.startswith("/") or rest.startswith(":memory:"):
        return url
    return prefix + str(folder / rest)


def settings_from_args(args: Any) -> Settings:
    """:class:`Settings` for a parsed command line (``--config``, ``--env``, ``--set``, ``--database``, ...)."""
    items = getattr(args, "set", None)
    if items:  # without --set, placeholders (and its patterns) need not be imported: most commands never do
        from .placeholders import parse_sets

    project = load_project(getattr(args, "config", None))
    return Settings(project, env=getattr(args, "env", None), sets=parse_sets(items) if items else {},
                    lock_timeout=getattr(args, "lock_timeout", None), database=getattr(args, "database", None))


__all__ = ["Project", "Setting", "Settings", "find_config", "load_project", "read_config", "settings_from_args"]
