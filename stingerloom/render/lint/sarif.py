"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning (upload-sarif).

Rule metadata come from the rule docstrings (the same text as ``--explain`` and docs/rules.md)."""

from __future__ import annotations

import hashlib
import json

from . import source_line

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _clip(s: str, n: int = 1024) -> str:
    s = s.strip() or "-"
    return s if len(s) <= n else s[: n - 1] + "…"


def _uri(path: str) -> str:
    """A file path as the URI reference SARIF requires: a space, `%`, `#`, `?` or `:` is percent-encoded
    (`a:b.yaml` would otherwise read as the scheme `a:`, `50%.yaml` as a broken escape)."""
    from urllib.parse import quote

    return quote(path, safe="/")


def sarif_rules() -> list[dict]:
    from ...lint import registry

    rules = []
    for cls in registry.all_rules():
        sec = cls.sections()
        full = " ".join(x for x in (sec.get("What it does"), sec.get("Why is this bad?")) if x)
        help_md = cls.doc()
        rules.append({
            "id": cls.code,
            "name": cls.name,
            "shortDescription": {"text": _clip(cls.short())},
            "fullDescription": {"text": _clip(full.replace("\n", " ") or cls.short())},
            "help": {"text": _clip(cls.help or cls.short(), 4000), "markdown": help_md},
            "helpUri": f"https://github.com/stingerloom/stingerloom/blob/main/docs/rules.md#{cls.code.lower()}",
            "defaultConfiguration": {"level": _LEVEL[cls.severity], "enabled": cls.default_enabled and not cls.planned},
            "properties": {"tags": ["migration", "sql"], "precision": "high" if cls.severity == "error" else "medium"},
        })
    return rules


def render(result, *, color: bool = False, quiet: bool = False, **_) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("stingerloom")
    except PackageNotFoundError:  # pragma: no cover
        ver = "0.0.0"
    rules = sarif_rules()
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    seen: dict[str, int] = {}
    for f in result.findings:
        region = {"startLine": f.line or 1, "startColumn": f.column or 1}
        line_text = (source_line(f.file, f.line) or "").strip()
        base = hashlib.sha256(f"{f.rule}\0{f.file}\0{line_text}\0{f.migration}".encode()).hexdigest()[:16]
        seen[base] = seen.get(base, 0) + 1
        res = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _LEVEL[f.severity],
            "message": {"text": f.message + (f" Help: {f.help}" if f.help else "")},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(f.file) if f.file else "unknown"},
                "region": region,
            }}],
            "partialFingerprints": {"primaryLocationLineHash": f"{base}:{seen[base]}"},
            "properties": {k: v for k, v in (("migration", f.migration), ("dialect", f.dialect)) if v},
        }
        results.append(res)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "stingerloom",
                "semanticVersion": ver,
                "informationUri": "https://github.com/stingerloom/stingerloom",
                "rules": rules,
            }},
            "automationDetails": {"id": "stingerloom-lint/"},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
