"""The lazy SQLite replay (lint/sqlite_model.py, SqliteReplay.lazy) gives what really running the SQL gives.

The model claims a statement is certainly accepted only inside a strict grammar; every claim here is
checked against real SQLite: random migrations built from a grammar of valid, near-valid and hostile
statements (keywords as names, duplicate columns, two primary keys, AUTOINCREMENT on BIGINT, missing
tables and columns, quoted names, comments, unicode, odd whitespace) are replayed with the model and
with every statement run (``lazy = False``, the old path), and the results, schema snapshots and lint
findings must be identical.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import random
import sqlite3

import pytest

from stingerloom.lint.parse import SqliteReplay, _added_column, _created_row, _fast_row, object_keys, object_names
from stingerloom.lint.sqlite_model import KEYWORDS, SqliteModel

_TYPES = ["INTEGER", "integer", "INT", "TEXT", "VARCHAR(100)", "NUMERIC(10, 2)", "DOUBLE PRECISION",
          "UNSIGNED BIG INT", "", "", "BIGINT", "REAL", "DATE", "BLOB", "Integer"]
_ODD_TYPES = ["INTEGER(5)", "KEY", "TEXT 'x'", "VARCHAR(1abc)", "VARCHAR(+5)", "a b c d", "INTEGER UNSIGNED",
              "VARCHAR(10) x", "sqlite_t", "VARCHAR(10", "VARCHAR(1.5)", "DOUBLE PRECISION(5, 2)", "x$"]
_CONS = ["NOT NULL", "NOT NULL", "NULL", "UNIQUE", "DEFAULT 0", "DEFAULT -1.5", "DEFAULT + 2", "DEFAULT 'x'",
         "DEFAULT 'it''s'", "DEFAULT ''", "DEFAULT NULL", "DEFAULT TRUE", "DEFAULT false", "DEFAULT CURRENT_TIMESTAMP",
         "DEFAULT current_date", "COLLATE NOCASE", "COLLATE rtrim", "COLLATE binary", "REFERENCES t (id)",
         "REFERENCES t ON DELETE CASCADE", "REFERENCES Tab_1 (id) ON DELETE SET NULL ON UPDATE NO ACTION"]
_ODD_CONS = ["AUTOINCREMENT", "DEFAULT (1)", "DEFAULT 1abc", "DEFAULT 0x10", "DEFAULT 1e5", "DEFAULT .5", "DEFAULT 1.",
             "DEFAULT x'00'", "DEFAULT -'x'", "DEFAULT 'x'NOT NULL", "DEFAULT 1NOT NULL", "COLLATE nosuch",
             "CHECK (a > 0)", "REFERENCES t (a, b)", "REFERENCES select", "REFERENCES t ON DELETE",
             "REFERENCES t ON DELETE SET", "REFERENCES t ON INSERT CASCADE", "REFERENCES t ()", 'REFERENCES "t"',
             "REFERENCES t (id) ON DELETE CASCADE ON DELETE SET NULL", "REFERENCES t (id) MATCH FULL",
             "REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED", "REFERENCES t (id) REFERENCES u", "NOT NULL ON CONFLICT IGNORE", "GENERATED ALWAYS AS (1)",
             "CONSTRAINT c NOT NULL", "DEFAULT", "NOT", "PRIMARY", "DEFAULT 'x", "DEFAULT 99999999999999999999",
             "DEFAULT $x", "DEFAULT 1_0", "NOT NULL NOT NULL", "NULL NOT NULL", "UNIQUE UNIQUE", "DEFAULT 1 DEFAULT 2",
             "COLLATE NOCASE COLLATE BINARY", "PRIMARY KEY ON CONFLICT REPLACE", "AS (1)", "UNIQUE(x)",
             "PRIMARY KEY", "PRIMARY KEY AUTOINCREMENT", "PRIMARY KEY DESC", "DEFAULT '\u00e9'"]
# numbers SQLite's tokenizer reads otherwise (or refuses): "1NOT" is one unrecognized token
_ODD_NUMBERS = ["1NOT NULL", "1abc", "1_0", "0x10", "1e5", "1.", ".5", "1.5.5", "10a", "1$", "- 'x'", "+ x", "1 2"]
_ODD_COLUMNS = ["select", "key", "rowid", "oid", '"q"', "sqlite_x", "x$", "\u00e9", "abort", "replace", "[b]",
                "`a`", "true", "action", "_rowid_", "1a"]
_ODD_NAMES = ["select", "temp", "action", "key", "replace", "sqlite_t", "sqlitex", '"t"', "[u]", "`t`", "main.t",
              "t\u00e4", "true", "rowid", "abort", "x$", "nosuch"]
_SEPS = ["\n  ", "\t", "\r\n", "  ", " /* c */ ", " -- c\n", "\f", "\u00a0", "\v", "\n", ""]


class _Gen:
    """Random statements: plain ones (fresh or earlier names, distinct columns, columns the table
    has), about a third of them changed in ONE way towards near-valid or hostile (a keyword, a
    duplicate, a second PRIMARY KEY, AUTOINCREMENT on another type, a missing table or column, a
    quoted name, a comment, unicode, odd whitespace ...)."""

    def __init__(self, rng: random.Random, seps=_SEPS, others: int = 1) -> None:
        self.rng, self.seps, self.n, self.others = rng, seps, 0, others
        self.cols: dict[str, list[str]] = {}  # the tables generated, with their columns
        self.indexes: list[str] = ["idx0"]

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def existing(self) -> str:
        name = self.rng.choice(sorted(self.cols) or ["t"])
        return name.upper() if self.rng.random() < 0.2 else name

    def text(self, parts: list, odd_sep: bool) -> str:
        if not odd_sep:
            return " ".join(p for p in parts if p)
        k = self.rng.randrange(len(parts) - 1) if len(parts) > 1 else 0
        return " ".join(parts[:k + 1]) + self.rng.choice(self.seps) + " ".join(parts[k + 1:])

    def statement(self) -> str:
        kind = self.rng.choices(["table", "index", "add", "other"], [5, 3, 3, self.others])[0] if self.cols else "table"
        mutation = self.rng.random() < 0.35
        return getattr(self, "_" + kind)(mutation)

    def _column(self, name: str, adding: bool = False) -> list[str]:
        rng = self.rng
        cons = []
        for c in rng.sample(_CONS, rng.choice([0, 0, 1, 1, 2])):
            if c.split()[0] not in {d.split()[0] for d in cons} and not (adding and c.startswith(("UNIQUE", "DEFAULT C", "DEFAULT c"))):
                cons.append(c)
        if adding and "NOT NULL" in cons and not any(c.startswith("DEFAULT") and c != "DEFAULT NULL" for c in cons):
            cons.append("DEFAULT 'x'")
        if {"NULL", "NOT NULL"} <= set(cons) or (adding and "DEFAULT NULL" in cons and "NOT NULL" in cons):
            cons.remove("NOT NULL")
        return [name, rng.choice(_TYPES), *cons]

    def _table(self, mutation: bool) -> str:
        rng = self.rng
        names = rng.sample(["id", "name", "c1", "c2", "note", "a", "b"], rng.randint(1, 4))
        cols = [self._column(c) for c in names]
        if rng.random() < 0.6:
            cols[0] = [names[0], "INTEGER", "PRIMARY KEY", rng.choice(["", "AUTOINCREMENT"])]
        if rng.random() < 0.3:
            cols.append(self._key(names, cols[0][2:3] == ["PRIMARY KEY"]))
        head, table, tail, odd_sep = "CREATE TABLE", self.fresh(rng.choice(["t", "n", "Tab_"])), "", False
        what = rng.choice(["dup", "pk2", "autoinc", "tname", "cname", "exists", "sep", "type", "cons", "tcons",
                           "tail", "head", "number"]) if mutation else None
        self._mutate_columns(what, cols, names)
        if what == "tname":
            table = rng.choice(_ODD_NAMES)
        elif what == "exists":
            table = self.existing() if rng.random() < 0.7 else rng.choice(self.indexes)
        elif what == "sep":
            odd_sep = True
        elif what == "tail":
            tail = rng.choice([" WITHOUT ROWID", " STRICT", " ", "\n", ")", ",", " AS SELECT 1"])
        elif what == "head":
            head = rng.choice(["CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE", "create table", "CREATE  TABLE",
                               "CREATE TEMPORARY TABLE", "CREATE TABLE main."])
        if not mutation:
            self.cols[table.lower()] = [c.lower() for c in names]
        body = ", ".join(self.text([p for p in c if p], odd_sep and k == 0) for k, c in enumerate(cols))
        return f"{head} {table} ({body}){tail}" if not head.endswith(".") else f"{head}{table} ({body})"

    def _key(self, names: list[str], has_key: bool) -> list[str]:
        """A table constraint over the table's columns (PRIMARY KEY only where no column has one)."""
        rng = self.rng
        some = rng.sample(names, rng.randint(1, len(names)))
        kind = rng.choice(["UNIQUE", "FOREIGN KEY"] if has_key else ["UNIQUE", "FOREIGN KEY", "PRIMARY KEY"])
        if kind != "FOREIGN KEY":
            return [f"{kind} ({', '.join(c + rng.choice(['', '', ' DESC']) for c in some)})"]
        ref = rng.choice(["", f" ({', '.join(some)})"])
        return [f"FOREIGN KEY ({', '.join(some)}) REFERENCES {self.existing()}{ref}{rng.choice(['', ' ON DELETE CASCADE'])}"]

    def _mutate_columns(self, what: str | None, cols: list[list[str]], names: list[str]) -> None:
        rng = self.rng
        if what == "dup":
            cols.append([rng.choice(names).upper(), "TEXT"])
        elif what == "pk2":
            cols[0][2:2] = ["PRIMARY KEY"] if "PRIMARY KEY" not in cols[0] else []
            cols.append(["pk2", rng.choice(["", "TEXT", "INTEGER"]), "PRIMARY KEY"])
        elif what == "autoinc":
            cols[0] = [names[0], rng.choice(["BIGINT", "INT", "INTEGER(5)", "INTEGER UNSIGNED", "Integer", "", "integer"]),
                       "PRIMARY KEY", rng.choice(["AUTOINCREMENT", "DESC AUTOINCREMENT", "ASC AUTOINCREMENT"])]
        elif what == "cname":
            rng.choice(cols[:len(names)])[0] = rng.choice(_ODD_COLUMNS)
        elif what == "type":
            rng.choice(cols[:len(names)])[1] = rng.choice(_ODD_TYPES)
        elif what == "cons":
            rng.choice(cols[:len(names)]).append(rng.choice(_ODD_CONS))
        elif what == "number":
            rng.choice(cols[:len(names)]).append("DEFAULT " + rng.choice(_ODD_NUMBERS))
        elif what == "tcons":
            a, b = names[0], names[-1]
            cols.append([rng.choice([f"PRIMARY KEY ({a})", "PRIMARY KEY (nosuch)", f"UNIQUE ({a}, {a.upper()})",
                                     "UNIQUE (nosuch)", "CHECK (1)", "", f"CONSTRAINT k UNIQUE ({a})",
                                     f"FOREIGN KEY ({a}) REFERENCES t (x, y)", "FOREIGN KEY (nosuch) REFERENCES t",
                                     f"UNIQUE ({a}) PRIMARY KEY ({b})", f"PRIMARY KEY ({a} AUTOINCREMENT)",
                                     f"FOREIGN KEY ({a}) REFERENCES t (id) MATCH FULL", f"UNIQUE ({a} COLLATE NOCASE)",
                                     f"FOREIGN KEY ({a}) REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED",
                                     f"PRIMARY KEY ({a}), PRIMARY KEY ({b})", f"UNIQUE ({a}), {b} TEXT", "UNIQUE ()",
                                     f"FOREIGN KEY ({a}, {b}) REFERENCES t (id)", f"UNIQUE ({a}),"])])

    def _index(self, mutation: bool) -> str:
        rng = self.rng
        table = self.existing()
        have = self.cols[table.lower()]
        cols = rng.sample(have, rng.randint(1, min(3, len(have))))
        cols = [c + rng.choice(["", "", " ASC", " DESC"]) for c in cols]
        head, name, where, odd_sep = rng.choice(["CREATE INDEX", "CREATE UNIQUE INDEX", "create index"]), \
            self.fresh("idx"), "", False
        what = rng.choice(["table", "column", "dup", "rowid", "quoted", "exists", "where", "head", "collate",
                           "name", "sep"]) if mutation else None
        if what == "table":
            table = rng.choice(["nosuch", *_ODD_NAMES])
        elif what == "column":
            cols.append(rng.choice(["nosuch", "Nosuch", "c9"]))
        elif what == "dup":
            cols.append(cols[0].split()[0].upper())
        elif what in ("rowid", "quoted", "collate"):
            cols.append({"rowid": rng.choice(["rowid", "oid", "_rowid_"]), "quoted": f'"{have[0]}"',
                         "collate": f"{have[0]} COLLATE NOCASE"}[what])
        elif what == "exists":
            name = rng.choice(self.indexes) if rng.random() < 0.5 else self.existing()
        elif what == "where":
            where = rng.choice([" WHERE id > 0", " WHERE (id > 0)", " "])
        elif what == "head":
            head = rng.choice(["CREATE INDEX IF NOT EXISTS", "CREATE INDEX main."])
        elif what == "name":
            name = rng.choice(_ODD_NAMES)
        elif what == "sep":
            odd_sep = True
        if not mutation:
            self.indexes.append(name)
        if head.endswith("."):
            return f"{head}{name} ON {table} ({', '.join(cols)})"
        return self.text([head, name, "ON", table, f"({', '.join(cols)}){where}"], odd_sep)

    def _add(self, mutation: bool) -> str:
        rng = self.rng
        table = self.existing()
        have = self.cols[table.lower()]
        col = self._column(rng.choice(["note", "n1", "n2", "extra", "flag"]) + str(rng.randint(0, 99)), adding=True)
        word = rng.choice(["ADD COLUMN", "ADD", "add column", "ADD  COLUMN"])
        what = rng.choice(["table", "dup", "pk", "unique", "notnull", "notnull_null", "clock", "quoted", "name",
                           "sep", "type", "cons", "column", "number"]) if mutation else None
        if what == "table":
            table = rng.choice(["nosuch", *_ODD_NAMES])
        elif what == "dup":
            col[0] = rng.choice(have).upper()
        elif what in ("pk", "unique", "notnull", "notnull_null", "clock"):
            col = [col[0], col[1], {"pk": "PRIMARY KEY", "unique": "UNIQUE", "notnull": "NOT NULL",
                                    "notnull_null": "NOT NULL DEFAULT NULL", "clock": "DEFAULT CURRENT_TIMESTAMP"}[what]]
        elif what == "quoted":
            col[0] = f'"{col[0]}"'
        elif what == "name":
            col[0] = rng.choice(_ODD_COLUMNS)
        elif what == "type":
            col[1] = rng.choice(_ODD_TYPES)
        elif what == "cons":
            col.append(rng.choice(_ODD_CONS))
        elif what == "number":
            col[1] = rng.choice(["VARCHAR", "NUMERIC"]) + "(" + rng.choice(_ODD_NUMBERS) + ")"
        elif what == "column":
            word, col = "ADD column", [rng.choice(["INTEGER", "TEXT"])]
        if not mutation:
            have.append(col[0].lower())
        return self.text(["ALTER TABLE", table, word, *[p for p in col if p]], what == "sep")

    def _other(self, mutation: bool) -> str:
        return self.rng.choice([
            "DROP TABLE {t}", "INSERT INTO {t} (id) VALUES (1)", "CREATE VIEW {t}v AS SELECT 1 AS id",
            "DROP INDEX {i}", "CREATE TRIGGER tr{n} AFTER INSERT ON {t} BEGIN SELECT 1; END",
            "ALTER TABLE {t} RENAME TO {t}x", "ALTER TABLE {t} DROP COLUMN note", "CREATE VIRTUAL TABLE {t}f USING fts5(x)",
            "DELETE FROM sqlite_sequence", "SELECT 1", "CREATE TEMP TABLE {t} (id)", "CREATE TABLE {t}c AS SELECT 1 AS id",
        ]).format(t=self.existing(), i=self.rng.choice(self.indexes), n=self.rng.randint(0, 99))

    def migration(self) -> tuple[list[str], list[str]]:
        up = [self.statement() for _ in range(self.rng.randint(1, 4))]
        down = [] if self.rng.random() < 0.5 else [self.rng.choice(
            ["DROP TABLE {t}", "DROP TABLE {t}", "ALTER TABLE {t} ADD COLUMN d{n} TEXT", "DROP INDEX {i}"]
        ).format(t=self.existing(), i=self.rng.choice(self.indexes), n=self.rng.randint(0, 99))]
        return up, down


