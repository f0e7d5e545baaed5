"""The PyYAML-free reader of plain YAML files (stingerloom/manifest/yamlplain.py) against PyYAML's:
whenever it reads a text, it gives the same data (same types), the same key and value positions and
the same SQL block positions as :func:`read_yaml`, which finds no problem in it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stingerloom.manifest.yamlplain import read_plain
from stingerloom.manifest.yamlsource import read_yaml


def assert_same(text: str) -> bool:
    """True when the plain reader read ``text`` (and then agreed with PyYAML in everything)."""
    plain = read_plain(text, "f.yaml")
    if plain is None:
        return False
    docs, problems = read_yaml(text, "f.yaml")
    assert problems == [], text
    assert len(plain) == len(docs) == 1, text
    ours, theirs = plain[0], docs[0]
    assert repr(ours.data) == repr(theirs.data), text  # repr: True is not 1, "1" is not 1
    assert ours.file == theirs.file
    assert ours.start == theirs.start, text
    assert ours.keys == theirs.keys, text
    assert ours.values == theirs.values, text
    for path in list(theirs.values) + list(theirs.keys):
        assert ours.block(path) == theirs.block(path), (text, path)
        assert ours.where(path) == theirs.where(path) and ours.where(path, key=True) == theirs.where(path, key=True)
    return True


MIGRATION = """description: Benchmark table 1
up: |
  CREATE TABLE bench_1 (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, n INTEGER);
  INSERT INTO bench_1 (id, name, n) VALUES (1, 'row; one', 1);
down: |
  DROP TABLE bench_1;
