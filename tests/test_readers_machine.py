"""Every chapter runs where a reader runs it: Colab, or a plain ``pip install seqlab``.

The package is built as a wheel from the working tree (``pyproject.toml``, ``README.md``,
``LICENSE`` and ``src/`` only) and installed into a fresh virtual environment with
nothing else but a Jupyter kernel and nbclient: no ``requirements.txt``, no editable
install, no myst-nb, no repository file. Every dependency is installed at the lower
bound ``pyproject.toml`` states (the book build runs the newest pinned versions, so both
ends of each range are exercised). Each notebook is then copied alone into an empty
temporary folder and executed there, with an empty checkpoint cache; any cell error
fails its test. Two chapters run side by side, each on one torch thread
(``SEQLAB_THREADS=1``), which about halves the step's wall time on the 2-core machine.

torch is installed first at the version ``requirements.txt`` pins, the CPU build, as
Colab brings its own torch: letting pip choose would download a multi-GB CUDA build.

Run by ``make test`` after the browser test (``pytest -m reader``); it takes about
ten minutes on the 2-core machine (see the README).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 600  # a hang fails; the 120 s budget per chapter is the book build's
READERS = 2  # chapters run side by side, one thread each

pytestmark = pytest.mark.reader

# Runs inside the reader's environment: execute one notebook in the current folder.
DRIVER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import importlib.util, seqlab\\n"
    "print('SEQLAB_FROM', seqlab.__file__)\\n"
    "print('MYST_NB', importlib.util.find_spec('myst_nb') is not None)"))
NotebookClient(nb, timeout=int(sys.argv[2]), kernel_name="python3",
               resources={"metadata": {"path": "."}}).execute()
for output in nb.cells[-1].outputs:
    print(output.get("text", ""), end="")
figures = sum("image/png" in o.get("data", {}) for c in nb.cells[:-1] for o in c.get("outputs", []))
print("FIGURES", figures)
"""


def lower_bounds() -> dict[str, str]:
    """``name -> version`` for every ``name>=version`` in pyproject's dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for spec in project["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9][0-9.]*)", spec.replace(" ", ""))
        assert match, f"pyproject dependency {spec!r} is not of the form name>=version"
        bounds[match[1].lower()] = match[2]
    return bounds


def pinned(name: str) -> str:
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.lower().startswith(f"{name}=="):
            return line.split("==", 1)[1]
    raise AssertionError(f"requirements.txt pins no {name}")


def run(*cmd, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, (
        f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


@pytest.fixture(scope="module")
def reader_env(tmp_path_factory) -> dict:
    """A fresh virtual environment with the seqlab wheel, a kernel and nbclient."""
    start = time.perf_counter()
    tree = tmp_path_factory.mktemp("tree")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, tree / name)
    shutil.copytree(
        ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "-w", dist, tree)  # fmt: skip
    (wheel,) = dist.glob("seqlab-*.whl")
    venv = tmp_path_factory.mktemp("venv")
    run(getattr(sys, "_base_executable", sys.executable), "-m", "venv", venv)
    python = venv / "bin" / "python"
    bounds = lower_bounds()
    assert bounds.pop("torch") == pinned("torch"), "torch's lower bound is the pinned torch"
    constraints = tmp_path_factory.mktemp("constraints") / "lowest.txt"
    constraints.write_text("".join(f"{name}=={v}\n" for name, v in bounds.items()))
    pip = (python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    run(*pip, f"torch=={pinned('torch')}")
    run(*pip, wheel, "ipykernel", "nbclient", "-c", constraints)
    freeze = run(python, "-m", "pip", "freeze").stdout.lower()
    for name, version in bounds.items():
        assert f"{name}=={version}" in freeze, f"{name} is not at its lower bound {version}"
    assert "myst-nb" not in freeze and "jupyter-book" not in freeze
    print(f"\nreader's environment ready in {time.perf_counter() - start:.0f} s: {wheel.name}")
    return {"python": python, "venv": venv}


def _execute(reader_env: dict, notebook: Path, tmp: Path) -> tuple:
    """Run ``notebook`` alone in an empty folder under ``tmp``, as the reader would, on
    one torch thread: ``(result, seconds, folder)``."""
    folder = tmp / "reader"
    folder.mkdir()
    shutil.copy(notebook, folder / notebook.name)
    (tmp / "home").mkdir()
    env = {
        "PATH": f"{reader_env['venv'] / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp / "home"),  # no user site, kernels or settings of ours
        "SEQLAB_CACHE_DIR": str(tmp / "empty-cache"),
        "SEQLAB_THREADS": "1",  # two chapters at a time, one core each
        "OMP_NUM_THREADS": "1",
        "JUPYTER_DATA_DIR": str(tmp / "jupyter-data"),
        "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    start = time.perf_counter()
    result = subprocess.run(
        [reader_env["python"], "-c", DRIVER, notebook.name, str(CELL_TIMEOUT)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )
    return result, time.perf_counter() - start, folder


@pytest.fixture(scope="module")
def executions(request, reader_env, tmp_path_factory) -> dict:
    """Every selected chapter started at once on a pool of ``READERS`` workers (each
    chapter on one thread, so two run side by side on the 2-core machine: the step's
    wall time about halves); each test waits for its own chapter."""
    selected = [
        item.callspec.params["notebook"]
        for item in request.session.items
        if item.originalname == "test_chapter_runs_alone_in_an_empty_folder"
    ]
    pool = ThreadPoolExecutor(READERS)
    futures = {
        nb.name: pool.submit(_execute, reader_env, nb, tmp_path_factory.mktemp(nb.stem))
        for nb in selected
    }
    yield futures
    pool.shutdown(cancel_futures=True)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_chapter_runs_alone_in_an_empty_folder(reader_env, executions, notebook):
    result, seconds, folder = executions[notebook.name].result()
    assert result.returncode == 0, (
        f"{notebook.name} failed outside the repository:\n{result.stderr[-6000:]}"
    )
    facts = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert facts["SEQLAB_FROM"].startswith(str(reader_env["venv"])), facts
    assert facts["MYST_NB"] == "False"
    code = "".join("".join(c["source"]) for c in json.loads(notebook.read_text())["cells"])
    if "plot." in code or "plt." in code:  # figures reach the reader as pictures, not text
        assert int(facts["FIGURES"]) > 0, f"{notebook.name}: no figure was drawn as a PNG"
    written = sorted(p.name for p in folder.iterdir())
    assert written == [notebook.name], f"{notebook.name} wrote beside itself: {written}"
    times = ROOT / "_build" / "readers-machine.json"
    times.parent.mkdir(exist_ok=True)
    record = json.loads(times.read_text()) if times.is_file() else {}
    record[notebook.stem] = round(seconds, 1)
    times.write_text(json.dumps(record, indent=1) + "\n")
    print(f"{notebook.name}: {seconds:.0f} s in an empty folder, one thread, beside another")
