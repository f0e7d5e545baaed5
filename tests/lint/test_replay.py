"""The SQLite replay's shortcuts (lint/parse.py SqliteReplay) give what really running the SQL gives.

Each shortcut works out a schema snapshot without running statements; every test here runs the same
statements for real in SQLite and compares, on ordinary and on hostile input (keywords as names,
quoting, case, temporary and virtual tables, pragmas, odd whitespace). A shortcut may decline (None):
the replay then runs the statements, so declining is always correct; claiming a wrong snapshot is not.
"""

from __future__ import annotations

import json

import pytest
from helpers import run_cli

from stingerloom.lint.parse import SqliteReplay

# (statements of up, statements of down, whether the shortcut must apply)
DROPS = [
    (["CREATE TABLE t (a)", "CREATE INDEX i ON t (a)"], ["DROP TABLE t"], True),
    (["CREATE TABLE t (a)", "CREATE TABLE o (b)", "ALTER TABLE o ADD COLUMN c"], ["DROP TABLE t"], True),
    (["CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a UNIQUE)", "CREATE TABLE o (b)",
      "CREATE UNIQUE INDEX oi ON o (b)"], ["DROP TABLE IF EXISTS t", "DROP TABLE o"], True),
    # views and other tables' triggers that mention the table stay; its own trigger goes
    (["CREATE TABLE t (a)", "CREATE VIEW v AS SELECT a FROM t", "CREATE TABLE u (b)",
      "CREATE TRIGGER tu AFTER INSERT ON u BEGIN INSERT INTO t VALUES (1); END",
      "CREATE TRIGGER tt AFTER INSERT ON t BEGIN SELECT 1; END", "CREATE TABLE c (x REFERENCES t (a))"],
     ["DROP TABLE t"], True),
    (["CREATE TABLE Foo (a)", "CREATE INDEX fi ON foo (a)"], ['DROP TABLE "FOO"'], True),
    (["CREATE TABLE Foo (a)", "CREATE INDEX fi ON foo (a)"], ["DROP TABLE `foo`"], True),
    (["CREATE TABLE \n\t t2 (a)"], [" DROP\n TABLE\tt2 "], True),
    # spelt differently from the CREATE TABLE: not proven to be read as a name
    (["CREATE TABLE Foo (a)"], ["DROP TABLE foo"], False),
    (['CREATE TABLE "select" (a)', "CREATE TABLE o (b)", "ALTER TABLE o ADD COLUMN c"], ["DROP TABLE select"], False),
    (['CREATE TABLE "select" (a)', "CREATE TABLE o (b)", "ALTER TABLE o ADD COLUMN c"], ['DROP TABLE "select"'], True),
    (['CREATE TABLE "where" (a)'], ["DROP TABLE where"], False),
    # a temporary table of the same name is the one dropped
    (["CREATE TABLE t (a)", "CREATE TEMP TABLE t (b)"], ["DROP TABLE t"], False),
    (["CREATE TABLE t (a)", "CREATE TABLE temp.t (b)"], ["DROP TABLE t"], False),
    # a virtual table takes its shadow tables with it
    (['CREATE VIRTUAL TABLE "v" USING fts5(x)'], ['DROP TABLE "v"'], False),
    (["CREATE TABLE t (a)"], ["DROP TABLE t", "DROP TABLE IF EXISTS t"], False),
    (["CREATE TABLE t (a)"], ["DROP TABLE nosuch"], False),
    (["CREATE TABLE t (a)", "ALTER TABLE t RENAME TO u"], ["DROP TABLE t"], False),
    (["CREATE TABLE t (a)"], ["DROP TABLE t -- bye"], False),
    (["CREATE TABLE t (a)"], ["DROP TABLE main.t"], False),
    (["CREATE TABLE t (a)"], ["DROP\u00a0TABLE t"], False),
    (["CREATE TABLE t (a)"], ["DROP\x0bTABLE t"], False),
    (["CREATE TABLE t (a)"], ["DROP TABLE t;"], False),
    (["CREATE TABLE t (a)"], ["DROP VIEW t"], False),
    (["CREATE TABLE t\u00e4 (a)", 'CREATE TABLE "t" (b)'], ["DROP TABLE t"], False),
    (["CREATE TABLE t\u00e4 (a)", "CREATE TABLE t (b)", "INSERT INTO t VALUES ('\u00e9')"], ["DROP TABLE t"], True),
]


def _real(replay: SqliteReplay, stmts: list[str]):
    """Run ``stmts``; the snapshot after them, or the first error."""
    for sql in stmts:
        res = replay.execute(sql)
        if res is not None:
            return res
    return replay.snapshot()


