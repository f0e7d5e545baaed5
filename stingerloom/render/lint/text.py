"""``--format text``: one line per finding, ``path:line:col: RULE severity message [migration,
dialect]`` (the convention of compilers, ruff and squawk: clickable in terminals and editors), then
the source line with a caret and the help; a summary that counts the files shown.

rich is used only for colour on a terminal (and imported only then)."""

from __future__ import annotations

from . import printable, source_line

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _one_line(text: str) -> str:
    """One finding, one line (editors and `grep` read them so): a line break shows as `\\n`."""
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def render(result, *, color: bool = False, quiet: bool = False, **_) -> str:
    lines: list[tuple[str, str | None]] = []  # (text, rich style)
    shown: set[str] = set()
    for f in result.findings:
        file = f.file or "<no file>"
        shown.add(file)
        ctx = ", ".join(x for x in (f.migration, f.dialect) if x)
        message = _one_line(f.message)  # a parser's message may quote SQL across lines
        head = f"{file}:{f.line or 1}:{f.column or 1}: {f.rule} {f.severity} {message}" + (f" [{ctx}]" if ctx else "")
        lines.append((printable(head), _STYLE[f.severity]))
        if quiet:
            continue
        src = source_line(f.file, f.line)  # masked there
        if src is not None:
            shown_src = src.expandtabs(1)
            lines.append((f"    | {shown_src}", "dim"))
            caret = min(max((f.column or 1) - 1, 0), len(shown_src))
            lines.append(("    | " + " " * caret + "^", _STYLE[f.severity]))
        if f.help:
            lines.append((f"    = help: {f.help}", None))
    s = result.summary()
    if result.findings:
        lines.append(("", None))
        summary = (f"{_plural(s['errors'], 'error')}, {_plural(s['warnings'], 'warning')}, {s['infos']} info "
                   f"in {_plural(len(shown), 'file')} ({_plural(s['files'], 'file')} checked)")
    else:
        summary = f"All checks passed ({_plural(s['files'], 'file')} checked)."
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
