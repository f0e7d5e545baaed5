"""``--format text``: grouped by file, the offending line with a caret, the help, a summary.

rich is used only for colour on a terminal (and imported only then)."""

from __future__ import annotations

from itertools import groupby

from . import source_line

_LABEL = {"error": "error", "warning": "warning", "info": "info"}
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render(result, *, color: bool = False, quiet: bool = False) -> str:
    lines: list[tuple[str, str | None]] = []  # (text, rich style)
    for file, group in groupby(result.findings, key=lambda f: f.file or "<no file>"):
        lines.append((file, "bold underline"))
        for f in group:
            where = f"{f.line or 1}:{f.column or 1}"
            ctx = ", ".join(x for x in (f.migration, f.dialect) if x)
            head = f"  {where}  {_LABEL[f.severity]} {f.rule}  {f.message}" + (f"  [{ctx}]" if ctx else "")
            lines.append((head, _STYLE[f.severity]))
            src = source_line(f.file, f.line)
            if src is not None and not quiet:
                shown = src.expandtabs(1)
                lines.append((f"    | {shown}", "dim"))
                lines.append(("    | " + " " * max((f.column or 1) - 1, 0) + "^", _STYLE[f.severity]))
            if f.help and not quiet:
                lines.append((f"    = help: {f.help}", None))
        lines.append(("", None))
    s = result.summary()
    summary = (f"{s['errors']} error{'s' * (s['errors'] != 1)}, {s['warnings']} warning"
               f"{'s' * (s['warnings'] != 1)}, {s['infos']} info in {s['files']} file{'s' * (s['files'] != 1)}")
    if not result.findings:
        summary = f"All checks passed ({s['files']} file{'s' * (s['files'] != 1)})."
    lines.append((summary, "bold"))
    if not color:
        return "\n".join(t for t, _ in lines) + "\n"
    import io

    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, highlight=False, soft_wrap=True)
    for t, style in lines:
        console.print(Text(t, style=style or ""))
    return buf.getvalue()
