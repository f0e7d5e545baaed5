"""``generate`` and ``schema dump`` output: results in, text or JSON out (README: "generate" and
"schema dump" describe the JSON shapes)."""

from __future__ import annotations

from typing import Any, Sequence


class GenerateReport:
    """What ``generate`` found and did: the ``diff`` of ``url`` against the ``schema`` file, the
    ``generated`` migration (None when nothing changed, or under ``--check`` in text) and the
    ``path`` it was written to (None under ``--check`` or when nothing changed)."""

    def __init__(self, *, url: Any, schema: str, manifest: str, diff: Any, generated: Any = None,
                 path: Any = None, check: bool = False) -> None:
        self.url, self.schema, self.manifest, self.diff = url, schema, manifest, diff
        self.generated, self.path, self.check = generated, path, check


def generate_json(report: GenerateReport) -> dict:
    """``generate --format json``: what changed, the migration written (or None) and its SQL."""
    g = report.generated
    data = {
        "database": str(report.url),
        "dialect": report.diff.dialect,
        "schema": report.schema,
        "changes": report.diff.describe(),
        "destructive": g.warnings if g is not None else [],
        "migration": report.path.stem if report.path is not None else None,
        "file": str(report.path) if report.path is not None else None,
        "up": g.up if g is not None else {},
        "down": g.down if g is not None else {},
    }
    if report.check:
        data["check"] = {"drift": not report.diff.is_empty}
    return data


def render_generate(out: Any, report: GenerateReport, fmt: str) -> None:
    if fmt == "json":
        out.json(generate_json(report))
        return
    diff = report.diff
    if diff.is_empty:
        if not out.quiet:
            out.text(f"No schema changes: {report.url} matches {report.schema}\n")
        return
    if report.check:
        lines = [f"{report.url} differs from {report.schema} ({len(diff.ops)} change(s)):"]
        lines += [f"  - {d}" for d in diff.describe()]
        lines += [f"  destructive: {w}" for w in diff.warnings()]
        lines.append(f"  run `stingerloom generate {report.manifest} --schema {report.schema}` to write the migration")
        out.text("\n".join(lines) + "\n")
        return
    if not out.quiet:
        out.text(f"Wrote {report.path} ({len(diff.ops)} change(s)) and added it to {report.manifest}\n")
        out.text(report.generated.text)
    for w in report.generated.warnings:
        out.warn(f"destructive step: {w}")


def render_dump(out: Any, fmt: str, url: Any, data: dict, *, file: str | None = None,
                skipped: Sequence[str] = ()) -> None:
    """``schema dump``: the schema YAML on standard output (or "Wrote FILE" when ``file`` got it);
    JSON: ``{"database", "dialect", "schema", "left_out"}`` (and ``"file"``)."""
    if fmt == "json":
        out.json({"database": str(url), "dialect": url.dialect, "schema": data, "left_out": list(skipped),
                  **({"file": file} if file else {})})
    elif file:
        if not out.quiet:
            import sys

            more = f" ({len(skipped)} object(s) left out: see its header)" if skipped else ""
            print(f"Wrote {file}{more}", file=sys.stderr)
    else:
        out.text(dump_text(url, data, skipped))


def dump_text(url: Any, data: dict, skipped: Sequence[str] = ()) -> str:
    """The schema file ``schema dump`` writes: a header naming the database (and what the file
    leaves out), then the YAML."""
    from ..schema.dump import schema_yaml, skipped_comment

    return (f"# Declarative schema of {url}, written by `stingerloom schema dump`.\n" + skipped_comment(skipped)
            + schema_yaml(data))
