"""Worker processes for a long lint run.

The command layer (:func:`stingerloom.cli.lint_workers`) decides whether lint uses worker
processes, how many, and how they start (a ``multiprocessing`` start method); the engine only hands a
:class:`WorkerPool` some work and collects the results. A library caller of
:func:`stingerloom.lint.engine.lint_paths` that passes no pool gets a run in its own process.

The work is a closure over the parsed manifest: with the ``fork`` start method the workers share the
parent's pages copy-on-write and nothing but the result is pickled (sent back over a pipe).
"""

from __future__ import annotations

from typing import Any, Callable


class WorkerPool:
    def __init__(self, count: int, start_method: str = "fork", *, forced: bool = False) -> None:
        self.count = count  # processes that may run at once, the caller's own included
        self.start_method = start_method
        self.forced = forced  # the user asked for this many: use them even on a short manifest

    def start(self, work: Callable[[], Any]) -> "Job":
        """Run ``work()`` in a new process; its return value (or exception) comes back pickled."""
        import multiprocessing

        ctx = multiprocessing.get_context(self.start_method)
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_run, args=(work, send), daemon=True)
        proc.start()
        send.close()
        return Job(proc, recv)


class Job:
    def __init__(self, proc, conn) -> None:
        self._proc = proc
        self._conn = conn

    def result(self) -> Any:
        """The work's return value; a worker that raised or died gives the exception (not raised)."""
        try:
            res = self._conn.recv()
        except EOFError:
            res = RuntimeError("lint worker died")
        finally:
            self._conn.close()
            self._proc.join()
        return res


def _run(work: Callable[[], Any], conn) -> None:  # pragma: no cover - runs in the worker
    try:
        res = work()
    except BaseException as exc:  # noqa: BLE001 - handed to the parent
        res = RuntimeError(f"lint worker failed: {exc!r}")
    conn.send(res)
    conn.close()
