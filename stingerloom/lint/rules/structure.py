"""SL1xx: the manifest and its files."""

from __future__ import annotations

import re
from pathlib import Path

from ..api import Rule
from ..facts import manifest_entries
from ..model import ALL_DIALECTS

_KNOWN_KEYS = set(ALL_DIALECTS) | {"default"}


def _blank(text: str) -> bool:
    head = text.lstrip()
    if head and not head.startswith(("--", "/*", "#")):
        return False  # fast path: real text before any comment
    from stingerloom.sqltext import is_blank

    return is_blank(text)


def _text_pos(text: str, needle: str) -> tuple[int, int]:
    i = text.find(needle)
    if i < 0:
        return 1, 1
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


_LOADER_CODES = ("SL102", "SL103")


def _report_problems(rule, run, path: str) -> None:
    """The loader's problems of this rule's code (SL101 takes every other one)."""
    for p in run.problems:
        code = p.code if p.code in _LOADER_CODES else "SL101"
        if code == rule.code:
            msg = p.message + (f" (key: {p.key})" if p.key and p.key not in p.message else "")
            run.add(rule, msg, p.file or path, p.line, p.column, None, None)


class SL101(Rule):
    """The manifest or a migration file is not valid.

    ## What it does
    Reports every problem the loader finds: YAML/TOML that does not parse, a missing or unsupported
    `stingerloom:` version, values of the wrong type, and unknown keys, each at its file, line and column.

    ## Why is this bad?
    `apply` refuses an invalid manifest, and an unknown key is usually a typo (`irreversable: true`)
    whose intent would otherwise be silently ignored.

    ## Example
    ```yaml
    id: 002_add_phone
    irreversable: true
    up: ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```yaml
    id: 002_add_phone
    irreversible: true
    up: ALTER TABLE users ADD COLUMN phone text;
    ```
    """

    code, name, severity = "SL101", "manifest-invalid", "error"
    runs_on_unloadable = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        _report_problems(self, run, path)


class SL102(Rule):
    """A listed migration file is missing, or its path leaves the manifest's folder.

    ## What it does
    Reports entries of `migrations:` that name no file, and paths such as `../x.yaml` or absolute paths
    when the manifest does not set `allow_outside_paths: true`.

    ## Why is this bad?
    `apply` stops at the missing file; a path outside the folder makes the manifest depend on the
    machine it runs on.

    ## Example
    ```yaml
    migrations:
      - ../shared/001_users.yaml
    ```

    ## Use instead
    ```yaml
    migrations:
      - 001_users.yaml
    ```
    """

    code, name, severity = "SL102", "bad-path", "error"
    runs_on_unloadable = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        _report_problems(self, run, path)


class SL103(Rule):
    """Two migrations share an id, or a document of a multi-document file has no id.

    ## What it does
    Checks that every migration id is unique in the manifest, across files and `---` documents.

    ## Why is this bad?
    The history table is keyed by id: a repeated id makes the second migration look applied.

    ## Example
    ```yaml
    id: 001_users
    up: CREATE TABLE users (id int);
    ---
    up: CREATE TABLE teams (id int);
    ```

    ## Use instead
    ```yaml
    id: 001_users
    up: CREATE TABLE users (id int);
    ---
    id: 002_teams
    up: CREATE TABLE teams (id int);
    ```
    """

    code, name, severity = "SL103", "duplicate-id", "error"
    runs_on_unloadable = True

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        _report_problems(self, run, path)


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

    code, name, severity = "SL104", "duplicate-or-orphan-file", "warning"

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
        # files the manifest reads through includes and `directory:` entries are listed too
        loaded = {os.path.normpath(os.path.abspath(f)) for f in getattr(manifest, "file_names", ()) or ()}
        for d in sorted({os.path.dirname(p) for p in seen}):
            try:
                names = sorted(os.listdir(d))
            except OSError:
                continue
            for name in names:
                if name[:1].isdigit() and name.endswith((".yaml", ".yml", ".toml")):
                    full = os.path.join(d, name)
                    if full not in seen and full != me and full not in loaded:
                        run.add(self, f"{name} looks like a migration but the manifest does not list it",
                                full, 1, 1, None, None)


def _nth_pos(text: str, needle: str, n: int) -> tuple[int, int]:
    i = -1
    for _ in range(n):
        i = text.find(needle, i + 1)
        if i < 0:
            return _text_pos(text, needle)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


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

    code, name, severity = "SL105", "order", "warning"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        raw, entries = manifest_entries(path)
        prev = None
        for e in entries:
            m = re.match(r"(\d+)", Path(e).name)
            if not m:
                continue
            num = int(m.group(1))
            if prev is not None:
                if num == prev:
                    run.add(self, f"{e} repeats the number {m.group(1)}", path, *_text_pos(raw, e), None, None)
                elif num < prev:
                    run.add(self, f"{e} is listed after a migration with a higher number ({prev})", path,
                            *_text_pos(raw, e), None, None)
                elif num > prev + 1 and num < 10000:
                    run.add(self, f"{e}: number {prev + 1} is missing before it", path, *_text_pos(raw, e),
                            None, None)
            prev = num


