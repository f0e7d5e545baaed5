"""Several processes at once, and a process killed mid-migration, on every database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import history, query, run_cli, tables, write_manifest

# Each database's way to spend a while inside one statement: the duration comes from a table, so a
# test can make the same (unchanged, same checksum) migration fast again.
SLOW = {
    "postgres": "SELECT pg_sleep((SELECT secs FROM pause))",
    "mysql": "SELECT SLEEP((SELECT secs FROM pause))",
    "sqlite": ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
               "WHERE x < (SELECT secs FROM pause) * 3000000) SELECT count(*) FROM c"),
}


def _slow_manifest(folder, n: int):
    files = {
        "000_pause.yaml": """
            up: |
              CREATE TABLE pause (secs INTEGER NOT NULL);
              INSERT INTO pause (secs) VALUES (0);
            down: DROP TABLE pause
            """,
    }
    for i in range(1, n + 1):
        files[f"{i:03d}_step.yaml"] = f"""
            up:
              postgres: |
                CREATE TABLE step_{i} (id INTEGER);
                {SLOW['postgres']};
                CREATE TABLE step_{i}_done (id INTEGER);
              mysql: |
                CREATE TABLE step_{i} (id INTEGER);
                {SLOW['mysql']};
                CREATE TABLE step_{i}_done (id INTEGER);
              sqlite: |
                CREATE TABLE step_{i} (id INTEGER);
                {SLOW['sqlite']};
                CREATE TABLE step_{i}_done (id INTEGER);
            down: |
              DROP TABLE step_{i}_done;
              DROP TABLE step_{i};
            """
    return write_manifest(folder, files)


def _spawn(*args: str) -> subprocess.Popen:
    env = dict(os.environ, NO_COLOR="1")
    env.pop("STINGERLOOM_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "stingerloom.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.parametrize("processes", [2, 8])
def test_concurrent_applies_apply_each_migration_once(db_url, tmp_path, processes):
    manifest = _slow_manifest(tmp_path, 6)
    procs = [_spawn("apply", str(manifest), "--database", db_url, "--lock-timeout", "120") for _ in range(processes)]
    outs = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    for code, _out, err in outs:
        assert code == 0, err
        assert "Traceback" not in err
    applied_counts = [out.count(" ok ") for _, out, _ in outs]
    assert sum(applied_counts) == 7  # the 7 migrations were applied once in all, by whoever got the lock
    rows = history(db_url)
    assert [r[0] for r in rows] == ["000_pause"] + [f"{i:03d}_step" for i in range(1, 7)]
    assert all(r[1] == "applied" for r in rows)


def test_second_run_times_out_naming_the_holder(db_url, tmp_path):
    manifest = _slow_manifest(tmp_path, 1)
    assert run_cli("apply", str(manifest), "--database", db_url, "--to", "000_pause").returncode == 0
    query(db_url, "UPDATE pause SET secs = 3")
    first = _spawn("apply", str(manifest), "--database", db_url)
    _wait_until(lambda: _lock_is_held(db_url), 30)
    second = run_cli("apply", str(manifest), "--database", db_url, "--lock-timeout", "0.5")
    assert second.returncode == 1, second.stderr
    assert "lock" in second.stderr and "Traceback" not in second.stderr
    assert "pid" in second.stderr or "connection" in second.stderr  # the holder, as the database tells it
    assert first.wait(timeout=120) == 0


def _lock_is_held(url: str) -> bool:
    """True while another run holds the migration lock (probed with the dialect's own lock)."""
    from stingerloom.dialects import get_dialect
    from stingerloom.errors import LockTimeout

    with get_dialect(url) as d:
        try:
            with d.lock(0):
                return False
        except LockTimeout:
            return True


def _server_busy(url: str) -> bool:
    """Another connection is still running a query in this MySQL database."""
    rows = query(url, "SELECT COUNT(*) FROM information_schema.processlist "
                      "WHERE db = DATABASE() AND command = 'Query' AND id <> CONNECTION_ID()")
    return rows[0][0] > 0


def _wait_until(pred, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def test_killed_apply_leaves_a_consistent_history(db_url, tmp_path):
    manifest = _slow_manifest(tmp_path, 1)
    assert run_cli("apply", str(manifest), "--database", db_url, "--to", "000_pause").returncode == 0
    # long enough to be killed inside it; MariaDB finishes it after the kill, so keep that one short
    query(db_url, "UPDATE pause SET secs = %d" % (4 if db_url.startswith("mysql") else 20))
    proc = _spawn("apply", str(manifest), "--database", db_url)
    dialect = db_url.split(":", 1)[0]
    if dialect == "mysql":  # wait until the first statement committed and the second is running
        _wait_until(lambda: any(r[0] == "001_step" and r[2] == 1 for r in history(db_url)), 60)
    else:
        _wait_until(lambda: _lock_is_held(db_url), 30)
        time.sleep(0.5)  # inside the slow statement by now
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    query(db_url, "UPDATE pause SET secs = 0")

    if dialect == "mysql":
        # The server finishes the statement it was running when the client died, and with it the
        # counter update sent in the same round trip: k is what the server really completed.
        _wait_until(lambda: not _server_busy(db_url), 60)
    rows = history(db_url)
    if dialect == "mysql":
        assert rows[-1] == ("001_step", "dirty", 2, 3)
        blocked = run_cli("apply", str(manifest), "--database", db_url, "--lock-timeout", "60")
        assert blocked.returncode == 1 and "dirty (2/3 statements committed)" in blocked.stderr
        query(db_url, "DROP TABLE step_1")  # the DBA reverts the committed statement by hand...
        fixed = run_cli("repair", str(manifest), "--remove", "001_step", "--database", db_url)
        assert fixed.returncode == 0, fixed.stderr  # ...and tells stingerloom so
    else:  # transactional: nothing of the killed migration is left
        assert [r[0] for r in rows] == ["000_pause"]
        assert "step_1" not in tables(db_url)
    again = run_cli("apply", str(manifest), "--database", db_url, "--lock-timeout", "60")
    assert again.returncode == 0, again.stderr
    assert [(r[0], r[1]) for r in history(db_url)] == [("000_pause", "applied"), ("001_step", "applied")]
    assert {"step_1", "step_1_done"} <= tables(db_url)
