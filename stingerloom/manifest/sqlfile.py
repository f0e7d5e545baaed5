"""Migrations written as plain ``.sql`` files in dbmate's format (SPEC §9)::

    -- migrate:up
    CREATE TABLE users (id INTEGER PRIMARY KEY);

    -- migrate:down
    DROP TABLE users;

* The id is the file name without ``.sql``.
* ``-- migrate:up transaction:false`` (on either marker) runs the migration outside a transaction;
  ``placeholders:false`` takes its SQL verbatim (no ``${name}`` replacement), ``repeatable:true``
  makes it a repeatable migration (re-applied whenever it changes; SPEC §10).
* Only blank lines and ``--`` comments may come before the first marker.
* Without a ``-- migrate:down`` section the migration has no down (rollback refuses it); a down
  section that holds nothing is a deliberate no-op (like ``down: ""``).

Each section keeps its position, so errors and lint findings point at the ``.sql`` file's own lines.
"""

from __future__ import annotations

import re

from ..errors import Problem
from ..migration import SqlMigration, SqlSource

_MARKER = re.compile(r"^[ \t]*--[ \t]*migrate:(\w+)(.*?)[ \t]*$")
_OPTIONS = {"transaction": ("true", "false"), "placeholders": ("true", "false"), "repeatable": ("true", "false")}
#: the value that wins when the two markers disagree
_WINS = {"transaction": "false", "placeholders": "false", "repeatable": "true"}


def parse_sql_file(text: str, display: str, stem: str) -> tuple[SqlMigration | None, list[Problem]]:
    """The migration in ``text`` (a dbmate-format file shown as ``display``), or the problems found."""
    problems: list[Problem] = []
    lines = text.splitlines(keepends=True)
    sections: dict[str, tuple[int, int]] = {}  # name -> (marker line index, first content offset)
    order: list[tuple[str, int, int]] = []  # (name, marker index, content start offset)
    options: dict[str, str] = {}
    offset = 0
    first_sql: int | None = None
    for index, line in enumerate(lines):
        m = _MARKER.match(line.rstrip("\r\n"))
        if m is None:
            stripped = line.strip()
            if not order and stripped and not stripped.startswith("--") and first_sql is None:
                first_sql = index
            offset += len(line)
            continue
        name = m.group(1)
        where = (index + 1, line.find("migrate:") + 1)
        if name not in ("up", "down"):
            problems.append(Problem(f"unknown marker 'migrate:{name}' (expected migrate:up or migrate:down)",
                                    display, *where, key=name))
        elif name in sections:
            problems.append(Problem(f"a second '-- migrate:{name}' (the first is at line {sections[name][0] + 1})",
                                    display, *where, key=name))
        else:
            sections[name] = (index, offset + len(line))
            order.append((name, index, offset + len(line)))
        for token in m.group(2).split():
            key, sep, value = token.partition(":")
            if key not in _OPTIONS or not sep or value not in _OPTIONS[key]:
                problems.append(Problem(
                    f"unknown option {token!r} on the migrate:{name} line (expected transaction:false, "
                    "placeholders:false or repeatable:true)", display, index + 1, line.find(token) + 1, key=token))
            elif value == _WINS[key] or key not in options:
                options[key] = value
        offset += len(line)
    if first_sql is not None and order:
        problems.append(Problem("SQL before the first '-- migrate:up' line: put it in a section",
                                display, first_sql + 1, 1))
    if "up" not in sections:
        problems.append(Problem("no '-- migrate:up' line: a .sql migration is in dbmate's format "
                                "(-- migrate:up, then optionally -- migrate:down)", display, 1, 1, key="up"))
    if problems:
        return None, problems
    blocks: dict[str, SqlSource] = {}
    for k, (name, index, start) in enumerate(order):
        end = order[k + 1][2] - len(lines[order[k + 1][1]]) if k + 1 < len(order) else len(text)
        body = text[start:end]
        if not body.strip():
            body = ""
        blocks[name] = SqlSource(body, display, index + 2, 1, 0, True)
    migration = SqlMigration(
        stem,
        up={"default": blocks["up"]},
        down={"default": blocks["down"]} if "down" in blocks else None,
        transaction=options.get("transaction") != "false",
        placeholders=options.get("placeholders") != "false",
        repeatable=options.get("repeatable") == "true",
        source_file=display,
        source_line=sections["up"][0] + 1,
    )
    return migration, []
