"""One training loop for the whole book, with evaluation and a checkpoint cache.

``fit`` trains for a number of steps (or a time budget) on an iterator of
:class:`~seqlab.data.tasks.TaskBatch`, shows a tqdm progress bar, and returns a
:class:`History` of loss, metric, learning rate and wall time per step. Given a
``cache_key`` it saves the trained weights and history, keyed by that key, the training
options and the source of ``seqlab``, so re-executing a chapter loads what it already
trained and any change retrains.

The Transformer's training recipe is here too: AdamW weight decay (``weight_decay``), a
linear warm-up followed by a cosine or inverse-square-root decay (``schedule``,
``warmup``, see :func:`lr_factor`) and label smoothing (``label_smoothing``). Their
defaults (0, ``"constant"``, 0, 0) train exactly as plain Adam at a fixed rate.

Taught in chapters 1 (``fit``) and 9 (the recipe).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import math
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

__all__ = [
    "SCHEDULES",
    "History",
    "cache_dir",
    "evaluate",
    "fit",
    "lr_factor",
    "regression_loss",
    "sequence_loss",
]

Loss = Callable[[nn.Module, TaskBatch], tuple[torch.Tensor, float]]
SCHEDULES = ("constant", "cosine", "inverse_sqrt")


@dataclass
class History:
    """What happened during training, one entry per step (and per evaluation).

    ``loss`` is the training loss as optimised (smoothed, with label smoothing);
    ``lr`` the learning rate each step used; ``eval_loss`` is the plain loss.
    """

    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    eval_loss: list[float] = field(default_factory=list)
    eval_metric: list[float] = field(default_factory=list)
    from_cache: bool = False

    @property
    def steps(self) -> int:
        return len(self.loss)


def sequence_loss(
    model: nn.Module, batch: TaskBatch, *, label_smoothing: float = 0.0
) -> tuple[torch.Tensor, float]:
    """Cross-entropy over the masked positions, and accuracy there.

    With ``label_smoothing`` ``s`` the target is ``1 - s`` on the right class and
    ``s / C`` spread over all ``C`` classes (Szegedy et al. 2016), as in
    ``nn.functional.cross_entropy``; the accuracy is the same either way.

    ``model(batch.x)`` must return logits ``(B, L, C)`` (or a tuple whose first item is).
    """
    out = model(batch.x)
    logits = out[0] if isinstance(out, tuple) else out  # (B, L, C)
    if logits.shape[:2] != batch.y.shape:
        raise ValueError(
            f"model output must be (B, L, classes) = {tuple(batch.y.shape)} + (C,), "
            f"got {tuple(logits.shape)}"
        )
    loss = nn.functional.cross_entropy(
        logits[batch.mask], batch.y[batch.mask], label_smoothing=label_smoothing
    )
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


def _checkpoint_path(cache_key: dict, options: dict | None = None) -> Path:
    """Where the checkpoint of ``cache_key`` trained with ``options`` (the training
    options of :func:`fit`, with this source's hash) is saved."""
    try:
        text = json.dumps(cache_key, sort_keys=True)
    except TypeError as error:
        raise TypeError(
            f"cache_key must be JSON-serialisable (config, data, seed): {error}"
        ) from None
    text += json.dumps(options or {}, sort_keys=True)
    key = hashlib.sha256((text + _source_hash()).encode()).hexdigest()[:20]
    return cache_dir() / f"{key}.pt"


def lr_factor(schedule: str, step: int, *, steps: int, warmup: int = 0) -> float:
    """The learning rate of step ``step`` (0-based) as a share of the peak rate ``lr``.

    A linear warm-up first, ``(step + 1) / warmup`` for ``step < warmup``; then
    ``"constant"``: 1; ``"cosine"``: ``(1 + cos(pi p)) / 2`` with ``p`` going from 0 at
    the end of the warm-up to 1 at ``steps``; ``"inverse_sqrt"``: ``sqrt(w / (step + 1))``
    with ``w = max(warmup, 1)``, Vaswani et al.'s (2017) decay scaled to peak at 1.

    Example:
        >>> [round(lr_factor("cosine", s, steps=6, warmup=2), 2) for s in range(6)]
        [0.5, 1.0, 1.0, 0.85, 0.5, 0.15]
    """
    _checks.choice("schedule", schedule, SCHEDULES)
    if step < warmup:
        return (step + 1) / warmup
    if schedule == "cosine":
        progress = (step - warmup) / max(steps - warmup, 1)
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "inverse_sqrt":
        return math.sqrt(max(warmup, 1) / (step + 1))
    return 1.0


@dataclass(frozen=True)
class _Recipe:
    """The training options of :func:`fit` that change what it learns (for the cache key)."""

    steps: int | None
    time_budget: float | None
    lr: float
    clip: float | None
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup: int = 0
    label_smoothing: float = 0.0


def fit(
    model: nn.Module,
    batches: Iterator[TaskBatch],
    *,
    steps: int | None = None,
    time_budget: float | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    lr: float = 1e-3,
    clip: float | None = 1.0,
    weight_decay: float = 0.0,
    schedule: str = "constant",
    warmup: int = 0,
    label_smoothing: float = 0.0,
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
        optimizer: defaults to ``AdamW(lr, weight_decay)``, which with
            ``weight_decay=0`` is Adam; the decay applies to weight matrices and
            embeddings only (tensors of 2 or more dimensions), not biases or norms.
        clip: clip the gradient norm to this value (``None``: no clipping).
        schedule, warmup: step ``t``'s rate is ``lr * lr_factor(schedule, t, ...)``;
            anything but ``"constant"`` without warm-up needs ``steps``.
        label_smoothing: passed to ``loss_fn`` in training only; evaluation reports
            the plain loss, so runs with and without smoothing compare.
        eval_batches: a function returning fresh evaluation batches.
        eval_every: evaluate every this many steps (and at the end).
        progress, desc: show a tqdm progress bar, with this label.
        cache_key: JSON-serialisable model config, data and seed: the weights and
            history are saved under it (with the options above and a hash of the
            source) and loaded on the next call instead of retraining.

    Returns:
        The history; ``history.from_cache`` says whether training was skipped.
    """
    recipe = _Recipe(steps, time_budget, lr, clip, weight_decay, schedule, warmup, label_smoothing)
    _check_fit_arguments(model, recipe, optimizer, loss_fn, eval_batches, eval_every)
    path = _checkpoint_path(cache_key, asdict(recipe)) if cache_key is not None else None
    if path is not None and path.is_file():
        cached = _load_checkpoint(model, path)
        if cached is not None:
            return cached
    optimizer = optimizer or _adamw(model, lr, weight_decay)
    bar = tqdm(total=steps, desc=desc, disable=not progress, leave=False)
    scheduler = _scheduler(optimizer, recipe)
    loop = _Loop(optimizer, scheduler, _train_loss(loss_fn, recipe), clip, _keep_going(recipe))
    history = _train_loop(model, batches, loop, loss_fn, eval_batches, eval_every, bar)
    if path is not None:
        _save_checkpoint(model, history, path)
    return history


def _adamw(model: nn.Module, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    """AdamW (Loshchilov & Hutter 2019) decaying the tensors of 2 or more dimensions
    (weight matrices, embeddings) by ``weight_decay``, and not biases or norm gains."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=lr)


def _scheduler(optimizer, recipe: _Recipe) -> torch.optim.lr_scheduler.LRScheduler:
    """A ``LambdaLR`` scaling every group's rate by :func:`lr_factor` at each step."""
    if recipe.steps is None:  # a time budget: constant, checked by _check_fit_arguments
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    factor = functools.partial(lr_factor, recipe.schedule, steps=recipe.steps, warmup=recipe.warmup)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _train_loss(loss_fn: Loss, recipe: _Recipe) -> Loss:
    """``loss_fn`` with the recipe's label smoothing (``loss_fn`` itself without it)."""
    if not recipe.label_smoothing:
        return loss_fn
    return functools.partial(loss_fn, label_smoothing=recipe.label_smoothing)


@dataclass
class _Loop:
    """What the training loop uses: the optimiser, its scheduler, the training loss,
    the clipping norm and the test of whether to take another step."""

    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    loss_fn: Loss
    clip: float | None
    keep_going: Callable[[int], bool]


def _check_fit_arguments(model, recipe, optimizer, loss_fn, eval_batches, eval_every) -> None:
    """Raise ``TypeError`` or ``ValueError`` for any argument of :func:`fit` that cannot
    work."""
    steps, time_budget, clip = recipe.steps, recipe.time_budget, recipe.clip
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
    _check_recipe(recipe, optimizer, loss_fn)


def _check_recipe(recipe: _Recipe, optimizer, loss_fn) -> None:
    """The options of the training recipe: rates, schedule, warm-up and smoothing."""
    _checks.number("weight_decay", recipe.weight_decay, 0)
    _checks.choice("schedule", recipe.schedule, SCHEDULES)
    _checks.integer("warmup", recipe.warmup, 0)
    _checks.probability("label_smoothing", recipe.label_smoothing)
    scheduled = recipe.schedule != "constant" or recipe.warmup > 0
    if scheduled and recipe.steps is None:
        raise ValueError(
            f"schedule={recipe.schedule!r} with warmup={recipe.warmup} needs steps (the "
            "length of the schedule), not time_budget"
        )
    if recipe.steps is not None and recipe.warmup >= recipe.steps:
        raise ValueError(f"warmup must be fewer than steps={recipe.steps}, got {recipe.warmup}")
    if optimizer is not None and recipe.weight_decay:
        raise ValueError("weight_decay sets up the default AdamW; give it to your optimizer")
    accepts = inspect.signature(loss_fn).parameters
    if recipe.label_smoothing and "label_smoothing" not in accepts:
        raise ValueError(
            f"label_smoothing needs a loss_fn with a label_smoothing keyword "
            f"(e.g. sequence_loss); {getattr(loss_fn, '__name__', loss_fn)!r} has none"
        )


def _keep_going(recipe: _Recipe) -> Callable[[int], bool]:
    """A test of whether to take another step: fewer than ``steps`` taken so far, or
    ``time_budget`` seconds not yet spent since this call."""
    steps, time_budget = recipe.steps, recipe.time_budget
    start = time.perf_counter()
    return lambda step: (
        (steps is not None and step < steps)
        or (time_budget is not None and time.perf_counter() - start < time_budget)
    )


def _train_loop(model, batches, loop: _Loop, loss_fn, eval_batches, eval_every, bar) -> History:
    """Take steps while ``keep_going(steps taken)``, evaluating (with the plain
    ``loss_fn``) every ``eval_every`` steps and once more at the end; close ``bar`` and
    return the history."""
    history = History()
    model.train()
    step = 0
    while loop.keep_going(step):
        t0 = time.perf_counter()
        history.lr.append(loop.optimizer.param_groups[0]["lr"])
        loss, metric = _train_step(model, next(batches), loop)
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


def _train_step(model, batch: TaskBatch, loop: _Loop) -> tuple[float, float]:
    """One optimisation step on ``batch`` (gradient norm clipped to ``loop.clip`` unless
    ``None``), then one step of the learning-rate schedule; its loss and metric."""
    loss, metric = loop.loss_fn(model, batch)
    loop.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if loop.clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), loop.clip)
    loop.optimizer.step()
    loop.scheduler.step()
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
