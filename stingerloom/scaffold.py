"""``init`` and ``new``: scaffolding files, and appending an entry to a manifest's list.

The manifest is edited as text so that its comments and layout survive.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

from .errors import InputError

MANIFEST_TEMPLATE = """\
# stingerloom manifest: the migrations, in the order they run (paths relative to this folder).
stingerloom: 1
# database: ${DATABASE_URL}        # optional default target; --database and STINGERLOOM_DATABASE_URL win
migrations: []
"""

YAML_TEMPLATE = """\
description: {description}
up: |
  -- the SQL of this change (several statements may follow each other)
down: |
  -- the SQL that reverts it
"""

TOML_TEMPLATE = '''\
description = "{description}"
up = """
-- the SQL of this change (several statements may follow each other)
"""
down = """
-- the SQL that reverts it
"""
'''

SQL_TEMPLATE = """\
-- {description}
-- migrate:up
-- the SQL of this change (several statements may follow each other)

-- migrate:down
-- the SQL that reverts it
"""

CONFIG_TEMPLATE = """\
# stingerloom project configuration (README: "Configuration"). Every key is optional.
# yaml-language-server-like editors can validate it with schemas/config.schema.json.
manifest = "{manifest}"        # so `stingerloom status` needs no argument
# default_env = "dev"            # else --env NAME or STINGERLOOM_ENV picks one
# id_format = "timestamp"        # `stingerloom new` names files YYYYMMDDHHMMSS_name (UTC)

# [environments.dev]
# database = "sqlite:///dev.db"              # relative to this file's folder
# [environments.prod]
# database = "${{PROD_DATABASE_URL}}"         # read from the OS environment, only when prod is used
# lock_timeout = 30
# placeholders = {{ schema = "app" }}          # ${{schema}} in migration SQL

