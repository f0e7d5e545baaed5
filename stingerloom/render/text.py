"""Text renderings of apply/rollback results, status, dry runs, baseline and repair reports.

Each reads a result record (stingerloom.results, stingerloom.plan), never the runner."""

from __future__ import annotations

from .console import Output

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any

STATE_STYLE = {
    "applied": "green",
    "pending": "yellow",
    "outdated": "yellow",
    "modified": "bold red",
    "dirty": "bold red",
    "missing": "magenta",
    "running": "cyan",
    "invalid": "bold red",
}


class Progress:
    """A progress bar while a long apply or rollback runs on a terminal (never when piped)."""

    def __init__(self, out: Output, enabled: bool = True) -> None:
        self.out = out
        self.enabled = enabled and out.rich and not out.quiet
        self._bar = None
        self._task = None

    def event(self, event: Any) -> None:
        """A runner event (stingerloom.execute): a bar for a run of more than one migration."""
        if not self.enabled:  # before the import: this runs once per event of every apply
            return
        from ..execute import MigrationDone, MigrationStarted, RunFinished, RunStarted

        if isinstance(event, RunStarted) and event.total > 1:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=self.out.console, transient=True)
            self._bar.start()
            verb = "applying" if event.direction == "up" else "reverting"
            self._task = self._bar.add_task(verb, total=event.total)
        elif isinstance(event, MigrationStarted) and self._bar is not None:
            self._bar.update(self._task, description=event.id)
        elif isinstance(event, MigrationDone) and self._bar is not None:
            self._bar.advance(self._task)
        elif isinstance(event, RunFinished):
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def render_results(out: Output, report: Any) -> None:
    """An apply's or rollback's ``RunReport``: a table of its results and a summary line."""
    results = report.results
    verb = "apply" if report.direction == "up" else "rollback"
    later = report.pending_after if verb == "apply" else []
    if not results:
        if later:
            out.line(f"Nothing to apply up to {report.to}; {_later(later)}")
        else:
            out.line("Nothing to apply: the database is up to date." if verb == "apply"
                     else "Nothing to roll back.")
        return
    ok = [r for r in results if r.success]
    if not out.quiet:
        rows = [[r.id, "ok" if r.success else "FAILED", _ms(r.execution_ms)] for r in results]
        styles = ["green" if r.success else "bold red" for r in results]
        title = f"{'Applied' if verb == 'apply' else 'Rolled back'} on {report.database}"
        out.table(title, ["Migration", "Result", "Time"], rows, styles)
    # the run as timed by the command (5 quick migrations each under 1 ms said "applied in 0 ms")
    total = round(report.seconds * 1000) if report.seconds is not None else sum(r.execution_ms for r in results)
    done = "applied" if verb == "apply" else "rolled back"
    out.line(f"{len(ok)} migration(s) {done} in {total} ms" + ("" if len(ok) == len(results) else ", 1 failed"))
    if later and len(ok) == len(results):
        out.line(_later(later).capitalize())


def render_out_of_order(out: Output, report: Any, verb: str = "applied") -> None:
    """Under out_of_order = "warn": the pending migrations listed before applied ones that a run
    (a ``RunReport``) applied, or a dry run's ``Plan`` would (``verb``)."""
    if report.out_of_order and report.out_of_order_rule == "warn":
        ids = ", ".join(report.out_of_order)
        out.warn(f"{verb} out of order (listed before migrations already applied; out_of_order = \"warn\"): {ids}")


def render_status_summary(out: Output, status: dict) -> None:
    """``MigrationCli``'s ``migrate:status``: the executed and the pending migrations, one line each."""
    out.line(f"executed: {', '.join(status['executed']) or '-'}")
    out.line(f"pending: {', '.join(status['pending']) or '-'}")


def _later(ids: list) -> str:
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return f"{len(ids)} later migration(s) still pending (left out by --to): {shown}"


