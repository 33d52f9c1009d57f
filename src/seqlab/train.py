"""One training loop for the whole book, with evaluation and a checkpoint cache.

``fit`` trains for a number of steps (or a time budget) on an iterator of
:class:`~seqlab.data.tasks.TaskBatch`, shows a tqdm progress bar, and returns a
:class:`History` of loss, metric and wall time per step. Given a ``cache_key`` it saves
the trained weights and history, keyed by that key and by the source of ``seqlab``, so
re-executing a chapter loads what it already trained and any change retrains.

Taught in chapter 1.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from seqlab import _checks
from seqlab.data.batch import TaskBatch
from seqlab.data.tasks import masked_accuracy
from seqlab.utils import atomic_write, evaluating

__all__ = ["History", "cache_dir", "evaluate", "fit", "regression_loss", "sequence_loss"]

Loss = Callable[[nn.Module, TaskBatch], tuple[torch.Tensor, float]]


@dataclass
class History:
    """What happened during training, one entry per step (and per evaluation)."""

    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    eval_loss: list[float] = field(default_factory=list)
    eval_metric: list[float] = field(default_factory=list)
    from_cache: bool = False

    @property
    def steps(self) -> int:
        return len(self.loss)


def sequence_loss(model: nn.Module, batch: TaskBatch) -> tuple[torch.Tensor, float]:
    """Cross-entropy over the masked positions, and accuracy there.

    ``model(batch.x)`` must return logits ``(B, L, C)`` (or a tuple whose first item is).
    """
    out = model(batch.x)
    logits = out[0] if isinstance(out, tuple) else out  # (B, L, C)
    if logits.shape[:2] != batch.y.shape:
        raise ValueError(
            f"model output must be (B, L, classes) = {tuple(batch.y.shape)} + (C,), "
            f"got {tuple(logits.shape)}"
        )
    loss = nn.functional.cross_entropy(logits[batch.mask], batch.y[batch.mask])
    return loss, masked_accuracy(logits, batch)


def regression_loss(model: nn.Module, batch: TaskBatch) -> tuple[torch.Tensor, float]:
    """Mean squared error of ``model(batch.x)`` ``(B,)`` against ``batch.y``; the metric is
    the same MSE (lower is better)."""
    prediction = model(batch.x)
    if prediction.shape != batch.y.shape:
        raise ValueError(
            f"model output must have shape {tuple(batch.y.shape)}, got {tuple(prediction.shape)}"
        )
    loss = nn.functional.mse_loss(prediction, batch.y)
    return loss, loss.item()


@torch.no_grad()
def evaluate(model: nn.Module, batches: Iterable[TaskBatch], loss_fn: Loss = sequence_loss):
    """Mean loss and metric over ``batches`` (weighted by scored positions), in eval mode."""
    total_loss = total_metric = total_n = 0.0
    with evaluating(model):
        for batch in batches:
            loss, metric = loss_fn(model, batch)
            n = float(batch.mask.sum())
            total_loss += loss.item() * n
            total_metric += metric * n
            total_n += n
    if total_n == 0:
        raise ValueError("evaluate got no batches (or no scored positions)")
    return total_loss / total_n, total_metric / total_n


def cache_dir() -> Path:
    """Where checkpoints go: ``$SEQLAB_CACHE_DIR``, else ``~/.cache/seqlab``."""
    return Path(os.environ.get("SEQLAB_CACHE_DIR", Path.home() / ".cache" / "seqlab"))


@functools.lru_cache(maxsize=1)
def _source_hash() -> str:
    """Hash of the seqlab source this process imported (read once)."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _checkpoint_path(cache_key: dict) -> Path:
    """Where the checkpoint of ``cache_key`` (with this source's hash) is saved."""
    try:
        text = json.dumps(cache_key, sort_keys=True)
    except TypeError as error:
        raise TypeError(
            f"cache_key must be JSON-serialisable (config, data, seed): {error}"
        ) from None
    key = hashlib.sha256((text + _source_hash()).encode()).hexdigest()[:20]
    return cache_dir() / f"{key}.pt"


