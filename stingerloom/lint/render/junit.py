"""``--format junit``: one test case per finding (errors and warnings fail), one passing case per
clean file, for CI systems that show JUnit reports."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr


def render(result, *, color: bool = False, quiet: bool = False) -> str:
    cases = []
    failures = 0
    for f in result.findings:
        name = f"{f.rule} {f.file}:{f.line or 1}:{f.column or 1}"
        body = ""
        if f.severity in ("error", "warning"):
            failures += 1
            text = f"{f.file}:{f.line}:{f.column}: {f.message}" + (f"\nhelp: {f.help}" if f.help else "")
            body = (f"<failure type={quoteattr(f.severity)} message={quoteattr(f.message)}>"
                    f"{escape(text)}</failure>")
        else:
            body = f"<system-out>{escape(f.message)}</system-out>"
        cases.append(f'    <testcase classname={quoteattr(f.file or "")} name={quoteattr(name)}>{body}</testcase>')
    if not cases:
        cases.append('    <testcase classname="stingerloom" name="lint"/>')
    n = len(cases)
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="stingerloom lint" tests="{n}" '
            f'failures="{failures}" errors="0">\n  <testsuite name="stingerloom lint" tests="{n}" '
            f'failures="{failures}" errors="0" skipped="0">\n')
    return head + "\n".join(cases) + "\n  </testsuite>\n</testsuites>\n"
