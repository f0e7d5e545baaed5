"""Database URLs: parsing, the dialect they name, and redaction of passwords.

``str(DatabaseURL)`` never contains the password; ``redact(text)`` scrubs it (and any DSN fragment
``password=...``) out of driver messages before they are shown.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from ._record import FrozenRecord
from .dialects.names import ALIASES as SCHEMES  # a URL scheme is any spelling of a dialect name
from .dialects.names import FILE_DATABASES
from .errors import URLError

DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}


class DatabaseURL(FrozenRecord):
    """A parsed database URL. ``dialect`` is ``sqlite``, ``postgres`` or ``mysql``; for SQLite
    ``database`` is the file path (or ``:memory:``). ``repr`` and ``str`` never show the password."""

    __slots__ = ("raw", "scheme", "dialect", "user", "password", "host", "port", "database", "query")
    _defaults = {"user": None, "password": None, "host": None, "port": None, "database": None, "query": ()}
    _hidden = frozenset({"raw", "password"})

    @classmethod
    def parse(cls, url: str) -> "DatabaseURL":
        """Parse ``url``. Errors never show any part of it beyond its scheme: it may hold a password."""
        url = (url or "").strip()
        if "://" not in url:
            raise URLError(
                "not a database URL (it has no scheme://)",
                hint="use sqlite:///file.db, postgresql://user@host:5432/db or mysql://user@host:3306/db",
            )
        if _CONTROL.search(url):
            raise URLError("the database URL contains a control character (a NUL byte, a line break…)",
                           hint="percent-encode it (%00, %0A) if it is really meant")
        scheme = url.split("://", 1)[0].lower()
        scheme_base = scheme.split("+", 1)[0]
        if scheme_base not in SCHEMES:
            raise URLError(
                f"unsupported database URL scheme {scheme[:20]!r}",
                hint="supported: sqlite://, postgresql:// (postgres://), mysql:// (MariaDB too)",
            )
        dialect = SCHEMES[scheme_base]
        if dialect in FILE_DATABASES:
            rest = url.split("://", 1)[1]
            path, _, qs = rest.partition("?")
            if path.startswith("/"):
                path = path[1:]  # sqlite:///rel.db -> rel.db ; sqlite:////abs.db -> /abs.db
            if not path:
                path = ":memory:"
            database = unquote(path)
            if "\0" in database:
                raise URLError("the SQLite file name contains a NUL byte (%00), which no file name can hold")
            if qs:  # `?mode=ro` must not be ignored while the file is opened read-write
                names = ", ".join(sorted({k for k, _ in parse_qsl(qs, keep_blank_values=True)})) or qs[:20]
                raise URLError(f"a SQLite URL takes no parameters ({names}): stingerloom would ignore them",
                               hint="remove the ?… part of the sqlite:/// URL (write a ? in the file name as %3F)")
            return cls(raw=url, scheme=scheme, dialect=dialect, database=database)
        user, password, rest = split_userinfo(url.split("://", 1)[1])
        try:
            parts = urlsplit(f"{scheme}://{rest}")
            port = parts.port
        except ValueError:
            raise URLError(f"invalid host or port in the database URL {redact_url(url)!r}",
                           hint="the port is a number; percent-encode /, ?, # and @ in the user name and password"
                           ) from None
        database = unquote(parts.path.lstrip("/")) or None
        return cls(
            raw=url,
            scheme=scheme,
            dialect=dialect,
            user=unquote(user) if user else None,
            password=unquote(password) if password is not None else None,
            host=unquote(parts.hostname) if parts.hostname else None,
            port=port,
            database=database,
            query=tuple(parse_qsl(parts.query)),
        )

    @property
    def params(self) -> dict[str, str]:
        return dict(self.query)

    def __str__(self) -> str:
        if self.dialect in FILE_DATABASES:
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


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# user[:password]@ at the start of what follows "://": the user name has no : / ? # @; the password is
# everything up to the LAST @ (as libpq and SQLAlchemy read it), so an unencoded / ? # or @ in it is
# still part of the password, never of the host, path or query that error messages show.
_USERINFO = re.compile(r"^(?P<user>[^:/?#@]*)(?::(?P<password>.*))?@(?P<rest>[^@]*)$", re.S)


def split_userinfo(rest: str) -> tuple[str | None, str | None, str]:
    """``(user, password, host-and-the-rest)`` of what follows ``scheme://`` (still percent-encoded)."""
    m = _USERINFO.match(rest)
    if m is None:
        return None, None, rest
    return m.group("user"), m.group("password"), m.group("rest")


def redact_url(url: str) -> str:
    """A URL string with any password masked, without needing it to parse."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    user, password, host = split_userinfo(rest)
    if password is None:
        return url
    return f"{scheme}://{user}:***@{host}"


# a pattern string, compiled (and cached by re) on first use: compiling it at import cost every start ~0.4 ms
_IN_TEXT = r"([a-z][a-z0-9+.-]*://[^:/?#@\s\"']*:)[^\s\"']*(@)"


def mask_url_passwords(text: str) -> str:
    """``text`` (e.g. a line of a file) with the password of every ``scheme://user:password@`` masked."""
    return re.sub(_IN_TEXT, r"\1***\2", text, flags=re.I) if "://" in text else text


def literal_password(url: str) -> bool:
    """True if ``url`` as written (``${VAR}`` references aside) holds a password."""
    text = re.sub(r"\$\{[^}]*\}", "", url)
    _, _, rest = text.partition("://")
    _, password, _ = split_userinfo(rest)
    return bool(password) or re.search(r"[?&]password=[^&]", text, re.I) is not None


def redact(text: str, password: str | None = None, raw_url: str | None = None) -> str:
    """Scrub passwords out of ``text``: the given one, URL userinfo, and ``password=...`` pairs."""
    if not text:
        return text
    if raw_url:
        text = text.replace(raw_url, redact_url(raw_url))
        scheme, _, rest = raw_url.partition("://")
        _, raw_password, _ = split_userinfo(rest)
        if raw_password:  # as written, still percent-encoded
            text = text.replace(raw_password, "***")
    if password:
        from urllib.parse import quote

        for variant in {password, quote(password, safe=""), quote(password)}:
            if variant:
                text = text.replace(variant, "***")
    text = re.sub(r"(://[^:/@\s]*:)\S*(@)", r"\1***\2", text)  # up to the last @: a password may hold @
    text = re.sub(r"(password\s*=\s*)('[^']*'|\"[^\"]*\"|\S+)", r"\1***", text, flags=re.I)
    return text
