"""``--format junit``: one test case per finding, one passing case per clean run, for CI systems that
show JUnit reports. Errors fail; warnings fail only with ``--junit-warnings-as-failures`` (otherwise
they are passing cases that carry their message, like infos): the exit code, not the report, is the
gate, and a report that turns red on warnings disagrees with it."""

from __future__ import annotations

from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from . import printable


def escape(text: str) -> str:
    return _escape(printable(text))


def quoteattr(text: str) -> str:
    return _quoteattr(printable(text))


def render(result, *, color: bool = False, quiet: bool = False, warnings_fail: bool = False, **_) -> str:
    cases = []
    failures = 0
    failing = ("error", "warning") if warnings_fail else ("error",)
    for f in result.findings:
        name = f"{f.rule} {f.file}:{f.line or 1}:{f.column or 1}"
        if f.severity in failing:
            failures += 1
            text = f"{f.file}:{f.line}:{f.column}: {f.message}" + (f"\nhelp: {f.help}" if f.help else "")
            body = (f"<failure type={quoteattr(f.severity)} message={quoteattr(f.message)}>"
                    f"{escape(text)}</failure>")
        else:
            body = f"<system-out>{escape(f'{f.severity}: {f.message}')}</system-out>"
        cases.append(f'    <testcase classname={quoteattr(f.file or "")} name={quoteattr(name)}>{body}</testcase>')
    if not cases:
        cases.append('    <testcase classname="stingerloom" name="lint"/>')
    n = len(cases)
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="stingerloom lint" tests="{n}" '
            f'failures="{failures}" errors="0">\n  <testsuite name="stingerloom lint" tests="{n}" '
            f'failures="{failures}" errors="0" skipped="0">\n')
    return head + "\n".join(cases) + "\n  </testsuite>\n</testsuites>\n"
