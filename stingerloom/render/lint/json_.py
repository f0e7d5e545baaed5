"""``--format json`` exactly as SPEC §5: ``{"findings": [...], "summary": {...}}``.

The bytes are those of ``json.dumps(doc, indent=2, ensure_ascii=False)``, but written faster: with an
indent, :mod:`json` falls back to its pure-Python encoder. The document's shape is known (a list of
flat objects, and a flat object), so the C encoder writes it with the indented line break as its item
separator, and the braces are then put on their own lines. That is exact because an encoded string
never holds a raw line break and a key always starts with a quote: ``},<separator>{`` only occurs
between two findings. Anything else takes the plain ``json.dumps``.
"""

from __future__ import annotations

import json

_SCALARS = frozenset({str, int, float, bool, type(None)})
_STR = frozenset({str})
_IN_FINDING = ",\n      "  # between the fields of a finding (depth 3)
_BATCH = 1000


def render(result, *, color: bool = False, quiet: bool = False, **_) -> str:
    findings = [f.as_json() for f in result.findings]
    summary = result.summary()
    if not (findings and _flat(summary) and all(_flat(f) for f in findings)):
        return json.dumps({"findings": findings, "summary": summary}, indent=2, ensure_ascii=False) + "\n"
    encode = json.JSONEncoder(ensure_ascii=False, separators=(_IN_FINDING, ": ")).encode
    between = "\n    },\n    {\n      "
    tail = json.JSONEncoder(ensure_ascii=False, separators=(",\n    ", ": ")).encode(summary)
    # in batches (the encoder holds every piece it writes until it joins them), joined once
    parts = ['{\n  "findings": [\n    {\n      ']
    for i in range(0, len(findings), _BATCH):
        parts += (between if i else "", encode(findings[i:i + _BATCH])[2:-2].replace("}" + _IN_FINDING + "{", between))
    parts.append('\n    }\n  ],\n  "summary": {\n    ' + tail[1:-1] + "\n  }\n}\n")
    return "".join(parts)


def _flat(obj) -> bool:
    """A non-empty object of str keys and scalar values (what the fast path can write)."""
    return (type(obj) is dict and bool(obj) and _STR.issuperset(map(type, obj))
            and _SCALARS.issuperset(map(type, obj.values())))
