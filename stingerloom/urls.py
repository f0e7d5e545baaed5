"""Database URLs: parsing, the dialect they name, and redaction of passwords.

``str(DatabaseURL)`` never contains the password; ``redact(text)`` scrubs it (and any DSN fragment
``password=...``) out of driver messages before they are shown.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from ._record import FrozenRecord
from .errors import URLError

SCHEMES = {
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}


class DatabaseURL(FrozenRecord):
    """A parsed database URL. ``dialect`` is ``sqlite``, ``postgres`` or ``mysql``; for SQLite
    ``database`` is the file path (or ``:memory:``). ``repr`` and ``str`` never show the password."""

    __slots__ = ("raw", "scheme", "dialect", "user", "password", "host", "port", "database", "query")
    _defaults = {"user": None, "password": None, "host": None, "port": None, "database": None, "query": ()}
    _hidden = frozenset({"raw", "password"})

    @classmethod
    def parse(cls, url: str) -> "DatabaseURL":
        url = (url or "").strip()
        if "://" not in url:
            raise URLError(
                f"not a database URL: {_mask_guess(url)!r}",
                hint="use sqlite:///file.db, postgresql://user@host:5432/db or mysql://user@host:3306/db",
            )
        scheme = url.split("://", 1)[0].lower()
        scheme_base = scheme.split("+", 1)[0]
        if scheme_base not in SCHEMES:
            raise URLError(
                f"unsupported database URL scheme {scheme!r}",
                hint="supported: sqlite://, postgresql:// (postgres://), mysql:// (MariaDB too)",
            )
        dialect = SCHEMES[scheme_base]
        if dialect == "sqlite":
            rest = url.split("://", 1)[1]
            path, _, qs = rest.partition("?")
            if path.startswith("/"):
                path = path[1:]  # sqlite:///rel.db -> rel.db ; sqlite:////abs.db -> /abs.db
            if not path:
                path = ":memory:"
            return cls(raw=url, scheme=scheme, dialect=dialect, database=unquote(path),
                       query=tuple(parse_qsl(qs)))
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise URLError(f"invalid database URL {redact_url(url)!r}: {exc}") from None
        database = unquote(parts.path.lstrip("/")) or None
        return cls(
            raw=url,
            scheme=scheme,
            dialect=dialect,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            host=unquote(parts.hostname) if parts.hostname else None,
            port=port,
            database=database,
            query=tuple(parse_qsl(parts.query)),
        )

    @property
    def params(self) -> dict[str, str]:
        return dict(self.query)

    def __str__(self) -> str:
        if self.dialect == "sqlite":
            return f"sqlite:///{self.database}"  # an absolute path keeps its slash: sqlite:////abs.db
        auth = ""
        if self.user:
            auth = self.user + ("@" if self.password is None else ":***@")
        elif self.password is not None:
            auth = ":***@"
        host = self.host or ""
        if host and ":" in host:
            host = f"[{host}]"
        port = f":{self.port}" if self.port else ""
        db = f"/{self.database}" if self.database else ""
        return f"{self.scheme}://{auth}{host}{port}{db}"

    def redact(self, text: str) -> str:
        """``text`` with this URL's password (raw and URL-encoded) replaced by ``***``."""
        return redact(text, self.password, self.raw)


def _mask_guess(text: str) -> str:
    return re.sub(r"(:)[^:@/]*(@)", r"\1***\2", text)


def redact_url(url: str) -> str:
    """A URL string with any password masked, without needing it to parse."""
    return re.sub(r"(://[^:/@]*:)[^@]*(@)", r"\1***\2", url)


def redact(text: str, password: str | None = None, raw_url: str | None = None) -> str:
    """Scrub passwords out of ``text``: the given one, URL userinfo, and ``password=...`` pairs."""
    if not text:
        return text
    if raw_url:
        text = text.replace(raw_url, redact_url(raw_url))
    if password:
        from urllib.parse import quote

        for variant in {password, quote(password, safe=""), quote(password)}:
            if variant:
                text = text.replace(variant, "***")
    text = re.sub(r"(://[^:/@\s]*:)[^@\s]*(@)", r"\1***\2", text)
    text = re.sub(r"(password\s*=\s*)('[^']*'|\"[^\"]*\"|\S+)", r"\1***", text, flags=re.I)
    return text