def render_status(out: Output, report: Any) -> None:
    """``status``: a ``StatusReport`` as a table, its counts, and the warnings and notes it calls for."""
    states = report.states
    rows, styles = [], []
    for s in states:
        r = s.row
        rows.append([
            s.id,
            s.label,
            (r.applied_at or "") if r else "",
            (r.applied_by or "") if r else "",
            str(r.batch) if r else "",
            f"{r.execution_ms} ms" if r and r.execution_ms is not None else "",
            _short(s.description or ""),
        ])
        styles.append(STATE_STYLE.get(s.state))
    if not out.quiet:
        out.table(f"Migrations on {report.database}",
                  ["Migration", "State", "Applied at (UTC)", "Applied by", "Batch", "Time", "Description"],
                  rows, styles)
    counts: dict[str, int] = {}
    for s in states:
        counts[s.state] = counts.get(s.state, 0) + 1
    order = ["applied", "pending", "outdated", "modified", "missing", "dirty", "running", "invalid"]
    out.line(", ".join(f"{counts[k]} {k}" for k in order if counts.get(k)) or "no migrations")
    manifest = report.manifest
    if counts.get("modified"):
        out.warn(f"modified migrations block `apply`: restore the files, or accept them with "
                 f"`stingerloom repair {manifest}` (`--accept ID` for one)")
    late = [s.id for s in states if s.out_of_order]
    if late:
        rule = report.out_of_order_rule
        what = {"error": "`apply` refuses them (out_of_order = \"error\")",
                "warn": "`apply` applies them with a warning (out_of_order = \"warn\")",
                "apply": "`apply` applies them (out_of_order = \"apply\")"}[rule]
        out.warn(f"pending migration(s) listed before applied ones: {', '.join(late)}; {what}")
    from ..states import dirty_advice

    for s in states:
        if s.state == "dirty":
            out.warn(f"dirty: {dirty_advice(s.row, manifest, bool(getattr(s.migration, 'repeatable', False)))}")
    if counts.get("running"):
        out.note(f"running: another session ({report.lock_held_by}) holds the migration lock and is applying "
                 "or reverting it now; run `status` again when it is done")
    elif report.lock_held_by:
        out.note(f"another session ({report.lock_held_by}) holds the migration lock now: an apply or rollback "
                 "may be under way, and its changes show when it commits")


def describe_gate(gate: dict, manifest: str, late: list | None = None, rule: str = "error") -> str:
    """Why ``status --check`` failed: each blocking state with its ids, and what to run. Pending
    migrations ``late`` (out of order) that ``apply`` refuses under ``rule`` get the ways out of
    that instead of "apply them", which would fail."""
    refused = [i for i in gate.get("pending", []) if i in (late or [])] if rule == "error" else []
    todo = {
        "pending": f"apply them: stingerloom apply {manifest}",
        "outdated": f"repeatable migrations whose definition changed; apply re-applies them: stingerloom apply {manifest}",
        "modified": "restore their files, or accept them: stingerloom repair MANIFEST --accept ID",
        "dirty": "see the warnings above: each says how to finish or undo it",
        "running": "another session is applying them now; wait and check again",
        "missing": "recorded but not listed in this manifest: list them, roll them back with "
                   "rollback --include-missing, or drop their rows with repair --remove ID",
        "invalid": "fix their files",
    }
    if refused:
        todo["pending"] = (f"{', '.join(refused)} listed before applied migrations, which `apply` refuses "
                           f"(out_of_order = \"error\"): move {'them' if len(refused) > 1 else 'it'} after the "
                           f"applied ones in the manifest, or set out_of_order = \"apply\" for this environment, "
                           f"or, if already in the database, stingerloom repair {manifest} --mark-applied ID; "
                           f"then apply: stingerloom apply {manifest}")
    parts = [f"{len(ids)} {state} ({_first_ids(ids)}): {todo.get(state, '')}".replace("MANIFEST", manifest)
             for state, ids in gate.items()]
    return "not ready to deploy: " + "; ".join(parts)


