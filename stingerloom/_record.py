"""``Record``: a slotted value class, used instead of dataclasses on the CLI's start-up path.

Creating a dataclass runs generated code at import time and pulls in ``inspect``; on a cold
``stingerloom status`` that was a measurable share of the start-up budget. A subclass lists its
fields in ``__slots__`` (in constructor order) and their defaults in ``_defaults``; ``_hidden`` names
fields that ``repr`` must not show (passwords). Equality and hashing use all fields.
"""

from __future__ import annotations

from typing import Any

_set = object.__setattr__


class Record:
    __slots__ = ()
    _defaults: dict[str, Any] = {}
    _hidden: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self.__slots__
        if len(args) == len(fields) and not kwargs:  # every field given in order: the common case, fast
            for name, value in zip(fields, args):
                _set(self, name, value)
            return
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes at most {len(fields)} arguments")
        for name, value in zip(fields, args):
            object.__setattr__(self, name, value)
        defaults = self._defaults
        for name in fields[len(args):]:
            if name in kwargs:
                value = kwargs.pop(name)
            elif name in defaults:
                value = defaults[name]
                if type(value) in (list, dict, set):
                    value = type(value)(value)
            else:
                raise TypeError(f"{type(self).__name__}() missing argument {name!r}")
            object.__setattr__(self, name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected arguments {sorted(kwargs)}")

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._values() == self._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__ if n not in self._hidden)
        return f"{type(self).__name__}({shown})"


class FrozenRecord(Record):
    """A Record whose fields cannot be reassigned."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")