def fit(
    model: nn.Module,
    batches: Iterator[TaskBatch],
    *,
    steps: int | None = None,
    time_budget: float | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    lr: float = 1e-3,
    clip: float | None = 1.0,
    loss_fn: Loss = sequence_loss,
    eval_batches: Callable[[], Iterable[TaskBatch]] | None = None,
    eval_every: int | None = None,
    cache_key: dict | None = None,
    progress: bool = True,
    desc: str = "training",
) -> History:
    """Train ``model`` on ``batches`` and return its :class:`History`.

    Args:
        model: any module; ``loss_fn(model, batch)`` returns ``(loss tensor, metric)``.
        batches: an iterator of training batches (e.g. an endless task stream).
        steps: number of optimisation steps; or
        time_budget: seconds of training instead (results then depend on the machine).
        optimizer: defaults to ``Adam(model.parameters(), lr)``.
        clip: clip the gradient norm to this value (``None``: no clipping).
        eval_batches: a function returning fresh evaluation batches.
        eval_every: evaluate every this many steps (and at the end).
        cache_key: JSON-serialisable description of model config, data and seed; when
            given, the trained weights and history are saved under it (with a hash of
            the ``seqlab`` source) and loaded on the next call instead of retraining.
        progress: show a tqdm progress bar.

    Returns:
        The history; ``history.from_cache`` says whether training was skipped.
    """
    _check_fit_arguments(model, steps, time_budget, clip, eval_batches, eval_every)
    path = _checkpoint_path(cache_key) if cache_key is not None else None
    if path is not None and path.is_file():
        cached = _load_checkpoint(model, path)
        if cached is not None:
            return cached
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    bar = tqdm(total=steps, desc=desc, disable=not progress, leave=False)
    keep_going = _keep_going(steps, time_budget)
    history = _train_loop(
        model, batches, optimizer, loss_fn, clip, keep_going, eval_batches, eval_every, bar
    )
    if path is not None:
        _save_checkpoint(model, history, path)
    return history


def _check_fit_arguments(model, steps, time_budget, clip, eval_batches, eval_every) -> None:
    """Raise ``TypeError`` or ``ValueError`` for any argument of :func:`fit` that cannot
    work."""
    if (steps is None) == (time_budget is None):
        raise ValueError("give exactly one of steps and time_budget")
    if steps is not None:
        _checks.integer("steps", steps)
    if time_budget is not None and not time_budget > 0:
        raise ValueError(f"time_budget must be positive seconds, got {time_budget!r}")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be positive or None, got {clip!r}")
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError(f"model ({type(model).__name__}) has no trainable parameters")
    if eval_every is not None and eval_batches is None:
        raise ValueError("eval_every needs eval_batches")


def _keep_going(steps: int | None, time_budget: float | None) -> Callable[[int], bool]:
    """A test of whether to take another step: fewer than ``steps`` taken so far, or
    ``time_budget`` seconds not yet spent since this call."""
    start = time.perf_counter()
    return lambda step: (
        (steps is not None and step < steps)
        or (time_budget is not None and time.perf_counter() - start < time_budget)
    )


def _train_loop(
    model, batches, optimizer, loss_fn, clip, keep_going, eval_batches, eval_every, bar
) -> History:
    """Take steps while ``keep_going(steps taken)``, evaluating every ``eval_every`` steps
    and once more at the end; close ``bar`` and return the history."""
    history = History()
    model.train()
    step = 0
    while keep_going(step):
        t0 = time.perf_counter()
        loss, metric = _train_step(model, next(batches), loss_fn, optimizer, clip)
        step += 1
        history.loss.append(loss)
        history.metric.append(metric)
        history.seconds.append(time.perf_counter() - t0)
        bar.update(1)
        bar.set_postfix(loss=f"{history.loss[-1]:.3f}")
        if eval_every and step % eval_every == 0:
            _record_eval(model, eval_batches, loss_fn, history, step)
    bar.close()
    if eval_batches is not None and (not history.eval_steps or history.eval_steps[-1] != step):
        _record_eval(model, eval_batches, loss_fn, history, step)
    return history


def _train_step(model, batch: TaskBatch, loss_fn: Loss, optimizer, clip) -> tuple[float, float]:
    """One optimisation step on ``batch`` (gradient norm clipped to ``clip`` unless
    ``None``); its loss and metric."""
    loss, metric = loss_fn(model, batch)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item(), float(metric)


def _save_checkpoint(model: nn.Module, history: History, path: Path) -> None:
    """Save ``model``'s weights and ``history`` to ``path`` for :func:`_load_checkpoint`."""
    record = {k: v for k, v in asdict(history).items() if k != "from_cache"}
    with atomic_write(path, "wb") as f:  # a crash leaves the old file or none
        torch.save({"model": model.state_dict(), "history": record}, f)


def _load_checkpoint(model: nn.Module, path: Path) -> History | None:
    """Load a cached checkpoint into ``model`` and return its history; if the file
    cannot be read (truncated by a crash, another model's weights), say so in one line
    and return ``None`` so that the caller retrains and overwrites it."""
    initial = {name: value.detach().clone() for name, value in model.state_dict().items()}
    try:
        saved = torch.load(path, weights_only=True)
        model.load_state_dict(saved["model"])
        return History(**saved["history"], from_cache=True)
    except Exception as error:
        model.load_state_dict(initial)  # retrain from the model's own initial weights
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(
            f"seqlab: cached checkpoint {path} could not be read "
            f"({type(error).__name__}: {reason[:200]}); retraining",
            flush=True,
        )
        return None


def _record_eval(model, eval_batches, loss_fn, history: History, step: int) -> None:
    """Evaluate on fresh ``eval_batches()`` and append the result at ``step`` to ``history``."""
    loss, metric = evaluate(model, eval_batches(), loss_fn)
    history.eval_steps.append(step)
    history.eval_loss.append(loss)
    history.eval_metric.append(metric)
