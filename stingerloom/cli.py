"""The ``stingerloom`` command line: one ``cmd_<name>(args) -> int`` per command.

Only this module prints errors and picks exit codes (0 success, 1 the work failed, 2 invalid input).
Heavy modules (rich, drivers, PyYAML, pydantic) are imported inside the commands that need them.
"""

from __future__ import annotations

import argparse
import sys

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any, NoReturn

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2

ALIASES = {
    "migrate:run": "apply",
    "migrate:rollback": "rollback",
    "migrate:status": "status",
    "migrate:generate": "generate",
}


# -- output helpers ----------------------------------------------------------------------------
def _out(args: argparse.Namespace):
    from .render.console import Output

    if getattr(args, "_output", None) is None:
        args._output = Output(no_color=args.no_color, quiet=args.quiet)
    return args._output


def _settings(args: argparse.Namespace):
    """The resolved project settings (configuration file, --env, --set, ...), read once per command."""
    if getattr(args, "_settings", None) is None:
        from .config import settings_from_args

        args._settings = settings_from_args(args)
    return args._settings


def _load(args: argparse.Namespace):
    from .manifest import load_manifest

    args.manifest = _settings(args).manifest(getattr(args, "manifest", None)).value
    return load_manifest(args.manifest)


def _runner(args: argparse.Namespace, manifest, *, placeholders: str = "strict", reader: bool = False):
    """The runner for the target database. ``placeholders``: ``strict`` (every ${name} the dialect's
    SQL uses needs a value, or nothing runs), ``lenient`` (rollback: it runs the stored down SQL, so a
    placeholder without a value stays as written) or ``none`` (status: checksums are of the SQL as written,
    except a repeatable migration's, which are of its SQL with the values it would run with).
    ``reader``: only states are read (status), so a :class:`~stingerloom.states.HistoryReader` does,
    without importing the runner and its planner."""
    return _runner_for(args, manifest, _target(args, manifest), placeholders=placeholders, reader=reader)


def _target(args: argparse.Namespace, manifest):
    """The target database URL; a note says when it is the embedded default, and which environment."""
    from .target import default_notice

    settings = _settings(args)
    url, is_default = settings.target(manifest)
    if is_default and args.format != "json":
        _out(args).note(default_notice())
    if settings.env_name is not None and args.format != "json":  # say which environment this is
        _out(args).note(f"environment {settings.env_name} (from {settings.env_origin})")
    return url


def _runner_for(args: argparse.Namespace, manifest, url, *, placeholders: str = "strict", reader: bool = False):
    """The runner (``reader``: the history reader) for ``url`` with the project's history table, lock
    timeout and placeholders."""
    if reader:
        from .states import HistoryReader as make
    else:
        from .runner import MigrationRunner as make

    settings = _settings(args)
    runner = make(
        manifest.migrations, url, history_table=settings.history_table(manifest).value,
        lock_timeout=settings.lock_timeout().value,
    )
    if placeholders == "strict":
        from .placeholders import bind_strict

        runner.migrations = bind_strict(runner.migrations, settings.placeholders(), runner.dialect.name)
    elif placeholders == "lenient" or any(m.repeatable for m in runner.migrations):
        from .errors import InputError
        from .placeholders import bind

        values = settings.placeholders()

        def value(name: str) -> str:
            if not values.defined(name):
                return "${" + name + "}"
            try:
                return values.get(name)
            except InputError:  # status: a value's ${VAR} unset; apply says so before it runs anything
                if placeholders == "lenient":
                    raise
                return "${" + name + "}"

        wanted = runner.migrations if placeholders == "lenient" else [m for m in runner.migrations if m.repeatable]
        bound = dict(zip(map(id, wanted), bind(wanted, value)))
        runner.migrations = [bound.get(id(m), m) for m in runner.migrations]
    runner.out_of_order = settings.out_of_order().value
    runner.manifest_hint = _shell_word(args.manifest)
    return runner


def _shell_word(text: str) -> str:
    """``text`` as it can be pasted into a shell (the manifest path in suggested commands)."""
    import re

    text = str(text)
    if re.fullmatch(r"[\w@%+=:,./-]+", text, re.ASCII):  # what shlex.quote leaves as it is, without
        return text  # importing shlex on every run (~1 ms)
    import shlex

    return shlex.quote(text)


# -- commands ----------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    """Scaffold a manifest in DIR (default: ./migrations) and a project configuration."""
    from .scaffold import init_project

    out = _out(args)
    folder, name, configured = args.dir, "manifest.yaml", False
    if folder is None:  # the manifest an existing configuration names (pyproject.toml's [tool.stingerloom])
        from pathlib import Path

        folder = "migrations"
        settings = _settings(args)
        if settings.project is not None and settings.project.model.manifest:
            path = Path(settings.manifest(None).value)
            folder, name, configured = str(path.parent), path.name, True
            out.line(f"note: {settings.project.display} names the manifest {path}")
    created = init_project(folder, name)
    for path in created:
        out.line(f"created {path}")
    from pathlib import Path

    here = Path.cwd().resolve()
    found = configured or any(p.name == "stingerloom.toml" and p.parent.resolve() == here for p in created)
    # a configuration written elsewhere (`init ../other`) is not found from here: name the manifest
    out.line("next: stingerloom new create_first_table" if found
             else f"next: stingerloom new {_shell_word(str(created[0]))} create_first_table")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    """Create the next migration file (numbered or timestamped) and list it in the manifest."""
    from .scaffold import new_migration, sorts_before

    settings = _settings(args)
    manifest = settings.manifest(args.manifest).value
    timestamp = args.timestamp or (not args.number and settings.id_format().value == "timestamp")
    path, appended = new_migration(manifest, args.name, toml=args.toml, sql=args.sql, timestamp=timestamp)
    out = _out(args)
    out.line(f"created {path} (appended to {manifest})" if appended
             else f"created {path} (in the folder that {manifest} reads)")
    later = None if appended else sorts_before(path)
    if later is not None:
        out.warn(f"{path.name} sorts before {later} in {path.parent}, so it runs before it (a folder runs in "
                 "version order); if that one may be applied, delete this file and use `new --timestamp`")
    return EXIT_OK


