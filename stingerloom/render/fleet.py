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

    def event(self, kind: str, data: dict) -> None:
        if not self.enabled:
            return
        with self._lock:
            getattr(self, "_on_" + kind.replace("-", "_"), lambda d: None)(data)

    def _on_fleet_begin(self, data: dict) -> None:
        self._total = data["total"]
        if not self.live:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=self.out.console, transient=True)
        self._bar.start()
        self._fleet_task = self._bar.add_task(f"{self.command}: fleet of {self._total}", total=self._total)

    def _on_target_start(self, data: dict) -> None:
        if self._bar is not None:
            self._names[data["index"]] = data["target"]
            self._tasks[data["index"]] = self._bar.add_task(f"  {data['target']}", total=None)

    def _on_begin(self, data: dict) -> None:  # a target's runner knows how many migrations it will run
        task = self._tasks.get(data.get("index"))
        if self._bar is not None and task is not None:
            self._bar.update(task, total=data["total"], completed=0)

    def _on_done(self, data: dict) -> None:  # a migration finished on one target
        task = self._tasks.get(data.get("index"))
        if self._bar is not None and task is not None:
            self._bar.advance(task)

    def _on_start(self, data: dict) -> None:  # a migration starts on one target
        task = self._tasks.get(data.get("index"))
        if self._bar is not None and task is not None:
            self._bar.update(task, description=f"  {self._names[data['index']]} · {data['id']}")

    def _on_target_done(self, data: dict) -> None:
        self._done += 1
        o = data["outcome"]
        if self._bar is not None:
            task = self._tasks.pop(data["index"], None)
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

    def _on_fleet_end(self, data: dict) -> None:
        self.close()

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
    for o in report.failed:
        out.error(f"{o.target}: {o.error}")
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
