"""The one list of dialect names and of their other spellings (re-exported by :mod:`stingerloom.dialects`).

URLs, manifests, the configuration, lint and the SQL lexer all take the names from here. A module of
its own, importing nothing, so that :mod:`stingerloom.urls` can use it without an import cycle.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Optional


#: the dialects, by their canonical names (the keys of per-dialect SQL blocks)
NAMES = ("postgres", "mysql", "sqlite")
#: every accepted spelling (URL schemes, ``--dialect``/``--target`` options, lexer names) -> its name
ALIASES = {
    **{name: name for name in NAMES},
    "postgresql": "postgres", "pg": "postgres",
    "mariadb": "mysql",
    "sqlite3": "sqlite",
}
#: dialects whose database is a file named by the URL's path (no host, port or user)
FILE_DATABASES = ("sqlite",)


def canonical(name: str) -> Optional[str]:
    """The canonical dialect name of a spelling (``postgresql`` -> ``postgres``), or None."""
    return ALIASES.get(name.strip().lower()) if isinstance(name, str) else None