def cmd_config(args: argparse.Namespace) -> int:
    """Show the resolved settings and where each comes from (passwords hidden)."""
    from .render.config import render_config, resolved

    data = resolved(_settings(args), getattr(args, "manifest", None))
    out = _out(args)
    if args.format == "json":
        out.json(data)
    else:
        render_config(out, data)
    return EXIT_OK


def cmd_fleet(args: argparse.Namespace, command: str) -> int:
    """``apply``, ``rollback`` or ``status`` on every database of ``[targets.NAME]`` (SPEC §11)."""
    from .errors import InputError
    from .fleet import Fleet, command_work

    for flag in ("dry_run", "script", "database", "check"):
        if getattr(args, flag, None):
            raise InputError(f"--{flag.replace('_', '-')} cannot be combined with --targets",
                             hint="run it against one database, without --targets")
    if getattr(args, "include_missing", False):
        raise InputError("--include-missing cannot be combined with --targets",
                         hint="revert another manifest's rows one database at a time")
    manifest = _load(args)
    urls = _settings(args).targets(args.targets)
    placeholders = {"apply": "strict", "rollback": "lenient", "status": "none"}[command]
    work = command_work(command, lambda url: _runner_for(args, manifest, url, placeholders=placeholders),
                        to=getattr(args, "to", None), steps=getattr(args, "steps", None),
                        all=getattr(args, "all", False))
    out = _out(args)
    from .render.fleet import FleetView, render_fleet

    view = FleetView(out, command, enabled=args.format != "json")
    fleet = Fleet(urls, work, parallel=args.parallel, canary=args.canary,
                  continue_on_error=args.continue_on_error, on_event=view.event)
    try:
        report = fleet.run()
    finally:
        view.close()
    if args.format == "json":
        out.json(report.to_json("status" if command == "status" else "results"))
    else:
        render_fleet(out, report, command)
    if report.interrupted:
        return 130
    failed = report.failed
    if failed:
        if args.format != "json":
            out.error(f"{len(failed)} of {len(report.outcomes)} target(s) failed: "
                      + ", ".join(o.target for o in failed[:5]) + (" …" if len(failed) > 5 else ""))
        return EXIT_FAILED
    return EXIT_OK


def cmd_apply(args: argparse.Namespace) -> int:
    """Apply pending migrations in manifest order."""
    if getattr(args, "targets", None):
        return cmd_fleet(args, "apply")
    _script_flags(args)
    manifest = _load(args)
    runner = _runner(args, manifest)
    out = _out(args)
    if args.dry_run or args.script:
        runner.dialect.read_only = True  # planned from the history as it is; nothing is written
        plan = runner.plan(to=args.to)
        if args.script:
            return _write_script(args, plan, "apply")
        if args.format == "json":
            from .render.script import shown_sql

            out.json({"database": plan.database, "dry_run": True, **_out_of_order(plan.out_of_order),
                      "results": [dict(_would_run(st.migration.id), sql=[shown_sql(st.source, s) for s in st.statements],
                                       **({"reason": st.reason} if st.reason else {})) for st in plan.steps]})
        else:
            from .render.text import render_dry_run, render_out_of_order

            render_dry_run(out, plan, _script_header(args, plan, "apply"))
            render_out_of_order(out, plan, "would apply")
        return EXIT_OK
    report, code = _run_with_progress(args, runner, lambda: runner.run_report(to=args.to))
    if args.format != "json":
        from .render.text import render_out_of_order

        render_out_of_order(out, report)
    return code


def _would_run(mid: str) -> dict:
    """A dry run's result for a migration in the plan (JSON)."""
    from .runner import MigrationResult

    return MigrationResult(mid, True).to_json()


def _out_of_order(ids: list) -> dict:
    """The out-of-order migrations a dry run would apply (out_of_order = "warn" or "apply"), for JSON."""
    return {"out_of_order": ids} if ids else {}


def cmd_rollback(args: argparse.Namespace) -> int:
    """Revert applied migrations, newest first (default: the last one)."""
    if getattr(args, "targets", None):
        return cmd_fleet(args, "rollback")
    _script_flags(args)
    manifest = _load(args)
    runner = _runner(args, manifest, placeholders="lenient")  # it runs the down SQL stored when applied
    steps = 1 if args.steps is None else args.steps
    out = _out(args)
    if _note_missing(args, runner):
        runner.dialect.read_only = True  # nothing to revert in a file that is not there: never create it
    if args.dry_run or args.script:
        runner.dialect.read_only = True  # planned from the history as it is; nothing is written
        plan = runner.plan_rollback(steps, to=args.to, all=args.all, include_missing=args.include_missing)
        if args.script:
            return _write_script(args, plan, "rollback")
        if args.format == "json":
            out.json({"database": plan.database, "dry_run": True, **plan.scope,
                      "results": [dict(_would_run(st.row.id), **st.note) for st in plan.steps]})
        else:
            from .render.text import render_rollback_dry_run

            render_rollback_dry_run(out, plan, _script_header(args, plan, "rollback"))
        return EXIT_OK

    def plan(event) -> None:
        from .execute import RollbackScope

        if isinstance(event, RollbackScope) and args.format != "json":
            from .render.text import render_rollback_scope

            render_rollback_scope(out, event)

    return _run_with_progress(
        args, runner,
        lambda: runner.rollback_report(steps, to=args.to, all=args.all, include_missing=args.include_missing),
        on_plan=plan)[1]


