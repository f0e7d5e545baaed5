"""Golden output of every format, for LF and CRLF inputs (the positions must not change), SARIF
structure, GitHub escaping, and exit codes through a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from stingerloom.render.lint.github import escape_data, escape_property

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
FORMATS = {"text": "txt", "json": "json", "sarif": "sarif", "github": "github.txt", "junit": "xml"}


def _copy_input(tmp: Path, newline: str) -> Path:
    for f in (GOLDEN / "input").iterdir():
        text = f.read_text(encoding="utf-8")
        (tmp / f.name).write_text(text.replace("\n", newline), encoding="utf-8", newline="")
    return tmp / "manifest.yaml"


def _lint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "stingerloom.lint", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_golden(fmt, newline, tmp_path):
    _copy_input(tmp_path, newline)
    res = _lint(tmp_path, "manifest.yaml", "--format", fmt)
    assert res.returncode == 1, res.stderr
    golden = GOLDEN / f"expected.{FORMATS[fmt]}"
    if os.environ.get("UPDATE_GOLDEN") and newline == "\n":
        golden.write_text(res.stdout, encoding="utf-8")
    assert res.stdout == golden.read_text(encoding="utf-8")


# A strict subset of the SARIF 2.1.0 schema: what GitHub code scanning requires (see LINT_RULES.md §4).
_TEXT = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}
SARIF_SUBSET = {
    "type": "object",
    "required": ["$schema", "version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name", "rules"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "rules": {"type": "array", "items": {
                            "type": "object",
                            "required": ["id", "shortDescription", "fullDescription", "help"],
                            "properties": {
                                "id": {"type": "string", "pattern": "^SL[0-9]{3}$"},
                                "name": {"type": "string", "maxLength": 255},
                                "shortDescription": {**_TEXT, "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 1024}}},
                                "fullDescription": {**_TEXT, "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 1024}}},
                                "help": _TEXT,
                                "defaultConfiguration": {"type": "object", "properties": {
                                    "level": {"enum": ["none", "note", "warning", "error"]}}},
                            }}},
                    }}}},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["ruleId", "level", "message", "locations", "partialFingerprints"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": _TEXT,
                        "locations": {"type": "array", "minItems": 1, "maxItems": 10, "items": {
                            "type": "object", "required": ["physicalLocation"], "properties": {
                                "physicalLocation": {"type": "object", "required": ["artifactLocation", "region"],
                                                     "properties": {
                                    "artifactLocation": {"type": "object", "required": ["uri"],
                                                         "properties": {"uri": {"type": "string", "minLength": 1}}},
                                    "region": {"type": "object", "required": ["startLine"], "properties": {
                                        "startLine": {"type": "integer", "minimum": 1},
                                        "startColumn": {"type": "integer", "minimum": 1}}},
                                }}}}},
                        "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                    }}},
            }}},
    },
}


def test_sarif_structure(tmp_path):
    _copy_input(tmp_path, "\n")
    res = _lint(tmp_path, "manifest.yaml", "--format", "sarif")
    doc = json.loads(res.stdout)
    jsonschema.validate(doc, SARIF_SUBSET)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert not os.path.isabs(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
    fps = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert len(fps) == len(set(fps))


SARIF_SCHEMA = Path(__file__).parent / "sarif" / "sarif-2.1.0-rtm.5.json"


def test_sarif_valid_against_the_official_schema(tmp_path):
    """The whole SARIF 2.1.0 schema (draft-04), not only what GitHub reads."""
    for newline in ("\n", "\r\n"):
        _copy_input(tmp_path, newline)
        doc = json.loads(_lint(tmp_path, "manifest.yaml", "--format", "sarif").stdout)
        assert doc["runs"][0]["results"], "the input must produce findings for this test to mean anything"
        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft4Validator.check_schema(schema)
        errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_json_shape(tmp_path):
    _copy_input(tmp_path, "\n")
    doc = json.loads(_lint(tmp_path, "manifest.yaml", "--format", "json").stdout)
    assert set(doc) == {"findings", "summary"}
    assert {"errors", "warnings", "files"} <= set(doc["summary"])
    for f in doc["findings"]:
        assert {"rule", "severity", "message", "file", "line", "column", "migration", "dialect"} <= set(f)


def test_github_escaping():
    assert escape_data("100%\r\nx") == "100%25%0D%0Ax"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_github_errors_first(tmp_path):
    _copy_input(tmp_path, "\n")
    lines = _lint(tmp_path, "manifest.yaml", "--format", "github").stdout.splitlines()
    kinds = [ln.split(" ", 1)[0] for ln in lines if ln.startswith("::")]
    order = {"::error": 0, "::warning": 1, "::notice": 2}
    assert [order[k] for k in kinds] == sorted(order[k] for k in kinds)
    assert lines[-1].startswith("stingerloom lint:")


def test_exit_codes(tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "manifest.yaml").write_text("stingerloom: 1\nmigrations:\n  - 001_a.yaml\n")
    (clean / "001_a.yaml").write_text("id: 001_a\nup: CREATE TABLE a (id int PRIMARY KEY);\ndown: DROP TABLE a;\n")
    warn = _lint(clean, "manifest.yaml")
    assert warn.returncode == 0, warn.stdout + warn.stderr
    _copy_input(tmp_path, "\n")
    assert _lint(tmp_path, "manifest.yaml").returncode == 1
    missing = _lint(tmp_path, "nope.yaml")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert _lint(tmp_path, "manifest.yaml", "--format", "xml").returncode == 2
    assert _lint(tmp_path, "manifest.yaml", "--target", "postgres=abc").returncode == 2
    assert _lint(tmp_path, "manifest.yaml", "--select", "SL999").returncode == 2
    assert _lint(tmp_path, "--explain", "SL601").returncode == 0
    assert _lint(tmp_path, "--explain", "SL999").returncode == 2
    assert _lint(tmp_path).returncode == 2


def test_explain_by_name(tmp_path):
    res = _lint(tmp_path, "--explain", "require-concurrent-index-creation")
    assert res.returncode == 0 and res.stdout.startswith("# SL601 require-concurrent-index-creation")
    # the rule's earlier name is still accepted
    old = _lint(tmp_path, "--explain", "index-not-concurrent")
    assert old.returncode == 0 and old.stdout == res.stdout


def test_docs_are_fresh():
    from stingerloom.lint.docs import main

    assert main(["--check"]) == 0, "docs/rules.md is stale: run python -m stingerloom.lint.docs"


def test_parser_is_light():
    code = ("import sys; from stingerloom.cli import build_parser; build_parser();"
            "bad = [m for m in ('pglast', 'sqlglot', 'rich', 'stingerloom.lint.rules.require_concurrent_index_creation', 'yaml') if m in sys.modules];"
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout


def test_json_writer_is_json_dumps_byte_for_byte():
    """The JSON writer skips json.dumps(indent=2) (slow) but must write its exact bytes, also for
    messages holding braces, quotes, line breaks, control and non-ASCII characters."""
    from stingerloom.lint.model import Finding, LintResult
    from stingerloom.render.lint import json_

    tricky = ['a "b" }', "},\n      {", "line\nbreak\ttab\x00", "é ü 😀 \u2028", "", "\\"]
    findings = [Finding(rule="SL101", severity="error", message=m, file=f"{m}.yaml", line=i, column=1,
                        migration=m or None, dialect="sqlite", help=m if i % 2 else None)
                for i, m in enumerate(tricky)]
    for result in (LintResult(findings=findings, files=2), LintResult(files=0)):
        doc = {"findings": [f.as_json() for f in result.findings], "summary": result.summary()}
        assert json_.render(result) == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
