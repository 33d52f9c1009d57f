"""Seeding, device choice, thread settings, the hardware stamp every chapter prints,
``glue`` for the numbers in a page's prose, and atomic file writes.

Taught in chapter 0.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import random
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

from seqlab import _checks

__all__ = [
    "atomic_write",
    "closest_size",
    "count_parameters",
    "cpu_model",
    "device",
    "environment_report",
    "evaluating",
    "glue",
    "seed_everything",
    "set_threads",
]


def seed_everything(seed: int) -> int:
    """Seed Python's ``random``, NumPy and torch (CPU and every GPU) with one number.

    The same seed on the same machine and software gives the same numbers.

    Args:
        seed: a non-negative integer below 2**32.

    Returns:
        The seed, so a chapter can record it.

    Example:
        >>> seed_everything(0)
        0
    """
    seed = _checks.integer("seed", seed, minimum=0)
    if seed >= 2**32:
        raise ValueError(f"seed must be < 2**32 (NumPy's limit), got {seed}")
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (the global state is what readers' code uses)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return seed


def count_parameters(model: torch.nn.Module) -> int:
    """Number of trainable parameters: the size every comparison in the book matches."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def closest_size(make, n_params: int, sizes) -> int:
    """The size ``s`` among ``sizes`` whose model ``make(s)`` has the parameter count
    closest to ``n_params``: how the book matches the sizes of models it compares.

    Example:
        >>> closest_size(lambda h: torch.nn.Linear(10, h), 100, range(1, 20))
        9
    """
    n_params = _checks.integer("n_params", n_params)
    sizes = list(sizes)
    if not sizes:
        raise ValueError("sizes is empty")
    return min(sizes, key=lambda s: abs(count_parameters(make(s)) - n_params))


def device(prefer: str | None = None) -> torch.device:
    """The device a chapter should run on: a GPU when present, else the CPU.

    Args:
        prefer: ``None`` (pick automatically), ``"cpu"`` or ``"cuda"``.

    Returns:
        A ``torch.device``.

    Raises:
        ValueError: ``prefer`` is not one of the above, or ``"cuda"`` with no GPU.
    """
    if prefer not in (None, "cpu", "cuda"):
        raise ValueError(f"prefer must be None, 'cpu' or 'cuda', got {prefer!r}")
    if prefer == "cuda" and not torch.cuda.is_available():
        raise ValueError("prefer='cuda' but torch sees no CUDA GPU on this machine")
    if prefer == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda")


def set_threads(n: int | None = None) -> int:
    """Set how many CPU threads torch uses for intra-op work.

    The book's time budgets are measured with 2 threads. ``None`` reads the
    ``SEQLAB_THREADS`` environment variable and otherwise keeps torch's default.

    Args:
        n: number of threads, at least 1.

    Returns:
        The number of threads now in use.
    """
    if n is None:
        env = os.environ.get("SEQLAB_THREADS")
        if env is None:
            return torch.get_num_threads()
        if not env.isdigit():
            raise ValueError(f"SEQLAB_THREADS must be a positive integer, got {env!r}")
        n = int(env)
    torch.set_num_threads(_checks.integer("n", n))
    return torch.get_num_threads()


def cpu_model() -> str:
    """The CPU's model name as the operating system reports it (best effort)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def environment_report() -> dict[str, str | int | None]:
    """The hardware and software stamp printed by chapters and written by benchmarks.

    Returns:
        A flat dict: python, torch, numpy and seqlab versions, OS, CPU model, logical
        cores, torch threads, GPU name (``None`` without one) and the UTC date.
    """
    from seqlab import __version__

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "seqlab": __version__,
        "os": f"{platform.system()} {platform.release()}",
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": gpu,
        "colab": "google.colab" in sys.modules,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


@contextlib.contextmanager
def evaluating(model: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """Evaluation mode inside the block (no dropout), the model's own mode after it.

    Example:
        >>> net = torch.nn.Dropout(0.5)
        >>> with evaluating(net):
        ...     net.training
        False
        >>> net.training
        True
    """
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@functools.lru_cache(maxsize=1)
def _myst_glue():
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # Colab, a plain JupyterLab: no book build around the notebook
        return None
    return myst_glue


def glue(name: str, value, display: bool = True) -> None:
    """Keep ``value`` under ``name`` for the page's prose (``{glue:text}`name` ``).

    In the book build (myst-nb installed) this is ``myst_nb.glue``. Elsewhere (Colab, a
    reader's JupyterLab, a plain ``pip install seqlab``) there is no page to fill in, so
    the value is shown when ``display`` is true and nothing happens otherwise.

    Args:
        name: the key the Markdown cells refer to.
        value: any object myst-nb can glue (a number, a string, a figure).
        display: also show the value in the cell's output.

    Example:
        >>> glue("answer", 42, display=False)
    """
    myst_glue = _myst_glue()
    if myst_glue is not None:
        myst_glue(name, value, display=display)
    elif display:
        from IPython.display import display as show

        show(value)


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator:
    """Open a temporary file beside ``path`` for writing and move it onto ``path`` only
    when the block finishes without an error: a crash or an exception leaves the old
    file (or none), never half of one.

    Args:
        path: the file to (re)write; its folder is created if needed.
        mode: ``"w"`` (text, UTF-8) or ``"wb"`` (bytes, e.g. for ``torch.save``).

    Example:
        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
        >>> with atomic_write(target) as f:
        ...     _ = f.write("all or nothing")
        >>> target.read_text()
        'all or nothing'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({"encoding": "utf-8"} if mode == "w" else {})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # as open() would have made it, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
