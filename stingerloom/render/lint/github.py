"""``--format github``: GitHub Actions workflow commands, the most severe first, then a summary.

GitHub shows only 10 error and 10 warning annotations per step, so order matters."""

from __future__ import annotations

from ...lint.model import SEVERITY_RANK

_CMD = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render(result, *, color: bool = False, quiet: bool = False, **_) -> str:
    out = []
    for f in sorted(result.findings, key=lambda f: (SEVERITY_RANK[f.severity], f.sort_key())):
        props = []
        if f.file:
            props.append(f"file={escape_property(f.file)}")
        if f.line:
            props.append(f"line={f.line}")
        if f.column:
            props.append(f"col={f.column}")
        props.append(f"title={escape_property(f.rule)}")
        msg = f.message
        if f.migration:
            msg += f" [{f.migration}{', ' + f.dialect if f.dialect else ''}]"
        if f.help:
            msg += f"\nhelp: {f.help}"
        out.append(f"::{_CMD[f.severity]} {','.join(props)}::{escape_data(msg)}")
    s = result.summary()
    out.append(f"stingerloom lint: {s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos "
               f"in {s['files']} files")
    return "\n".join(out) + "\n"
