"""``${VAR}`` and ``${VAR:-default}`` expansion of manifest values (no imports: the cache uses it)."""

from __future__ import annotations

import os
from collections.abc import Mapping


class _AnyValue(dict):
    """An environment in which every variable is set: checks a value's ``${…}`` syntax only."""

    def get(self, name: str, default: object = None) -> str:  # type: ignore[override]
        return "x"


ANY_VALUE: Mapping[str, str] = _AnyValue()


class UndefinedVariable(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def expand(value: str, env: Mapping[str, str] | None = None, used: dict[str, str | None] | None = None) -> str:
    """``value`` with every ``${VAR}``/``${VAR:-default}`` replaced from ``env`` (``os.environ``).

    ``$$`` is a literal ``$``. ``${VAR:-default}`` uses the default when VAR is unset or empty, as in
    the shell. Raises :class:`UndefinedVariable` for an unset variable without default, and
    ValueError for an unterminated ``${``. ``used`` (if given) collects each variable read.
    """
    if "$" not in value:
        return value
    env = os.environ if env is None else env
    out: list[str] = []
    i, n = 0, len(value)
    while i < n:
        j = value.find("$", i)
        if j < 0 or j + 1 >= n:
            out.append(value[i:])
            break
        out.append(value[i:j])
        nxt = value[j + 1]
        if nxt == "$":
            out.append("$")
            i = j + 2
            continue
        if nxt != "{":
            out.append("$")
            i = j + 1
            continue
        end = value.find("}", j + 2)
        if end < 0:
            raise ValueError("unterminated '${' (write $$ for a literal $)")
        body = value[j + 2 : end]
        name, sep, default = body.partition(":-")
        if not name or not (name[0].isalpha() or name[0] == "_") or not name.replace("_", "a").isalnum():
            raise ValueError(f"invalid variable name {name[:40]!r} in ${{...}}")
        current = env.get(name)
        if used is not None:
            used[name] = current
        if current is None or (sep and current == ""):
            if not sep:
                raise UndefinedVariable(name)
            current = default
        out.append(current)
        i = end + 1
    return "".join(out)
