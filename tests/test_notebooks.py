"""Facts about the committed notebooks: stripped, listed in the book, runnable on Colab."""

import json
import sys
import types
from pathlib import Path

import pytest
import yaml
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO_URL = CONFIG["repository"]["url"]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def toc_files() -> set[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.add(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    found.add(toc["root"])
    return found


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    for i, cell in enumerate(code_cells(load(path))):
        assert cell.get("outputs") == [], f"{path.name}: code cell {i} has outputs (make strip)"
        assert cell.get("execution_count") is None, (
            f"{path.name}: code cell {i} has an execution count (make strip)"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_is_in_the_toc(path):
    assert f"notebooks/{path.stem}" in toc_files(), f"{path.name} is not listed in _toc.yml"


def test_every_toc_entry_exists():
    for entry in toc_files():
        candidates = [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb")]
        assert any(c.exists() for c in candidates), f"_toc.yml lists {entry}, which is missing"


def run_colab_cell(source: str, on_colab: bool) -> list[tuple[str, str]]:
    """Execute the cell as IPython would, recording line magics instead of running them."""
    calls: list[tuple[str, str]] = []
    shell = types.SimpleNamespace(run_line_magic=lambda name, line: calls.append((name, line)))
    python = TransformerManager().transform_cell(source)
    saved = sys.modules.get("google.colab")
    if on_colab:
        sys.modules["google.colab"] = types.ModuleType("google.colab")
    else:
        sys.modules.pop("google.colab", None)
    try:
        exec(python, {"get_ipython": lambda: shell})
    finally:
        sys.modules.pop("google.colab", None)
        if saved is not None:
            sys.modules["google.colab"] = saved
    return calls


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_installs_seqlab_on_colab_only(path):
    cell = code_cells(load(path))[0]
    source = "".join(cell["source"])
    assert "remove-cell" in cell.get("metadata", {}).get("tags", []), (
        f"{path.name}: the Colab cell should be tagged remove-cell so the site hides it"
    )
    assert run_colab_cell(source, on_colab=False) == [], f"{path.name}: installs off Colab"
    calls = run_colab_cell(source, on_colab=True)
    assert len(calls) == 1 and calls[0][0] == "pip", f"{path.name}: no %pip on Colab: {calls}"
    assert f"seqlab @ git+{REPO_URL}" in calls[0][1], (
        f"{path.name}: the Colab cell must install from the repository in _config.yml "
        f"({REPO_URL}), got {calls[0][1]!r}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_needs_nothing_but_the_package(path):
    """No myst-nb import and no repository path: a chapter runs from an empty folder
    (tests/test_readers_machine.py runs each one so; this names the cause quickly)."""
    code = "\n".join("".join(c["source"]) for c in code_cells(load(path)))
    assert "myst_nb" not in code, f"{path.name}: use seqlab.utils.glue, not myst_nb's"
    if "glue(" in code:
        assert "from seqlab.utils import" in code and "glue" in code.split("glue(")[0]
    for repo_path in ("results/", '"results"', "../", "notebooks/", "_build"):
        assert repo_path not in code, f"{path.name} reads a repository path {repo_path!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_have_hidden_solutions(path):
    text = "".join(
        "".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "markdown"
    )
    exercises = text.count("{exercise}")
    assert exercises >= 1, f"{path.name} has no exercise"
    assert text.count("{solution}") == exercises, f"{path.name}: an exercise lacks a solution"
    assert text.count(":class: dropdown") >= exercises, f"{path.name}: a solution is not hidden"


def test_package_metadata_points_at_the_same_repository():
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["urls"]["Homepage"] == REPO_URL


def _prose() -> str:
    """The Markdown of every notebook and prose page, without inline code spans."""
    import re

    texts = [
        "".join("".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "markdown")
        for path in NOTEBOOKS
    ]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md")]
    return re.sub(r"``.+?``", "", "\n".join(texts))


def test_every_reference_is_cited_and_every_citation_exists():
    import re

    keys = set(re.findall(r"@\w+\{([^,\s]+),", (ROOT / "book" / "references.bib").read_text()))
    cited = {
        key.strip()
        for group in re.findall(r"\{cite[pt]?\}`([^`]+)`", _prose())
        for key in group.split(",")
    }
    assert cited - keys == set(), f"cited but not in references.bib: {sorted(cited - keys)}"
    assert keys - cited == set(), f"in references.bib but never cited: {sorted(keys - cited)}"


def test_references_bib_parses_entry_by_entry():
    """The bibliography parses as BibTeX (as the build's sphinxcontrib-bibtex reads it),
    with one entry per ``@type{key,`` line: an entry left without its closing brace, as a
    merge can leave it, swallows the next one or stops the build."""
    import re

    from pybtex.database import parse_file

    path = ROOT / "book" / "references.bib"
    keys = re.findall(r"^@\w+\{([^,\s]+),", path.read_text(encoding="utf-8"), re.M)
    assert sorted(parse_file(str(path)).entries) == sorted(keys)


def test_every_glossary_term_is_used_by_a_chapter_or_page():
    import re

    glossary = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    block = glossary.split("```{glossary}")[1].split("```")[0]
    terms = {line.strip().lower() for line in block.splitlines() if line and not line[0].isspace()}
    used = set()
    for label in re.findall(r"\{term\}`([^`]+)`", _prose()):
        target = re.search(r"<([^>]+)>", label)
        used.add((target.group(1) if target else label).strip().lower())
    assert used <= terms, f"term references without a glossary entry: {sorted(used - terms)}"
    assert len(used) >= 15, f"only {len(used)} glossary terms are referenced from the chapters"