@pytest.mark.parametrize("up,down,applies", DROPS, ids=[f"drops{i}" for i in range(len(DROPS))])
def test_after_dropping_is_what_sqlite_does(up, down, applies):
    replay = SqliteReplay()
    try:
        replay.begin(set())
        after_up = _real(replay, up)
        assert isinstance(after_up, dict), after_up
        derived = replay.after_dropping(down, up, after_up)
        real = _real(replay, down)
        assert (derived is not None) == applies, (derived, real)
        if derived is not None:
            assert derived == real
    finally:
        replay.close()


@pytest.mark.parametrize("pragma", ["PRAGMA query_only = 1", "PRAGMA foreign_keys = ON", "pragma user_version = 3"])
def test_no_shortcut_once_a_pragma_ran(pragma, tmp_path, monkeypatch):
    """Connection settings outlive the migration's rollback (``query_only`` makes every later DROP
    fail): after a PRAGMA nothing is worked out without running it, in that migration or a later one."""
    from stingerloom.lint.engine import lint_paths

    derived = []
    for name in ("after_creating", "after_dropping"):
        real = getattr(SqliteReplay, name)
        monkeypatch.setattr(SqliteReplay, name, lambda self, *a, real=real: derived.append(real(self, *a)))
    migrations = ["up: CREATE TABLE a (x);\ndown: DROP TABLE a;\n",
                  f"up: |\n  CREATE TABLE b (x);\n  {pragma};\ndown: DROP TABLE b;\n",
                  "up: |\n  CREATE TABLE c (x);\n  CREATE INDEX ci ON c (x);\ndown: DROP TABLE c;\n",
                  "up: |\n  CREATE TABLE d (x);\n  INSERT INTO c VALUES (1);\ndown: DROP TABLE d;\n"]
    for i, text in enumerate(migrations):
        (tmp_path / f"{i}.yaml").write_text(f"id: m{i}\n" + text, encoding="utf-8")
    (tmp_path / "manifest.yaml").write_text("stingerloom: 1\nmigrations: [0.yaml, 1.yaml, 2.yaml, 3.yaml]\n")
    lint_paths([str(tmp_path / "manifest.yaml")], dialects=["sqlite"], cwd=str(tmp_path))
    assert derived[0] is not None  # the first migration, before any PRAGMA
    assert derived[1:] and all(d is None for d in derived[1:]), derived


def _lint(tmp_path, migrations: list[str]) -> tuple[int, list[dict]]:
    names = []
    for i, text in enumerate(migrations):
        names.append(f"{i:03d}_m.yaml")
        (tmp_path / names[-1]).write_text(f"id: {i:03d}_m\n" + text, encoding="utf-8")
    (tmp_path / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n" + "".join(f"  - {n}\n" for n in names))
    proc = run_cli("lint", "manifest.yaml", "--dialect", "sqlite", "--format", "json", cwd=tmp_path,
                   env={"STINGERLOOM_LINT_JOBS": "1"})
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)["findings"]


def test_lint_reports_what_down_leaves_without_running_it(tmp_path):
    """A down that only drops the table up creates, where up also changes another table: SL402 names
    the table down does not restore, at down's first statement."""
    code, findings = _lint(tmp_path, [
        "irreversible: true\nup: CREATE TABLE other (id INTEGER PRIMARY KEY);\n",
        "up: |\n  CREATE TABLE t (id INTEGER PRIMARY KEY);\n  CREATE INDEX ti ON t (id);\n"
        "  ALTER TABLE other ADD COLUMN note TEXT;\ndown: DROP TABLE t;\n",
    ])
    sl402 = [f for f in findings if f["rule"] == "SL402"]
    assert [(f["file"], f["line"], f["migration"]) for f in sl402] == [("001_m.yaml", 6, "001_m")]
    assert "'other' differs from before" in sl402[0]["message"]


def test_lint_still_runs_a_down_sqlite_cannot_read(tmp_path):
    """``DROP TABLE select`` is a syntax error in SQLite even though up created ``"select"``: the
    shortcut declines and the replay reports the error on down's line."""
    code, findings = _lint(tmp_path, [
        "irreversible: true\nup: CREATE TABLE other (id INTEGER PRIMARY KEY);\n",
        'up: |\n  CREATE TABLE "select" (id INTEGER PRIMARY KEY);\n  ALTER TABLE other ADD COLUMN note TEXT;\n'
        "down: DROP TABLE select;\n",
    ])
    assert code == 1
    errors = [f for f in findings if f["rule"] == "SL201"]
    assert [(f["file"], f["line"]) for f in errors] == [("001_m.yaml", 5)], findings


