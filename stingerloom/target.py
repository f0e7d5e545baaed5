"""Which database a command works on (SPEC §2).

Precedence: the ``--database`` flag, then ``STINGERLOOM_DATABASE_URL``, then the manifest's
``database``, then the embedded default: a SQLite file ``stingerloom.db`` in the current folder.
The manifest's ``${VAR}`` is expanded only when it is the target (SPEC §7), so an unset
``DATABASE_URL`` never stands in the way of ``--database``.
"""

from __future__ import annotations

import os

from .errors import URLError
from .urls import DatabaseURL

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

DEFAULT_URL = "sqlite:///stingerloom.db"
ENV_VAR = "STINGERLOOM_DATABASE_URL"


def resolve_database(flag: str | None, manifest: Any = None) -> tuple[DatabaseURL, bool]:
    """The target URL and whether it is the embedded default (which the CLI announces).

    ``manifest`` is a loaded :class:`~stingerloom.manifest.Manifest` (its ``database`` is read only
    when neither the flag nor the variable gives the target) or a URL string. A URL that does not
    parse is reported with where it came from, never with its text (it may hold a password).
    """
    if flag:
        return parse_from(flag, "--database"), False
    env = os.environ.get(ENV_VAR)
    if env:
        return parse_from(env, ENV_VAR), False
    if isinstance(manifest, str) or manifest is None:
        url, file, line = manifest, None, None
    else:
        url, file, line = manifest.database, str(manifest.path), manifest.database_line
    if url:
        return parse_from(url, "the manifest's `database:`", file, line), False
    if url is not None and file is not None:  # a target named, empty once its ${VAR} is expanded
        why = " (the environment variable it names is set but empty)" if "$" in (getattr(manifest, "database_template", None) or "") else ""
        raise URLError(f"the manifest's `database:` is empty{why}", file=file, line=line,
                       hint="give it a database URL (or set the variable it names), or give --database URL or "
                            "STINGERLOOM_DATABASE_URL")
    return DatabaseURL.parse(DEFAULT_URL), True


def parse_from(url: str, source: str, file: str | None = None, line: int | None = None) -> DatabaseURL:
    """``url`` parsed; an error names ``source`` (and file:line), never the URL's text."""
    try:
        return DatabaseURL.parse(url)
    except URLError as exc:
        raise URLError(f"{source}: {exc.message}", file=file or exc.file, line=line or exc.line,
                       hint=exc.hint) from None


def default_notice() -> str:
    return ("no database given (--database, STINGERLOOM_DATABASE_URL or the manifest's `database:`): "
            "using the embedded SQLite default ./stingerloom.db")