def _script_flags(args: argparse.Namespace) -> None:
    """``--script`` writes what would run; it cannot be combined with ``--dry-run`` (which prints it)."""
    if getattr(args, "script", None) and args.dry_run:
        from .errors import InputError

        raise InputError("--script and --dry-run cannot be combined",
                         hint="--dry-run prints the script's statements with commentary; --script FILE writes them")


def _script_header(args: argparse.Namespace, plan, command: str):
    from .render.script import ScriptHeader
    from .states import _os_user

    settings = _settings(args)
    env = f"{settings.env_name} (from {settings.env_origin})" if settings.env_name is not None else None
    return ScriptHeader(command=command, manifest=str(args.manifest), target=plan.database, environment=env,
                        written_by=_os_user())


def _write_script(args: argparse.Namespace, plan, command: str) -> int:
    """``apply/rollback --script FILE``: the SQL of the planned run for the database's own client."""
    from .render.script import apply_script, rollback_script, write_script

    header = _script_header(args, plan, command)
    text = (apply_script if command == "apply" else rollback_script)(plan, header)
    write_script(args.script, text)
    out = _out(args)
    count = len(plan.steps)
    where = "standard output" if args.script == "-" else args.script
    if args.format == "json":
        if args.script != "-":
            out.json({"database": plan.database, "script": args.script, "migrations": count,
                      **_out_of_order(plan.out_of_order)})
    else:
        out.note(f"wrote {where}: {count} migration(s) to {'apply' if command == 'apply' else 'roll back'} on "
                 f"{plan.database}; nothing was changed. Run it with {plan.dialect.script_client}")
        if command == "apply":  # out_of_order = "warn": warned as a dry run or an apply would
            from .render.text import render_out_of_order

            render_out_of_order(out, plan, "the script applies")
    return EXIT_OK


def _run_with_progress(args, runner, work, on_plan=None) -> tuple:
    """Run ``work`` (-> a RunReport) with the progress bar on a terminal, render its report, and
    return ``(report, exit code)``."""
    out = _out(args)
    from .render.text import Progress

    progress = Progress(out, enabled=args.format != "json")

    def event(event) -> None:
        if on_plan is not None:
            on_plan(event)
        progress.event(event)

    runner.on_event = event
    import time

    started = time.perf_counter()
    try:
        report = work()
    finally:
        progress.close()
    report.seconds = time.perf_counter() - started
    if args.format == "json":
        out.json(report.to_json())
    else:
        from .render.text import render_results

        render_results(out, report)
    return report, _results_code(out, report.results)


def _results_code(out, results: list, *, show: bool = True) -> int:
    """0, or the exit code of the migration that failed (said on stderr when ``show``)."""
    failed = next((r for r in results if r.stopped), None)
    if failed is None:
        return EXIT_OK
    if show:
        out.error(failed.exception.format() if failed.exception else failed.error)
    return getattr(failed.exception, "exit_code", EXIT_FAILED) if failed.exception else EXIT_FAILED


def _note_missing(args: argparse.Namespace, runner) -> bool:
    """Say so when the target database file does not exist (a mistyped SQLite path), for the
    commands that read it without creating it; True when it does not."""
    missing = runner.dialect.missing_database()
    if missing and args.format != "json":
        _out(args).note(f"{missing} (yet): nothing is applied there; check the path if that is a surprise")
    return missing is not None


def cmd_status(args: argparse.Namespace) -> int:
    """Show which migrations are applied, pending, modified, missing, dirty or running.

    A manifest whose only problems are in some of its entries' files still shows the history, with
    those entries marked ``invalid``; the problems are printed and the exit code is 2. ``--check``
    is a deploy gate: exit 1 unless every listed migration is applied and nothing else is recorded.
    """
    if getattr(args, "targets", None):
        return cmd_fleet(args, "status")
    import gc

    # status builds objects in no reference cycle (the cached manifest, the history rows, the states):
    # the collector's passes over them while they are built cost ~2 ms per 1,000 migrations, and
    # their reference counts free them when it returns
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _status(args)
    finally:
        if enabled:
            gc.enable()


