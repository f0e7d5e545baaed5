"""Paths a DBA walks with baseline, repair and new that no other test had walked (defects found by
walking them: each test fails on the code before its fix)."""

from __future__ import annotations

from pathlib import Path

from helpers import history, run_cli, tables, write_manifest

DIRTY_THEN_MORE = {
    "001_two.yaml": """
        transaction: false
        up: |
          CREATE TABLE w1 (id INTEGER);
          INSERT INTO nowhere VALUES (1);
        down: DROP TABLE w1
        """,
    "002_more.yaml": """
        up: CREATE TABLE w2 (id INTEGER)
        down: DROP TABLE w2
        """,
}


def test_baseline_over_a_dirty_row_refuses_and_names_the_way_out(db_url, tmp_path):
    """It recorded 002 as applied, exit 0, and said nothing of the dirty 001 it left behind."""
    m = write_manifest(tmp_path, DIRTY_THEN_MORE)
    assert run_cli("apply", str(m), "--database", db_url).returncode == 1
    assert history(db_url) == [("001_two", "dirty", 1, 2)]
    proc = run_cli("baseline", str(m), "--to", "002_more", "--database", db_url)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "refusing to baseline: 001_two is dirty" in proc.stderr
    assert "--mark-applied 001_two" in proc.stderr and "--remove 001_two" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert history(db_url) == [("001_two", "dirty", 1, 2)]  # nothing recorded
    # once settled by hand, the same baseline goes through
    assert run_cli("repair", str(m), "--mark-applied", "001_two", "--database", db_url).returncode == 0
    proc = run_cli("baseline", str(m), "--to", "002_more", "--database", db_url)
    assert proc.returncode == 0, proc.stderr
    assert [r[:2] for r in history(db_url)] == [("001_two", "applied"), ("002_more", "applied")]
    assert "w2" not in tables(db_url)  # baseline ran nothing


def test_new_refused_by_the_manifest_leaves_no_file_behind(tmp_path: Path):
    """A list `new` cannot append to was refused after the file was written: the orphan then took
    the next number (the retry made 003 with no 002 listed)."""
    (tmp_path / "001_a.yaml").write_text("up: CREATE TABLE a (id INTEGER)\ndown: DROP TABLE a\n")
    manifest = tmp_path / "manifest.yaml"
    text = "stingerloom: 1\nmigrations: [001_a.yaml,\n  # kept as written\n  ]\n"
    manifest.write_text(text)
    proc = run_cli("new", str(manifest), "add_b")
    assert proc.returncode == 2 and "cannot find the `migrations` list" in proc.stderr, proc.stderr
    assert "nothing was created" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["001_a.yaml", "manifest.yaml"]
    assert manifest.read_text() == text
    manifest.write_text("stingerloom: 1\nmigrations: [001_a.yaml]  # one line\n")
    assert run_cli("new", str(manifest), "add_b").returncode == 0
    assert (tmp_path / "002_add_b.yaml").is_file()
    assert manifest.read_text() == "stingerloom: 1\nmigrations: [001_a.yaml, 002_add_b.yaml]  # one line\n"
