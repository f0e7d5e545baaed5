"""A 3-node MariaDB Galera cluster: runs against different nodes at once apply and revert each migration
exactly once, the lock is a replicated row, an unready node is refused, a killed node leaves the
survivors' history consistent, and the demo and examples run on the cluster (SPEC §11, issue 10).

Every CLI run here is a separate process, as a DBA would start them, one per node.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import servers
from helpers import query, run_cli, tables, write_manifest

pytestmark = [pytest.mark.galera, pytest.mark.mysql]

ROOT = Path(__file__).resolve().parents[2]
STEPS = 4  # migrations that each add one to the counter


def _spawn(*args: str) -> subprocess.Popen:
    env = dict(os.environ, NO_COLOR="1")
    env.pop("STINGERLOOM_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "stingerloom.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _all(*commands: list[str]) -> list[tuple[int, str, str]]:
    """Start every command at once (one CLI process each), then wait for all: (exit, stdout, stderr)."""
    procs = [_spawn(*c) for c in commands]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        out.append((p.returncode, stdout, stderr))
        assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    return out


def _counter_manifest(folder: Path) -> Path:
    """000 creates a counter; each step adds one going up and takes it back going down. Steps 1 and 3
    mix DDL with the update (run statement by statement, the dirty/applied protocol), 2 and 4 are
    DML only (one transaction with their history row)."""
    files = {"000_counter.yaml": """
        up: |
          CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL);
          INSERT INTO counter VALUES (1, 0);
        down: DROP TABLE counter
        """}
    for i in range(1, STEPS + 1):
        if i % 2:
            files[f"{i:03d}_step.yaml"] = f"""
                up: |
                  CREATE TABLE step_{i} (id INT PRIMARY KEY);
                  UPDATE counter SET n = n + 1 WHERE id = 1;
                down: |
                  UPDATE counter SET n = n - 1 WHERE id = 1;
                  DROP TABLE step_{i};
                """
        else:
            files[f"{i:03d}_step.yaml"] = """
                up: UPDATE counter SET n = n + 1 WHERE id = 1
                down: UPDATE counter SET n = n - 1 WHERE id = 1
                """
    return write_manifest(folder, files)


def _history(url: str) -> list[tuple]:
    return [tuple(r) for r in query(url, "SELECT id, state, statements_done, statements_total FROM __migrations "
                                         "ORDER BY `rank`")]


def _admin(cluster, index: int, sql: str) -> None:
    """A statement on one node through a plain driver connection (the tool would refuse an unready node)."""
    with contextlib.closing(servers.admin_connect(cluster.nodes[index].server)) as conn:
        conn.cursor().execute(sql)


def test_the_cluster_replicates(galera_cluster, galera_database):
    urls = galera_database()
    assert galera_cluster.startup_seconds < 60
    for i in range(3):
        status = galera_cluster.status(i)
        assert status["wsrep_cluster_size"] == "3" and status["wsrep_ready"] == "ON"
    query(urls[0], "CREATE TABLE seen (id INT PRIMARY KEY)")
    query(urls[0], "INSERT INTO seen VALUES (7)")
    assert query(urls[2], "SELECT id FROM seen") == [(7,)]


def test_concurrent_apply_rollback_and_repair_on_three_nodes_run_each_migration_once(galera_database, tmp_path):
    urls = galera_database()
    manifest = str(_counter_manifest(tmp_path))
    done = run_cli("apply", manifest, "--database", urls[0], "--to", "000_counter")
    assert done.returncode == 0, done.stderr
    wait = ("--lock-timeout", "60")
    for round_ in range(10):
        a, b, c = (urls[(round_ + k) % 3] for k in range(3))  # each node plays each part in turn
        results = _all(["apply", manifest, "--database", a, *wait], ["apply", manifest, "--database", b, *wait],
                       ["repair", manifest, "--accept", "001_step", "--database", c, *wait])
        (code_a, out_a, err_a), (code_b, out_b, err_b), (code_r, out_r, err_r) = results
        assert code_a == 0 and code_b == 0, (err_a, err_b)
        assert (out_a + out_b).count(" ok ") == STEPS  # each step applied once, by whichever run got the lock
        # repair never sees 001_step half-applied (dirty) by another node: it runs before the applies
        # (pending, refused) or after them (applied, nothing to accept), never in between
        assert "dirty" not in err_r + out_r, err_r
        assert (code_r == 2 and "it is pending" in err_r) or (code_r == 0 and "nothing changed" in out_r), \
            (code_r, out_r, err_r)
        for url in urls:
            assert query(url, "SELECT n FROM counter") == [(STEPS,)], f"round {round_}"
            assert [r[1] for r in _history(url)] == ["applied"] * (STEPS + 1)

        results = _all(*(["rollback", manifest, "--to", "000_counter", "--database", u, *wait] for u in (a, b, c)))
        assert all(code == 0 for code, _, _ in results), [err for _, _, err in results]
        assert sum(out.count(" ok ") for _, out, _ in results) == STEPS  # each step reverted once
        for url in urls:
            assert query(url, "SELECT n FROM counter") == [(0,)], f"round {round_}"
            assert _history(url) == [("000_counter", "applied", 2, 2)]
            assert not {f"step_{i}" for i in range(1, STEPS + 1)} & tables(url)


def test_the_lock_is_one_row_for_the_whole_cluster(galera_database, lock_holder_process, tmp_path):
    urls = galera_database()
    manifest = str(_counter_manifest(tmp_path))
    holder = lock_holder_process(urls[0])  # GET_LOCK would be node-local: this lock must not be
    blocked = run_cli("apply", manifest, "--database", urls[1], "--lock-timeout", "1")
    assert blocked.returncode == 1, blocked.stderr
    assert f"held by pid {holder.pid} on host" in blocked.stderr
    assert "__migrations_lock" in blocked.stderr and "Traceback" not in blocked.stderr
    assert "counter" not in tables(urls[1])
    assert query(urls[2], "SELECT pid FROM __migrations_lock") == [(holder.pid,)]


def test_a_crashed_holder_keeps_the_lock_while_alive_and_loses_it_when_its_lease_expires(
        galera_database, lock_holder_process, tmp_path):
    urls = galera_database()
    manifest = str(_counter_manifest(tmp_path))
    lease = 2  # seconds; the heartbeat renews it every lease/3 while the holder lives
    holder = lock_holder_process(urls[0] + "?lock_lease=%d" % lease)
    time.sleep(lease + 1)  # longer than one lease: only the heartbeat keeps the lock
    blocked = run_cli("apply", manifest, "--database", urls[1], "--lock-timeout", "1")
    assert blocked.returncode == 1 and f"held by pid {holder.pid}" in blocked.stderr, blocked.stderr

    holder.send_signal(signal.SIGKILL)  # a crash: the row stays behind, no more heartbeats
    holder.wait(timeout=10)
    assert query(urls[2], "SELECT pid FROM __migrations_lock") == [(holder.pid,)]
    started = time.monotonic()
    took_over = run_cli("apply", manifest, "--database", urls[2], "--lock-timeout", "30")
    assert took_over.returncode == 0, took_over.stderr
    assert time.monotonic() - started < 20
    for url in urls:
        assert query(url, "SELECT n FROM counter") == [(STEPS,)]
    assert query(urls[0], "SELECT COUNT(*) FROM __migrations_lock") == [(0,)]  # released at the end


def test_a_run_that_was_frozen_past_its_lease_stops_before_its_next_statement(galera_database, tmp_path):
    urls = galera_database()
    manifest = _three_statements(tmp_path, "001_three", "first_one", 1, "third_one")
    lease = 2
    frozen = _spawn("apply", str(manifest), "--database", urls[0] + "?lock_lease=%d" % lease)
    _wait_for_first_statement(urls[1])
    frozen.send_signal(signal.SIGSTOP)  # a stopped process, a frozen VM: no heartbeats
    try:
        time.sleep(lease + 1.5)
        # an operator who believes that run dead takes the lock over on another node and settles its row
        query(urls[1], "DROP TABLE first_one")
        fixed = run_cli("repair", str(manifest), "--remove", "001_three", "--database", urls[1],
                        "--lock-timeout", "10")
        assert fixed.returncode == 0, fixed.stderr
    finally:
        frozen.send_signal(signal.SIGCONT)
    _, err = frozen.communicate(timeout=60)
    assert frozen.returncode == 1, err
    assert "this run lost the migration lock" in err and "Traceback" not in err
    for url in urls:  # the resumed run wrote nothing more: no third table, no history row
        assert "third_one" not in tables(url)
        assert _history(url) == []


def test_a_node_that_is_not_synced_or_not_primary_is_refused(galera_cluster, galera_database, tmp_path):
    urls = galera_database()
    manifest = str(_counter_manifest(tmp_path))
    _admin(galera_cluster, 1, "SET GLOBAL wsrep_desync = ON")
    try:
        refused = run_cli("apply", manifest, "--database", urls[1])
    finally:
        _admin(galera_cluster, 1, "SET GLOBAL wsrep_desync = OFF")
    assert refused.returncode == 2, refused.stderr
    assert "this Galera node is not ready" in refused.stderr
    assert "wsrep_local_state_comment=Donor/Desynced" in refused.stderr
    assert "connect to another node" in refused.stderr and "Traceback" not in refused.stderr

    _admin(galera_cluster, 2, "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'")  # cut off from the others
    try:
        deadline = time.monotonic() + 30
        while galera_cluster.status(2).get("wsrep_cluster_status") == "Primary" and time.monotonic() < deadline:
            time.sleep(0.2)
        refused = run_cli("status", manifest, "--database", urls[2])
    finally:
        _admin(galera_cluster, 2, "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'")
    assert refused.returncode == 2, refused.stderr
    assert "wsrep_cluster_status=non-Primary" in refused.stderr and "wsrep_ready=OFF" in refused.stderr
    galera_cluster.wait_synced(timeout=60)
    assert run_cli("apply", manifest, "--database", urls[2]).returncode == 0


def test_session_settings_a_migration_changes_do_not_reach_the_bookkeeping(galera_database, tmp_path):
    urls = galera_database()
    manifest = write_manifest(tmp_path, {
        "001_local.yaml": """
            up: |
              SET SESSION wsrep_on = OFF;
              CREATE TABLE only_here (id INT PRIMARY KEY)
            down: DROP TABLE only_here
            """,
        "002_no_binlog.yaml": """
            up: |
              SET SESSION sql_log_bin = 0;
              CREATE TABLE no_binlog (id INT PRIMARY KEY)
            down: DROP TABLE no_binlog
            """,
        "003_locked.yaml": """
            up: |
              LOCK TABLES no_binlog WRITE;
              INSERT INTO no_binlog VALUES (1)
            down: DELETE FROM no_binlog
            """,
    })
    done = run_cli("apply", str(manifest), "--database", urls[0])
    assert done.returncode == 0, done.stderr
    assert "only_here" not in tables(urls[1])  # the migration kept its DDL to node 1, as it asked...
    for url in urls:  # ...but the history, written on a connection it did not touch, is everywhere
        assert _history(url) == [("001_local", "applied", 2, 2), ("002_no_binlog", "applied", 2, 2),
                                 ("003_locked", "applied", 2, 2)]
        assert query(url, "SELECT COUNT(*) FROM __migrations_lock") == [(0,)]


def test_killing_the_node_mid_migration_leaves_the_survivors_consistent(galera_cluster, galera_database, tmp_path):
    urls = galera_database()
    manifest = _three_statements(tmp_path, "001_slow", "before_kill", 60, "after_kill")
    victim = 2
    run = _spawn("apply", str(manifest), "--database", urls[victim] + "?lock_lease=3")
    _wait_for_first_statement(urls[0])
    # another node's status sees the run through the replicated lock row (GET_LOCK would be invisible)
    live = run_cli("status", str(manifest), "--database", urls[1])
    assert live.returncode == 0 and f"running (held by pid {run.pid} on host" in live.stdout, live.stdout
    galera_cluster.kill(victim)
    try:
        _, err = run.communicate(timeout=60)
        assert run.returncode == 1, err
        assert "lost the connection" in err and "while applying 001_slow" in err, err
        assert "run `stingerloom status` against another node of the Galera cluster" in err
        assert "Traceback" not in err and "internal error" not in err
        survivors = [urls[i] for i in range(3) if i != victim]
        galera_cluster.wait_synced([i for i in range(3) if i != victim], size=2, timeout=60)
        for url in survivors:  # both survivors tell the same truth: statement 1 of 3 committed
            assert _history(url) == [("001_slow", "dirty", 1, 3)]
            assert "before_kill" in tables(url) and "after_kill" not in tables(url)
        time.sleep(3)  # the dead run's lease: then its row no longer counts as a live holder
        dead = run_cli("status", str(manifest), "--database", survivors[0])
        assert "dirty (1/3 statements committed)" in dead.stdout and "running" not in dead.stdout, dead.stdout
        # the dead run's lock row outlives it until its lease expires, then the next run takes it over
        refused = run_cli("apply", str(manifest), "--database", survivors[0], "--lock-timeout", "30")
        assert refused.returncode == 1 and "dirty (1/3 statements committed)" in refused.stderr, refused.stderr
        query(survivors[1], "DROP TABLE before_kill")  # the DBA reverts the committed statement by hand
        fixed = run_cli("repair", str(manifest), "--remove", "001_slow", "--database", survivors[1])
        assert fixed.returncode == 0, fixed.stderr
    finally:
        galera_cluster.start_node(victim)
        galera_cluster.wait_synced(timeout=120)
    assert _history(urls[victim]) == []  # the restarted node caught up with the repair
    assert "before_kill" not in tables(urls[victim])


def _three_statements(folder: Path, mid: str, first: str, sleep: int, third: str) -> Path:
    """A migration that creates table ``first``, sleeps ``sleep`` seconds, then creates ``third``."""
    return write_manifest(folder, {f"{mid}.yaml": f"""
        up: |
          CREATE TABLE {first} (id INT PRIMARY KEY);
          SELECT SLEEP({sleep});
          CREATE TABLE {third} (id INT PRIMARY KEY)
        down: |
          DROP TABLE {third};
          DROP TABLE {first}
        """})


def _wait_for_first_statement(url: str) -> None:
    """Until the history on ``url`` says a run committed its first statement (and sleeps in the second)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if any(r[2] == 1 for r in _history(url)):
                return
        except Exception:  # the history table is not there yet
            pass
        time.sleep(0.05)
    raise AssertionError("the run did not commit its first statement within 60 s")


