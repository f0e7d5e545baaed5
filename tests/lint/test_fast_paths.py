"""The shortcuts lint takes for speed give the answers of the work they skip.

A keyword test on the upper-cased text before a case-insensitive regex, text without any comment or
literal character left as it is, the closing parenthesis of CREATE TABLE found with ``str.find``, and
the output's password masking skipped for text without any word it looks for.
"""

from __future__ import annotations

import dataclasses
import json
import re
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stingerloom.lint import actions, facts, parse
from stingerloom.lint.facts import (
    alter_actions,
    classify,
    create_table_head,
    create_table_parts,
    keyword_text,
    strip_sql,
)
from stingerloom.render.lint import mask_secrets
from stingerloom.sqltext import blank_literals

# what the rules and extractors test for, and the characters that make case-insensitive matching and
# upper-casing disagree: U+0130 (dotted I), U+0131 (dotless i), U+017F (long s), U+212A (Kelvin sign),
# and ß, whose upper case is two letters
_WORDS = ["PRIMARY", "KEY", "UNIQUE", "REFERENCES", "DEFAULT", "TEMP", "VIRTUAL", "LIKE", "CONCURRENTLY",
          "AUTO_INCREMENT", "AUTOINCREMENT", "SERIAL", "ENGINE", "UNSIGNED", "PRAGMA", "PASSWORD", "SECRET"]
_PIECES = st.sampled_from(_WORDS + [w.lower() for w in _WORDS] + [
    "\u0130", "\u0131", "\u017f", "\u212a", "\u00df", "ke", "y", "pr", "imary", "s", "i", "k", " ", "\n", "(", ")",
    ",", "'", "--", "#", "/*", "*/", "$$", "`", '"', "x"])
_TEXT = st.lists(_PIECES, max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_TEXT, word=st.sampled_from(_WORDS))
def test_a_word_the_case_insensitive_pattern_finds_is_in_the_keyword_text(text, word):
    if re.search(re.escape(word), text, re.I):
        assert word in keyword_text(text)


def test_keyword_text_maps_the_letters_upper_does_not():
    assert "KEY" in keyword_text("primary \u212aey")
    assert "UNIQUE" in keyword_text("un\u0130que")
    assert "REFERENCES" in keyword_text("reference\u017f")
    assert "PRIMARY" in keyword_text("pr\u0131mary")


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(_TEXT, st.text(max_size=40)))
def test_strip_sql_is_blank_literals(text):
    for hash_comments in (False, True):
        assert strip_sql(text, hash_comments=hash_comments) == blank_literals(text, hash_comments=hash_comments)


@pytest.mark.parametrize("sql, name, elements, options", [
    ("CREATE TABLE t (a int, b numeric(10, 2), CHECK ((a > 0))) ENGINE=InnoDB",
     "t", ["a int", "b numeric(10, 2)", "CHECK ((a > 0))"], " ENGINE=InnoDB"),
    ("CREATE TABLE t (a int, b varchar(3)", "t", ["a int", "b varchar(3)"], ""),  # never closed
    ("CREATE TABLE t (a int DEFAULT ')', b int) PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (10))",
     "t", ["a int DEFAULT ' '", "b int"], " PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (10))"),
    ("  CREATE TABLE IF NOT EXISTS s.\"T\" (\n  id int,\n\n  x int\n) ;", "T", ["id int", "x int"], " ;"),
    ("CREATE TABLE t ()", "t", [], ""),
])
def test_create_table_parts(sql, name, elements, options):
    got_name, elems, opts = create_table_parts(sql)
    assert (got_name, [e for _, e in elems], opts) == (name, elements, options)
    text = strip_sql(sql)
    assert all(text[off:off + len(e)] == e for off, e in elems)  # each offset is where its element starts


