"""Renderers: a :class:`~stingerloom.lint.model.LintResult` in, text out; no lint logic here."""

from __future__ import annotations

import importlib
import os
from typing import TextIO

_MODULES = {"text": "text", "json": "json_", "sarif": "sarif", "github": "github", "junit": "junit"}


def render(fmt: str, result, out: TextIO, *, color: bool = False, quiet: bool = False) -> None:
    mod = importlib.import_module(f"stingerloom.lint.render.{_MODULES[fmt]}")
    out.write(mod.render(result, color=color, quiet=quiet))


def source_line(file: str | None, line: int | None, _cache: dict = {}) -> str | None:  # noqa: B006
    """The text of ``line`` (1-based) of ``file``, without its line ending; CRLF and CR count as one.
    URL passwords (``scheme://user:password@``) are masked."""
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
        from ...urls import mask_url_passwords

        # masked: an excerpt must not print the password that SL110 reports
        lines = mask_url_passwords(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
        _cache[file] = lines
    return lines[line - 1] if 0 < line <= len(lines) else None
