"""The renderers read result records (stingerloom.results, stingerloom.plan), never the runner."""

from __future__ import annotations

import ast
from pathlib import Path

RENDER = Path(__file__).resolve().parents[2] / "stingerloom" / "render"


def runner_reads() -> list[str]:
    """``file:line`` of every parameter or attribute read named ``runner`` in ``stingerloom/render/``."""
    found = []
    for path in sorted(RENDER.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = (isinstance(node, ast.arg) and node.arg == "runner") or (
                isinstance(node, ast.Name) and node.id == "runner")
            if named:
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_renderer_takes_the_runner():
    assert runner_reads() == []
