"""Fleets: one manifest, many databases (SPEC §11 "Targets").

A fleet is a list of database URLs: ``urls = [...]``, a ``file`` with one URL per line, or a SQL
``query`` run on a catalog database (``from``). :func:`run_fleet` runs one unit of work per target on
a pool of threads (the work is network and database bound: the drivers release the GIL while they
wait), each target with its own connection, migration lock and history, exactly as a single
``stingerloom apply --database URL`` would.

Policy:

* ``canary`` K: the first K targets run one at a time before any other; the run stops when one fails.
* Without ``continue_on_error`` no new target starts after a failure (those running finish).
* :meth:`Fleet.stop` (Ctrl-C) starts nothing new; the targets already running finish their current
  work, so every history table stays consistent, and the report says which never started.

Nothing here prints: events (``FleetStarted``, ``TargetStarted``, ``OnTarget`` wrapping a runner's
events, ``TargetDone``, ``FleetFinished``) go to ``on_event`` and the report is returned for ``render/``.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, Callable, Sequence

from ._record import FrozenRecord, Record
from .errors import InputError, StingerloomError

MAX_TARGETS = 100_000
MAX_TARGET_FILE = 10 * 1024 * 1024


class TargetOutcome(Record):
    """What one target did: ``target`` (display URL, password hidden), ``state`` (``ok``, ``failed``,
    ``error``: could not run at all, ``skipped``: never started), ``applied`` / ``reverted`` counts,
    ``pending`` after the run, ``seconds``, ``error`` (message), ``exit_code`` and ``payload`` (the
    JSON of the single-database command: results or status)."""

    __slots__ = ("index", "target", "state", "applied", "pending", "seconds", "error", "exit_code", "payload",
                 "out_of_order", "out_of_order_rule")
    _defaults = {"applied": 0, "pending": None, "seconds": 0.0, "error": None, "exit_code": 0, "payload": None,
                 "out_of_order": [], "out_of_order_rule": "error"}

    @property
    def failed(self) -> bool:
        return self.state in ("failed", "error")

    def to_json(self, kind: str) -> dict:
        out: dict[str, Any] = {"database": self.target, "result": self.state, "applied": self.applied,
                               "pending": self.pending, "seconds": round(self.seconds, 3), "error": self.error}
        if self.out_of_order:  # applied under out_of_order = "warn" / "apply", as apply's own JSON says
            out["out_of_order"] = self.out_of_order
        if self.payload is not None:
            out[kind] = self.payload
        return out


class FleetReport(Record):
    __slots__ = ("outcomes", "interrupted", "stopped_after_failure", "seconds")
    _defaults = {"interrupted": False, "stopped_after_failure": False, "seconds": 0.0}

    @property
    def failed(self) -> list[TargetOutcome]:
        return [o for o in self.outcomes if o.failed]

    def summary(self) -> dict:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.state] = counts.get(o.state, 0) + 1
        return {"targets": len(self.outcomes), "ok": counts.get("ok", 0),
                "failed": counts.get("failed", 0) + counts.get("error", 0), "skipped": counts.get("skipped", 0),
                "applied": sum(o.applied for o in self.outcomes), "interrupted": self.interrupted,
                "seconds": round(self.seconds, 3)}

    def to_json(self, kind: str) -> dict:
        return {"targets": [o.to_json(kind) for o in self.outcomes], "summary": self.summary()}


# -- where the targets come from -------------------------------------------------------------------
def target_urls(name: str, spec: Any, base_dir: Path, *, expand: Callable[[str], str] = lambda s: s,
                anchor: Callable[[str], str] = lambda s: s) -> list[str]:
    """The URLs of target group ``name``: ``spec`` has exactly one of ``urls``, ``file`` or ``query``
    (with ``from``). ``expand`` resolves ``${VAR}`` in a value when it is used; ``anchor`` makes a
    relative SQLite path relative to the configuration's folder."""
    get = spec.get if isinstance(spec, dict) else (lambda k, d=None: getattr(spec, k, d))
    urls, file, query = get("urls"), get("file"), get("query")
    given = [k for k, v in (("urls", urls), ("file", file), ("query", query)) if v is not None]
    if len(given) != 1:
        raise InputError(f"targets.{name}: give exactly one of `urls`, `file` or `query` (found: "
                         f"{', '.join(given) or 'none'})")
    places: list[str] | None = None  # where each URL is written, for a file: tenants.txt:12
    if urls is not None:
        out = [expand(u) for u in urls]
    elif file is not None:
        numbered = _urls_from_file(name, base_dir, expand(file))
        out = [u for _, u in numbered]
        places = [f"{Path(expand(file))}:{n}" for n, _ in numbered]
    else:
        source = get("from") or get("from_")
        if not source:
            raise InputError(f"targets.{name}: `query` needs `from`, the URL of the catalog database it runs on")
        out = _urls_from_query(name, anchor(expand(source)), query)
    if not out:
        where = ("`urls` is an empty list" if urls is not None else
                 f"{file} has no URL (only blank or # lines)" if file is not None else "the query returned no rows")
        raise InputError(f"targets.{name}: no database URLs: {where}", hint="list at least one database URL")
    if len(out) > MAX_TARGETS:
        raise InputError(f"targets.{name}: {len(out)} targets, more than the {MAX_TARGETS} allowed")
    out = [anchor(u) for u in out]
    seen: dict[str, str] = {}
    for number, u in enumerate(out, 1):
        try:
            key = _database_key(u)  # one database however it is spelt: sqlite:///a.db and sqlite:///x/../a.db
        except StingerloomError as exc:  # a typo is refused before any target runs, not half-way through
            from .urls import redact_url

            place = places[number - 1] if places else f"URL {number}"
            raise InputError(f"targets.{name}: {place} ({redact_url(u)}): {exc.message}",
                             hint=exc.hint) from None
        if key in seen:
            from .urls import redact_url

            first = redact_url(seen[key])
            same = "is listed twice" if first == redact_url(u) else f"names the same database as {first} ({key})"
            raise InputError(f"targets.{name}: {redact_url(u)} {same}",
                             hint="each database must appear once: two runs on one database would wait on each other")
        seen[key] = u
    return out


