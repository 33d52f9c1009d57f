"""Synthetic sequence tasks with known answers, generated on the fly.

Each function draws a fresh :class:`~seqlab.data.batch.TaskBatch` from an optional
``torch.Generator`` (the same seed gives the same batch) and says in its docstring what a
perfect model and a chance-level model score.

Taught in chapter 3 (copy memory, adding) and reused in chapters 2 (copy memory, in a
test of gradient clipping), 7, 8 and 11.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from seqlab import _checks
from seqlab.data.batch import TaskBatch

__all__ = [
    "TASKS",
    "adding_problem",
    "associative_recall",
    "copy_memory",
    "masked_accuracy",
    "mirror_task",
    "previous_token",
    "reverse_task",
    "sort_task",
    "task_stream",
]


def _blank_target(x: torch.Tensor, answer: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Targets that are blank (0) except the last ``answer.shape[1]`` positions."""
    n = answer.shape[1]
    y = torch.zeros_like(x)
    y[:, -n:] = answer
    mask = torch.zeros_like(x, dtype=torch.bool)
    mask[:, -n:] = True
    return y, mask


def copy_memory(
    batch_size: int,
    *,
    n_symbols: int = 8,
    length: int = 10,
    lag: int = 50,
    generator: torch.Generator | None = None,
) -> TaskBatch:
    """Remember ``length`` symbols across ``lag`` blank steps, then repeat them.

    Ids: 0 blank, 1..n_symbols symbols, n_symbols + 1 the "go" marker. The input is the
    symbols, ``lag - 1`` blanks, the marker, then ``length`` blanks; the target is blank
    except the last ``length`` positions, which repeat the symbols
    (Hochreiter & Schmidhuber 1997).

    Shape:
        x, y, mask: ``(B, 2 * length + lag)``.

    Scores (accuracy on the masked positions): perfect 1.0; chance ``1 / n_symbols``.
    """
    batch_size = _checks.integer("batch_size", batch_size)
    n_symbols = _checks.integer("n_symbols", n_symbols, 2)
    length = _checks.integer("length", length)
    lag = _checks.integer("lag", lag)
    symbols = torch.randint(1, n_symbols + 1, (batch_size, length), generator=generator)
    x = torch.zeros(batch_size, 2 * length + lag, dtype=torch.long)
    x[:, :length] = symbols
    x[:, length + lag - 1] = n_symbols + 1
    y, mask = _blank_target(x, symbols)
    return TaskBatch(x, y, mask, n_symbols + 2, n_symbols + 2)


def adding_problem(
    batch_size: int, *, length: int = 50, generator: torch.Generator | None = None
) -> TaskBatch:
    """Add the two numbers that are marked in a long sequence of random numbers.

    ``x[..., 0]`` is uniform in [0, 1); ``x[..., 1]`` is 1 at one position in the first
    half and one in the second half, else 0. ``y`` is the sum of the two marked values.

    Shape:
        x ``(B, length, 2)`` float, y ``(B,)`` float, mask ``(B,)`` all True.

    Scores (mean squared error): perfect 0; predicting the constant 1 gives 1/6.
    """
    batch_size = _checks.integer("batch_size", batch_size)
    length = _checks.integer("length", length, 2)
    values = torch.rand(batch_size, length, generator=generator)
    half = length // 2
    first = torch.randint(0, half, (batch_size,), generator=generator)
    second = torch.randint(half, length, (batch_size,), generator=generator)
    marks = torch.zeros(batch_size, length)
    rows = torch.arange(batch_size)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    x = torch.stack([values, marks], dim=-1)  # (B, L, 2)
    y = values[rows, first] + values[rows, second]
    return TaskBatch(x, y, torch.ones(batch_size, dtype=torch.bool), 0, 0)


def _symbols_then_answer(batch_size, n_symbols, length, generator, answer_fn) -> TaskBatch:
    batch_size = _checks.integer("batch_size", batch_size)
    n_symbols = _checks.integer("n_symbols", n_symbols, 2)
    length = _checks.integer("length", length)
    symbols = torch.randint(1, n_symbols + 1, (batch_size, length), generator=generator)
    x = torch.zeros(batch_size, 2 * length + 1, dtype=torch.long)
    x[:, :length] = symbols
    x[:, length] = n_symbols + 1  # separator
    y, mask = _blank_target(x, answer_fn(symbols))
    return TaskBatch(x, y, mask, n_symbols + 2, n_symbols + 2)


def reverse_task(
    batch_size: int,
    *,
    n_symbols: int = 10,
    length: int = 10,
    generator: torch.Generator | None = None,
) -> TaskBatch:
    """Read ``length`` symbols and a separator, then output them reversed.

    Shape: x, y, mask ``(B, 2 * length + 1)``. Scores: perfect 1.0; chance ``1 / n_symbols``.
    """
    return _symbols_then_answer(batch_size, n_symbols, length, generator, lambda s: s.flip(1))


def previous_token(
    batch_size: int,
    *,
    n_symbols: int = 10,
    length: int = 16,
    generator: torch.Generator | None = None,
) -> TaskBatch:
    """Label each symbol with the one before it: ``y[t] = x[t - 1]`` (the first position
    is not scored). An order task that depends only on relative position.

    Shape: x, y, mask ``(B, length)``. Scores: perfect 1.0; chance ``1 / n_symbols``.
    """
    batch_size = _checks.integer("batch_size", batch_size)
    n_symbols = _checks.integer("n_symbols", n_symbols, 2)
    length = _checks.integer("length", length, 2)
    x = torch.randint(1, n_symbols + 1, (batch_size, length), generator=generator)
    y = torch.zeros_like(x)
    y[:, 1:] = x[:, :-1]
    mask = torch.ones_like(x, dtype=torch.bool)
    mask[:, 0] = False
    return TaskBatch(x, y, mask, n_symbols + 1, n_symbols + 1)


