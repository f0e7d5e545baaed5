"""Where output goes: rich on a terminal, plain text when piped or with NO_COLOR / --no-color.

rich is imported only when it will be used, so piped and JSON runs start fast.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing itself is not imported at run time: it costs ~2 ms at every start
if TYPE_CHECKING:
    from typing import Any


def want_rich(stream: Any = None, no_color: bool = False) -> bool:
    stream = stream or sys.stdout
    if no_color or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class Output:
    def __init__(self, *, no_color: bool = False, quiet: bool = False) -> None:
        self.rich = want_rich(sys.stdout, no_color)
        self.rich_err = want_rich(sys.stderr, no_color)
        self.quiet = quiet
        self._console = None
        self._err_console = None

    @property
    def console(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(highlight=False)
        return self._console

    @property
    def err_console(self):
        if self._err_console is None:
            from rich.console import Console

            self._err_console = Console(stderr=True, highlight=False)
        return self._err_console

    def line(self, text: str = "", style: str | None = None) -> None:
        if self.rich:
            self.console.print(text, style=style, markup=False)
        else:
            print(text)

    def text(self, text: str) -> None:
        """``text`` on standard output exactly as given (a rendered report, a file's contents)."""
        sys.stdout.write(text)

    def note(self, text: str) -> None:
        """An informational message on stderr (hidden by --quiet)."""
        if self.quiet:
            return
        if self.rich_err:
            self.err_console.print(f"note: {text}", style="dim", markup=False)
        else:
            print(f"note: {text}", file=sys.stderr)

    def warn(self, text: str) -> None:
        if self.rich_err:
            self.err_console.print(f"warning: {text}", style="yellow", markup=False)
        else:
            print(f"warning: {text}", file=sys.stderr)

    def error(self, text: str) -> None:
        if self.rich_err:
            self.err_console.print(f"error: {text}", style="bold red", markup=False)
        else:
            print(f"error: {text}", file=sys.stderr)

    def json(self, data: Any) -> None:
        import json

        print(json.dumps(data, indent=2, default=str))

    def table(self, title: str | None, columns: list[str], rows: list[list[str]], styles: list[str | None] | None = None) -> None:
        """A table: rich on a terminal, aligned plain text otherwise."""
        if self.rich:
            from rich.table import Table

            if title:  # its own line: as a table title it wrapped at the table's width, splitting the URL
                self.console.print(title, style="table.title", markup=False)
            t = Table(show_lines=False)
            for c in columns:
                t.add_column(c)
            for i, r in enumerate(rows):
                t.add_row(*r, style=(styles[i] if styles else None))
            self.console.print(t)
            return
        widths = [max(len(c), *map(len, cells)) if rows else len(c) for c, cells in zip(columns, zip(*rows or [columns]))]
        line = "  ".join(f"{{:<{w}}}" for w in widths).format  # one format per row, one write for the table
        lines = [title] if title else []
        lines.append(line(*columns).rstrip())
        lines.append("  ".join("-" * w for w in widths))
        lines.extend([line(*r).rstrip() for r in rows])
        print("\n".join(lines))
