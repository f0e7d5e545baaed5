"""SL108 require-portable-default: the rule's documentation is its class docstring."""

from __future__ import annotations

import re
from functools import lru_cache

from ..api import Rule

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


# what a match of each pattern contains: a cheap test on the upper-cased text before the regex
_WORD = {r"`": "`", r"\bAUTO_INCREMENT\b": "AUTO_INCREMENT", r"\bAUTOINCREMENT\b": "AUTOINCREMENT",
         r"\bENGINE\s*=": "ENGINE", r"\bUNSIGNED\b": "UNSIGNED", r"\bPRAGMA\b": "PRAGMA",
         r"\bCONCURRENTLY\b": "CONCURRENTLY", r"\$[A-Za-z_]*\$": "$", r"\b(?:BIG|SMALL)?SERIAL\b": "SERIAL",
         r"::": "::"}
_FOREIGN_RE = {d: [(re.compile(p, re.I), what, _WORD[p]) for p, what in pats] for d, pats in _FOREIGN.items()}



@lru_cache(maxsize=None)
def _words(dialects: tuple[str, ...]) -> tuple[str, ...]:
    """Every word a pattern foreign to one of ``dialects`` needs."""
    return tuple(dict.fromkeys(word for d in dialects for _, _, word in _FOREIGN_RE[d]))


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

    code, name, severity = "SL108", "require-portable-default", "warning"
    aliases = ("default-not-portable",)  # its earlier name: --explain still takes it

    def check_manifest(self, run, manifest, migrations, dialects, path) -> None:
        from ..facts import keyword_text, strip_sql

        for m in migrations:
            for srcs in (m.up_sources, m.down_sources):
                src = srcs.get("default")
                if src is None:
                    continue
                others = [d for d in dialects if d not in srcs]  # the dialects it stands for
                if not others:
                    continue
                up = keyword_text(src.text)
                if not any(map(up.__contains__, _words(tuple(others)))):
                    continue  # fast path: nothing dialect-specific, not even in comments
                text = strip_sql(src.text)
                hits: dict[tuple[int, str], list[str]] = {}
                for d in others:
                    for pat, what, word in _FOREIGN_RE[d]:
                        hit = word in up and pat.search(text)
                        if hit:
                            hits.setdefault((hit.start(), what), []).append(d)
                            break
                for (off, what), ds in sorted(hits.items()):
                    run.add(self, f"default block uses {what}, but it also runs on {', '.join(ds)}",
                            src.file or m.source_file, *src.position(off), m, ",".join(ds))