def mirror_task(
    batch_size: int,
    *,
    n_symbols: int = 10,
    length: int = 16,
    generator: torch.Generator | None = None,
) -> TaskBatch:
    """Label each symbol with its mirror image: ``y[t] = x[length - 1 - t]``, the sequence
    reversed in place. An order task that depends on the distance to the end.

    Shape: x, y, mask ``(B, length)``. Scores: perfect 1.0; chance ``1 / n_symbols``.
    """
    batch_size = _checks.integer("batch_size", batch_size)
    n_symbols = _checks.integer("n_symbols", n_symbols, 2)
    length = _checks.integer("length", length)
    x = torch.randint(1, n_symbols + 1, (batch_size, length), generator=generator)
    mask = torch.ones_like(x, dtype=torch.bool)
    return TaskBatch(x, x.flip(1), mask, n_symbols + 1, n_symbols + 1)


def sort_task(
    batch_size: int,
    *,
    n_symbols: int = 10,
    length: int = 10,
    generator: torch.Generator | None = None,
) -> TaskBatch:
    """Read ``length`` symbols and a separator, then output them sorted ascending.

    Shape: x, y, mask ``(B, 2 * length + 1)``. Scores: perfect 1.0; chance about
    ``1 / n_symbols`` (a model that knows only the symbol frequencies does better).
    """
    return _symbols_then_answer(
        batch_size, n_symbols, length, generator, lambda s: s.sort(dim=1).values
    )


def associative_recall(
    batch_size: int,
    *,
    n_keys: int = 8,
    n_values: int = 8,
    n_pairs: int = 4,
    generator: torch.Generator | None = None,
) -> TaskBatch:
    """Read key–value pairs, then a query key; output the value stored under it.

    Ids: keys 1..n_keys, values n_keys + 1..n_keys + n_values, query marker
    n_keys + n_values + 1. Keys within a sequence are distinct. Only the last position
    is scored.

    Shape: x, y, mask ``(B, 2 * n_pairs + 2)``.
    Scores: perfect 1.0; chance ``1 / n_values`` (``1 / n_pairs`` for a model that
    knows the answer is one of the values shown).
    """
    batch_size = _checks.integer("batch_size", batch_size)
    n_keys = _checks.integer("n_keys", n_keys)
    n_values = _checks.integer("n_values", n_values)
    n_pairs = _checks.integer("n_pairs", n_pairs)
    if n_pairs > n_keys:
        raise ValueError(f"n_pairs must be <= n_keys (keys are distinct), got {n_pairs} > {n_keys}")
    scores = torch.rand(batch_size, n_keys, generator=generator)
    keys = scores.argsort(dim=1)[:, :n_pairs] + 1  # (B, n_pairs), distinct
    values = torch.randint(
        n_keys + 1, n_keys + n_values + 1, (batch_size, n_pairs), generator=generator
    )
    which = torch.randint(0, n_pairs, (batch_size,), generator=generator)
    rows = torch.arange(batch_size)
    x = torch.zeros(batch_size, 2 * n_pairs + 2, dtype=torch.long)
    x[:, 0 : 2 * n_pairs : 2] = keys
    x[:, 1 : 2 * n_pairs : 2] = values
    x[:, -2] = n_keys + n_values + 1
    x[:, -1] = keys[rows, which]
    y, mask = _blank_target(x, values[rows, which][:, None])
    vocab = n_keys + n_values + 2
    return TaskBatch(x, y, mask, vocab, vocab)


TASKS: dict[str, Callable[..., TaskBatch]] = {
    "copy_memory": copy_memory,
    "adding": adding_problem,
    "reverse": reverse_task,
    "sort": sort_task,
    "associative_recall": associative_recall,
    "previous_token": previous_token,
    "mirror": mirror_task,
}


def task_stream(
    task: str | Callable[..., TaskBatch],
    batch_size: int,
    *,
    generator: torch.Generator | None = None,
    **options,
) -> Iterator[TaskBatch]:
    """An endless stream of fresh batches of ``task`` (a name from :data:`TASKS` or a
    function), for :func:`seqlab.train.fit`."""
    if isinstance(task, str):
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; choose one of {sorted(TASKS)}")
        task = TASKS[task]
    task(1, generator=torch.Generator().manual_seed(0), **options)  # check options once
    while True:
        yield task(batch_size, generator=generator, **options)


def masked_accuracy(logits: torch.Tensor, batch: TaskBatch) -> float:
    """Share of masked positions where ``logits`` ``(B, L, C)`` pick the target class."""
    _checks.tensor("logits", logits, "(B, L, C)", dims=3)
    if logits.shape[:2] != batch.y.shape:
        raise ValueError(
            f"logits must have shape (B, L, C) with (B, L) = {tuple(batch.y.shape)}, "
            f"got {tuple(logits.shape)}"
        )
    hits = logits.argmax(-1)[batch.mask] == batch.y[batch.mask]
    return hits.float().mean().item()
