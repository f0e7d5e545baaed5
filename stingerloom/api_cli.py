"""``MigrationCli``: the TypeScript original's command object, over ``MigrationRunner``.

    cli = MigrationCli([CreateUsersTable, AddPhone], {"database": "sqlite:///app.db"})
    cli.execute("migrate:run")                  # also to="002_x"
    cli.execute("migrate:rollback", steps=2)    # or to="001_x", or all=True
    cli.execute("migrate:status")
    cli.execute("migrate:generate", schema={...})

``execute`` returns the process exit code (0, 1 or 2), keeps the outcome in ``last_result`` (a
failure in ``last_error``) and prints what the ``stingerloom`` command prints, unless
``options["quiet"]``. The commands themselves live in :func:`stingerloom.cli.cmd_api`.
"""

from __future__ import annotations

from typing import Any, Sequence

from .errors import StingerloomError
from .migration import Migration


class MigrationCli:
    COMMANDS = ("migrate:run", "migrate:rollback", "migrate:status", "migrate:generate")

    def __init__(self, migrations: Sequence[Migration | type] = (), options: dict | None = None) -> None:
        self.migrations = list(migrations)
        self.options = dict(options or {})
        self.last_result: Any = None
        self.last_error: StingerloomError | None = None

    @property
    def database(self) -> Any:
        """The target: ``options["database"]`` (or ``"connection"``), else ``sqlite:///stingerloom.db``."""
        o = self.options
        return o.get("database") or o.get("connection") or "sqlite:///stingerloom.db"

    def _runner(self):
        from .runner import MigrationRunner

        o = self.options
        return MigrationRunner(self.migrations, self.database, history_table=o.get("history_table", "__migrations"),
                               lock_timeout=float(o.get("lock_timeout", 60.0)))

    def execute(self, command: str, **kwargs: Any) -> int:
        """Run one command (:data:`COMMANDS`); its exit code."""
        from .cli import cmd_api

        return cmd_api(self, command, kwargs)