def _replay(migrations: list, lazy: bool) -> tuple[list, dict]:
    """Each migration as the engine replays it: begin, up, the schema after it, then down and the
    schema after that; with the counts of what the model covered."""
    replay = SqliteReplay()
    replay.lazy = lazy
    out, seen = [], {"taken": 0, "whole": 0, "refused": 0}
    try:
        for up, down in migrations:
            text = " ".join(up + down)
            before = replay.begin(object_names(text), text)
            results = [replay.execute(sql) for sql in up]
            seen["refused"] += sum(r is not None for r in results)
            if replay._model is not None:
                seen["whole"] += 1
                seen["taken"] += len(up)
            after = None if any(results) else replay.after_creating(before, up)
            if after is None:
                after = replay.snapshot()
            replay.remember(before, after)
            down_results = [replay.execute(sql) for sql in down]
            out.append((before, results, after, down_results, replay.snapshot() if down else None))
    finally:
        replay.close()
    return out, seen


def test_random_migrations_replay_the_same_with_the_model():
    """Whole runs of random migrations (each run on one replay, so later migrations are seeded with
    what earlier ones built): every statement result, before/after snapshot and down result is the
    same as with every statement run, and the model covers many migrations whole."""
    total = {"taken": 0, "whole": 0, "refused": 0}
    for run in range(40):
        rng = random.Random(f"lintmodel-{run}")
        gen = _Gen(rng)
        migrations = [gen.migration() for _ in range(25)]
        if run % 10 == 9:  # a pragma part way: from there nothing is left to the model
            migrations.insert(12, (["PRAGMA foreign_keys = ON"], []))
        lazy, seen = _replay(migrations, True)
        eager, _ = _replay(migrations, False)
        for k, (m, a, b) in enumerate(zip(migrations, lazy, eager)):
            assert a == b, (run, k, m)
        for key in total:
            total[key] += seen[key]
    print(total)
    assert total["whole"] > 150 and total["taken"] > 250 and total["refused"] > 300, total


