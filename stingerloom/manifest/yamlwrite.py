"""Writing YAML text by hand, laid out for people: flow mappings per item, literal blocks for SQL.

The one YAML writer of the package (``generate``'s migration files, ``schema dump``, ``new``'s
template): PyYAML's emitter would reorder, re-wrap and re-quote what a reviewer reads.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any


def scalar(value: Any) -> str:
    """``value`` as YAML flow text, keys in their given order, strings plain when that reads back
    the same and double-quoted otherwise (so ``'free'`` is written ``"'free'"``)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if text and _plain_ok(text):
        return text
    return json.dumps(text, ensure_ascii=False)


@lru_cache(maxsize=4096)
def _plain_ok(text: str) -> bool:
    """Whether ``text`` reads back as itself unquoted (asked of YAML itself: libyaml's loader where
    there is one, as a 3,000-table schema dump asks it some 100,000 times)."""
    import yaml

    if (text != text.strip() or any(ch in text for ch in ",[]{}#&*!|>%@`\"'") or ": " in text or text.endswith(":")
            or not text.isprintable()):  # a tab or control character: quoted (the YAML readers differ on tabs)
        return False
    try:
        return yaml.load("{k: " + text + "}", Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == {"k": text}
    except yaml.YAMLError:
        return False


def block(text: str, indent: int) -> str:
    """``text`` (SQL) as a literal block scalar (``|``) indented by ``indent``, with its line end;
    ``""`` when it is blank."""
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    if not lines:
        return '""\n'
    pad = " " * indent
    return "|\n" + "".join((pad + line if line else "") + "\n" for line in lines)