"""


@pytest.mark.parametrize("text", [
    MIGRATION,
    "stingerloom: 1\nmigrations:\n  - 0001_a.yaml\n  - 0002_b.yaml\n",
    "# stingerloom manifest\nstingerloom: 1\n# database: ${DATABASE_URL}  # a comment\nmigrations: []\n",
    "stingerloom: 1\nmigrations:\n- 001_a.yaml\n\n# later\n- 002_b.yml\nhistory_table: 001\n",
    "id: 0042\ndescription: 'fix: users'\ntransaction: false\nirreversible: True\nup: |\n\n  SELECT 1;\n\n"
    "    -- indented\n  SELECT 2;\n\n\n# a comment\ndown: |\n  SELECT 3;\n",
    'description: "a \'quoted\' one"\nup: |\n  SELECT 1;\n  # not a comment\n',
    "description: it's a [list]{ish} a:b c#d  \nup: |\n   SELECT 1;\n",
    "database: sqlite:///app.db\nstingerloom: 1\nmigrations:\n  -   a.yaml\n",
])
def test_plain_files_are_read_as_pyyaml_reads_them(text):
    assert assert_same(text)


@pytest.mark.parametrize("text", [
    "up: |\n  SELECT 1;",  # no final line end
    "up: |\r\n  SELECT 1;\r\n",
    "description: café\nup: |\n  SELECT 1;\n",
    "up: |\n\tSELECT 1;\n",
    "up: |-\n  SELECT 1;\n",
    "up: >\n  SELECT 1;\n",
    "up:\n  sqlite: SELECT 1;\n",
    "up: |\n  SELECT 1;\n  \n",  # a line of spaces
    "up: |\n    SELECT 1;\n  SELECT 2;\n",
    "up: |\ndown: |\n  SELECT 1;\n",
    "up: SELECT 1;  # a comment\n",
    "up: |\n  SELECT 1;\nup: |\n  SELECT 2;\n",
    "description: yes\nup: |\n  SELECT 1;\n",
    "description: 1.5\nup: |\n  SELECT 1;\n",
    "stingerloom: 010\n",
    "id: null\nup: |\n  SELECT 1;\n",
    "up: &a |\n  SELECT 1;\ndown: *a\n",
    "description: \"a\\tb\"\nup: |\n  SELECT 1;\n",
    "---\nup: |\n  SELECT 1;\n",
    "up: |\n  SELECT 1;\n---\nup: |\n  SELECT 2;\n",
    "migrations:\n  - {include: a.yaml}\n",
    "migrations:\n  - a.yaml\n   - b.yaml\n",
    "migrations:\n  - null\n",
    "# only a comment\n",
    "",
])
def test_other_files_are_left_to_pyyaml(text):
    assert read_plain(text, "f.yaml") is None


_KEYS = st.sampled_from(["up", "down", "description", "id", "database", "history_table", "stingerloom",
                         "transaction", "migrations", "x_1", "on", "null"])
_VALUES = st.sampled_from([
    "Benchmark table 1", "1", "001", "0", "010", "1.5", "2024-01-01", "1_000", "0x1F", ".inf", "true", "True",
    "FALSE", "yes", "no", "null", "~", "", "a: b", "a:b", "a :b", "a #b", "a#b", "it's", "a  b", "x ", "${DB}",
    "sqlite:///x.db", "[]", "[ ]", "{}", "'q'", "'it''s'", "''", '"dq"', '"a\\b"', '""', "|", "|-", ">", "| ",
    "&a x", "*a", "!!str x", "-x", "- x", "@x", "`x`", "%x", "a[1]{2}", "(x)", "/x", "?x", "x?", "a-b",
])
_BLOCK_LINES = st.sampled_from([
    "  SELECT 1;", "  SELECT 'a: b'; -- c", "    nested", "", "", "  ", " ", "  # c", "# top comment", " x",
    "\tx", "  é", "   three", "  ---", "---", "...", "- item", "  - item",
])
_ITEMS = st.sampled_from([
    "  - 0001_a.yaml", "- a.yaml", "  -  b.yaml", "    - c.yaml", "  - null", "  - ~", "  - yes", "  - 2024-01-01",
    "  - {include: x}", "  - 'q.yaml'", "  -x", "  - a.yaml  ", "  - a b", "", "# c", "  # c",
])
_OTHER = st.sampled_from(["# comment", "  # indented comment", "", "---", "...", "%YAML 1.1", "key", "\r",
                          "up: |", "  stray"])


@st.composite
def _texts(draw) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["scalar", "block", "list", "other"]))
        key = draw(_KEYS)
        if kind == "scalar":
            lines.append(f"{key}:{draw(st.sampled_from([' ', '  ', '']))}{draw(_VALUES)}")
        elif kind == "block":
            lines.append(f"{key}: |")
            lines += draw(st.lists(_BLOCK_LINES, max_size=5))
        elif kind == "list":
            lines.append(f"{key}:")
            lines += draw(st.lists(_ITEMS, max_size=4))
        else:
            lines.append(draw(_OTHER))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


_PLAIN_VALUES = st.sampled_from([
    "Benchmark table 1", "1", "0", "001", "true", "False", "it's", "a  b", "x ", "a:b", "a#b", "'q'", "'it''s'",
    "''", '"dq"', '""', "[]", "a[1]{2}", "x?", "a-b", "sqlite:///x.db", "${DB}", "yes", "2024-01-01",
])
_PLAIN_BLOCK_LINES = st.sampled_from(["  SELECT 1;", "  SELECT 'a: b'; -- c", "    nested", "", "  # c", "   three"])
_PLAIN_ITEMS = st.sampled_from(["  - 0001_a.yaml", "  -  b.yaml", "  - yes", "  - 2024-01-01", "  - a.yaml  ", "",
                                "# c", "  # c"])


@st.composite
def _mostly_plain_texts(draw) -> str:
    """Texts of the plain subset, now and then with one line from anywhere (to find its edges)."""
    lines: list[str] = []
    keys = draw(st.lists(_KEYS, unique=True, min_size=1, max_size=5))
    for key in keys:
        kind = draw(st.sampled_from(["list", "list", "scalar"] if key == "migrations" else ["scalar", "block", "block"]))
        if kind == "scalar":
            lines.append(f"{key}: {draw(_PLAIN_VALUES)}")
        elif kind == "block":
            lines.append(f"{key}: |")
            lines += draw(st.lists(_PLAIN_BLOCK_LINES, min_size=1, max_size=5))
        else:
            lines.append(f"{key}:")
            lines += draw(st.lists(_PLAIN_ITEMS, min_size=1, max_size=4))
        if draw(st.integers(0, 9)) == 0:
            lines.insert(draw(st.integers(0, len(lines))),
                         draw(st.one_of(_BLOCK_LINES, _ITEMS, _OTHER, _VALUES.map(lambda v, key=key: f"{key}: {v}"))))
    return "\n".join(lines) + "\n"


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(_texts(), _mostly_plain_texts()))
def test_whatever_the_plain_reader_reads_pyyaml_reads_alike(text):
    assert_same(text)


def test_loading_plain_files_does_not_import_pyyaml(tmp_path):
    """The point of the plain reader: a project of plain files loads without importing PyYAML."""
    (tmp_path / "0001_a.yaml").write_text(MIGRATION)
    (tmp_path / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n  - 0001_a.yaml\n")
    code = ("import sys; from stingerloom.manifest import read_manifest; "
            f"m, problems = read_manifest({str(tmp_path / 'manifest.yaml')!r}, use_cache=False); "
            "assert not problems and m.migrations[0].id == '0001_a'; print('yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