class SL106(Rule):
    """`up` is empty or holds only comments.

    ## What it does
    Reports a migration whose `up` has no statement for any dialect, and any `up` or `down` block that
    holds only comments (which `apply` refuses). (An empty block `""` for *one* dialect in a
    per-dialect mapping, or an empty `down`, is a deliberate no-op and is not reported.)

    ## Why is this bad?
    The migration is recorded as applied although it did nothing: usually the SQL was forgotten.

    ## Example
    ```yaml
    id: 004_add_index
    up: |
      -- TODO
    down: ""
    ```

    ## Use instead
    ```yaml
    id: 004_add_index
    up: CREATE INDEX idx_users_email ON users (email);
    down: DROP INDEX idx_users_email;
    ```
    """

    code, name, severity = "SL106", "empty-block", "error"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for m in migrations:
            srcs = list(m.up_sources.values())
            whole_up = bool(srcs) and all(_blank(s.text) for s in srcs)
            if whole_up:
                line = m.source_line or 1
                run.add(self, "up holds no statement (only whitespace or comments)", m.source_file, line, 1,
                        m, None)
            # a block of only comments (the template `new` writes) is refused by `apply` (SPEC §7)
            for key, sources in (("up", {} if whole_up else m.up_sources), ("down", m.down_sources)):
                for dialect, src in sources.items():
                    if src.text.strip() and _blank(src.text):
                        label = key if dialect == "default" else f"{key}.{dialect}"
                        run.add(self, f"{label} holds only comments: `apply` refuses it (write the SQL, or "
                                "\"\" for a deliberate no-op)", src.file or m.source_file,
                                src.line or m.source_line or 1, src.column or 1, m, None)


class SL107(Rule):
    """A checked dialect has no SQL, or a dialect key is unknown.

    ## What it does
    For every dialect being checked (`--dialect`, else those the manifest names, else all three), checks
    that each migration's `up` has a block for it or a `default`. Keys such as
    `postgresql`, `pg` or `mariadb` are reported as unknown.

    ## Why is this bad?
    A migration without SQL for the target dialect fails at apply time; it is never silently skipped.

    ## Example
    ```yaml
    up:
      postgres: CREATE INDEX CONCURRENTLY i ON t (a);
      mysql: CREATE INDEX i ON t (a);
    ```

    ## Use instead
    ```yaml
    up:
      postgres: CREATE INDEX CONCURRENTLY i ON t (a);
      default: CREATE INDEX i ON t (a);
    ```
    """

    code, name, severity = "SL107", "dialect-coverage", "error"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for m in migrations:
            for block, srcs in (("up", m.up_sources), ("down", m.down_sources)):
                for key, src in srcs.items():
                    if key not in _KNOWN_KEYS:
                        run.add(self, f"unknown dialect key {key!r} in {block} (expected postgres, mysql, "
                                "sqlite or default)", src.file or m.source_file, src.line, src.column, m, None)
                if block == "down":
                    continue  # down coverage is SL109 (and SL401 when there is no down at all)
                for d in dialects:
                    if srcs and d not in srcs and "default" not in srcs:
                        run.add(self, f"{block} has no SQL for {d} and no default", m.source_file,
                                m.source_line or 1, 1, m, d)


_FOREIGN = {
    "postgres": [(r"`", "MySQL backtick quoting"), (r"\bAUTO_INCREMENT\b", "MySQL AUTO_INCREMENT"),
                 (r"\bAUTOINCREMENT\b", "SQLite AUTOINCREMENT"), (r"\bENGINE\s*=", "MySQL ENGINE="),
                 (r"\bUNSIGNED\b", "MySQL UNSIGNED"), (r"\bPRAGMA\b", "SQLite PRAGMA")],
    "mysql": [(r"\bCONCURRENTLY\b", "PostgreSQL CONCURRENTLY"), (r"\$[A-Za-z_]*\$", "PostgreSQL dollar quoting"),
              (r"\b(?:BIG|SMALL)?SERIAL\b", "PostgreSQL SERIAL"), (r"::", "PostgreSQL :: casts"),
              (r"\bAUTOINCREMENT\b", "SQLite AUTOINCREMENT"), (r"\bPRAGMA\b", "SQLite PRAGMA")],
    "sqlite": [(r"\bCONCURRENTLY\b", "PostgreSQL CONCURRENTLY"), (r"\$[A-Za-z_]*\$", "PostgreSQL dollar quoting"),
               (r"\b(?:BIG|SMALL)?SERIAL\b", "PostgreSQL SERIAL"), (r"\bAUTO_INCREMENT\b", "MySQL AUTO_INCREMENT"),
               (r"\bENGINE\s*=", "MySQL ENGINE=")],
}


_ANY_FOREIGN = re.compile("|".join(sorted({p for pats in _FOREIGN.values() for p, _ in pats})), re.I)