def _status(args: argparse.Namespace) -> int:
    from .manifest import read_manifest_partial
    from .states import BrokenEntry

    args.manifest = _settings(args).manifest(args.manifest).value
    manifest, broken = read_manifest_partial(args.manifest)
    runner = _runner(args, manifest, placeholders="none", reader=True)  # checksums are of the SQL as written
    runner.broken = [BrokenEntry(mid, pos, found) for pos, mid, found in broken]
    runner.dialect.read_only = True  # status writes nothing: a mistyped SQLite path is not created
    _note_missing(args, runner)
    report = runner.status_report(live=True)
    out = _out(args)
    problems = [p for b in runner.broken for p in b.problems]
    gate = runner.check(report.states) if args.check else None
    args.exit_if_stdout_closed = EXIT_INPUT if problems else EXIT_FAILED if gate else EXIT_OK
    if args.format == "json":
        data = report.to_json()
        if problems:
            data["problems"] = [p.format() for p in problems]
        if gate is not None:
            data["check"] = {"ready": not gate, "blocking": gate}
        out.json(data)
    else:
        from .render.text import render_status

        render_status(out, report)
    for p in problems:
        out.error(p.format())
    if gate:
        from .render.text import describe_gate

        late = [s.id for s in report.states if s.out_of_order]
        out.error(describe_gate(gate, report.manifest, late, report.out_of_order_rule))
    if problems:
        return EXIT_INPUT
    if gate:
        return EXIT_FAILED
    if gate is not None:
        out.note("ready: every listed migration is applied, nothing else is recorded")
    return EXIT_OK


def cmd_baseline(args: argparse.Namespace) -> int:
    """Record migrations up to --to as applied without running them (adopting an existing database)."""
    manifest = _load(args)
    runner = _runner(args, manifest)
    report = runner.baseline(args.to)
    out = _out(args)
    if args.format == "json":
        out.json(report.to_json())
    else:
        from .render.text import render_baseline

        render_baseline(out, report, args.to)
    return EXIT_OK


def cmd_repair(args: argparse.Namespace) -> int:
    """Accept changed checksums; settle dirty migrations after checking them by hand."""
    manifest = _load(args)
    runner = _runner(args, manifest)
    report = runner.repair(accept=args.accept or (), mark_applied=args.mark_applied or (), remove=args.remove or ())
    out = _out(args)
    if args.format == "json":
        out.json(report.to_json())
    else:
        from .render.text import render_repair

        render_repair(out, report)
    return EXIT_FAILED if report.dirty else EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    """Check manifests without a database (CI gate): 0 no error-level finding (warnings allowed), 1
    error-level findings, 2 unusable input (no such manifest, unknown rule in --explain/--select/--target)."""
    from .render.lint import render_explain, render_lint

    out = _out(args)
    if args.explain is not None:
        from .lint.project import explain

        render_explain(out, explain(args.explain))
        return EXIT_OK
    from .lint.project import Verify, lint_project

    settings = _lint_settings(args)
    result = lint_project(args.manifests, config=settings.lint() if settings is not None else None,
                          settings=settings, select=args.select, ignore=args.ignore, dialects=args.dialect,
                          targets=args.target, base=args.base, verify=Verify(args.verify, args.dev_database),
                          workers=lint_workers())
    code = EXIT_INPUT if result.unusable else EXIT_FAILED if result.errors else EXIT_OK
    args.exit_if_stdout_closed = code  # `lint | head` in CI still fails on errors
    render_lint(out, args.format, result, warnings_fail=args.junit_warnings_as_failures)
    return code


def _lint_settings(args: argparse.Namespace):
    """The project settings lint uses, or None when there is no configuration, environment or --set;
    the configuration's ``manifest`` is linted when no MANIFEST is given."""
    settings = _settings(args)
    if settings.project is None and settings.env_name is None and not settings.sets:
        return None
    if not args.manifests and settings.project is not None and settings.project.model.manifest:
        args.manifests = [settings.manifest(None).value]
    return settings


def lint_workers():
    """The worker processes lint may use: one per CPU (``STINGERLOOM_LINT_JOBS=N`` forces N, ``=1``
    none), forked so that they share the parsed manifest; None where there is no fork or one CPU."""
    import os

    jobs = os.environ.get("STINGERLOOM_LINT_JOBS", "")
    try:
        count = int(jobs) if jobs else len(os.sched_getaffinity(0))
    except (AttributeError, ValueError):
        count = os.cpu_count() or 1
    if count < 2 or not hasattr(os, "fork"):
        return None
    from .lint.workers import WorkerPool

    return WorkerPool(count, "fork", forced=bool(jobs))


def cmd_generate(args: argparse.Namespace) -> int:
    """Write a migration for the difference between a declarative schema and the database; with
    --check write nothing and exit 1 when they differ."""
    from .manifest import load_manifest
    from .render.schema import GenerateReport, render_generate
    from .schema.diff import SchemaDiff
    from .schema.migrationfile import (
        generate_migration,
        refuse_bad_names,
        refuse_drop_all,
        refuse_pending,
        write_migration,
    )
    from .schema.model import load_schema_file

    settings = _settings(args)  # the configuration's manifest and environment (SPEC §8)
    args.manifest = settings.manifest(args.manifest).value
    manifest = load_manifest(args.manifest)
    url = _target(args, manifest)
    manifest.history_table = settings.history_table(manifest).value
    schema = load_schema_file(args.schema)
    dialects = list(dict.fromkeys(args.dialect or [url.dialect]))
    refuse_bad_names(schema, dialects + [url.dialect])  # before connecting: the file alone is wrong
    lock_timeout = settings.lock_timeout().value
    refuse_pending(manifest, url, lock_timeout)
    with _schema_dialect(url, manifest.history_table, lock_timeout) as dialect:
        diff = SchemaDiff.compare(dialect, schema, schemas=args.schema_name, history_table=manifest.history_table)
    report = GenerateReport(url=url, schema=args.schema, manifest=args.manifest, diff=diff, check=args.check)
    if not diff.is_empty and (not args.check or args.format == "json"):
        report.generated = generate_migration(diff, dialects, source=args.schema, target=str(url))
    if report.generated is not None and not args.check:
        refuse_drop_all(diff, url, args.allow_drop_all)
        report.path = write_migration(args.manifest, args.name, report.generated.text)
    render_generate(_out(args), report, args.format)
    return EXIT_FAILED if args.check and not diff.is_empty else EXIT_OK