@pytest.mark.parametrize("manifest", ["migrations/manifest.yaml", "examples/manifest.toml"])
def test_the_demo_and_examples_apply_and_roll_back_on_the_cluster(galera_database, tmp_path, manifest):
    urls = galera_database()
    folder = tmp_path / "copy"
    shutil.copytree(ROOT / Path(manifest).parent, folder)
    path = str(folder / Path(manifest).name)
    done = run_cli("apply", path, "--database", urls[0])
    assert done.returncode == 0, done.stderr
    status = run_cli("status", path, "--database", urls[2])
    assert status.returncode == 0 and "pending" not in status.stdout.lower().replace("0 pending", ""), status.stdout
    assert tables(urls[1]) == tables(urls[0])
    back = run_cli("rollback", path, "--all", "--database", urls[1])
    assert back.returncode == 0, back.stderr
    for url in urls:
        assert tables(url) <= {"__migrations", "__migrations_lock"}
        assert _history(url) == []


def test_script_refuses_the_galera_lock_row_and_dry_run_still_works(galera_database, tmp_path):
    """A SQL script cannot renew the lock row's lease: `--script` refuses (exit 2), `--dry-run` prints."""
    url = galera_database()[0]
    manifest = write_manifest(tmp_path, {"001_a.yaml": "up: CREATE TABLE a (id INT)\ndown: DROP TABLE a\n"})
    proc = run_cli("apply", str(manifest), "--database", url, "--script", str(tmp_path / "s.sql"))
    assert proc.returncode == 2 and "Galera" in proc.stderr and "lease" in proc.stderr
    assert not (tmp_path / "s.sql").exists()
    proc = run_cli("apply", str(manifest), "--database", url, "--dry-run")
    assert proc.returncode == 0 and "CREATE TABLE a (id INT);" in proc.stdout, proc.stderr
    assert "a" not in tables(url)
