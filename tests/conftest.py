"""Shared fixtures: real database servers and fresh databases.

- ``postgres_server`` / ``mysql_server`` (session): a ``tests.servers.Server`` whose ``.url`` is the admin
  URL (with password). Started on first use only, once per session, stopped and deleted at the end.
  ``STINGERLOOM_TEST_POSTGRES_URL`` / ``STINGERLOOM_TEST_MYSQL_URL`` point them at existing servers.
  Missing server programs skip the test, or fail it when ``CI=true``.
- ``fresh_database(dialect) -> url``: a new empty database per call (``sqlite``, ``postgres``, ``mysql``),
  dropped after the test.
- ``db_url``: parametrized over sqlite, postgres and mysql (marks ``postgres``/``mysql``); a fresh URL.
"""

from __future__ import annotations

import os
import sys
import uuid
from typing import Callable, Iterator

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import servers  # noqa: E402  (tests/servers.py, importable without tests/ being a package)

DIALECTS = ("sqlite", "postgres", "mysql")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _server(dialect: str) -> Iterator[servers.Server]:
    try:
        server = servers.get_server(dialect)
    except servers.ServerUnavailable as exc:
        if _in_ci():
            pytest.fail(f"CI=true but the {dialect} test server is unavailable: {exc}", pytrace=False)
        pytest.skip(str(exc))
    except servers.ServerFailed as exc:
        pytest.fail(f"the {dialect} test server did not start: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()  # a server from the environment has no process or folder: nothing happens


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[servers.Server]:
    """The PostgreSQL test server (``.url``: admin URL, database ``postgres``)."""
    yield from _server("postgres")


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[servers.Server]:
    """The MariaDB/MySQL test server (``.url``: admin URL, no database selected)."""
    yield from _server("mysql")


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """A factory: ``fresh_database("postgres")`` creates an empty database and returns its URL.

    Every database made is dropped (SQLite: its folder deleted) when the test ends.
    """
    made: list[tuple[servers.Server, str]] = []

    def make(dialect: str) -> str:
        if dialect == "sqlite":
            folder = tmp_path_factory.mktemp("sqlite")
            return f"sqlite:///{folder / 'test.db'}"  # an absolute path: sqlite:////tmp/.../test.db
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; use one of {DIALECTS}")
        server = request.getfixturevalue(f"{dialect}_server")
        name = f"sl_test_{uuid.uuid4().hex[:12]}"
        url = servers.create_database(server, name)
        made.append((server, name))
        return url

    yield make
    for server, name in reversed(made):
        servers.drop_database(server, name)


@pytest.fixture(params=[
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", id="mysql", marks=pytest.mark.mysql),
])
def db_url(request: pytest.FixtureRequest, fresh_database: Callable[[str], str]) -> str:
    """The URL of a fresh, empty database; the test runs once per dialect."""
    return fresh_database(request.param)
