"""SL104 ban-duplicate-or-orphan-file: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import manifest_entries, text_pos


def _nth_pos(text: str, needle: str, n: int) -> tuple[int, int]:
    i = -1
    for _ in range(n):
        i = text.find(needle, i + 1)
        if i < 0:
            return text_pos(text, needle)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


class SL104(Rule):
    """A file is listed twice, or a numbered migration file in the folder is not listed.

    ## What it does
    Compares the `migrations:` list with itself and with the numbered `.yaml`/`.yml`/`.toml` files next
    to the listed ones.

    ## Why is this bad?
    A file listed twice runs twice; an unlisted file (an "orphan") was probably forgotten in the
    manifest and never runs.

    ## Example
    ```yaml
    migrations:
      - 001_users.yaml
      - 001_users.yaml
    ```

    ## Use instead
    ```yaml
    migrations:
      - 001_users.yaml
      - 002_add_phone.yaml
    ```
    """

    code, name, severity = "SL104", "ban-duplicate-or-orphan-file", "warning"
    aliases = ("duplicate-or-orphan-file",)  # its earlier name: --explain still takes it

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        import os

        raw, entries = manifest_entries(path)
        folder = os.path.dirname(os.path.abspath(path))
        seen: dict[str, str] = {}
        for e in entries:
            norm = os.path.normpath(os.path.join(folder, e))
            if norm in seen:
                run.add(self, f"{e} is listed twice in the manifest (also as {seen[norm]})", path,
                        *_nth_pos(raw, e, 2), None, None)
            seen[norm] = e
        me = os.path.normpath(os.path.abspath(path))
        # files the manifest reads through includes and `directory:` entries are listed too (made the
        # first time a file is in neither: on a manifest listing every file, never)
        loaded = None
        for d in sorted({os.path.dirname(p) for p in seen}):
            try:
                names = sorted(os.listdir(d))
            except OSError:
                continue
            for name in names:
                if name[:1].isdigit() and name.endswith((".yaml", ".yml", ".toml")):
                    full = os.path.join(d, name)
                    if full in seen or full == me:
                        continue
                    if loaded is None:  # (abspath normalises)
                        loaded = {os.path.abspath(f) for f in getattr(manifest, "file_names", ()) or ()}
                    if full not in loaded:
                        run.add(self, f"{name} looks like a migration but the manifest does not list it",
                                full, 1, 1, None, None)