class SL108(Rule):
    """A `default` block uses syntax that another dialect it stands for does not have.

    ## What it does
    For each checked dialect that falls back to `default`, looks for dialect-specific syntax:
    `CONCURRENTLY`, `$$` bodies and `SERIAL` (PostgreSQL), backticks and `AUTO_INCREMENT` (MySQL),
    `AUTOINCREMENT` and `PRAGMA` (SQLite).

    ## Why is this bad?
    The block runs unchanged on every dialect without its own key, where this syntax fails or means
    something else.

    ## Example
    ```yaml
    up: CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
    ```

    ## Use instead
    ```yaml
    up:
      postgres: CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
      default: CREATE INDEX idx_users_email ON users (email);
    ```
    """

    code, name, severity = "SL108", "default-not-portable", "warning"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        from ..facts import strip_sql

        for m in migrations:
            for srcs in (m.up_sources, m.down_sources):
                src = srcs.get("default")
                if src is None:
                    continue
                if not _ANY_FOREIGN.search(src.text):
                    continue  # fast path: nothing dialect-specific, not even in comments
                text = strip_sql(src.text)
                hits: dict[tuple[int, str], list[str]] = {}
                for d in dialects:
                    if d in srcs:
                        continue
                    for pat, what in _FOREIGN[d]:
                        hit = re.search(pat, text, re.I)
                        if hit:
                            hits.setdefault((hit.start(), what), []).append(d)
                            break
                for (off, what), ds in sorted(hits.items()):
                    run.add(self, f"default block uses {what}, but it also runs on {', '.join(ds)}",
                            src.file or m.source_file, *src.position(off), m, ",".join(ds))


class SL109(Rule):
    """`up` and `down` name different dialects.

    ## What it does
    Compares the dialect keys of `up` and `down`: reports a checked dialect that has an `up` but no
    `down` (no key and no `default`) while other dialects have one. A `down` that is one `default` for
    every dialect is accepted, and so is a dialect-specific `down` for a `default` up (MySQL's
    `DROP INDEX … ON t`). A migration with no `down` at all is SL401.

    ## Why is this bad?
    `rollback` of that dialect fails: there is nothing to run.

    ## Example
    ```yaml
    up:
      postgres: CREATE INDEX CONCURRENTLY i ON t (a);
      default: CREATE INDEX i ON t (a);
    down:
      postgres: DROP INDEX CONCURRENTLY i;
    ```

    ## Use instead
    ```yaml
    up:
      postgres: CREATE INDEX CONCURRENTLY i ON t (a);
      default: CREATE INDEX i ON t (a);
    down:
      postgres: DROP INDEX CONCURRENTLY i;
      default: DROP INDEX i;
    ```
    """

    code, name, severity = "SL109", "up-down-dialect-mismatch", "warning"
    help = "give down the same dialect keys as up (or a default that suits every dialect)"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for m in migrations:
            down = m.down_sources
            if not down or m.irreversible:
                continue
            problems = []
            for d in dialects:
                if m.up_sql(d) is None:
                    continue
                if m.down_sql(d) is None:
                    problems.append(f"{d} has an up but no down (and no default)")
            if problems:
                run.add(self, "up and down name different dialects: " + "; ".join(problems), m.source_file,
                        m.source_line or 1, 1, m, None)


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

    code, name, severity = "SL110", "secret-in-manifest", "error"

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


class SL111(Rule):
    """`irreversible: true` together with a `down`.

    ## What it does
    Reports a migration that declares itself irreversible and still has `down` SQL.

    ## Why is this bad?
    One of the two is wrong: either the `down` is a leftover that a rollback will run, or the flag hides
    a rollback that works.

    ## Example
    ```yaml
    irreversible: true
    up: DROP TABLE legacy;
    down: CREATE TABLE legacy (id int);
    ```

    ## Use instead
    ```yaml
    irreversible: true
    up: DROP TABLE legacy;
    ```
    """

    code, name, severity = "SL111", "irreversible-contradiction", "error"

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for m in migrations:
            if m.irreversible and any(not _blank(s.text) for s in m.down_sources.values()):
                run.add(self, "irreversible: true but the migration has a down", m.source_file,
                        m.source_line or 1, 1, m, None)


class SL112(Rule):
    """A migration has no `description` (opt-in).

    ## What it does
    Reports migrations without a `description` key.

    ## Why is this bad?
    `status` and the history table show the description; without one, reviewers and on-call DBAs must
    open the file to learn what a migration does.

    ## Example
    ```yaml
    id: 002_add_phone
    up: ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```yaml
    id: 002_add_phone
    description: Add the users' phone number
    up: ALTER TABLE users ADD COLUMN phone text;
    ```
    """

    code, name, severity, default_enabled = "SL112", "missing-description", "info", False

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        for m in migrations:
            if not (m.description or "").strip():
                run.add(self, "migration has no description", m.source_file, m.source_line or 1, 1, m, None)
