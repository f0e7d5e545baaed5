"""Paths a DBA walks with baseline, repair and new that no other test had walked (defects found by
walking them: each test fails on the code before its fix)."""

from __future__ import annotations

from pathlib import Path

import pytest
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
    again = run_cli("baseline", str(m), "--to", "001_two", "--database", db_url)
    assert again.returncode == 0 and "001_two and every migration before it are already in the history" in again.stdout


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


def test_lint_formats_stay_valid_with_hostile_file_names_and_messages(tmp_path: Path):
    """A file name with a space, `%`, `:` and non-ASCII, and a parser message quoting SQL over two
    lines: the SARIF uri was the raw path (not a URI reference: `%ce` a broken escape, `a:b` a
    scheme) and the text format split one finding over two lines."""
    import json
    import xml.etree.ElementTree as ET
    from urllib.parse import unquote, urlsplit

    folder = tmp_path / "m"
    folder.mkdir()
    name = "001 spä%ce:x.yaml"
    (folder / name).write_text(
        'up: |\n  CREATE TABLE "a<b&c" (id int PRIMARY KEY);\n'
        '  ALTER TABLE "a<b&c" ADD COLUMN "q\\"x" int;\n  CREATE INDEX i ON "a<b&c" (id);\n'
        'down: DROP TABLE "a<b&c";\n', encoding="utf-8")
    manifest = folder / "manifest.yaml"
    manifest.write_text(f'stingerloom: 1\nmigrations:\n  - "{name}"\n', encoding="utf-8")
    out = {}
    for fmt in ("text", "json", "sarif", "github", "junit"):
        proc = run_cli("lint", "manifest.yaml", "--dialect", "postgres", "--format", fmt, cwd=folder)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, (fmt, proc.stderr)
        out[fmt] = proc.stdout
    # text: every finding one line, naming the file and line
    heads = [ln for ln in out["text"].splitlines() if ln.startswith(name + ":")]
    assert heads and all(" SL" in ln and ln.rstrip().endswith("postgres]") for ln in heads), out["text"]
    assert any("\\n" in ln for ln in heads)  # the parser's line break, shown not taken
    # json and sarif parse; the sarif uri is a URI reference that decodes back to the file's path
    findings = json.loads(out["json"])
    assert findings
    sarif = json.loads(out["sarif"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris and all(" " not in u and urlsplit(u).scheme == "" and unquote(u) == name for u in uris), uris
    # junit parses and keeps the message's characters
    root = ET.fromstring(out["junit"])
    assert any(name in (tc.get("classname") or "") for tc in root.iter("testcase"))
    # github: one annotation per line; the file property escaped, the message's line break too
    notes = [ln for ln in out["github"].splitlines() if ln.startswith("::")]
    assert notes and all("file=001 spä%25ce%3Ax.yaml," in ln for ln in notes), notes


def test_lint_junit_and_text_with_a_control_character_in_a_file_name(tmp_path: Path):
    """A file name holding \\x01 (or an ESC) made the JUnit report invalid XML, and the text format
    wrote it raw to the terminal."""
    import xml.etree.ElementTree as ET

    name = "b\x01c\x1b[31m.yaml"
    (tmp_path / name).write_text("up: CREATE TABLE b (id int)\ndown: DROP TABLE b\n")
    (tmp_path / "manifest.yaml").write_text('stingerloom: 1\nmigrations: ["b\\x01c\\e[31m.yaml"]\n')
    junit = run_cli("lint", "manifest.yaml", "--dialect", "postgres", "--format", "junit", cwd=tmp_path)
    assert junit.returncode == 0 and "Traceback" not in junit.stderr, junit.stderr
    cases = list(ET.fromstring(junit.stdout).iter("testcase"))
    assert [c.get("classname") for c in cases] == ["b\\x01c\\x1b[31m.yaml"]
    text = run_cli("lint", "manifest.yaml", "--dialect", "postgres", cwd=tmp_path)
    assert "\x01" not in text.stdout and "\x1b" not in text.stdout
    assert text.stdout.startswith("b\\x01c\\x1b[31m.yaml:1:"), text.stdout



def test_new_numbered_in_a_timestamped_directory_warns_that_it_runs_first(tmp_path: Path):
    """`new --number` in a `directory:` folder of timestamped files wrote 009_w, which sorts before
    20261130…_z and so runs before it (out of order once that one is applied), and said nothing."""
    versions = tmp_path / "versions"
    versions.mkdir()
    for stem in ("008_x", "20261130124338_z"):
        (versions / f"{stem}.yaml").write_text(f"up: CREATE TABLE {stem[-1]} (id int)\ndown: DROP TABLE {stem[-1]}\n")
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("stingerloom: 1\nmigrations:\n  - {directory: versions/}\n")
    proc = run_cli("new", str(manifest), "w", "--number")
    assert proc.returncode == 0 and (versions / "009_w.yaml").is_file(), proc.stderr
    assert "warning: 009_w.yaml sorts before 20261130124338_z.yaml" in proc.stderr
    assert "new --timestamp" in proc.stderr
    proc = run_cli("new", str(manifest), "v", "--timestamp")
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr


def test_repair_accept_of_another_manifests_row_warns_before_suggesting_remove(db_url, tmp_path):
    """`--accept` of a row another manifest applied suggested `--remove` outright: followed, it
    makes that manifest apply the migration again over its existing tables."""
    other = write_manifest(tmp_path / "other", {"001_o.yaml": "up: CREATE TABLE o1 (id INTEGER)\ndown: DROP TABLE o1\n"})
    mine = write_manifest(tmp_path / "mine", {"001_m.yaml": "up: CREATE TABLE m1 (id INTEGER)\ndown: DROP TABLE m1\n"})
    assert run_cli("apply", str(other), "--database", db_url).returncode == 0
    proc = run_cli("repair", str(mine), "--accept", "001_o", "--database", db_url)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "another manifest sharing the history table lists it, leave it" in proc.stderr, proc.stderr
    assert proc.stderr.index("leave it") < proc.stderr.index("--remove 001_o")
    assert [r[:2] for r in history(db_url)] == [("001_o", "applied")]


def test_init_elsewhere_names_the_manifest_in_its_next_step_and_refuses_a_file(tmp_path: Path):
    """`init ../other` wrote the configuration in ../other yet said `next: stingerloom new
    create_first_table`, which from here finds no configuration; `init FILE` said "cannot create
    FILE: File exists"."""
    here, other = tmp_path / "here", tmp_path / "o t"
    here.mkdir()
    proc = run_cli("init", "../o t", cwd=here)
    assert proc.returncode == 0 and (other / "stingerloom.toml").is_file(), proc.stderr
    assert "next: stingerloom new '../o t/manifest.yaml' create_first_table" in proc.stdout, proc.stdout
    follow = run_cli("new", "../o t/manifest.yaml", "create_first_table", cwd=here)
    assert follow.returncode == 0 and (other / "001_create_first_table.yaml").is_file(), follow.stderr
    (here / "afile").write_text("")
    proc = run_cli("init", "afile", cwd=here)
    assert proc.returncode == 2 and "afile is a file, not a folder" in proc.stderr, proc.stderr


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc to know when it waits")
def test_ctrl_c_of_repair_says_the_history_is_all_or_nothing(tmp_path, lock_holder_process):
    """Ctrl-C of repair/baseline said only "interrupted (Ctrl-C)": not whether the history was
    written, nor what to look at."""
    import signal
    import subprocess
    import sys
    import time

    db = f"sqlite:///{tmp_path / 'h.db'}"
    m = write_manifest(tmp_path, DIRTY_THEN_MORE)
    assert run_cli("apply", str(m), "--database", db).returncode == 1
    holder = lock_holder_process(db)
    proc = subprocess.Popen([sys.executable, "-m", "stingerloom.cli", "repair", str(m), "--remove", "001_two",
                             "--database", db, "--lock-timeout", "30"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**__import__("os").environ, "NO_COLOR": "1"})
    fds = Path(f"/proc/{proc.pid}/fd")
    for _ in range(200):  # until it has the database open (then it waits for the lock the holder keeps)
        if any(str(p.resolve()) == str((tmp_path / "h.db").resolve()) for p in fds.iterdir()):
            break
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    holder.kill()
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert "repair writes the history in one transaction, so all of it or none of it was recorded" in err
    assert "`stingerloom status` shows which" in err
    assert history(db) == [("001_two", "dirty", 1, 2)]


def test_new_refuses_hostile_names_saying_which_characters_are_allowed(tmp_path: Path):
    """`new "héllo"` was refused with "use letters, …": é is a letter; the hint now says ASCII."""
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text("stingerloom: 1\nmigrations: []\n")
    for name in ("héllo wörld", "../evil", "a/b", "..", ""):
        proc = run_cli("new", str(manifest), name)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, (name, proc.stderr)
        assert "invalid migration name" in proc.stderr and "ASCII letters (a-z)" in proc.stderr, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.yaml"]
    assert manifest.read_text() == "stingerloom: 1\nmigrations: []\n"
