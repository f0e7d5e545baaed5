"""The stored checksum of a known file never changes: histories written by earlier versions must
keep matching (a changed checksum would show every applied migration as ``modified``).

The value is SHA-256 of the up SQL as the file holds it, with CRLF turned into LF and nothing else
normalised (SPEC: checksums); it was computed independently with ``hashlib`` from the literal text.
"""

from __future__ import annotations

import json
import sqlite3

from helpers import run_cli

PINNED = "d42160e4c319b66c2ca7b6a6c23fdce2d0e174c4c68ca4514dcdfcc2ca082da2"
FILE = (
    b"description: pinned\r\n"
    b"up: |\r\n"
    b"  -- a comment; kept\r\n"
    b"  CREATE TABLE pinned (id INTEGER PRIMARY KEY, note TEXT);\r\n"
    b"  INSERT INTO pinned (id, note) VALUES (1, 'semi; colon');\r\n"
    b"down: |\r\n"
    b"  DROP TABLE pinned;\r\n"
)


def test_the_checksum_of_a_known_file_is_pinned_in_history_and_status(tmp_path):
    (tmp_path / "001_pinned.yaml").write_bytes(FILE)
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("stingerloom: 1\nmigrations:\n  - 001_pinned.yaml\n")
    db = tmp_path / "app.db"
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    url = f"sqlite:///{db}"

    proc = run_cli("apply", str(manifest), "--database", url, env=env)
    assert proc.returncode == 0, proc.stderr
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT id, checksum, down_sql, state FROM __migrations").fetchall()
    assert rows == [("001_pinned", PINNED, "DROP TABLE pinned;\n", "applied")]

    # status twice: from the manifest cache apply wrote, then without any cache
    for cache in ("cache", "other-cache"):
        proc = run_cli("status", str(manifest), "--database", url, "--format", "json",
                       env={"XDG_CACHE_HOME": str(tmp_path / cache)})
        assert proc.returncode == 0, proc.stderr
        entry = json.loads(proc.stdout)["migrations"][0]
        assert (entry["state"], entry["checksum"]) == ("applied", PINNED)