def _urls_from_file(name: str, base_dir: Path, file: str) -> list[tuple[int, str]]:
    """``(line number, URL)`` of each URL line of ``file``."""
    from .manifest.paths import check_inside

    display = str(Path(file))
    path, problem = check_inside(base_dir, file, what="the configuration's folder")
    if problem is not None:
        raise InputError(f"targets.{name}: {problem}")
    try:
        if not path.is_file():
            raise InputError(f"targets.{name}: {display} is not a regular file",
                             hint="give a text file with one database URL per line")
        if path.stat().st_size > MAX_TARGET_FILE:
            raise InputError(f"targets.{name}: {display} is larger than 10 MB")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"targets.{name}: cannot read {display}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"targets.{name}: {display} is not UTF-8 text") from None
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            out.append((number, line))
    return out


def _urls_from_query(name: str, source: str, query: str) -> list[str]:
    from .dialects import get_dialect

    catalog = get_dialect(source)
    missing = catalog.missing_database()  # never create an empty SQLite catalog and query that
    if missing is not None:
        raise InputError(f"targets.{name}: `from`: {missing}", hint="`from` names the database the query runs on")
    # A read-only session (SQLite: the file opened read-only): a catalog query that would write
    # (a DELETE ... RETURNING url, a stray DROP) fails instead of changing the catalog.
    catalog.read_only = True
    with catalog as d:
        try:
            rows = d.execute(query)
        except Exception as exc:
            if not d.is_database_error(exc):
                raise
            message, _ = d.error_message(exc)
            writes = d.fault_kind(exc) == "read_only"
            raise InputError(f"targets.{name}: the query on {d.display_url} failed: {message}",
                             hint="the catalog query runs in a read-only session: it may only read "
                                  "(e.g. SELECT url FROM tenants)" if writes else None) from None
    out = []
    for number, r in enumerate(rows, 1):
        if not r or not isinstance(r[0], str):
            got = "no column" if not r else "NULL" if r[0] is None else f"{r[0]!r} ({type(r[0]).__name__})"
            raise InputError(f"targets.{name}: the query must return one text column of database URLs "
                             f"(row {number} has {got})", hint="e.g. SELECT url FROM tenants WHERE url IS NOT NULL")
        out.append(r[0].strip())
    return out


