"""SL110 ban-secret-in-manifest: the rule's documentation is its class docstring."""

from __future__ import annotations

import re
from pathlib import Path

from ..api import Rule


class SL110(Rule):
    """The manifest holds a literal password in `database:`.

    ## What it does
    Looks for a URL with `user:password@` in the manifest's `database:` value.

    ## Why is this bad?
    The manifest is committed; the password ends up in the repository and every clone of it.

    ## Example
    ```yaml
    database: postgresql://app:s3cret@db:5432/shop
    ```

    ## Use instead
    ```yaml
    database: ${DATABASE_URL}
    ```
    """

    code, name, severity = "SL110", "ban-secret-in-manifest", "error"
    aliases = ("secret-in-manifest",)  # its earlier name: --explain still takes it

    _RX = re.compile(r"^[ \t]*database[ \t]*[:=][ \t]*[\"']?[a-z][a-z0-9+]*://[^:/@\s\"']*:([^@\s\"']+)@", re.M | re.I)

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        try:
            raw = Path(path).read_text(encoding="utf-8")
        except OSError:
            return
        for m in self._RX.finditer(raw):
            if "${" in m.group(1):
                continue
            i = m.start(1)
            line = raw.count("\n", 0, i) + 1
            run.add(self, "database URL contains a literal password; use ${DATABASE_URL}", path, line,
                    i - (raw.rfind("\n", 0, i) + 1) + 1, None, None)
