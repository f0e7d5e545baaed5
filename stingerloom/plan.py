"""What a run will do: a :class:`Plan` of :class:`Step` s, made by ``MigrationRunner.plan()`` or
``plan_rollback()`` from the history as it is, run by ``MigrationRunner.apply(plan)``, and rendered
as it is by ``--dry-run`` and ``--script`` (``render/text.py``, ``render/script.py``).
"""

from __future__ import annotations

from ._record import Record


class Step(Record):
    """One migration run in one direction, its statements split before anything runs.

    ``migration``, ``direction`` (up | down), ``source`` (the SQL block; None for a Python migration),
    ``statements``, ``atomic`` (one transaction with its history row, or statement by statement with
    the dirty k/n counter; decided when planned, and again just before it runs, when earlier steps
    may have created the tables it writes). Why it runs: ``reason`` (a repeatable's: new, its SQL
    changed, a placeholder value changed); a rollback's ``row`` (the history row it reverts) and
    ``note`` (what :meth:`MigrationRunner.describe_down` says of it). Repeatables: ``previous`` (the
    history row a re-application replaces), ``version`` (the application it records), ``restore``
    (the earlier application a rollback brings back).

    While it runs, the executor keeps count: ``running`` (the statement being sent, 1-based),
    ``returned`` (the last one the database answered), ``done`` (statements committed as far as the
    history counter knows), ``committing`` (COMMIT sent), ``completed`` (after a fault: the database
    says the migration went through all the same), ``left`` (after a fault: the history row read back,
    when it is dirty), ``unknown`` (after a fault: the database could not be asked what was kept).
    """

    __slots__ = ("migration", "direction", "source", "statements", "running", "returned", "done", "atomic",
                 "committing", "completed", "previous", "version", "restore", "reason", "row", "note", "left",
                 "unknown")
    _defaults = {"statements": [], "running": 0, "returned": 0, "done": 0, "atomic": None, "committing": False,
                 "completed": False, "left": None, "unknown": False,
                 "previous": None, "version": None, "restore": None, "reason": None, "row": None, "note": None}


class Plan(Record):
    """The steps of one apply (``direction`` up) or rollback (down), in the order they run.

    ``database`` (shown, password hidden) and ``dialect`` (how the renderers write its SQL; the plan
    runs only through the runner that made it); ``to`` (``--to``); ``pending_after``: pending
    migrations ``--to`` leaves out; ``out_of_order``: pending migrations listed before applied ones
    that it applies, and ``out_of_order_rule`` (error | warn | apply: what the environment says of
    them); ``scope``: a rollback's ``missing_included`` / ``missing_skipped`` history rows;
    ``facts``: what a script of it needs from the database (history DDL, lock statements, the next
    batch and rank); ``manifest``: how messages name the manifest; ``basis``: the history it was made
    from (``apply`` refuses a plan whose history has changed since).
    """

    __slots__ = ("direction", "steps", "database", "dialect", "to", "pending_after", "out_of_order", "scope",
                 "facts", "manifest", "basis", "out_of_order_rule")
    _defaults = {"to": None, "pending_after": [], "out_of_order": [], "scope": None, "facts": None,
                 "out_of_order_rule": "error",
                 "manifest": "MANIFEST", "basis": ()}


def basis(rows: list) -> tuple:
    """What a plan depends on in the history rows: which are there, in which state and at which step."""
    return tuple((r.id, r.state, r.checksum, r.rank, r.statements_done, r.operation) for r in rows)