# [lint]
# select = ["SL9"]
# ignore = ["SL905"]
# per-file-ignores = {{ "migrations/legacy/*" = ["SL601"] }}
# target = {{ postgres = "15" }}
"""

_NUMBER = re.compile(r"^(\d+)_")


MANIFEST_TOML_TEMPLATE = """\
# stingerloom manifest: the migrations, in the order they run (paths relative to this folder).
stingerloom = 1
migrations = []
"""


def init_project(folder: str | Path, name: str = "manifest.yaml") -> list[Path]:
    """Create ``folder/NAME`` (``manifest.yaml``) and, unless one exists, a ``stingerloom.toml`` naming it.

    The configuration goes into the current folder when ``folder`` is inside it (the usual
    ``stingerloom init`` / ``init db``), else into ``folder`` itself."""
    folder = Path(folder)
    manifest = folder / name
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder", hint="give init a folder for the manifest (default: migrations)")
    if manifest.exists() or (name == "manifest.yaml" and (folder / "manifest.toml").exists()):
        raise InputError(f"{manifest} already exists", hint="init never overwrites; use `stingerloom new` to add a migration")
    cwd = Path.cwd()
    home = Path(".") if folder.resolve().is_relative_to(cwd.resolve()) else folder
    config = home / "stingerloom.toml"
    created = [manifest]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        manifest.write_text(MANIFEST_TOML_TEMPLATE if name.endswith(".toml") else MANIFEST_TEMPLATE, encoding="utf-8")
        if not config.exists() and not _has_tool(home):  # never a second configuration
            rel = os.path.relpath(manifest.resolve(), home.resolve()).replace(os.sep, "/")
            with open(config, "x", encoding="utf-8") as fh:
                fh.write(CONFIG_TEMPLATE.format(manifest=rel))
            created.append(config)
    except OSError as exc:
        raise InputError(f"cannot create {exc.filename or manifest}: {exc.strerror}") from None
    return created


def _has_tool(folder: Path) -> bool:
    from .config import _has_tool_table

    return _has_tool_table(folder / "pyproject.toml")


_NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems (slugs are ASCII)


def slug(name: str) -> str:
    s = re.sub(r"[\s\-]+", "_", name.strip()).lower()
    if not s or not re.fullmatch(r"[a-z0-9_]+", s):
        raise InputError(f"invalid migration name {name!r}: it becomes the file name and the id",
                         hint="use ASCII letters (a-z), digits, spaces, '-' and '_' only (no '/', '.' or "
                              "accented letters), e.g. add_phone_to_users")
    return s


def next_number(manifest: Path, folder: Path | None = None) -> tuple[int, int]:
    """(next number, zero-padding width) from the numbered files in ``folder`` (default: the
    manifest's) and the manifest's list. Timestamped names (14 digits) are not numbers to follow."""
    names = [p.name for p in (folder or manifest.parent).iterdir() if p.is_file()]
    names += re.findall(r"[\w./-]+\.(?:ya?ml|toml)", manifest.read_text(encoding="utf-8"))
    numbers = [(int(m.group(1)), len(m.group(1))) for n in names
               if (m := _NUMBER.match(Path(n).name)) and len(m.group(1)) < 14]
    if not numbers:
        return 1, 3
    return max(n for n, _ in numbers) + 1, max(3, max(w for _, w in numbers))


def sorts_before(path: Path) -> str | None:
    """The newest timestamped file of ``path``'s folder when ``path`` is numbered (009_x): a folder
    runs in version order, so ``path`` runs before that file although it was written after it."""
    if re.match(r"^\d{14}_", path.name) or not _NUMBER.match(path.name):
        return None
    stamped = sorted(p.name for p in path.parent.iterdir() if re.match(r"^\d{14}_", p.name))
    return stamped[-1] if stamped else None


def _free_timestamp(folder: Path) -> str:
    """The UTC time as YYYYMMDDHHMMSS, one second later while a file of ``folder`` already starts
    with it: two `new --timestamp` in the same second would give a `directory:` folder two files of
    one version, which it refuses."""
    from datetime import timedelta

    taken = {p.name.split("_", 1)[0] for p in folder.iterdir()} if folder.is_dir() else set()
    when = datetime.now(timezone.utc)
    while f"{when:%Y%m%d%H%M%S}" in taken:
        when += timedelta(seconds=1)
    return f"{when:%Y%m%d%H%M%S}"


def new_migration(manifest: str | Path, name: str, *, toml: bool = False, sql: bool = False,
                  timestamp: bool = False) -> tuple[Path, bool]:
    """Write the next migration file; returns ``(path, appended)``.

    When the manifest's list ends with a ``{directory: X}`` entry, the file is written into X and the
    manifest is left alone (``appended`` is False): branches then never edit the same list.
    """
    manifest = Path(manifest)
    if not manifest.is_file():
        if Path(name).is_file() and Path(name).suffix.lower() in (".yaml", ".yml", ".toml"):
            # `new add_x manifest.yaml`: the manifest comes first
            raise InputError(f"{manifest}: no such manifest, and {name} is a file, not a migration name",
                             hint=f"the manifest comes first: stingerloom new {name} {manifest}")
        raise InputError(f"{manifest}: no such manifest", hint="create one with `stingerloom init`")
    folder = last_directory(manifest)
    target = folder if folder is not None else manifest.parent
    if timestamp:
        stem = f"{_free_timestamp(target)}_{slug(name)}"
    else:
        number, width = next_number(manifest, target)
        stem = f"{number:0{width}d}_{slug(name)}"
    suffix = ".sql" if sql else ".toml" if toml else ".yaml"
    if len(stem + suffix) > _NAME_MAX:  # the file system's limit for one name (the id stays under 255)
        room = _NAME_MAX - len(stem + suffix) + len(slug(name))
        raise InputError(f"migration name too long: the file name would be {len(stem + suffix)} characters, "
                         f"over the {_NAME_MAX} a file name may have",
                         hint=f"use a name of at most {room} characters")
    path = target / (stem + suffix)
    template = SQL_TEMPLATE if sql else TOML_TEMPLATE if toml else YAML_TEMPLATE
    description = name.replace('"', "'").replace("_", " ")
    if not (sql or toml):
        from .manifest.yamlwrite import scalar

        description = scalar(description)  # `new "fix: users"` still writes valid YAML
    text = template.format(description=description)
    # The manifest's new text first: a list it cannot append to is refused before any file is written.
    listed = None if folder is not None else _appended(manifest, path.name)
    try:
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise InputError(f"{path} already exists") from None
    except OSError as exc:  # a folder this user cannot write, a read-only file system…
        raise InputError(f"cannot create {path}: {exc.strerror}") from None
    if listed is None:
        return path, False
    try:
        manifest.write_text(listed, encoding="utf-8", newline="")
    except OSError as exc:  # a read-only manifest: take the new file back, so a retry numbers the same
        path.unlink(missing_ok=True)
        raise InputError(f"cannot write {manifest}: {exc.strerror}; {path.name} was not created") from None
    return path, True


def last_directory(manifest: Path) -> Path | None:
    """The folder of the manifest's last entry when it is ``{directory: X}`` (inside the manifest's folder)."""
    text = manifest.read_text(encoding="utf-8")
    if "directory" not in text:
        return None
    try:
        if manifest.suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception:
        return None
    entries = data.get("migrations") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries or not isinstance(entries[-1], dict):
        return None
    sub = entries[-1].get("directory")
    if not isinstance(sub, str):
        return None
    from .manifest.paths import check_inside

    resolved, problem = check_inside(manifest.parent, sub)
    if problem is not None or not resolved.is_dir():
        raise InputError(f"{manifest}: the last entry's folder {sub!r} cannot take a new file: "
                         f"{problem or 'no such folder'}")
    return manifest.parent / sub


def append_to_manifest(manifest: str | Path, entry: str) -> None:
    """Add ``entry`` at the end of the manifest's ``migrations`` list, keeping the rest of the text."""
    manifest = Path(manifest)
    manifest.write_text(_appended(manifest, entry), encoding="utf-8", newline="")