def _schema_dialect(url, history_table: str, lock_timeout: float | None):
    """The dialect (not connected yet; ``with`` connects and closes it) that ``schema dump`` and
    ``generate`` read the catalog with: --lock-timeout bounds its waits (a catalog locked by another
    session's DDL), as every other command's."""
    from .dialects import get_dialect

    dialect = get_dialect(url.raw, history_table=history_table)
    dialect.lock_wait = lock_timeout
    return dialect


def cmd_schema_dump(args: argparse.Namespace) -> int:
    """``schema dump``: the live database as declarative schema YAML (the manifest's database, or
    --database / STINGERLOOM_DATABASE_URL), never inventing one."""
    from .errors import InputError
    from .render.schema import dump_text, render_dump
    from .schema.dump import read_schema

    settings = _settings(args)
    manifest = None
    if not args.manifest and settings.project is not None and settings.project.model.manifest:
        args.manifest = settings.manifest(None).value  # the configuration's, as every other command
    if args.manifest:
        from .manifest import load_manifest

        manifest = load_manifest(args.manifest)
    url = _target(args, manifest)
    # The environment's history table, else the manifest's, else __migrations: never dumped as a table.
    history_table = args.history_table or settings.history_table(manifest).value
    dialect = _schema_dialect(url, history_table, settings.lock_timeout().value)
    missing = dialect.missing_database()
    if missing:
        raise InputError(missing, hint="give the MANIFEST whose database to dump, or --database URL")
    with dialect:
        data, skipped = read_schema(dialect, schemas=args.schema_name, history_table=history_table)
    if args.output:
        from pathlib import Path

        try:
            Path(args.output).write_text(dump_text(url, data, skipped), encoding="utf-8")
        except OSError as exc:  # no such folder, a folder named like the file, no permission
            raise InputError(f"cannot write {args.output}: {exc.strerror}",
                             hint="give -o a file path whose folder exists and is writable") from None
    render_dump(_out(args), args.format, url, data, file=args.output, skipped=skipped)
    return EXIT_OK


# -- MigrationCli (api_cli.py): the commands in process, over Python migrations ----------------------
def cmd_api(cli, command: str, kwargs: dict) -> int:
    """``MigrationCli.execute(command, **kwargs)``: ``migrate:run`` (``to``), ``migrate:rollback``
    (``steps``, ``to``, ``all``, ``include_missing``), ``migrate:status``, ``migrate:generate``
    (``schema``). The outcome is kept in ``cli.last_result`` (a failure in ``cli.last_error``) and,
    unless ``options["quiet"]``, rendered as the ``stingerloom`` command renders it."""
    from .errors import InputError, StingerloomError
    from .render.console import Output

    out = Output(no_color=bool(cli.options.get("no_color")), quiet=bool(cli.options.get("quiet")))
    cli.last_error = None
    try:
        work = _API.get(command)
        if work is None:
            raise InputError(f"unknown command {command!r}", hint="use one of: " + ", ".join(_API))
        return work(cli, out, **kwargs)
    except StingerloomError as exc:
        cli.last_error = exc
        if not out.quiet:
            out.error(exc.format())
        return exc.exit_code


def _api_run(cli, out, *, to: str | None = None, **_) -> int:
    return _api_results(cli, out, cli._runner().run_report(to=to))


def _api_rollback(cli, out, *, steps: int | None = None, to: str | None = None, all: bool = False,
                  include_missing: bool = False, **_) -> int:
    if sum((steps is not None, to is not None, bool(all))) > 1:
        from .errors import InputError

        raise InputError("migrate:rollback takes one of steps, to and all",
                         hint="steps=N reverts the last N, to=ID those applied after ID, all=True every one")
    report = cli._runner().rollback_report(1 if steps is None else int(steps), to=to, all=bool(all),
                                           include_missing=bool(include_missing))
    return _api_results(cli, out, report)


def _api_results(cli, out, report) -> int:
    """``migrate:run`` / ``migrate:rollback``: keep the results in ``cli.last_result``, render the report."""
    from .render.text import render_results

    results = cli.last_result = report.results
    if not out.quiet:
        render_results(out, report)
    failed = next((r for r in results if r.stopped), None)
    if failed is not None:
        cli.last_error = failed.exception
    return _results_code(out, results, show=not out.quiet)


def _api_status(cli, out, **_) -> int:
    from .render.text import render_status_summary

    cli.last_result = cli._runner().status()
    if not out.quiet:
        render_status_summary(out, cli.last_result)
    return EXIT_OK


def _api_generate(cli, out, *, schema=None, **_) -> int:
    from .errors import InputError
    from .schema import SchemaDiff, SchemaDiffMigrationGenerator

    schema = schema or cli.options.get("schema")
    if schema is None:
        raise InputError("migrate:generate needs a declarative schema: execute('migrate:generate', schema=...)")
    diff = SchemaDiff.compare(cli.database, schema)
    cli.last_result = SchemaDiffMigrationGenerator().generate(diff)
    return EXIT_OK


