"""``--format json`` exactly as SPEC §5: ``{"findings": [...], "summary": {...}}``.

The bytes are those of ``json.dumps(doc, indent=2, ensure_ascii=False)``, but written faster: with an
indent, :mod:`json` falls back to its pure-Python encoder (about half a second for 20,000 findings).
The document's shape is known (a list of flat objects and a flat object), so each value goes through
the C encoder and the indentation is written here; anything else takes the plain ``json.dumps``.
"""

from __future__ import annotations

import json

_SCALARS = (str, int, float, bool, type(None))


def render(result, *, color: bool = False, quiet: bool = False, **_) -> str:
    findings = [f.as_json() for f in result.findings]
    summary = result.summary()
    body = _flat_objects(findings, 4) if findings else None
    tail = _flat_objects([summary], 2) if body is not None else None
    if tail is None:
        return json.dumps({"findings": findings, "summary": summary}, indent=2, ensure_ascii=False) + "\n"
    return '{\n  "findings": [\n' + body + '\n  ],\n  "summary": ' + tail.lstrip() + "\n}\n"


def _flat_objects(objs: list[dict], pad: int) -> str | None:
    """``objs`` as ``json.dumps`` with ``indent=2`` writes them inside a container at depth ``pad``
    (comma-separated), or None when one is not a non-empty object of str keys and scalar values."""
    enc = json.JSONEncoder(ensure_ascii=False).encode
    outer, inner = " " * pad, "\n" + " " * (pad + 2)
    out = []
    for obj in objs:
        if not isinstance(obj, dict) or not obj:
            return None
        parts = []
        for k, v in obj.items():
            if type(k) is not str or not isinstance(v, _SCALARS):
                return None
            parts.append(enc(k) + ": " + enc(v))
        out.append(outer + "{" + inner + ("," + inner).join(parts) + "\n" + outer + "}")
    return ",\n".join(out)