def _appended(manifest: Path, entry: str) -> str:
    """The manifest's text with ``entry`` appended to its ``migrations`` list (refused when there is none)."""
    text = manifest.read_text(encoding="utf-8")
    nl = "\r\n" if "\r\n" in text else "\n"
    new = _append_toml(text, entry, nl) if manifest.suffix == ".toml" else _append_yaml(text, entry, nl)
    if new is None:
        raise InputError(f"{manifest}: cannot find the `migrations` list to append {entry} to; nothing was created",
                         hint="write the list one `- file` per line (or on one line, [a, b]) and run `new` "
                              f"again; or create {entry} and list it by hand")
    return new


def _append_yaml(text: str, entry: str, nl: str) -> str | None:
    from .manifest.yamlwrite import scalar

    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        m = re.match(r"^migrations\s*:\s*(.*?)\s*(#.*)?$", line.rstrip("\r\n"))
        if not m:
            continue
        value = m.group(1)
        if value.startswith("["):  # flow list
            inner = value[1:].rstrip()
            if not inner.endswith("]"):
                return None
            items = inner[:-1].strip()
            comment = f"  {m.group(2)}" if m.group(2) else ""
            if items:
                lines[i] = f"migrations: [{items}, {scalar(entry)}]{comment}{nl}"
            else:  # an empty list becomes a block list, the layout people edit by hand
                lines[i] = f"migrations:{comment}{nl}  - {scalar(entry)}{nl}"
            return "".join(lines)
        if value:
            return None
        last, indent = i, "  "
        for j in range(i + 1, len(lines)):
            s = lines[j]
            if not s.strip() or s.lstrip().startswith("#"):
                continue
            item = re.match(r"^(\s*)- ", s)
            if item is not None:
                last, indent = j, item.group(1)
                continue
            break
        if not lines[last].endswith(("\n", "\r")):
            lines[last] += nl
        lines.insert(last + 1, f"{indent}- {scalar(entry)}{nl}")
        return "".join(lines)
    return None


def _append_toml(text: str, entry: str, nl: str) -> str | None:
    m = re.search(r"(?m)^migrations\s*=\s*\[", text)
    if not m:
        return None
    depth, i, quote, last_sig = 1, m.end(), None, m.end() - 1
    while i < len(text):
        c = text[i]
        if quote:
            if c == quote:
                quote = None
            last_sig = i
        elif c in "\"'":
            quote, last_sig = c, i
        elif c == "#":
            end = text.find("\n", i)
            if end < 0:
                return None
            i = end
            continue
        elif c == "[":
            depth, last_sig = depth + 1, i
        elif c == "]":
            depth -= 1
            if depth == 0:
                break
            last_sig = i
        elif not c.isspace():
            last_sig = i
        i += 1
    if depth:
        return None
    empty = last_sig == m.end() - 1
    comma = "" if empty or text[last_sig] == "," else ","
    head, middle = text[: last_sig + 1] + comma, text[last_sig + 1 : i]
    if "\n" not in middle:
        return head + ("" if empty else " ") + f'"{entry}"' + middle + text[i:]
    k = middle.rfind("\n")
    cut = k - 1 if k > 0 and middle[k - 1] == "\r" else k
    return head + middle[:cut] + f'{nl}  "{entry}",' + middle[cut:] + text[i:]
