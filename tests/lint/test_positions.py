"""Positions in TOML files and in CR-only files, and ignore comments across dialects."""

from __future__ import annotations

from stingerloom.lint.engine import lint_paths


def test_toml_multiline_string(tmp_path):
    (tmp_path / "manifest.toml").write_text('stingerloom = 1\nmigrations = ["001_a.toml"]\n')
    (tmp_path / "001_a.toml").write_text(
        'id = "001_a"\nup = """\nCREATE TABLE a (\n  id int PRIMARY KEY,\n  n text NOT NUL\n);\n"""\n'
        'down = "DROP TABLE a;"\n')
    res = lint_paths([str(tmp_path / "manifest.toml")], dialects=["postgres"], cwd=str(tmp_path))
    assert [(f.rule, f.file, f.line, f.column) for f in res.findings] == [("SL201", "001_a.toml", 5, 14)]


def test_ignore_applies_to_every_dialect_of_a_default_block(tmp_path):
    (tmp_path / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n  - 001_a.yaml\n")
    (tmp_path / "001_a.yaml").write_text(
        "id: 001_a\nirreversible: true\nup: |\n  -- stingerloom:ignore SL501 -- legacy is empty\n"
        "  DROP TABLE legacy;\n")
    res = lint_paths([str(tmp_path / "manifest.yaml")], cwd=str(tmp_path))
    assert not [f for f in res.findings if f.rule in ("SL501", "SL190", "SL191")]


def test_findings_for_several_dialects_are_merged(tmp_path):
    (tmp_path / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n  - 001_a.yaml\n")
    (tmp_path / "001_a.yaml").write_text("id: 001_a\nirreversible: true\nup: DELETE FROM sessions;\n")
    res = lint_paths([str(tmp_path / "manifest.yaml")], cwd=str(tmp_path))
    [f] = [f for f in res.findings if f.rule == "SL308"]
    assert f.dialect == "postgres,mysql,sqlite" and (f.line, f.column) == (3, 5)