# (statements of up, whether the shortcut must apply); each runs on a database holding the table
# "seeded" (with an index) that an earlier migration created
CREATES = [
    (["CREATE TABLE t (a)", "CREATE INDEX i ON t (a)"], True),
    (["cReAtE\ttAbLe\r\n  T2(a INTEGER PRIMARY KEY AUTOINCREMENT,\n  b TEXT DEFAULT 'x)' NOT NULL)",
      "create unique index UI on t2 (b)"], True),
    (["CREATE TABLE t (a CHECK (a > 0), b REFERENCES o (x) ON DELETE CASCADE, UNIQUE (a, b))"], True),
    (["CREATE INDEX si ON SEEDED (b)", "CREATE UNIQUE INDEX si2 ON seeded (a, b)"], True),
    (["CREATE TABLE t (a)", "CREATE INDEX pi ON t (a) WHERE (a > 0)"], True),
    (["CREATE TABLE temp (a)", "CREATE INDEX on_temp ON TEMP (a)"], True),
    (["CREATE TABLE sqlite (a)"], False),
    (["ALTER TABLE seeded ADD COLUMN c TEXT", "ALTER TABLE SEEDED ADD d"], True),
    (["CREATE TABLE t (a, b, PRIMARY KEY (a), CHECK (b > 0))", "ALTER TABLE T ADD note TEXT DEFAULT 'x, y)'"], True),
    (["CREATE TABLE t (\n  id INTEGER,\n  name TEXT\n)", "ALTER TABLE t ADD COLUMN n1 INT",
      "alter\ttable t\n add column n2 TEXT NOT NULL DEFAULT ''"], True),
    (['CREATE TABLE t (a, "primary" INT, CONSTRAINT k UNIQUE (a))', "ALTER TABLE t ADD COLUMN c"], True),
    (["CREATE TABLE t (a CHECK (a IN (1, 2)), b)", "ALTER TABLE t ADD COLUMN c INT CHECK (c > 0)"], True),
    (["CREATE TABLE t (a, checker INT, primary_x INT, foreign_ INT)", "ALTER TABLE t ADD column INTEGER"], True),
    (["CREATE TABLE t (a,\n  UNIQUE (a))", "ALTER TABLE t ADD COLUMN b"], True),
    (["ALTER TABLE seeded ADD COLUMN c /* x */ TEXT"], False),
    (['ALTER TABLE seeded ADD COLUMN "c" TEXT'], False),
    (["ALTER TABLE main.seeded ADD COLUMN c"], False),
    (["ALTER TABLE seeded RENAME TO s2"], False),
    (["ALTER TABLE seeded ADD COLUMN c TEXT DEFAULT '\u00e9'"], False),
    (["CREATE TABLE t (a /* c */, b)", "ALTER TABLE t ADD COLUMN c"], False),
    (["CREATE TABLE t (a)", "CREATE INDEX pi ON t (a) WHERE a > 0"], False),
    (["CREATE TABLE t (a PRIMARY KEY) WITHOUT ROWID"], False),
    (["CREATE TABLE t (a INTEGER PRIMARY KEY) STRICT"], False),
    (["CREATE TABLE t (a TEXT DEFAULT ';')"], False),
    (["CREATE TABLE sqlitex (a)"], False),
    (["CREATE TABLE t /* c */ (a)"], False),
    (["CREATE TABLE t (a -- c\n)"], False),
    (["CREATE TABLE main.t (a)"], False),
    (["CREATE TABLE IF NOT EXISTS t (a)"], False),
    (["CREATE TEMP TABLE t (a)"], False),
    (['CREATE TABLE "t" (a)'], False),
    (["CREATE TABLE t\u00e4 (a)"], False),
    (["CREATE TABLE t (a)\n"], False),
    (["CREATE TABLE\ft (a)"], False),
    (["CREATE TABLE t AS SELECT 1 AS a"], False),
    (["CREATE TABLE t (a)", "CREATE VIEW v AS SELECT (a) FROM t"], False),
    (["CREATE TABLE t (a)", "INSERT INTO t VALUES (1)"], False),
]


def _seeded() -> tuple[SqliteReplay, dict]:
    replay = SqliteReplay()
    replay.begin(set())
    up = ["CREATE TABLE Seeded (a, b)", "CREATE INDEX seeded_a ON seeded (a)"]
    after = _real(replay, up)
    replay.remember({}, after)
    return replay, replay.begin({"seeded"})


