"""Every rule code, and the module that holds its class. Rule modules load on first use only, so
``stingerloom --help`` never imports a parser or a rule."""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .api import Rule

_RANGES = {
    "structure": "SL101 SL102 SL103 SL104 SL105 SL106 SL107 SL108 SL109 SL110 SL111 SL112",
    "drift": "SL120 SL121 SL122",
    "hygiene": "SL190 SL191 SL192",
    "parsing": "SL201 SL202",
    "transactions": "SL301 SL302 SL303 SL304 SL305 SL306 SL307 SL308 SL310 SL311 SL312 SL313 SL314 SL315 "
                    "SL316 SL317 SL318",
    "reversibility": "SL401 SL402 SL403 SL404 SL405 SL406",
    "destructive": "SL501 SL502 SL503 SL504 SL505 SL506 SL507 SL508 SL509 SL510",
    "locking": "SL601 SL602 SL603 SL604 SL605 SL606 SL607 SL608 SL609 SL610 SL611 SL612 SL613 SL614 SL615 "
               "SL616 SL617 SL618 SL619",
    "data": "SL701 SL702 SL801 SL802 SL803 SL811 SL812 SL813 SL814 SL851",
    "style": "SL901 SL902 SL903 SL904 SL905 SL906 SL907 SL908 SL909 SL910 SL911 SL912 SL913 SL914 SL915 "
             "SL916 SL917",
}
MODULE_OF: dict[str, str] = {code: mod for mod, codes in _RANGES.items() for code in codes.split()}
CODES: tuple[str, ...] = tuple(sorted(MODULE_OF))


def exists(code: str) -> bool:
    return code in MODULE_OF


@lru_cache(maxsize=None)
def _module(name: str):
    return importlib.import_module(f"stingerloom.lint.rules.{name}")


def get(code: str) -> type[Rule]:
    mod = _module(MODULE_OF[code])
    return getattr(mod, code)


def all_rules() -> list[type[Rule]]:
    return [get(c) for c in CODES]


def _matches(code: str, patterns) -> bool:
    return any(p == "ALL" or code.startswith(p) for p in patterns)


def selected_rules(select=(), ignore=()) -> list[Rule]:
    """Rules on by default plus ``select`` (codes or prefixes such as ``SL9``), minus ``ignore``.
    Planned rules never run."""
    from .model import iter_codes

    sel, ign = iter_codes(select), iter_codes(ignore)
    out = []
    for cls in all_rules():
        on = cls.default_enabled or _matches(cls.code, sel)
        if on and not _matches(cls.code, ign) and not cls.planned:
            out.append(cls())
    return out


def bad_codes(patterns) -> list[str]:
    from .model import iter_codes

    return [p for p in iter_codes(patterns) if p != "ALL" and not any(c.startswith(p) for c in CODES)]