def _ms(ms: int) -> str:
    """A migration's time: history keeps whole milliseconds, so a quicker one is "<1 ms", not "0 ms"."""
    return f"{ms} ms" if ms else "<1 ms"


def _first_ids(ids: list, shown: int = 10) -> str:
    """The first ``shown`` ids and how many more (a gate over 400 pending named every one on a line;
    `status` lists them all, `--format json` carries them all)."""
    if len(ids) <= shown + 1:
        return ", ".join(ids)
    return ", ".join(ids[:shown]) + f" and {len(ids) - shown} more"


def _short(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def render_dry_run(out: Output, plan: Any, header: Any) -> None:
    """``apply --dry-run``: the script ``--script`` would write (stingerloom.render.script) for the
    ``plan``, so what is reviewed is exactly what would run, after a line saying that nothing was changed."""
    steps = plan.steps
    if not steps:
        later = plan.pending_after
        out.line(f"-- Nothing to apply up to {plan.to}; {_later(later)}" if later
                 else "-- Nothing to apply: the database is up to date.")
        return
    from .script import apply_script

    out.line(f"-- dry run: {len(steps)} migration(s) would be applied to {plan.database}; nothing was changed")
    out.line(f"-- the script `apply --script FILE` writes, for {plan.dialect.script_client}:\n")
    out.line(apply_script(plan, header, for_script=False).rstrip("\n"))


def render_rollback_scope(out: Output, scope: Any) -> None:
    """Before a rollback runs: the history rows it reverts or leaves that this manifest does not list
    (a ``RollbackScope``)."""
    if scope.missing_included:
        ids = scope.missing_included
        out.warn(f"reverting {len(ids)} migration(s) that this manifest does not list (missing), from the down "
                 f"SQL stored in the history: {', '.join(ids)}")
    if scope.missing_skipped:
        ids = scope.missing_skipped
        out.note(f"left {len(ids)} applied migration(s) that this manifest does not list (missing): "
                 f"{', '.join(ids)}; `--include-missing` reverts them too")


def render_rollback_dry_run(out: Output, plan: Any, header: Any) -> None:
    """``rollback --dry-run``: the script ``rollback --script`` would write for the ``plan``, with the
    rollback's scope."""
    from ..execute import RollbackScope

    render_rollback_scope(out, RollbackScope(**plan.scope))
    if not plan.steps:
        out.line("-- Nothing to roll back.")
        return
    from .script import rollback_script

    out.line(f"-- dry run: {len(plan.steps)} migration(s) would be rolled back on {plan.database}, newest first; "
             "nothing was changed")
    out.line(f"-- the script `rollback --script FILE` writes, for {plan.dialect.script_client}:\n")
    out.line(rollback_script(plan, header, for_script=False).rstrip("\n"))


def render_baseline(out: Output, report: Any, to: str | None = None) -> None:
    """``baseline``: what a ``BaselineReport`` recorded."""
    recorded = report.baselined
    if not recorded and to:  # "recorded 0 migration(s)" read as if something had gone wrong
        out.line(f"nothing to record on {report.database}: {to} and every migration before it are "
                 "already in the history")
        return
    out.line(f"recorded {len(recorded)} migration(s) as applied on {report.database} without running them"
             + (": " + ", ".join(recorded) if recorded else ""))


def render_repair(out: Output, report: Any) -> None:
    """``repair``: each change of a ``RepairReport``, and the dirty rows it left."""
    did = False
    verbs = {"accepted": "accepted", "refreshed_down": "refreshed the stored down SQL of",
             "marked_applied": "marked applied", "removed": "removed the history row of"}
    for c in report.changes:
        if c.changed:
            out.line(f"{verbs[c.action]} {c.id} (was {c.was}): {c.detail}")
            did = True
        else:
            out.line(f"{c.id}: {c.detail}")
    for rid in report.dirty:
        out.error(f"dirty, left as it is: {report.dirty_advice[rid]}")
    if not did and not report.dirty and not report.changes:
        out.line(f"nothing to repair on {report.database}")