# -- events ------------------------------------------------------------------------------------------
class FleetStarted(FrozenRecord):
    """The fleet starts: ``total`` targets, at most ``parallel`` at once, after ``canary`` one by one."""

    __slots__ = ("total", "parallel", "canary")


class TargetStarted(FrozenRecord):
    """Target ``index`` (its URL shown as ``target``, password hidden) starts."""

    __slots__ = ("index", "target")


class OnTarget(FrozenRecord):
    """A runner event (stingerloom.execute: RunStarted, MigrationStarted, ...) of target ``index``."""

    __slots__ = ("index", "event")


class TargetDone(FrozenRecord):
    """Target ``index`` finished (or could not run): its ``TargetOutcome``."""

    __slots__ = ("index", "outcome")


class FleetFinished(FrozenRecord):
    """Every target finished or was never started: the ``FleetReport``."""

    __slots__ = ("report",)


# -- running -----------------------------------------------------------------------------------------
Listener = Callable[[Any], None]
Work = Callable[[str, Listener], TargetOutcome]


class Fleet:
    """Runs ``work(url, on_event) -> TargetOutcome`` for each target, in order of the list."""

    def __init__(self, urls: Sequence[str], work: Work, *, parallel: int = 1, canary: int = 0,
                 continue_on_error: bool = False, on_event: Listener | None = None) -> None:
        if parallel < 1:
            raise InputError("--parallel must be at least 1")
        if canary < 0:
            raise InputError("--canary must be 0 or more")
        self.urls = list(urls)
        self.work = work
        self.parallel = parallel
        self.canary = min(canary, len(self.urls))
        self.continue_on_error = continue_on_error
        self.on_event = on_event or (lambda event: None)
        self._stop = threading.Event()

    def stop(self) -> None:
        """Start no new target (Ctrl-C); running ones finish."""
        self._stop.set()

    def _one(self, index: int, url: str) -> TargetOutcome:
        from .urls import redact_url

        display = _display(url)
        self.on_event(TargetStarted(index, display))
        started = time.perf_counter()
        try:
            outcome = self.work(url, lambda event: self.on_event(OnTarget(index, event)))
        except StingerloomError as exc:
            outcome = TargetOutcome(index, display, "error", error=exc.format(), exit_code=exc.exit_code)
        except Exception as exc:  # noqa: BLE001 - one target's bug must not hide the others' results
            outcome = TargetOutcome(index, display, "error", exit_code=2,
                                    error=redact_url(f"{type(exc).__name__}: {exc}"))
        outcome.index, outcome.target = index, display
        outcome.seconds = time.perf_counter() - started
        self.on_event(TargetDone(index, outcome))
        return outcome

    def run(self) -> FleetReport:
        started = time.perf_counter()
        outcomes: dict[int, TargetOutcome] = {}
        self.on_event(FleetStarted(len(self.urls), self.parallel, self.canary))
        # every target runs on the pool, the canaries too: a Ctrl-C reaches this (main) thread only, so
        # the targets running finish their work and their histories stay consistent
        with ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="stingerloom-target") as pool:
            stopped_after_failure = self._pool(pool, 0, self.canary, 1, outcomes, stop_on_failure=True)
            if not stopped_after_failure:
                stopped_after_failure = self._pool(pool, self.canary, len(self.urls), self.parallel, outcomes,
                                                   stop_on_failure=not self.continue_on_error)
        for j, url in enumerate(self.urls):
            if j not in outcomes:
                outcomes[j] = TargetOutcome(j, _display(url), "skipped")
        report = FleetReport([outcomes[j] for j in range(len(self.urls))], interrupted=self._stop.is_set(),
                             stopped_after_failure=stopped_after_failure, seconds=time.perf_counter() - started)
        self.on_event(FleetFinished(report))
        return report

    def _pool(self, pool: ThreadPoolExecutor, start: int, end: int, limit: int,
              outcomes: dict[int, TargetOutcome], *, stop_on_failure: bool) -> bool:
        """Run targets ``start``…``end - 1``, at most ``limit`` at once; True when a failure stopped them."""
        stopped = False
        running: dict[Future, int] = {}
        next_index = start
        try:
            while True:
                while not self._stop.is_set() and not stopped and next_index < end and len(running) < limit:
                    running[pool.submit(self._one, next_index, self.urls[next_index])] = next_index
                    next_index += 1
                if not running:
                    break
                done, _ = wait(list(running), timeout=0.2, return_when=FIRST_COMPLETED)
                for f in done:
                    o = outcomes[running.pop(f)] = f.result()
                    if o.failed and stop_on_failure:
                        stopped = True
        except KeyboardInterrupt:
            self.stop()
            self._finish(running, outcomes)
        return stopped

    @staticmethod
    def _finish(running: dict[Future, int], outcomes: dict[int, TargetOutcome]) -> None:
        """Wait for the running targets after a Ctrl-C: they finish their work, so every history stays
        consistent; a second Ctrl-C (or `timeout`'s signal to the group) cannot cut the summary short."""
        while running:
            try:
                for f in list(running):
                    o = f.result()
                    outcomes[running.pop(f)] = o
            except KeyboardInterrupt:
                continue


