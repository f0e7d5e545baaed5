"""``MigrationCli``: the TypeScript original's command object, over ``MigrationRunner``.

    cli = MigrationCli([CreateUsersTable, AddPhone], {"database": "sqlite:///app.db"})
    cli.execute("migrate:run")      # also migrate:rollback, migrate:status, migrate:generate

``execute`` returns the process exit code (0, 1 or 2) and keeps the outcome in ``last_result``.
"""

from __future__ import annotations

from typing import Any, Sequence

from .errors import InputError, StingerloomError
from .migration import Migration


class MigrationCli:
    COMMANDS = ("migrate:run", "migrate:rollback", "migrate:status", "migrate:generate")

    def __init__(self, migrations: Sequence[Migration | type] = (), options: dict | None = None) -> None:
        self.migrations = list(migrations)
        self.options = dict(options or {})
        self.last_result: Any = None
        self.last_error: StingerloomError | None = None

    def _runner(self):
        from .runner import MigrationRunner

        o = self.options
        return MigrationRunner(
            self.migrations,
            o.get("database") or o.get("connection") or "sqlite:///stingerloom.db",
            history_table=o.get("history_table", "__migrations"),
            lock_timeout=float(o.get("lock_timeout", 60.0)),
        )

    def execute(self, command: str, **kwargs: Any) -> int:
        """Run one command; print a short report unless ``options["quiet"]``."""
        self.last_error = None
        try:
            if command == "migrate:run":
                results = self._runner().run(to=kwargs.get("to"))
                self.last_result = results
                self._say(results)
                return 0 if all(r.success for r in results) else 1
            if command == "migrate:rollback":
                results = self._runner().rollback(int(kwargs.get("steps", 1)))
                self.last_result = results
                self._say(results)
                return 0 if all(r.success for r in results) else 1
            if command == "migrate:status":
                self.last_result = self._runner().status()
                if not self.options.get("quiet"):
                    s = self.last_result
                    print(f"executed: {', '.join(s['executed']) or '-'}\npending: {', '.join(s['pending']) or '-'}")
                return 0
            if command == "migrate:generate":
                return self._generate(**kwargs)
            raise InputError(f"unknown command {command!r}", hint="use one of: " + ", ".join(self.COMMANDS))
        except StingerloomError as exc:
            self.last_error = exc
            if not self.options.get("quiet"):
                print(f"error: {exc.format()}")
            return exc.exit_code

    def _generate(self, **kwargs: Any) -> int:
        try:
            from .schema import SchemaDiff, SchemaDiffMigrationGenerator
        except ImportError:
            raise InputError("migrate:generate is not available in this version") from None
        schema = kwargs.get("schema") or self.options.get("schema")
        if schema is None:
            raise InputError("migrate:generate needs a declarative schema: execute('migrate:generate', schema=...)")
        diff = SchemaDiff.compare(self.options.get("database") or "sqlite:///stingerloom.db", schema)
        self.last_result = SchemaDiffMigrationGenerator().generate(diff)
        return 0

    def _say(self, results: list) -> None:
        if self.options.get("quiet"):
            return
        for r in results:
            print(f"{'ok' if r.success else 'FAILED'}  {r.id}  {r.execution_ms} ms" + (f"  {r.error}" if r.error else ""))