@pytest.mark.parametrize("up,applies", CREATES, ids=[f"creates{i}" for i in range(len(CREATES))])
def test_after_creating_is_what_sqlite_stores(up, applies):
    replay, before = _seeded()
    try:
        assert {name for _, name in before} == {"Seeded", "seeded_a"}
        real = _real(replay, up)
        assert isinstance(real, dict), real
        derived = replay.after_creating(before, up)
        assert (derived is not None) == applies, (derived, real)
        if derived is not None:
            assert derived == real
    finally:
        replay.close()


# Statements over a few names that collide (case, quoting, keywords), for whole random manifests
_NAMES = ["t", "T", "u", '"t"', "`u`", '"select"', "temp", "v"]
_UPS = [
    "CREATE TABLE {a} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)",
    "CREATE TABLE {a} (id INTEGER PRIMARY KEY, note TEXT DEFAULT ')')",
    "CREATE TABLE IF NOT EXISTS {a} (x)",
    "CREATE TEMP TABLE {a} (x)",
    "CREATE INDEX idx_{i} ON {a} (id)",
    "CREATE UNIQUE INDEX uidx_{i} ON {a} (name)",
    "CREATE INDEX pidx_{i} ON {a} (id) WHERE (id > 0)",
    "ALTER TABLE {a} ADD COLUMN c{i} TEXT",
    "ALTER TABLE {a} RENAME TO {b}",
    "DROP TABLE {a}",
    "DROP INDEX idx_{i}",
    "CREATE VIEW {a} AS SELECT 1 AS id",
    "CREATE TRIGGER tr_{i} AFTER INSERT ON {a} BEGIN INSERT INTO {b} (id) VALUES (1); END",
    "INSERT INTO {a} (id) VALUES ({i})",
    "CREATE TABLE {a} (id INTEGER PRIMARY KEY) WITHOUT ROWID",
    "DELETE FROM sqlite_sequence WHERE name = 'x'",
    "INSERT INTO {a} (id) SELECT count(*) FROM sqlite_master",
    "PRAGMA foreign_keys = ON",
    "CREATE TABLE {a} (id, CONSTRAINT k UNIQUE (id)",
]
_DOWNS = ["DROP TABLE {a}", "DROP TABLE IF EXISTS {a}", "DROP INDEX idx_{i}", "DROP TABLE {a} -- bye",
          "ALTER TABLE {a} DROP COLUMN c{i}", "DROP VIEW {a}"]


def _pick(rng, prefix: str, used: list, fresh: float = 0.4) -> str:
    name = f"{prefix}{rng.randint(0, 2)}" if rng.random() < fresh else rng.choice(_NAMES)
    used.append(name)
    return name


# plain CREATE TABLE / CREATE INDEX (what the shortcuts cover) are drawn more often
_WEIGHTS = [4, 4, 1, 1, 3, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]


def _shaped(rng, i: int) -> tuple[list[str], list[str]]:
    """The shape the shortcuts cover (a new table, maybe an index, maybe a change elsewhere; down
    drops the table), with a name that may collide, be quoted, or be spelt differently in down."""
    name = rng.choice([f"n{i}", f"N{i}", "t", "select", "temp"])
    up = [f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v TEXT)"]
    if rng.random() < 0.5:
        up.append(f"CREATE {rng.choice(['', 'UNIQUE '])}INDEX i_{name} ON {name.upper()} (v)")
    if rng.random() < 0.6:
        up.append(rng.choice([f"ALTER TABLE {rng.choice(_NAMES)} ADD COLUMN c{i} TEXT",
                              f"INSERT INTO {rng.choice(_NAMES)} (id) VALUES ({i})",
                              f"CREATE INDEX j{i} ON {rng.choice(_NAMES)} (id)"]))
    spelt = rng.choice([name, name, f'"{name}"', f"`{name.upper()}`", name.upper(), f"IF EXISTS {name}"])
    return up, [f"DROP TABLE {spelt}"]