def test_every_statement_the_model_takes_sqlite_accepts_with_the_same_schema():
    """Statement by statement, on a schema the earlier random statements built: when the model
    takes a statement SQLite accepts it and the schema (names, column lists) is as the model says."""
    taken = declined = 0
    for run in range(150):
        rng = random.Random(f"lintmodel-stmt-{run}")
        gen = _Gen(rng, others=0)
        model = SqliteModel()
        conn = sqlite3.connect(":memory:", isolation_level=None)
        try:
            for _ in range(12):
                sql = gen.statement()
                try:
                    conn.execute(sql)
                    ok = True
                except Exception:  # noqa: BLE001 - sqlite3.Error or a warning about several statements
                    ok = False
                model = model or _model_of(conn)  # None: objects the model cannot stand for
                if model is None:
                    continue
                probe = SqliteModel()
                probe.objects, probe.columns = dict(model.objects), {k: set(v) for k, v in model.columns.items()}
                if probe.take(sql):
                    taken += 1
                    assert ok, sql
                    model = probe
                else:
                    declined += 1
                    if ok:  # the model does not know this schema: start again from SQLite's
                        model = _model_of(conn)
                rows = conn.execute("SELECT type, lower(name), lower(tbl_name) FROM sqlite_master "
                                    "WHERE name NOT LIKE 'sqlite%'").fetchall()
                if model is not None:
                    assert {n: t for t, n, _ in rows} == model.objects, sql
                    for t, n, _ in rows:
                        if t == "table":
                            cols = {r[1].lower() for r in conn.execute(f'PRAGMA table_info("{n}")')}
                            assert cols == model.columns[n], sql
        finally:
            conn.close()
    print(taken, declined)
    assert taken > 500 and declined > 300, (taken, declined)


