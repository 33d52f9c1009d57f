"""The shape of seqlab's code: no function so long that a reader loses its thread."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_LINES = 60  # from the def line to the last line, docstring included


def test_no_function_longer_than_60_lines():
    offenders = []
    for path in sorted((SRC / "seqlab").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES:
                    where = f"{path.relative_to(SRC)}:{node.lineno}"
                    offenders.append(f"{where} {node.name} ({lines} lines)")
    assert not offenders, f"functions longer than {MAX_LINES} lines:\n" + "\n".join(offenders)
