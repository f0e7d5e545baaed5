"""``stingerloom lint``: the offline CI gate for migration manifests.

Layout:

- :mod:`.project` – lint as a project runs it (flags over the ``[lint]`` configuration, ``--explain``);
  the command is ``stingerloom.cli.cmd_lint``.
- :mod:`.engine` – reads manifests, splits and parses every block once per dialect, dispatches the
  statements to the rules, applies ``-- stingerloom:ignore`` comments.
- :mod:`.parse` – the real parsers: pglast (PostgreSQL), stdlib sqlite3 (SQLite); MySQL statements are
  classified by keyword (best effort, never a syntax error).
- :mod:`.api` – the rule API: ``Rule`` and its three hooks (statement, migration, manifest), ``Stmt``,
  ``MigrationCheck``; :mod:`.facts` – what several rules share; :mod:`.bases` – rule families.
- :mod:`.registry` – every rule code and the module that holds it; rule modules load lazily.
- :mod:`.rules` – one rule per file, named for what it checks; the docstring is the documentation.
- :mod:`.workers` – the worker processes the command may hand a long manifest to.
- the output formats (text, json, sarif, github, junit) are in :mod:`stingerloom.render.lint`.
"""

from __future__ import annotations

__all__ = ["lint_paths"]


def lint_paths(paths, **options):  # pragma: no cover - thin re-export
    """Lint manifests and return a :class:`stingerloom.lint.model.LintResult`."""
    from .engine import lint_paths as _lint

    return _lint(paths, **options)
