"""``Record``: a slotted value class, used instead of dataclasses on the CLI's start-up path.

Creating a dataclass runs generated code at import time and pulls in ``inspect``; on a cold
``stingerloom status`` that was a measurable share of the start-up budget. A subclass lists its
fields in ``__slots__`` (in constructor order) and their defaults in ``_defaults``; ``_hidden`` names
fields that ``repr`` must not show (passwords). Equality and hashing use all fields.

The first instantiation of a class compiles an ``__init__`` taking its fields as parameters (about
a tenth of a millisecond, once per class): a generic one looping over the fields cost 1-7 µs an
object, which added up to tens of milliseconds over the ~9,000 objects an apply of 1,000
migrations builds.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any


_set = object.__setattr__
_MISSING = object()


def _make_init(cls: type) -> Any:
    """An ``__init__`` for ``cls`` with its fields as parameters (defaults from ``_defaults``), made
    the first time the class is instantiated, so classes never used cost nothing at import; None
    when the fields cannot be parameters in order (a field without a default after one with)."""
    import keyword

    fields = cls.__slots__
    defaults = cls._defaults
    params, body, names = [], [], {"_set": _set, "_MISSING": _MISSING}
    plain = cls.__setattr__ is object.__setattr__  # else (FrozenRecord) assign through object's
    for i, name in enumerate(fields):
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            return None
        if name in defaults:
            value = defaults[name]
            names[f"_d{i}"] = value
            if type(value) in (list, dict, set):  # a fresh copy per instance, as the slow path makes
                params.append(f"{name}=_MISSING")
                body.append(f" if {name} is _MISSING: {name} = type(_d{i})(_d{i})")
            else:
                params.append(f"{name}=_d{i}")
        elif params and params[-1].count("="):
            return None
        else:
            params.append(name)
        body.append(f" self.{name} = {name}" if plain else f" _set(self, {name!r}, {name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or [" pass"])
    exec(source, names)  # noqa: S102 - generated from the class's own field names, checked above
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


class Record:
    __slots__ = ()
    _defaults: dict[str, Any] = {}
    _hidden: frozenset[str] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        if "__init__" not in cls.__dict__:
            # from now on the class's own __init__ runs: compiled, or the generic one (made once)
            made = _make_init(cls) or _generic_init
            cls.__init__ = made  # type: ignore[misc]
            made(self, *args, **kwargs)
            return
        self._init_slow(args, kwargs)

    def _init_slow(self, args: tuple, kwargs: dict) -> None:
        fields = self.__slots__
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes at most {len(fields)} arguments")
        for name, value in zip(fields, args):
            _set(self, name, value)
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
            _set(self, name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected arguments {sorted(kwargs)}")

    def __reduce__(self) -> tuple:
        """Pickled as the class and its field values (lint's worker processes send results back
        pickled; unpickling field by field would trip FrozenRecord's ``__setattr__``)."""
        return type(self), self._values()

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._values() == self._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__ if n not in self._hidden)
        return f"{type(self).__name__}({shown})"


def _generic_init(self: Record, *args: Any, **kwargs: Any) -> None:
    self._init_slow(args, kwargs)


class FrozenRecord(Record):
    """A Record whose fields cannot be reassigned."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")
