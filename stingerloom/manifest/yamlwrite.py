"""Writing YAML text by hand, laid out for people: flow mappings per item, literal blocks for SQL.

The one YAML writer of the package (``generate``'s migration files, ``schema dump``, ``new``'s
template): PyYAML's emitter would reorder, re-wrap and re-quote what a reviewer reads.
"""

from __future__ import annotations

import json
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


def _plain_ok(text: str) -> bool:
    import yaml

    if text != text.strip() or any(ch in text for ch in ",[]{}#&*!|>%@`\"'") or ": " in text or text.endswith(":"):
        return False
    try:
        return yaml.safe_load("{k: " + text + "}") == {"k": text}
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
