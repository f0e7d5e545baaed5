"""Text renderings of apply/rollback results, status, dry runs and repair reports."""

from __future__ import annotations

from typing import Any

from .console import Output

STATE_STYLE = {
    "applied": "green",
    "pending": "yellow",
    "modified": "bold red",
    "dirty": "bold red",
    "missing": "magenta",
}


class Progress:
    """A progress bar while a long apply or rollback runs on a terminal (never when piped)."""

    def __init__(self, out: Output, enabled: bool = True) -> None:
        self.out = out
        self.enabled = enabled and out.rich and not out.quiet
        self._bar = None
        self._task = None

    def event(self, kind: str, data: dict) -> None:
        if not self.enabled:
            return
        if kind == "begin" and data["total"] > 1:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=self.out.console, transient=True)
            self._bar.start()
            verb = "applying" if data["direction"] == "up" else "reverting"
            self._task = self._bar.add_task(verb, total=data["total"])
        elif kind == "start" and self._bar is not None:
            self._bar.update(self._task, description=data["id"])
        elif kind == "done" and self._bar is not None:
            self._bar.advance(self._task)
        elif kind == "end":
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def render_results(out: Output, runner: Any, results: list, verb: str) -> None:
    if not results:
        out.line("Nothing to apply: the database is up to date." if verb == "apply"
                 else "Nothing to roll back.")
        return
    ok = [r for r in results if r.success]
    if not out.quiet:
        rows = [[r.id, "ok" if r.success else "FAILED", f"{r.execution_ms} ms"] for r in results]
        styles = ["green" if r.success else "bold red" for r in results]
        title = f"{'Applied' if verb == 'apply' else 'Rolled back'} on {runner.database}"
        out.table(title, ["Migration", "Result", "Time"], rows, styles)
    total = sum(r.execution_ms for r in results)
    done = "applied" if verb == "apply" else "rolled back"
    out.line(f"{len(ok)} migration(s) {done} in {total} ms" + ("" if len(ok) == len(results) else ", 1 failed"))


def render_status(out: Output, runner: Any, states: list) -> None:
    rows, styles = [], []
    for s in states:
        r = s.row
        rows.append([
            s.id,
            s.label,
            (r.applied_at or "") if r else "",
            str(r.batch) if r else "",
            f"{r.execution_ms} ms" if r and r.execution_ms is not None else "",
        ])
        styles.append(STATE_STYLE.get(s.state))
    if not out.quiet:
        out.table(f"Migrations on {runner.database}", ["Migration", "State", "Applied at (UTC)", "Batch", "Time"],
                  rows, styles)
    counts: dict[str, int] = {}
    for s in states:
        counts[s.state] = counts.get(s.state, 0) + 1
    order = ["applied", "pending", "modified", "missing", "dirty"]
    out.line(", ".join(f"{counts[k]} {k}" for k in order if counts.get(k)) or "no migrations")
    if counts.get("modified"):
        out.warn("modified migrations block `apply`: restore the files, or accept them with `stingerloom repair`")
    if counts.get("dirty"):
        out.warn("a dirty migration blocks `apply` and `rollback`: see `stingerloom repair --help`")


def render_dry_run(out: Output, runner: Any) -> None:
    steps = runner.planned
    if not steps:
        out.line("-- Nothing to apply: the database is up to date.")
        return
    out.line(f"-- dry run: {len(steps)} migration(s) would be applied to {runner.database}; nothing was changed")
    for st in steps:
        m = st.migration
        where = f" ({m.source_file}:{m.source_line})" if m.source_file else ""
        tx = "in one transaction" if runner.atomic(st) else "statement by statement, without a transaction"
        out.line(f"\n-- {m.id}{where}, {tx}")
        if st.source is None:
            out.line("-- (Python migration: its statements are known only when it runs)")
        elif not st.statements:
            out.line("-- (no statements for this dialect: recorded as applied)")
        for s in st.statements:
            out.line(s.sql.rstrip() + ";")
        out.line(f"-- then: INSERT INTO {runner.dialect.history_ref()} (history row for {m.id})")


def render_repair(out: Output, runner: Any, report: dict, manifest: str) -> None:
    did = False
    for rid in report["accepted"]:
        out.line(f"accepted the new checksum of {rid}")
        did = True
    for rid in report["marked_applied"]:
        out.line(f"marked {rid} as applied")
        did = True
    for rid in report["removed"]:
        out.line(f"removed the history row of {rid}")
        did = True
    for rid in report["dirty"]:
        out.error(
            f"{rid} is dirty: it failed part way. Check which of its statements took effect, then either\n"
            f"  finish it by hand and run: stingerloom repair {manifest} --mark-applied {rid}\n"
            f"  or revert it by hand and run: stingerloom repair {manifest} --remove {rid}"
        )
    if not did and not report["dirty"]:
        out.line(f"nothing to repair on {runner.database}")