def _model_of(conn) -> SqliteModel | None:
    """The model of this database, or None when it holds objects the model cannot stand for."""
    if conn.execute("SELECT count(*) FROM sqlite_temp_master").fetchone()[0]:
        return None
    model = SqliteModel()
    for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE name NOT LIKE 'sqlite%' "
                               "ORDER BY type = 'index', rowid"):
        if not model.take(sql):
            return None
    return model


# statements the model must decline, though SQLite may accept them (on a schema with table t (id, name))
DECLINED = [
    'CREATE TABLE "x" (a)', "CREATE TABLE [x] (a)", "CREATE TABLE `x` (a)", "CREATE TABLE main.x (a)",
    "CREATE TABLE select (a)", "CREATE TABLE x (select)", "CREATE TABLE abort (a)", "CREATE TABLE x (key)",
    "CREATE TABLE sqlitex (a)", "CREATE TABLE x (a) -- c", "CREATE TABLE x /* c */ (a)", "CREATE TABLE x\u00a0(a)",
    "CREATE TABLE x\x0b(a)", "CREATE TABLE x\f(a)", "CREATE TABLE x\u00e4 (a)", "CREATE TABLE x (a DEFAULT '\u00e9')",
    "CREATE TABLE x (a TEXT CHECK (a > 0))", "CREATE TABLE x (a PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE x (a INTEGER PRIMARY KEY) STRICT", "CREATE TABLE x (a, PRIMARY KEY (b))",
    "CREATE TABLE x (a REFERENCES t (id, x))", "CREATE TABLE x (a PRIMARY KEY, PRIMARY KEY (a))",
    "CREATE TABLE x (a, b, FOREIGN KEY (a, b) REFERENCES t (id))", "CREATE TABLE x (a, UNIQUE (a), b)",
    "CREATE TABLE x (a, UNIQUE (a, A))", "CREATE TABLE x (a, CONSTRAINT k UNIQUE (a))",
    "ALTER TABLE t ADD COLUMN c REFERENCES t (id)", "CREATE TABLE x (a REFERENCES t (id) MATCH FULL)", "CREATE TABLE x (a DEFAULT (1))", "CREATE TABLE x (a, A)",
    "CREATE TABLE x (a PRIMARY KEY, b PRIMARY KEY)", "CREATE TABLE x (a BIGINT PRIMARY KEY AUTOINCREMENT)",
    "CREATE TABLE x (a INTEGER(5) PRIMARY KEY AUTOINCREMENT)", "CREATE TABLE x (a INTEGER AUTOINCREMENT)",
    "CREATE TABLE x (a INTEGER PRIMARY KEY DESC AUTOINCREMENT)", "CREATE TABLE t (a)", "CREATE TABLE T (a)",
    "CREATE TABLE x (a COLLATE nosuch)", "CREATE TABLE x (a DEFAULT 1abc)", "CREATE TABLE x (a DEFAULT x'00')",
    "CREATE TABLE x (a rowid)", "CREATE TABLE x (rowid)", "CREATE TABLE x (a NULL NOT NULL)",
    "CREATE TABLE x (a NOT NULL NOT NULL)", "CREATE TABLE x (a PRIMARY KEY PRIMARY KEY)",
    "CREATE TABLE x ()", "CREATE TABLE x (a,)", "CREATE TABLE x (a b c d e)", "CREATE TABLE x (a);",
    "CREATE TEMP TABLE x (a)", "CREATE TABLE IF NOT EXISTS x (a)", "CREATE TABLE x AS SELECT 1",
    "CREATE INDEX t ON t (id)", "CREATE INDEX i ON nosuch (id)", "CREATE INDEX i ON t (nosuch)",
    "CREATE INDEX i ON t (id, ID)", "CREATE INDEX i ON t (id) WHERE id > 0", "CREATE INDEX i ON t (id COLLATE nocase)",
    "CREATE INDEX i ON t (rowid)", "CREATE INDEX IF NOT EXISTS i ON t (id)", "CREATE INDEX sqlite_i ON t (id)",
    "ALTER TABLE t ADD COLUMN id", "ALTER TABLE t ADD COLUMN ID TEXT", "ALTER TABLE t ADD COLUMN c PRIMARY KEY",
    "ALTER TABLE t ADD COLUMN c UNIQUE", "ALTER TABLE t ADD COLUMN c NOT NULL", "ALTER TABLE t ADD COLUMN c NOT NULL DEFAULT NULL",
    "ALTER TABLE t ADD COLUMN c DEFAULT CURRENT_TIMESTAMP", "ALTER TABLE nosuch ADD COLUMN c", "ALTER TABLE t ADD COLUMN \"c\"",
    "ALTER TABLE t RENAME TO x", "ALTER TABLE t ADD column INTEGER PRIMARY KEY", "DROP TABLE t", "SELECT 1",
    "PRAGMA foreign_keys = ON", "", "CREATE", "CREATE TABLE x (a DEFAULT 'x)",
]
TAKEN = [
    "CREATE TABLE x (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(100) NOT NULL)",
    "cReAtE\ttAbLe\r\n  X2(a integer primary key autoincrement,\n  b TEXT DEFAULT 'x)' NOT NULL)",
    "CREATE TABLE x (a NUMERIC(10, 2) DEFAULT -1.5 UNIQUE, b DOUBLE PRECISION COLLATE NOCASE, c DEFAULT TRUE)",
    "CREATE TABLE x (a, b NULL, c DEFAULT CURRENT_TIMESTAMP, d INTEGER PRIMARY KEY DESC)",
    "CREATE INDEX i ON t (id)", "CREATE UNIQUE INDEX i ON T (NAME DESC, id)",
    "ALTER TABLE t ADD COLUMN note TEXT", "ALTER TABLE T ADD note TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE t ADD column INTEGER",
    "CREATE TABLE x (a, b TEXT, PRIMARY KEY (a, b DESC), UNIQUE (b), FOREIGN KEY (a) REFERENCES t (id) ON DELETE CASCADE)",
    "CREATE TABLE x (a INTEGER REFERENCES t (id) ON DELETE SET NULL ON UPDATE NO ACTION, b REFERENCES nosuch)",
]