_API = {"migrate:run": _api_run, "migrate:rollback": _api_rollback, "migrate:status": _api_status,
        "migrate:generate": _api_generate}


# -- parser ------------------------------------------------------------------------------------
def _common(parser: argparse.ArgumentParser, suppress: bool, formats: bool = True) -> None:
    d = (lambda v: argparse.SUPPRESS) if suppress else (lambda v: v)
    g = parser.add_argument_group("common options")
    g.add_argument("--database", metavar="URL", default=d(None),
                   help="target database URL (else STINGERLOOM_DATABASE_URL, the manifest's database, ./stingerloom.db)")
    if formats:
        g.add_argument("--format", choices=("text", "json"), default=d("text"), help="output format")
    g.add_argument("--lock-timeout", metavar="S", type=_seconds, default=d(None),
                   help="seconds any wait for a lock may last: the migration lock, a table lock, a SQLite writer "
                   "(default: the environment's lock_timeout, else 60)")
    g.add_argument("--config", metavar="FILE", default=d(None),
                   help="project configuration (default: the nearest stingerloom.toml or pyproject.toml "
                   "[tool.stingerloom] at or above the current folder)")
    g.add_argument("--env", metavar="NAME", default=d(None),
                   help="environment of the configuration to use (else STINGERLOOM_ENV, else default_env)")
    g.add_argument("--set", metavar="NAME=VALUE", action="append", default=d(None),
                   help="value of the ${NAME} placeholder in migration SQL (repeatable; wins over the environment's)")
    g.add_argument("--no-color", action="store_true", default=d(False), help="plain output, no colours")
    g.add_argument("-q", "--quiet", action="store_true", default=d(False), help="print only errors and results")
    g.add_argument("-v", "--verbose", action="store_true", default=d(False), help="show tracebacks of errors")


def _seconds(text: str) -> float:
    """A number of seconds, 0 or more (``--lock-timeout``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: give 0 or more seconds")
    return value


_MANIFEST_HELP = "manifest file (default: `manifest` of the project configuration)"


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _fleet_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("fleets: one manifest on many databases (README: Fleets)")
    g.add_argument("--targets", metavar="NAME", help="run on every database of [targets.NAME] in the configuration")
    g.add_argument("--parallel", metavar="N", type=_count, default=4,
                   help="targets at a time with --targets (default 4)")
    g.add_argument("--canary", metavar="K", type=_count, default=0,
                   help="run the first K targets alone first; stop if one fails")
    g.add_argument("--continue-on-error", action="store_true",
                   help="keep starting targets after one failed (default: stop starting new ones)")


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, sized as shutil.get_terminal_size() sizes it but without importing
    shutil (and zlib, bz2, lzma, fnmatch with it): argparse makes one to check every argument added,
    so every start paid that import (~2.5 ms) for help it rarely prints."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def _columns() -> int:
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The CLI's parser. Given ``argv``, only the sub-commands named in it get their arguments (the
    others are listed with their help line, which is all ``--help`` and an unknown command show):
    building all eleven costs a cold start several milliseconds."""
    from . import __version__

    parser = _Parser(
        prog="stingerloom",
        description="Declarative YAML/TOML database migrations for PostgreSQL, MySQL/MariaDB and SQLite.",
        epilog="Exit codes: 0 success, 1 the work failed (migration, lint errors, drift), 2 invalid input.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"stingerloom {__version__}")
    _common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_SubParser)
    wanted = None if argv is None else set(argv)
    for name, func, help, aliases, formats, arguments in _COMMANDS:
        named = wanted is None or not wanted.isdisjoint((name, *aliases))
        p = sub.add_parser(name, help=help, description=help, aliases=list(aliases), formatter_class=_Formatter,
                           unused=not named)
        if named:
            p.set_defaults(func=func)
            _common(p, suppress=True, formats=formats)
            arguments(p)
    return parser


class _Parser(argparse.ArgumentParser):
    """argparse's usage errors quote the arguments (``unrecognized arguments: --url
    postgresql://app:secret@db/x``): the password of any URL among them is masked first."""

    def error(self, message: str) -> NoReturn:
        from .urls import mask_url_passwords

        super().error(mask_url_passwords(message))


class _SubParser(_Parser):
    """A sub-command's parser; ``unused=True`` (a command not on the command line, which never parses
    anything) leaves it unbuilt: each ArgumentParser's gettext look-ups and help formatter cost a
    start ~0.15 ms, ten of them 1.5 ms. ``--help`` lists the commands from their help lines alone."""

    def __init__(self, *, unused: bool = False, **kwargs: Any) -> None:
        if unused:
            self.prog = kwargs.get("prog")
            return
        super().__init__(**kwargs)


def _init_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", default=None,
                   help="folder to create (default: the folder of the manifest the configuration names, else migrations)")


def _new_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifest", nargs="?", help=_MANIFEST_HELP)
    p.add_argument("name", help="what the migration does, e.g. add_phone_to_users")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--toml", action="store_true", help="write a TOML migration instead of YAML")
    kind.add_argument("--sql", action="store_true", help="write a .sql file in dbmate's format (-- migrate:up/down)")
    naming = p.add_mutually_exclusive_group()
    naming.add_argument("--timestamp", action="store_true",
                        help="name it by UTC timestamp, YYYYMMDDHHMMSS_name (default with id_format = \"timestamp\")")
    naming.add_argument("--number", action="store_true", help="name it by the next number, even with id_format = \"timestamp\"")


def _manifest_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifest", nargs="?", help=_MANIFEST_HELP)


