"""Fleet output: a live view while targets run, then one summary table.

On a terminal: a bar for the fleet and one line per running target (rich, transient). Piped: one
plain line per target as it finishes, so a CI log shows progress. Then the summary table (target with
the password hidden, result, applied, pending, time) and, per failed target, its error.
"""

from __future__ import annotations

import threading
from typing import Any

from .console import Output

RESULT_STYLE = {"ok": "green", "failed": "bold red", "error": "bold red", "skipped": "dim"}
VERB = {"apply": "applied", "rollback": "rolled back", "status": "pending"}


class FleetView:
    """Receives the fleet's events (from several threads) and draws them."""

    def __init__(self, out: Output, command: str, enabled: bool = True) -> None:
        self.out = out
        self.command = command
        self.enabled = enabled and not out.quiet
        self.live = self.enabled and out.rich
        self._lock = threading.Lock()
        self._bar = None
        self._fleet_task = None
        self._tasks: dict[int, Any] = {}
        self._names: dict[int, str] = {}
        self._done = 0
        self._total = 0

    def event(self, event: Any) -> None:
        """A fleet event (stingerloom.fleet), from any of the fleet's threads."""
        if not self.enabled:
            return
        from ..fleet import FleetFinished, FleetStarted, OnTarget, TargetDone, TargetStarted

        with self._lock:
            if isinstance(event, FleetStarted):
                self._fleet_started(event)
            elif isinstance(event, TargetStarted):
                self._target_started(event)
            elif isinstance(event, OnTarget):
                self._on_target(event.index, event.event)
            elif isinstance(event, TargetDone):
                self._target_done(event)
            elif isinstance(event, FleetFinished):
                self.close()

    def _fleet_started(self, event: Any) -> None:
        self._total = event.total
        if not self.live:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=self.out.console, transient=True)
        self._bar.start()
        self._fleet_task = self._bar.add_task(f"{self.command}: fleet of {self._total}", total=self._total)

    def _target_started(self, event: Any) -> None:
        if self._bar is not None:
            self._names[event.index] = event.target
            self._tasks[event.index] = self._bar.add_task(f"  {event.target}", total=None)

    def _on_target(self, index: int, event: Any) -> None:
        """A migration of one target: its runner's RunStarted (how many), MigrationStarted, MigrationDone."""
        from ..execute import MigrationDone, MigrationStarted, RunStarted

        task = self._tasks.get(index)
        if self._bar is None or task is None:
            return
        if isinstance(event, RunStarted):
            self._bar.update(task, total=event.total, completed=0)
        elif isinstance(event, MigrationStarted):
            self._bar.update(task, description=f"  {self._names[index]} · {event.id}")
        elif isinstance(event, MigrationDone):
            self._bar.advance(task)

    def _target_done(self, event: Any) -> None:
        self._done += 1
        o = event.outcome
        if self._bar is not None:
            task = self._tasks.pop(event.index, None)
            if task is not None:
                self._bar.remove_task(task)
            self._bar.advance(self._fleet_task)
            return
        width = len(str(self._total))
        line = f"[{self._done:>{width}}/{self._total}] {o.target}  {o.state}"
        if self.command != "status":
            line += f"  {VERB[self.command]} {o.applied}"
        if o.pending is not None:
            line += f"  pending {o.pending}"
        line += f"  {o.seconds:.2f} s"
        self.out.line(line)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def render_fleet(out: Output, report: Any, command: str) -> None:
    count_col = {"apply": "Applied", "rollback": "Reverted", "status": "Applied"}[command]
    rows, styles = [], []
    for o in report.outcomes:
        rows.append([o.target, o.state, str(o.applied) if o.state != "skipped" else "",
                     "" if o.pending is None else str(o.pending),
                     f"{o.seconds:.2f} s" if o.state != "skipped" else ""])
        styles.append(RESULT_STYLE.get(o.state))
    if not out.quiet:
        out.table(f"{command} on {len(report.outcomes)} target(s)", ["Target", "Result", count_col, "Pending", "Time"],
                  rows, styles)
    for o in report.outcomes:  # as apply on one database warns (out_of_order = "warn"); "apply" is silent
        if o.out_of_order and o.out_of_order_rule == "warn":
            out.warn(f"{o.target}: applied out of order (listed before migrations already applied; "
                     f"out_of_order = \"warn\"): {', '.join(o.out_of_order)}")
    for o in report.failed:
        error = o.error or ""
        if error.startswith(f"cannot connect to {o.target}: "):  # the line already starts with the target
            error = "cannot connect: " + error[len(f"cannot connect to {o.target}: "):]
        out.error(f"{o.target}: {error}")
    s = report.summary()
    parts = [f"{s['ok']} ok", f"{s['failed']} failed"]
    if s["skipped"]:
        parts.append(f"{s['skipped']} not started")
    line = f"{', '.join(parts)} of {s['targets']} target(s) in {report.seconds:.1f} s"
    if command != "status":
        line += f"; {s['applied']} migration(s) {VERB[command]}"
    out.line(line)
    if report.interrupted:
        out.warn("interrupted: no new target was started; the ones running finished. Run the same command "
                 "again to continue where it stopped.")
    elif report.stopped_after_failure and s["skipped"]:
        out.warn(f"stopped after a failure: {s['skipped']} target(s) not started. Fix the failed target and run "
                 "the same command again (done targets have nothing pending), or add --continue-on-error.")
