"""SL105 require-ordered-file-numbers: the rule's documentation is its class docstring."""

from __future__ import annotations

import re
from pathlib import Path

from ..api import Rule
from ..facts import manifest_entries, text_pos

_NUMBER = re.compile(r"(\d+)")


class SL105(Rule):
    """The numeric prefixes of the listed files disagree with the manifest order.

    ## What it does
    Reads the leading number of each listed file name (`003_add_index.yaml` -> 3) and reports a number
    lower than or equal to the previous one, or a gap in a short sequential numbering.

    ## Why is this bad?
    The manifest order is the order of application. When names and order disagree, a reviewer reading
    the folder sees a different history than the databases get ("non-linear" in Atlas).

    ## Example
    ```yaml
    migrations:
      - 002_add_phone.yaml
      - 001_users.yaml
    ```

    ## Use instead
    ```yaml
    migrations:
      - 001_users.yaml
      - 002_add_phone.yaml
    ```
    """

    code, name, severity = "SL105", "require-ordered-file-numbers", "warning"
    aliases = ("order",)  # its earlier name: --explain still takes it

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        raw, entries = manifest_entries(path)
        prev = None
        for e in entries:
            # a plain file name is its own name (Path(e).name, without building a Path for each)
            name = e if "/" not in e and "\\" not in e and e not in ("", ".", "..") else Path(e).name
            m = _NUMBER.match(name)
            if not m:
                continue
            num = int(m.group(1))
            if prev is not None:
                if num == prev:
                    run.add(self, f"{e} repeats the number {m.group(1)}", path, *text_pos(raw, e), None, None)
                elif num < prev:
                    run.add(self, f"{e} is listed after a migration with a higher number ({prev})", path,
                            *text_pos(raw, e), None, None)
                elif num > prev + 1 and num < 10000:
                    run.add(self, f"{e}: number {prev + 1} is missing before it", path, *text_pos(raw, e),
                            None, None)
            prev = num