def test_alter_actions_offsets():
    sql = "ALTER TABLE users\n  ADD COLUMN a int,\n  DROP COLUMN b ,  RENAME TO people"
    table, acts = alter_actions(sql)
    assert table == "users"
    assert [a for _, a in acts] == ["ADD COLUMN a int", "DROP COLUMN b", "RENAME TO people"]
    assert all(sql[off:off + len(a)] == a for off, a in acts)


@pytest.mark.parametrize("text, secret", [
    ("postgres://app:s3cr3t@db/prod", "s3cr3t"),
    ("password=hunter2 host=db", "hunter2"),
    ("PassWord = 'hunter2'", "hunter2"),
    ("CREATE USER u IDENTIFIED BY 'hunter2'", "hunter2"),
    ("ALTER ROLE app PASSWORD 'hunter2'", "hunter2"),
    ("  passwd: hunter2", "hunter2"),
    ("pwd: hunter2", "hunter2"),
    ("secret: hunter2", "hunter2"),
    ("\u017fecret: hunter2", "hunter2"),  # long s: the YAML pattern matches it case-insensitively
    ("identified by 'hunter2' -- caf\u00e9", "hunter2"),
])
def test_masking_still_masks_every_kind_of_secret(text, secret):
    masked = mask_secrets(text)
    assert secret not in masked and "***" in masked


def test_masking_leaves_text_without_secrets_alone():
    text = "CREATE TABLE users (id bigint PRIMARY KEY, name text) -- caf\u00e9"
    assert mask_secrets(text) == text
    assert mask_secrets("SELECT 1") == "SELECT 1"


def _classify_every_pattern(sql: str) -> str:
    """classify as it was: every pattern of ``_KINDS`` tried in order."""
    body = sql[facts.lead_len(sql):]
    if not body.strip():
        return "Empty"
    if body.startswith("\\"):
        return "ClientCommand"
    for pattern, kind in facts._KINDS_RE:
        if pattern.match(body):
            if kind == "TransactionStmt" and facts._BEGIN_BLOCK.match(body):
                return "Other"
            return kind
    return "Unknown"


# every word a pattern starts with or contains, in both cases, cut up, with the letters case-insensitive
# matching and upper-casing disagree on, comments, quotes and odd whitespace
_FIRST_WORDS = sorted({w for _, _, words in facts._KINDS for w in words.split()} | {
    "TABLE", "INDEX", "UNIQUE", "TEMP", "TEMPORARY", "VIRTUAL", "AS", "VIEW", "TRIGGER", "FUNCTION", "DATABASE",
    "SCHEMA", "EVENT", "ONLINE", "IGNORE", "TRANSACTION", "NOT", "ATOMIC", "OR", "DEFINER"})
_SQL_PIECES = st.sampled_from(_FIRST_WORDS + [w.lower() for w in _FIRST_WORDS] + [w.title() for w in _FIRST_WORDS] + [
    "\u0130", "\u0131", "\u017f", "\u212a", "\u00df", "\u0345", "\u00e9", "\u00a0", "\u2028", "cre", "ate", "s", "i",
    "k", "_", "1", " ", "  ", "\n", "\t", "\r\n", "(", ")", ";", ":", "=", "'", "--", "-- c\n", "/*", "*/", "/* c */",
    "#", "$$", "`", '"', "\\", "x", "SELECT", "AS SELECT", "l:", "t (a int)"])
_SQL = st.lists(_SQL_PIECES, max_size=12).map("".join)


@settings(max_examples=3000, deadline=None)
@given(sql=st.one_of(_SQL, st.text(max_size=30)))
def test_classify_tries_only_the_patterns_of_the_first_word(sql):
    assert classify(sql) == _classify_every_pattern(sql)


