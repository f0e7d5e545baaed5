"""Which database a command works on (SPEC §2).

Precedence: the ``--database`` flag, then ``STINGERLOOM_DATABASE_URL``, then the manifest's
``database``, then the embedded default: a SQLite file ``stingerloom.db`` in the current folder.
"""

from __future__ import annotations

import os

from .urls import DatabaseURL

DEFAULT_URL = "sqlite:///stingerloom.db"
ENV_VAR = "STINGERLOOM_DATABASE_URL"


def resolve_database(flag: str | None, manifest_database: str | None = None) -> tuple[DatabaseURL, bool]:
    """The target URL and whether it is the embedded default (which the CLI announces)."""
    for candidate in (flag, os.environ.get(ENV_VAR), manifest_database):
        if candidate:
            return DatabaseURL.parse(candidate), False
    return DatabaseURL.parse(DEFAULT_URL), True


def default_notice() -> str:
    return ("no database given (--database, STINGERLOOM_DATABASE_URL or the manifest's `database:`): "
            "using the embedded SQLite default ./stingerloom.db")
