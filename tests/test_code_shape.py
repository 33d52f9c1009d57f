"""The shape of seqlab's code: no function so long that a reader loses its thread."""

import ast
import importlib
import inspect
import json
import re
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


# ---------------------------------------------------------------- "Taught in chapter N"

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
TAUGHT = re.compile(r"(?:Taught in|Checkers for) chapters? ([^.]*)\.")


def taught_chapters(module) -> set[int]:
    """The chapters a module's docstring names in "Taught in chapter(s) ...": the
    numbers outside parentheses, ranges such as 1–3 included."""
    match = TAUGHT.search(" ".join((module.__doc__ or "").split()))
    if match is None:
        return set()
    text = re.sub(r"\([^)]*\)", "", match.group(1))
    chapters = set()
    for start, end in re.findall(r"(\d+)(?:\s*[–-]\s*(\d+))?", text):
        chapters.update(range(int(start), int(end or start) + 1))
    return chapters


def imported_modules(notebook: Path) -> set[str]:
    """The seqlab modules a chapter's code imports, and the modules that define each
    name it imports (``from seqlab.data import copy_memory`` counts for
    ``seqlab.data`` and ``seqlab.data.tasks``)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    code = re.sub(r"^(\s*)[%!].*$", r"\1pass", code, flags=re.MULTILINE)  # IPython magics
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("seqlab"):
            parent = importlib.import_module(node.module)
            found.add(node.module)
            for alias in node.names:
                if not hasattr(parent, alias.name):  # a submodule: from seqlab import plot
                    try:
                        importlib.import_module(f"{node.module}.{alias.name}")
                    except ImportError:
                        raise AssertionError(
                            f"{notebook.name} imports {alias.name} from {node.module}, "
                            "which has no such name"
                        ) from None
                obj = getattr(parent, alias.name)
                if inspect.ismodule(obj):
                    found.add(obj.__name__)
                elif inspect.isclass(obj) or inspect.isfunction(obj):
                    found.add(obj.__module__)  # a constant has no module of its own
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("seqlab"))
    return found


def test_taught_in_chapter_matches_the_chapters_that_import_the_module():
    importers: dict[str, set[int]] = {}
    for notebook in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        for name in imported_modules(notebook):
            importers.setdefault(name, set()).add(int(notebook.name[:2]))
    checked, wrong = 0, []
    for path in sorted((SRC / "seqlab").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__main__":  # importing it would run the command line
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        chapters = taught_chapters(importlib.import_module(name))
        if not chapters:
            continue
        checked += 1
        used = importers.get(name, set())
        if not chapters <= used or min(used) != min(chapters):
            wrong.append(f"{name}: says {sorted(chapters)}, imported by {sorted(used)}")
    assert checked >= 20, f"only {checked} modules say where they are taught"
    assert not wrong, "'Taught in' disagrees with the chapters' imports:\n" + "\n".join(wrong)
