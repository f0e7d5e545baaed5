"""What a command did, as records the renderers read (``render/``): :class:`RunReport` (an apply or
rollback), :class:`StatusReport`, :class:`RepairReport`, :class:`BaselineReport`.

The runner returns them (``run_report``, ``rollback_report``, ``status_report``, ``repair``,
``baseline``); a renderer reads only these, never the runner. Each has ``to_json()`` for
``--format json``, in the order the keys have always had. Records, not dataclasses: ``status``
imports this module on its start path.
"""

from __future__ import annotations

from ._record import Record

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any


class _Keyed(Record):
    """A Record whose JSON fields are also read as ``report["name"]`` (the dict these records replace)."""

    __slots__ = ()
    _keys: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def keys(self) -> tuple[str, ...]:
        return self._keys

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self._keys}


class RunReport(Record):
    """An apply (``direction`` up) or rollback (down) that ran: ``results`` (one ``MigrationResult``
    per migration attempted), the ``database`` (password hidden) and what the plan said around it:
    ``to`` (``--to``), ``pending_after`` (pending migrations ``--to`` left out), ``out_of_order``
    (pending migrations listed before applied ones that it applied), ``scope`` (a rollback's
    ``missing_included`` / ``missing_skipped`` history rows), ``out_of_order_rule`` (error | warn |
    apply: ``warn`` has them told), ``seconds`` (the whole run as the command timed it, lock and
    bookkeeping included; None when not timed)."""

    __slots__ = ("direction", "results", "database", "to", "pending_after", "out_of_order", "scope",
                 "out_of_order_rule", "seconds")
    _defaults = {"to": None, "pending_after": [], "out_of_order": [], "scope": None, "out_of_order_rule": "error",
                 "seconds": None}

    @classmethod
    def of(cls, plan: Any, results: list) -> RunReport:
        """The report of ``plan`` (a :class:`stingerloom.plan.Plan`) run with these ``results``."""
        return cls(plan.direction, results, plan.database, to=plan.to, pending_after=list(plan.pending_after),
                   out_of_order=list(plan.out_of_order), scope=plan.scope, out_of_order_rule=plan.out_of_order_rule)

    def to_json(self) -> dict:
        """``{"database", ["out_of_order" | "missing_included", "missing_skipped"], "results"}``."""
        data: dict = {"database": self.database}
        if self.direction == "up":
            if self.out_of_order:
                data["out_of_order"] = self.out_of_order
        else:
            data.update(self.scope or {"missing_included": [], "missing_skipped": []})
        data["results"] = [r.to_json() for r in self.results]
        return data


class StatusReport(_Keyed):
    """Where each migration stands on ``database``: ``states`` (``MigrationState`` s in manifest
    order, then missing rows), ``lock_held_by`` (the session holding the migration lock when it was
    read live, or None), ``out_of_order_rule`` (the environment's rule: error | warn | apply) and
    ``manifest`` (how messages name the manifest). As a mapping and in JSON: ``database``,
    ``executed``, ``pending``, ``migrations`` (SPEC §5, §6), and ``lock_held_by`` when held."""

    __slots__ = ("database", "states", "lock_held_by", "out_of_order_rule", "manifest")
    _defaults = {"lock_held_by": None, "out_of_order_rule": "error", "manifest": "MANIFEST"}
    _keys = ("database", "executed", "pending", "migrations")

    @property
    def executed(self) -> list[str]:
        return [s.id for s in self.states if s.row is not None and s.state not in ("dirty", "running")]

    @property
    def pending(self) -> list[str]:
        return [s.id for s in self.states if s.state == "pending"]

    @property
    def migrations(self) -> list[dict]:
        return [s.to_json() for s in self.states]

    def to_json(self) -> dict:
        data = super().to_json()
        if self.lock_held_by:
            data["lock_held_by"] = self.lock_held_by
        return data


class RepairReport(_Keyed):
    """What ``repair`` changed on ``database``: ids per action (``accepted``, ``refreshed_down``,
    ``marked_applied``, ``removed``), ``dirty`` (the dirty rows left as they were) with
    ``dirty_advice`` (id -> the two ways out), and ``changes``: one ``{"id", "action", "was",
    "detail", "changed"}`` (a :class:`RepairChange`) per migration named or refreshed. Also read as
    a mapping."""

    __slots__ = ("database", "accepted", "refreshed_down", "marked_applied", "removed", "dirty", "dirty_advice",
                 "changes")
    _defaults = {"accepted": [], "refreshed_down": [], "marked_applied": [], "removed": [], "dirty": [],
                 "dirty_advice": {}, "changes": []}
    _keys = __slots__

    def to_json(self) -> dict:
        data = super().to_json()
        data["changes"] = [c.to_json() for c in self.changes]
        return data


class RepairChange(_Keyed):
    """One migration ``repair`` named or refreshed: ``id``, ``action`` (accepted | refreshed_down |
    marked_applied | removed), ``was`` (its state before), ``detail`` (what was done, or why
    nothing was) and ``changed`` (False: it matched already). Also read as a mapping."""

    __slots__ = ("id", "action", "was", "detail", "changed")
    _keys = __slots__


class BaselineReport(Record):
    """What ``baseline`` recorded on ``database`` as applied without running it: ``baselined`` (ids)."""

    __slots__ = ("database", "baselined")

    def to_json(self) -> dict:
        return {"database": self.database, "baselined": self.baselined}