def _apply_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifest", nargs="?", help=_MANIFEST_HELP)
    p.add_argument("--to", metavar="ID", help="apply pending migrations up to and including ID")
    p.add_argument("--dry-run", action="store_true", help="print the SQL that would run; change nothing")
    p.add_argument("--script", metavar="FILE",
                   help="write the SQL script of this apply for the database's own client (psql, mariadb, "
                        "sqlite3) to FILE (- for standard output); change nothing")
    _fleet_flags(p)


def _rollback_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifest", nargs="?", help=_MANIFEST_HELP)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--steps", type=int, metavar="N", help="revert the last N migrations (0 does nothing)")
    g.add_argument("--to", metavar="ID", help="revert every migration applied after ID (ID stays applied)")
    g.add_argument("--all", action="store_true", help="revert every applied migration")
    p.add_argument("--include-missing", action="store_true",
                   help="also revert history rows this manifest does not list (missing: another manifest's, "
                        "or files since removed); --to reverts those it passes anyway")
    p.add_argument("--dry-run", action="store_true",
                   help="print the down SQL that would run (the one stored in the history); change nothing")
    p.add_argument("--script", metavar="FILE",
                   help="write the SQL script of this rollback for the database's own client to FILE "
                        "(- for standard output); change nothing")
    _fleet_flags(p)


def _status_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifest", nargs="?", help=_MANIFEST_HELP)
    p.add_argument("--check", action="store_true",
                   help="deploy gate: exit 1 unless every listed migration is applied and nothing is pending, "
                        "modified, dirty, running or missing")
    _fleet_flags(p)


def _baseline_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifest", nargs="?", help=_MANIFEST_HELP)
    p.add_argument("--to", metavar="ID", required=True, help="last migration to record")


def _repair_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifest", nargs="?", help=_MANIFEST_HELP)
    p.add_argument("--accept", metavar="ID", action="append",
                   help="take this migration's current checksum and down SQL from its file")
    p.add_argument("--mark-applied", metavar="ID", action="append",
                   help="record as applied without running: a dirty migration you finished by hand, "
                        "or a pending one")
    p.add_argument("--remove", metavar="ID", action="append",
                   help="delete this migration's history row (any state; a repeatable's failed re-application goes "
                        "back to its previous one); runs nothing")


from .dialects import NAMES as _DIALECTS  # noqa: E402  (the one list; a light module)


def _lint_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifests", nargs="*", metavar="MANIFEST", help="manifest files to check")
    p.add_argument("--dialect", action="append", choices=_DIALECTS, metavar="D",
                   help="dialect to check (repeatable; default: those the manifest names, else all)")
    # the top-level `--format` (text/json) is kept unless `lint --format` overrides it
    p.add_argument("--format", choices=("text", "json", "sarif", "github", "junit"), default=argparse.SUPPRESS,
                   help="output format (default: text)")
    p.add_argument("--base", metavar="GIT_REF",
                   help="compare with the manifest at this git ref (edited/inserted/deleted migrations)")
    p.add_argument("--target", action="append", metavar="DIALECT=VERSION",
                   help="target server version for version-gated rules, e.g. postgres=13 (repeatable)")
    p.add_argument("--select", action="append", metavar="CODES",
                   help="also enable these rules or prefixes (e.g. SL9, SL112); opt-in rules need it")
    p.add_argument("--ignore", action="append", metavar="CODES", help="disable these rules or prefixes")
    p.add_argument("--explain", metavar="RULE", nargs="?", const="",
                   help="print the documentation of a rule (without RULE: list every rule) and exit")
    p.add_argument("--junit-warnings-as-failures", action="store_true",
                   help="--format junit: report warnings as failures too (default: only errors fail)")
    p.add_argument("--verify", action="store_true",
                   help="also prove the schema and rollbacks on a development database")
    p.add_argument("--dev-database", metavar="URL", help="database used by --verify")


def _generate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("manifest", nargs="?",
                   help="the manifest to append the new migration to (default: the configuration's `manifest`)")
    p.add_argument("--schema", required=True, metavar="FILE", help="the declarative schema (YAML)")
    p.add_argument("--name", default="schema_changes",
                   help="name of the new migration file, NNN_<name>.yaml (default: schema_changes)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when the database differs from the schema (CI drift gate)")
    p.add_argument("--dialect", action="append", choices=_DIALECTS, metavar="D",
                   help="write up/down blocks for these dialects (repeatable; default: the target's)")
    p.add_argument("--schema-name", action="append", metavar="S",
                   help="PostgreSQL schema(s) to compare (repeatable; default: the current schema)")
    p.add_argument("--allow-drop-all", action="store_true",
                   help="write the migration even when it drops every table of the database")


def _dump_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["dump"], help="dump: print the live database as declarative schema YAML")
    p.add_argument("manifest", nargs="?", metavar="MANIFEST",
                   help="dump this manifest's database, leaving out its history table")
    p.add_argument("--schema-name", action="append", metavar="S",
                   help="PostgreSQL schema(s) to dump (repeatable; default: the current schema)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the YAML to FILE instead of stdout (--format json still prints the JSON)")
    p.add_argument("--history-table", default=None,
                   help="history table to leave out (default: the manifest's, else __migrations)")