def test_classify_first_word_with_letters_upper_case_does_not_map_alone():
    for sql, kind in [("\u212aILL 1", "Unknown"), ("dRop\u00a0table t", "DropStmt"), ("cre\u0130ate table t", "Unknown"),
                      ("\u017fet x = 1", "VariableSetStmt"), ("tr\u0131ncate t", "Unknown"), ("TRUNCATE\u0345 t", "TruncateStmt"),
                      ("with x as (select 1) update t set a = 1", "UpdateStmt"), ("begin work:", "Other")]:
        assert classify(sql) == _classify_every_pattern(sql) == kind, sql
    # every single character in front of or inside a keyword
    for c in map(chr, range(0x2100)):
        for sql in (c + "ROP TABLE t", "D" + c + "OP TABLE t", "DROP" + c + "TABLE t", "SET" + c, c + "ET x"):
            assert classify(sql) == _classify_every_pattern(sql), repr(sql)


_CT_PIECES = st.sampled_from(["CREATE TABLE t (", "create temp table if not exists s.\"T\" (", "CREATE TABLE `a b`(", "(", ")",
                              ",", " ", "\n", "\t", "\u00a0", "\u2028", "\x1c", "\u3000", "a int", "'", "')'", "','", "--", "-- ,\n",
                              "/* ) */", "/*", "*/", "#", "$$", "$$,$$", '"', "`", "x", "\u00e9"])


@settings(max_examples=2000, deadline=None)
@given(sql=st.one_of(st.lists(_CT_PIECES, max_size=14).map("".join), st.text(max_size=30)))
def test_create_table_head_is_what_create_table_parts_finds(sql):
    name, elems, _ = create_table_parts(sql)
    assert create_table_head(sql) == (name, bool(elems))


_JSONISH = st.lists(st.sampled_from(['{', '}', '[', ']', '"a"', '"\\u00e9"', '"\\ud800"', ':', ',', ' ', '\n', '1', '-0', '1e400',
                                     'NaN', 'true', 'null', 'x', '"', '\\\\', '\x00']), max_size=12).map("".join)


@settings(max_examples=1500, deadline=None)
@given(text=st.one_of(_JSONISH, st.text(max_size=20), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3), max_leaves=8).map(json.dumps)))
def test_parse_pg_json_reader_is_json_loads(text):
    """parse_pg reads pglast's JSON with the C scanner straight away: the same value or the same error."""
    def outcome(load):
        try:
            return "ok", load(text)
        except json.JSONDecodeError as exc:
            return "error", str(exc)
    assert repr(outcome(parse._loads)) == repr(outcome(json.loads))


def test_action_classes_stay_frozen_dataclasses_with_their_fields():
    """The actions' faster __init__ takes the dataclass's parameters and keeps every field frozen."""
    for cls in [v for v in vars(actions).values() if isinstance(v, type) and dataclasses.is_dataclass(v)]:
        fields = dataclasses.fields(cls)
        values = [f"v{i}" for i in range(len(fields))]
        by_position, by_name = cls(*values), cls(**{f.name: v for f, v in zip(fields, values)})
        assert by_position == by_name and hash(by_position) == hash(by_name)
        assert [getattr(by_position, f.name) for f in fields] == values
        defaults = cls(*[v for f, v in zip(fields, values) if f.default is dataclasses.MISSING])
        assert all(getattr(defaults, f.name) == f.default for f in fields if f.default is not dataclasses.MISSING)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(by_position, fields[0].name, "changed")
        assert dataclasses.replace(by_position) == by_position


