"""Renderers: a :class:`~stingerloom.lint.model.LintResult` in, text out; no lint logic here."""

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
    mod = importlib.import_module(f"stingerloom.lint.render.{_MODULES[fmt]}")
    out.write(mod.render(result, color=color, quiet=quiet, warnings_fail=warnings_fail))


_SQL_SECRET = re.compile(r"(\b(?:IDENTIFIED\s+(?:WITH\s+\S+\s+)?BY|PASSWORD)\s*(?:=\s*)?)('(?:[^']|'')*'|\"[^\"]*\")", re.I)
_YAML_SECRET = re.compile(r"(\b(?:password|passwd|pwd|secret)\s*:\s*)(?![\s$]|\$\{)(\S+)", re.I)


def mask_secrets(text: str | None) -> str | None:
    """``text`` with passwords replaced by ``***``: URL userinfo (``user:pw@``), ``password=…``,
    SQL ``PASSWORD '…'``/``IDENTIFIED BY '…'`` and YAML ``password: …``. The one place the lint
    output masks secrets (source excerpts and messages alike)."""
    if not text:
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