# The sub-commands in the order `--help` lists them: name, handler, help line, aliases, whether it
# takes `--format`, and the function that adds its own arguments.
_COMMANDS = (
    ("init", cmd_init, "scaffold a manifest and migrations folder", (), True, _init_arguments),
    ("new", cmd_new, "create the next migration file and list it in the manifest", (), True, _new_arguments),
    ("config", cmd_config, "show the resolved settings and where each comes from", (), True, _manifest_argument),
    ("apply", cmd_apply, "apply pending migrations", ("migrate:run",), True, _apply_arguments),
    ("rollback", cmd_rollback, "revert applied migrations (default: the last one)", ("migrate:rollback",), True,
     _rollback_arguments),
    ("status", cmd_status, "show applied, pending, modified, missing, dirty and running migrations",
     ("migrate:status",), True, _status_arguments),
    ("baseline", cmd_baseline, "record migrations as applied without running them", (), True, _baseline_arguments),
    ("repair", cmd_repair, "make the history match the files and the work done by hand", (), True,
     _repair_arguments),
    ("lint", cmd_lint, "check manifests without a database (CI gate)", (), False, _lint_arguments),
    ("generate", cmd_generate, "write a migration from a declarative schema diff", ("migrate:generate",), True,
     _generate_arguments),
    ("schema", cmd_schema_dump, "declarative schema tools (schema dump [MANIFEST])", (), True, _dump_arguments),
)


# Common options that a command has no use for: given anyway, they are refused rather than ignored
# (a user who writes `lint --database X` expects lint to use it).
_MEANINGLESS = {
    "init": {"database": "it writes files only", "lock_timeout": "it takes no migration lock"},
    "new": {"database": "it writes files only", "lock_timeout": "it takes no migration lock"},
    "lint": {"database": "lint reads no database (--verify uses --dev-database)",
             "lock_timeout": "lint takes no migration lock"},
}
_DEFAULTS = {"database": None, "lock_timeout": None}


def _meaningless_options(args: argparse.Namespace, argv: list[str]) -> str | None:
    for dest, why in _MEANINGLESS.get(args.command, {}).items():
        flag = "--" + dest.replace("_", "-")
        given = any(tok == flag or tok.startswith(flag + "=") for tok in argv)
        if given or getattr(args, dest, _DEFAULTS[dest]) != _DEFAULTS[dest]:
            return f"{flag} means nothing to `{args.command}`: {why}; remove it"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return EXIT_INPUT
    refused = _meaningless_options(args, argv)
    if refused:
        print(f"stingerloom {args.command}: {refused}", file=sys.stderr)
        return EXIT_INPUT
    from .errors import StingerloomError

    try:
        return args.func(args)
    except StingerloomError as exc:
        if args.verbose:
            import traceback

            traceback.print_exc()
        _report(args, exc.format(), exc.exit_code, exc)
        return exc.exit_code
    except KeyboardInterrupt:  # outside a migration (loading, connecting, waiting for the lock)
        text, said = "interrupted (Ctrl-C)", None
        if args.command in ("baseline", "repair"):  # it may have landed on the COMMIT: say what is known
            from types import SimpleNamespace

            said = SimpleNamespace(
                message=f"{text}; {args.command} writes the history in one transaction, so all of it or none "
                        "of it was recorded",
                hint="`stingerloom status` shows which; then run the command again if needed")
            text = f"{said.message}\n  hint: {said.hint}"
        _report(args, text, 130, said)  # JSON too: --format json always gets JSON
        return 130
    except BrokenPipeError:  # e.g. `stingerloom status | head`: the exit code the command had chosen
        _stdout_closed()
        return getattr(args, "exit_if_stdout_closed", EXIT_OK)
    except Exception as exc:  # a bug: say so briefly; -v shows where
        if args.verbose:
            import traceback

            traceback.print_exc()
        from .urls import redact

        msg = redact(f"internal error: {type(exc).__name__}: {exc}")
        _report(args, msg + "\n  hint: run again with -v for the traceback, and report it", EXIT_INPUT, None)
        return EXIT_INPUT


def _report(args: argparse.Namespace, text: str, code: int, exc) -> None:
    out = _out(args)
    if getattr(args, "format", "text") == "json":
        err = {"message": getattr(exc, "message", text), "exit_code": code}
        for key in ("file", "line", "column", "hint"):
            if exc is not None and getattr(exc, key, None) is not None:
                err[key] = getattr(exc, key)
        problems = getattr(exc, "problems", None)
        if problems:
            err["problems"] = [
                {"message": p.message, "file": p.file, "line": p.line, "column": p.column, "key": p.key}
                for p in problems
            ]
        try:
            out.json({"error": err})
        except BrokenPipeError:  # `… --format json | head` closed early: stderr still says it
            _stdout_closed()
    out.error(text)


def _stdout_closed() -> None:
    """The reader of standard output has gone: send what is still buffered nowhere, so that Python's
    flush at exit does not complain."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def exit_process(code: int) -> None:
    """End the process with ``code``. At exit Python's collector walks every object still alive
    (~12,000 after a status, mostly the modules' classes and functions; ~4 ms, a tenth of a warm
    status over 1,000 migrations): moving them out of its reach first (``gc.freeze``) skips that.
    Objects are still freed by their reference counts; only garbage left in reference cycles is not
    finalized, and none holds anything to finish (every file stingerloom writes is closed by a
    ``with`` block, connections are closed explicitly)."""
    import gc

    gc.freeze()
    sys.exit(code)


def entry() -> None:  # pragma: no cover
    exit_process(main())


if __name__ == "__main__":  # pragma: no cover
    exit_process(main())