def test_lint_raises_the_collectors_threshold_only_while_it_runs(tmp_path):
    """Lint collects garbage cycles rarely (see engine._fewer_collections), but still collects them,
    and gives the process its own threshold back after the run, also when the run fails."""
    import gc

    from stingerloom.lint import engine

    (tmp_path / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n  - 001_t.yaml\n", encoding="utf-8")
    (tmp_path / "001_t.yaml").write_text("id: 001_t\nup: CREATE TABLE t (id int PRIMARY KEY);\ndown: DROP TABLE t;\n",
                                         encoding="utf-8")
    before = gc.get_threshold()
    seen = []
    real = engine.ManifestRun.check_dialect

    def spy(self, *args, **kwargs):
        seen.append(gc.get_threshold())
        return real(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine.ManifestRun, "check_dialect", spy)
        mp.setenv("STINGERLOOM_LINT_JOBS", "1")
        result = engine.lint_paths([str(tmp_path / "manifest.yaml")], cwd=str(tmp_path))
        assert not [f for f in result.findings if f.severity == "error"] and len(seen) == 3  # three dialects
        assert all(t[0] == max(before[0], engine._YOUNG_THRESHOLD) and t[1:] == before[1:] for t in seen)
        assert gc.get_threshold() == before
        mp.setattr(engine.ManifestRun, "check_dialect", lambda *a, **k: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            engine.lint_paths([str(tmp_path / "manifest.yaml")], cwd=str(tmp_path))
        assert gc.get_threshold() == before

    # a garbage cycle made while linting is still collected, once that many objects were made (a smaller
    # threshold here: the mechanism is the same, without a million objects)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "_YOUNG_THRESHOLD", 5_000)
        _collects_a_cycle_made_while_linting(engine)


def _collects_a_cycle_made_while_linting(engine) -> None:
    import gc

    class Cycle:
        pass

    with engine._fewer_collections():
        assert gc.get_threshold()[0] >= engine._YOUNG_THRESHOLD and gc.isenabled()
        gc.collect()
        probe = Cycle()
        probe.me = probe
        gone = []
        weakref.finalize(probe, gone.append, True)
        del probe
        junk = [[] for _ in range(engine._YOUNG_THRESHOLD + 1000)]
        assert gone == [True]
        del junk


_NAME_CHARS = st.sampled_from(list("aZ09_./-") * 4 + [" ", ":", "#", "'", '"', "\t", "\u00e9", "~", "&", "*", "!", "%",
                                                  "@", "`", "{", "[", ",", "?", "|", ">", "="])
_NAME = st.tuples(st.sampled_from(["", "0", "1", "00001", "1_0", "2024-01-01", "0x1f", "1e5", ".", "-", "yes",
                                   "null", "~", ".inf", "1.5", "a"]),
                  st.lists(_NAME_CHARS, max_size=6).map("".join),
                  st.sampled_from([".yaml", ".yml", ".toml", ".YAML", "", ".yaml ", ".yaml:", ".yml#x"])
                  ).map("".join)


@settings(max_examples=400, deadline=None)
@given(names=st.lists(_NAME, min_size=1, max_size=5), head=st.sampled_from(["", "stingerloom: 1\n", "stingerloom: x\n"]),
       indent=st.sampled_from(["  - ", "- ", "   - ", "  -  "]), tail=st.sampled_from(["\n", "", "\n\n", "\n# c\n"]))
def test_manifest_entries_of_a_plain_list_are_what_yaml_reads(tmp_path_factory, names, head, indent, tail):
    """SL104/SL105 read a manifest that only lists plain file names without YAML: same entries."""
    text = head + "migrations:\n" + "\n".join(indent + n for n in names) + tail
    path = tmp_path_factory.mktemp("m") / "manifest.yaml"
    path.write_text(text, encoding="utf-8")
    facts.manifest_entries.cache_clear()
    raw, entries = facts.manifest_entries(str(path))
    assert raw == text
    assert entries == facts._parsed_entries(text, toml=False)


def test_manifest_entries_fast_path_is_taken_for_the_benchs_form(tmp_path):
    text = "stingerloom: 1\nmigrations:\n  - 00000_m.yaml\n  - sub/00001_m.yml\n  - 2024-01-01_x.toml\n"
    (tmp_path / "manifest.yaml").write_text(text, encoding="utf-8")
    assert facts._PLAIN_MANIFEST.fullmatch(text)
    facts.manifest_entries.cache_clear()
    assert facts.manifest_entries(str(tmp_path / "manifest.yaml")) == (
        text, ("00000_m.yaml", "sub/00001_m.yml", "2024-01-01_x.toml"))