def _random_manifest(rng, folder) -> str:
    folder.mkdir()
    names = []
    for i in range(rng.randint(3, 9)):
        used: list[str] = []
        if rng.random() < 0.5:
            up, down = _shaped(rng, i)
        else:
            up = [rng.choices(_UPS[:-2], _WEIGHTS)[0] if rng.random() < 0.9 else rng.choice(_UPS)
                  for _ in range(rng.randint(1, 4))]
            up = [s.format(a=_pick(rng, f"n{i}", used), b=_pick(rng, f"n{i}", used), i=rng.randint(0, 3)) for s in up]
            down = [rng.choice(_DOWNS).format(a=rng.choice(used) if rng.random() < 0.7 else _pick(rng, "n", used, 0),
                                              i=rng.randint(0, 3)) for _ in range(rng.randint(1, 2))]
        text = f"id: m{i}\nup: |\n" + "".join(f"  {s};\n" for s in up)
        if rng.random() < 0.85:
            text += "down: |\n" + "".join(f"  {s}\n" if "--" in s else f"  {s};\n" for s in down)
        else:
            text += "irreversible: true\n"
        names.append(f"m{i}.yaml")
        (folder / names[-1]).write_text(text, encoding="utf-8")
    (folder / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n" + "".join(f"  - {n}\n" for n in names))
    return str(folder / "manifest.yaml")


def test_random_manifests_lint_the_same_without_the_shortcuts(tmp_path, monkeypatch):
    """Whole manifests: the findings with the shortcuts are those of really running every statement
    and querying the schema after each block, on a database without a standing ``sqlite_sequence``
    (the shortcuts must apply often enough to matter)."""
    import random

    from stingerloom.lint.engine import lint_paths

    rng = random.Random(20261130)
    paths = [_random_manifest(rng, tmp_path / f"m{k}") for k in range(60)]
    calls = {"after_creating": 0, "after_dropping": 0}

    def counted(real):
        def wrapper(*args):
            res = real(*args)
            calls[real.__name__] += res is not None
            return res
        return wrapper

    def findings(label):
        out = []
        for p in paths:
            res = lint_paths([p], dialects=["sqlite"], cwd=str(tmp_path))
            out.append([(f.rule, f.severity, f.message, f.file, f.line, f.column, f.migration) for f in res.findings])
        return out

    monkeypatch.setattr(SqliteReplay, "after_creating", counted(SqliteReplay.after_creating))
    monkeypatch.setattr(SqliteReplay, "after_dropping", counted(SqliteReplay.after_dropping))
    fast = findings("fast")
    monkeypatch.setattr(SqliteReplay, "after_creating", lambda self, before, ups: None)
    monkeypatch.setattr(SqliteReplay, "after_dropping", lambda self, drops, ups, after: None)
    monkeypatch.setattr(SqliteReplay, "keep_sequence", False)
    monkeypatch.setattr(SqliteReplay, "lazy", False)  # every statement runs (see test_replay_model.py)
    assert findings("slow") == fast
    print(calls)
    assert calls["after_creating"] > 40 and calls["after_dropping"] > 10, calls
    assert any(fast), "the random manifests should produce findings"


def test_after_creating_spells_tables_as_sqlite_does():
    """``begin()`` spells a table's ``tbl_name`` as the last row that named it did (a trigger stores
    its table as written, ``ON T``); a query gives the table's own name. The shortcut gives what the
    query gives, whatever ``begin()`` said."""
    replay = SqliteReplay()
    try:
        before = replay.begin(set())
        replay.remember(before, _real(replay, ["CREATE TABLE t (a)", "CREATE INDEX ti ON T (a)"]))
        replay.tables["t"] = "T"  # as a trigger `ON T` recorded after the table leaves it
        before = replay.begin({"t"})
        assert before[("table", "t")][0] == "T"
        up = ["CREATE INDEX i ON t (a)"]
        real = _real(replay, up)
        assert real[("table", "t")][0] == "t" and real[("index", "ti")][0] == "t"
        assert replay.after_creating(before, up) == real
    finally:
        replay.close()


def test_sqlite_sequence_appears_only_where_sqlite_makes_it(tmp_path):
    """The replay keeps SQLite's ``sqlite_sequence`` table between migrations; SQL that uses it
    before any ``AUTOINCREMENT`` table exists still fails as in SQLite, so this up is not treated
    as run (no SL402 about the column down leaves on ``other``), and later migrations see the same."""
    code, findings = _lint(tmp_path, [
        "up: CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);\ndown: DROP TABLE a;\n",
        "irreversible: true\nup: CREATE TABLE other (id INTEGER PRIMARY KEY);\n",
        "up: |\n  CREATE TABLE t (id INTEGER PRIMARY KEY);\n  ALTER TABLE other ADD COLUMN note TEXT;\n"
        "  DELETE FROM sqlite_sequence;\ndown: DROP TABLE t;\n",
        "up: |\n  CREATE TABLE u (id INTEGER PRIMARY KEY);\n  ALTER TABLE other ADD COLUMN n2 TEXT;\n"
        "down: DROP TABLE u;\n",
    ])
    assert [(f["rule"], f["migration"]) for f in findings if f["rule"] == "SL402"] == [("SL402", "003_m")], findings