def _database_key(url: str) -> str:
    """What ``url`` names, password aside: an SQLite file by its real path (symlinks and ``..`` resolved).
    A URL that does not parse raises its URLError."""
    import os

    from .dialects.names import FILE_DATABASES
    from .urls import DatabaseURL

    parsed = DatabaseURL.parse(url)
    if parsed.dialect in FILE_DATABASES and parsed.database and not parsed.database.startswith(":memory:"):
        return "sqlite:///" + os.path.realpath(parsed.database)
    return str(parsed)


def _display(url: str) -> str:
    from .urls import DatabaseURL, redact_url

    try:
        return str(DatabaseURL.parse(url))
    except StingerloomError:
        return redact_url(url)


# -- the single-database commands, as units of fleet work ----------------------------------------------
def command_work(command: str, make_runner: Callable[[str], Any], *, to: str | None = None,
                 steps: int | None = None, all: bool = False) -> Work:
    """``work(url, on_event)`` running ``apply``, ``rollback`` or ``status`` on one target, on one
    connection, with that target's own lock and history (``make_runner(url)`` builds its runner)."""

    def work(url: str, on_event: Listener) -> TargetOutcome:
        runner = make_runner(url)
        runner.on_event = on_event
        runner._open()
        try:
            if command == "status":
                states = runner.states()
                payload = runner.status(states)
                return TargetOutcome(0, "", "ok", applied=len(payload["executed"]),
                                     pending=len(payload["pending"]), payload=payload)
            late: list[str] = []
            rule = "error"
            if command == "apply":
                report = runner.run_report(to=to)
                results, late, rule = report.results, report.out_of_order, report.out_of_order_rule
            else:
                results = runner.rollback(1 if steps is None else steps, to=to, all=all)
            pending = sum(1 for s in runner.states() if s.state == "pending")
        finally:
            runner._close()
        ok = [r for r in results if r.success]
        failed = next((r for r in results if r.stopped), None)
        error = None
        if failed is not None:
            error = failed.exception.format() if failed.exception else failed.error
        return TargetOutcome(0, "", "failed" if failed else "ok", applied=len(ok), pending=pending, error=error,
                             exit_code=1 if failed else 0, payload=[r.to_json() for r in results],
                             out_of_order=[i for i in late if any(r.id == i and r.success for r in results)],
                             out_of_order_rule=rule)

    return work
