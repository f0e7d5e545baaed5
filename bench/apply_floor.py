"""The floor under a cold ``stingerloom apply`` in CPython: the least any Python tool doing this job runs.

    python bench/apply_floor.py MANIFEST DATABASE SCRIPT

Reads every file the manifest lists (bytes only: no YAML, no validation, no placeholders), then runs
SCRIPT's statements (``bench/apply_bench.py`` writes it: the history table, and per migration
``BEGIN IMMEDIATE``, its statements, its history row, ``COMMIT``) one by one through the ``sqlite3``
module on DATABASE. What it leaves out is everything stingerloom is for; what it keeps is what
CPython costs by itself: the interpreter's start, reading the files, and the module's per-statement
overhead over the ``sqlite3`` shell. ``apply_bench.py`` times it beside the two others.
"""

import os
import sqlite3
import sys


def main() -> None:
    manifest, database, script = sys.argv[1:4]
    folder = os.path.dirname(manifest)
    with open(manifest, "rb") as fh:
        names = [line[4:].strip() for line in fh if line.startswith(b"  - ")]
    for name in names:
        with open(os.path.join(folder, name.decode()), "rb") as fh:
            fh.read()
    statements, buf = [], ""
    with open(script, encoding="utf-8") as fh:
        for line in fh:
            buf += line
            if sqlite3.complete_statement(buf):
                statements.append(buf)
                buf = ""
    conn = sqlite3.connect(database, isolation_level=None)
    cur = conn.cursor()
    for sql in statements:
        cur.execute(sql)
    conn.close()


if __name__ == "__main__":
    main()