@pytest.mark.parametrize("sql", DECLINED)
def test_the_model_declines_what_it_cannot_be_certain_of(sql):
    model = SqliteModel()
    assert model.take("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    assert not model.take(sql)


@pytest.mark.parametrize("sql", TAKEN)
def test_the_model_takes_plain_statements_sqlite_accepts(sql):
    model = SqliteModel()
    base = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"
    assert model.take(base) and model.take(sql)
    replay = SqliteReplay()
    try:
        before = replay.begin(set())
        for stmt in (base, sql):
            assert replay.execute(stmt) is None, stmt
        assert replay._model is not None  # nothing ran yet: both were taken
        derived = replay.after_creating(before, [base, sql])
        assert derived is not None and derived == replay.snapshot()  # snapshot() runs them for real
    finally:
        replay.close()


def test_keywords_are_those_of_the_linked_sqlite():
    """The model refuses SQLite's keywords as names: the list must hold every keyword of the SQLite
    this Python uses (read from the library itself where ctypes can reach it)."""
    import _sqlite3

    lib = None
    for path in (_sqlite3.__file__, ctypes.util.find_library("sqlite3")):
        try:
            lib = ctypes.CDLL(path)
            lib.sqlite3_keyword_count  # noqa: B018 - the symbol must be there
            break
        except (OSError, AttributeError, TypeError):
            lib = None
    if lib is None:
        pytest.skip("SQLite's keyword list is not reachable with ctypes here")
    words = set()
    for i in range(lib.sqlite3_keyword_count()):
        z, n = ctypes.c_char_p(), ctypes.c_int()
        lib.sqlite3_keyword_name(i, ctypes.byref(z), ctypes.byref(n))
        words.add(ctypes.string_at(z, n.value).decode())
    assert words and words <= KEYWORDS, sorted(words - KEYWORDS)


_LINT_SEPS = [" "] * 12 + ["\n  ", "\t", "  ", " /* c */ ", "\n"]


def _manifest(rng: random.Random, folder) -> str:
    folder.mkdir()
    gen = _Gen(rng, _LINT_SEPS)
    names = []
    for i in range(rng.randint(4, 10)):
        up, down = gen.migration()
        text = f"id: m{i}\nup: |\n" + "".join(f"  {ln}\n" for s in up for ln in (s + ";").splitlines())
        text += ("down: |\n" + "".join(f"  {ln}\n" for s in down for ln in (s + ";").splitlines())
                 if down else "irreversible: true\n")
        names.append(f"m{i}.yaml")
        (folder / names[-1]).write_text(text, encoding="utf-8")
    (folder / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n" + "".join(f"  - {n}\n" for n in names))
    return str(folder / "manifest.yaml")


def test_random_manifests_lint_the_same_with_the_model(tmp_path, monkeypatch):
    """Whole manifests of random migrations: the findings with the lazy replay are those of the
    replay that runs every statement."""
    from stingerloom.lint.engine import lint_paths

    rng = random.Random(20261130)
    paths = [_manifest(rng, tmp_path / f"m{k}") for k in range(40)]

    def findings():
        out = []
        for p in paths:
            res = lint_paths([p], dialects=["sqlite"], cwd=str(tmp_path))
            out.append([(f.rule, f.severity, f.message, f.file, f.line, f.column, f.migration) for f in res.findings])
        return out

    modelled = []
    real = SqliteReplay.after_creating

    def counted(self, before, ups):
        modelled.append(self._model is not None)  # the whole up was taken: SQLite did not run
        return real(self, before, ups)

    monkeypatch.setattr(SqliteReplay, "after_creating", counted)
    lazy = findings()
    monkeypatch.setattr(SqliteReplay, "lazy", False)
    assert findings() == lazy
    assert sum(modelled) > 40, sum(modelled)
    print({code: sum(f[0] == code for fs in lazy for f in fs) for code in ("SL201", "SL402")}, sum(modelled))
    assert sum(f[0] == "SL201" for fs in lazy for f in fs) > 10, "SQLite's syntax errors should be among them"
    assert sum(f[0] == "SL402" for fs in lazy for f in fs) > 5


# ---------------------------------------------------------------------------------------------------
# The fast path (SqliteModel._fast) against the tokenizer model (SqliteModel._take), which stays the
# reference: it may leave a statement to the model, never decide otherwise.


def _state(model: SqliteModel) -> tuple:
    return dict(model.objects), {k: set(v) for k, v in model.columns.items()}, dict(model.indexes)


def _copy(model: SqliteModel) -> SqliteModel:
    out = SqliteModel()
    out.objects, out.columns, out.indexes = _state(model)
    return out


def _fast_and_model(model: SqliteModel, sql: str) -> tuple[bool, bool, SqliteModel]:
    """Each path on its own copy of ``model``: the fast path's verdict, the model's, and the schema
    after the statement. Fails if the fast path takes what the model declines, leaves another schema,
    or changes anything when it leaves the statement to the model."""
    fast, slow = _copy(model), _copy(model)
    m = fast.take_fast(sql)
    f, s = m is not None, slow.take_read(sql)
    if f:
        assert s, f"the fast path took {sql!r}, which the model declines"
        assert _state(fast) == _state(slow), sql
        # the schema row made from the match is the one read from the text (tables as stored: upper-cased)
        tables = {name: name.upper() for name in model.columns}
        after = {("table", name.upper()): (name.upper(), "", f"CREATE TABLE {name.upper()} (a)") for name in model.columns}
        mine = dict(tables)
        assert _fast_row(sql, m, mine, after) == (_created_row(sql, tables) or _added_column(sql, tables, after)), sql
        assert mine == tables, sql
    else:
        assert _state(fast) == _state(model), sql
    return f, s, slow if s else model


# tokens for statements built at random: the fast path's own words in any case, keywords, names,
# types, numbers SQLite reads otherwise, punctuation, quotes, comments, unicode
_SOUP = ["CREATE", "create", "TABLE", "Table", "INDEX", "UNIQUE", "unique", "ON", "ALTER", "ADD", "COLUMN", "column",
         "PRIMARY", "primary", "KEY", "key", "AUTOINCREMENT", "autoincrement", "ASC", "DESC", "NOT", "not", "NULL",
         "null", "DEFAULT", "COLLATE", "REFERENCES", "CHECK", "AS", "GENERATED", "CONSTRAINT", "INTEGER", "integer",
         "Integer", "INT", "TEXT", "VARCHAR", "DOUBLE", "PRECISION", "t", "T", "x", "id", "ID", "name", "note", "c1",
         "select", "rowid", "oid", "true", "strict", "sqlite_x", "sqlitex", "primary_x", "notx", "nullx", "keys",
         "_", "x$", "\u00e9", "(", ")", ",", ",", "(", ")", "5", "100", "10", "2", "1.5", "1abc", "0x10", "1e5",
         "9999999999", "'x'", '"q"', "[b]", "`a`", ";", "--", "/*", "*/", "-", "+", "."]
_SOUP_SEPS = [" ", " ", " ", "", "\n  ", "\t", "\r\n", "  ", "\f", "\v", "\u00a0"]


def _soup(rng: random.Random, gen: _Gen) -> str:
    """A plain statement of the generator with one to three tokens changed, added or removed, or a
    statement of random tokens after a plain head."""
    if rng.random() < 0.3:
        head = rng.choice(["CREATE TABLE x (", "CREATE TABLE x (a ", "create index i on t (", "ALTER TABLE t ADD ",
                           "ALTER TABLE t ADD COLUMN c ", "CREATE UNIQUE INDEX i ON t (id "])
        return head + "".join(rng.choice(_SOUP) + rng.choice(_SOUP_SEPS) for _ in range(rng.randint(0, 8)))
    toks = gen.statement().replace("(", " ( ").replace(")", " ) ").replace(",", " , ").split()
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(len(toks) + 1)
        what = rng.random()
        if what < 0.4:
            toks.insert(k, rng.choice(_SOUP))
        elif what < 0.7 and k < len(toks):
            toks[k] = rng.choice(_SOUP)
        elif k < len(toks):
            del toks[k]
    out = ""
    for tok in toks:
        out += tok if tok in "()," and rng.random() < 0.5 else rng.choice(_SOUP_SEPS) + tok
    return out.lstrip(" ") if rng.random() < 0.8 else out


def test_the_fast_path_decides_as_the_model_on_random_statements():
    """The generator's statements (plain, near-valid, hostile) and random token soups: whatever the
    fast path takes, the model takes with the same schema; what it leaves is left untouched. It must
    also take most plain statements (else it would be useless, and this test would compare little)."""
    fast_taken = model_only = both_declined = 0
    for run in range(600):
        rng = random.Random(f"lintmodel2-fast-{run}")
        gen = _Gen(rng, others=0)
        model = SqliteModel()
        assert model.take("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        gen.cols["t"] = ["id", "name"]
        for _ in range(15):
            sql = gen.statement() if rng.random() < 0.6 else _soup(rng, gen)
            f, s, model = _fast_and_model(model, sql)
            fast_taken += f
            model_only += s and not f
            both_declined += not s
    print(fast_taken, model_only, both_declined)
    assert fast_taken > 1000 and model_only > 1500 and both_declined > 4000, (fast_taken, model_only, both_declined)


FAST_LEFT = [  # the model's verdict is what counts for each: the fast path must not take them
    "CREATE TABLE x (a KEY)", "CREATE TABLE x (a INTEGER KEY)", "CREATE TABLE x (a b c d e)",
    "CREATE TABLE x (a INTEGER PRIMARY KEY ASC AUTOINCREMENT)", "CREATE TABLE x (a INTEGER PRIMARY KEY DESC AUTOINCREMENT)",
    "CREATE TABLE x (a INT PRIMARY KEY AUTOINCREMENT)", "CREATE TABLE x (a INTEGER(5) PRIMARY KEY AUTOINCREMENT)",
    "CREATE TABLE x (a PRIMARY KEY AUTOINCREMENT)", "CREATE TABLE x (a(5))", "CREATE TABLE x (a TEXT(1234567890))",
    "CREATE TABLE x (a PRIMARY KEY, b PRIMARY KEY)", "CREATE TABLE x (a, A)", "CREATE TABLE x (primary_x, PRIMARY_X)",
    "CREATE TABLE x (a NOT NULL NULL)", "CREATE TABLE x (a UNIQUE NOT NULL)", "CREATE TABLE x (a) ",
    " CREATE TABLE x (a)", "CREATE TABLE x (a)\n", "CREATE TABLE select (a)", "CREATE TABLE sqlitex (a)",
    "CREATE TABLE x (rowid)", "CREATE TABLE x (a TEXT)NOT NULL", "CREATE TABLE x (a TEXT(5)NOT NULL)",
    "CREATE TABLE x (a TEXT, PRIMARY KEY (a))", "CREATE TABLE x (a TEXT NOT NULLX)", "CREATE TABLE x (a\fTEXT)",
    "CREATE TABLE x (a\u00a0TEXT)", "CREATE TABLE x (a TEXT\u00e9)", "CREATE TABLE x (a TEXT,)", "CREATE TABLE x ()",
    "CREATE TABLE t (a)", "CREATE TABLE T (a)", "CREATE TABLE x (a$ TEXT)", "CREATE TABLE x (a TEXT) STRICT",
    "CREATE INDEX i ON t (id, name)", "CREATE INDEX i ON t (rowid)", "CREATE INDEX i ON t (nosuch)",
    "CREATE INDEX t ON t (id)", "CREATE INDEX on ON t (id)", "CREATE INDEX i ON nosuch (id)", "CREATE INDEX i ON t (id) ",
    "CREATE INDEX i ON t (id COLLATE nocase)", "CREATE INDEX i ON t (ASC)", "CREATE UNIQUE INDEX select ON t (id)",
    "ALTER TABLE t ADD COLUMN id", "ALTER TABLE t ADD COLUMN c NOT NULL", "ALTER TABLE t ADD COLUMN c UNIQUE",
    "ALTER TABLE t ADD COLUMN c PRIMARY KEY", "ALTER TABLE t ADD COLUMN c INTEGER PRIMARY KEY AUTOINCREMENT",
    "ALTER TABLE t ADD COLUMN", "ALTER TABLE t ADD COLUMN c KEY", "ALTER TABLE nosuch ADD COLUMN c",
    "ALTER TABLE t ADD COLUMN c TEXT,", "ALTER TABLE t ADD COLUMN c TEXT)", "ALTER TABLE t ADD COLUMN c NOT NULL DEFAULT 1",
]
FAST_TAKEN = [
    "CREATE TABLE x (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(100) NOT NULL)",
    "cReAtE\ttAbLe\r\n  X2(a integer primary key autoincrement,\n  b TEXT NOT NULL)",
    "CREATE TABLE x (a NUMERIC( 10 , 2 ) UNIQUE, b DOUBLE PRECISION NULL, c, d INTEGER PRIMARY KEY DESC NOT NULL UNIQUE)",
    "CREATE TABLE x (a UNSIGNED BIG INT, primary_x notx nullx keys)", "CREATE TABLE x(a)",
    "CREATE INDEX i ON t (id)", "CREATE UNIQUE INDEX i ON T ( NAME DESC )", "create index i on t(id asc)",
    "ALTER TABLE t ADD COLUMN note TEXT", "ALTER TABLE T ADD note VARCHAR(5) NULL", "ALTER TABLE t ADD column_x",
]


@pytest.mark.parametrize("sql", FAST_LEFT)
def test_the_fast_path_leaves_to_the_model_what_it_does_not_read(sql):
    model = SqliteModel()
    assert model.take("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    f, _s, _after = _fast_and_model(model, sql)
    assert not f


@pytest.mark.parametrize("sql", FAST_TAKEN)
def test_the_fast_path_takes_the_plain_forms(sql):
    model = SqliteModel()
    assert model.take("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    f, s, _after = _fast_and_model(model, sql)
    assert f and s


@pytest.mark.parametrize("text", [
    "CREATE TABLE t (a); CREATE INDEX Idx ON T (a); DROP TABLE IF EXISTS \"Q\"\"x\"; ALTER TABLE `b c` RENAME TO [d]",
    "INSERT INTO x SELECT * FROM y; UPDATE z SET a = 1; CREATE TRIGGER tr AFTER UPDATE ON w BEGIN SELECT 1; END",
    "CREATE TABLE IF NOT EXISTS temp.t (a); CREATE TEMP TABLE \"if\" (a); DROP VIEW exists",
    "create table t\u00e9 (a); CREATE TABLE \u0130ndex (a); drop table \u017fqlite_x; CREATE TABLE \u212aelvin (a)",
    "CREATE TABLE x\u00a0(a) ON\u2003y TO\tz FROM\nw", "table$x", "TABLE _x$1 INTO a.b ON \"\"", "",
])
def test_object_keys_are_the_lower_cased_object_names(text):
    assert object_keys(text) == {n.lower() for n in object_names(text)}


def test_object_keys_are_the_lower_cased_object_names_on_random_text():
    rng = random.Random("lintmodel2-keys")
    words = ["TABLE", "table", "Index", "ON", "into", "TO", "EXISTS", "from", "UPDATE", "view", "TRIGGER", "IF", "NOT",
             "temp", "Temporary", "t", "T", "x$", "_a", "\"q\"", "\"a \"\" b\"", "`b c`", "[d]", "\u00e9", "\u0130",
             "\u017f", "\u212a", "1", ".", ";", "(", "'s'", "tablex", "xtable"]
    for _ in range(3000):
        text = "".join(rng.choice(words) + rng.choice([" ", "", "\n", "\t", "  ", "\u00a0"]) for _ in range(rng.randint(0, 12)))
        assert object_keys(text) == {n.lower() for n in object_names(text)}, text


def test_sees_internals_is_the_pattern():
    from stingerloom.lint.parse import _SEES_INTERNALS, _sees_internals

    rng = random.Random("lintmodel2-internals")
    pieces = ["sqlite_", "SQLite_", "sqlite", "_", "pragma", "PRAGMA", "Pragma", "pra", "gma", "\u017fqlite_", "\u017f",
              "\u212a", "x", " ", "\n", "\u0130", "\u0131"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        assert _sees_internals(text) == bool(_SEES_INTERNALS.search(text)), text
