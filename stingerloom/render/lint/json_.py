"""``--format json`` exactly as SPEC §5: ``{"findings": [...], "summary": {...}}``."""

from __future__ import annotations

import json


def render(result, *, color: bool = False, quiet: bool = False, **_) -> str:
    doc = {"findings": [f.as_json() for f in result.findings], "summary": result.summary()}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
