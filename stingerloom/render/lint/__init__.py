"""``stingerloom lint`` output: a :class:`~stingerloom.lint.model.LintResult` in, text out (one module
per ``--format``: text, json, sarif, github, junit); no lint logic here."""

from __future__ import annotations

import importlib
import os
import re
from typing import TextIO

_MODULES = {"text": "text", "json": "json_", "sarif": "sarif", "github": "github", "junit": "junit"}


def render(fmt: str, result, out: TextIO, *, color: bool = False, quiet: bool = False,
           warnings_fail: bool = False) -> None:
    for f in result.findings:  # whatever a rule quoted, no output format shows a password
        f.message = mask_secrets(f.message)
    mod = importlib.import_module(f"stingerloom.render.lint.{_MODULES[fmt]}")
    out.write(mod.render(result, color=color, quiet=quiet, warnings_fail=warnings_fail))


def render_lint(out, fmt: str, result, *, warnings_fail: bool = False) -> None:
    """``result`` in ``fmt`` on standard output (colour on a terminal), then lint's notes on stderr."""
    import sys

    render(fmt, result, sys.stdout, color=out.rich, quiet=out.quiet, warnings_fail=warnings_fail)
    for note in result.notes:
        out.note(note)


def render_explain(out, markdown: str) -> None:
    """``lint --explain``: the Markdown rendered with rich on a terminal, as written when piped."""
    if out.rich:
        from rich.markdown import Markdown

        out.console.print(Markdown(markdown))
    else:
        out.text(markdown)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` with control characters (bar tab and line breaks) shown as ``\\xNN``: a file name
    may hold any of them, and raw they are invalid XML (JUnit) or terminal escape sequences (text)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if _CONTROL.search(text) else text


_SQL_SECRET = re.compile(r"(\b(?:IDENTIFIED\s+(?:WITH\s+\S+\s+)?BY|PASSWORD)\s*(?:=\s*)?)('(?:[^']|'')*'|\"[^\"]*\")", re.I)
_YAML_SECRET = re.compile(r"(\b(?:password|passwd|pwd|secret)\s*:\s*)(?![\s$]|\$\{)(\S+)", re.I)


def mask_secrets(text: str | None) -> str | None:
    """``text`` with passwords replaced by ``***``: URL userinfo (``user:pw@``), ``password=…``,
    SQL ``PASSWORD '…'``/``IDENTIFIED BY '…'`` and YAML ``password: …``. The one place the lint
    output masks secrets (source excerpts and messages alike)."""
    if not text:
        return text
    if text.isascii():  # fast path: none of the words the patterns below need (ASCII: upper() is exact)
        up = text.upper()
        if "://" not in text and "PASSW" not in up and "PWD" not in up and "SECRET" not in up \
                and "IDENTIFIED" not in up:
            return text
    from stingerloom.urls import mask_url_passwords, redact

    text = redact(mask_url_passwords(text))
    text = _SQL_SECRET.sub(lambda m: m.group(1) + m.group(2)[0] + "***" + m.group(2)[0], text)
    return _YAML_SECRET.sub(r"\1***", text)


def source_line(file: str | None, line: int | None, _cache: dict = {}) -> str | None:  # noqa: B006
    """The text of ``line`` (1-based) of ``file``, without its line ending; CRLF and CR count as one.
    Secrets are masked (:func:`mask_secrets`): an excerpt must not print the password SL110 reports."""
    if not file or not line:
        return None
    lines = _cache.get(file)
    if lines is None:
        try:
            if not os.path.isfile(file):  # never open a named pipe: it would wait for a writer
                raise FileNotFoundError(file)
            with open(file, encoding="utf-8", newline="") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError, ValueError):
            text = ""
        lines = [mask_secrets(x) for x in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        _cache[file] = lines
    return lines[line - 1] if 0 < line <= len(lines) else None
