"""Claim 6(b), low-resource data: the RNN encoder–decoder with attention and the
Transformer encoder–decoder trained on small fixed sets of chapter 4's dates (e.g. 1,000
and 10,000 pairs) for the same number of steps, scored on held-out dates."""

from __future__ import annotations

import functools
import time

import torch
from tqdm.auto import tqdm

from seqlab.bench.common import (
    cpu_result,
    lrs_for,
    pick_lr,
    seeded,
    seeds_for,
    seq2seq_pair,
    spread,
)
from seqlab.data.pairs import date_task
from seqlab.seq2seq import exact_match, seq2seq_loss
from seqlab.train import fit
from seqlab.utils import count_parameters

FULL_SIZES, QUICK_SIZES = [1000, 10000], [200]
BATCH = 64


def fixed_set(task, pairs: list, generator: torch.Generator):
    """An endless stream of batches drawn (with replacement) from ``pairs`` only."""
    while True:
        picks = torch.randint(0, len(pairs), (BATCH,), generator=generator)
        yield task.batch([pairs[i] for i in picks])


def lowdata_suite(
    run_device="cpu",
    *,
    quick: bool = False,
    sizes: list[int] | None = None,
    steps: int | None = None,
) -> dict:
    """Exact match on held-out dates after training on ``sizes`` pairs (claim 6b).

    Rows: ``{"model", "n_train", "exact_match", "train_exact_match", "train_seconds"}``,
    spreads over seeds. The test set holds no source string of any training set.
    """
    sizes = sorted(sizes or (QUICK_SIZES if quick else FULL_SIZES))
    seeds, lrs = seeds_for(quick), lrs_for(quick)
    steps = steps or (40 if quick else 600)
    task = date_task()
    pool, test = _date_sets(task, max(sizes), 100 if quick else 500)
    makers = seq2seq_pair(task, attention="bahdanau", max_len=64)
    params = {name: count_parameters(make()) for name, make in makers.items()}

    def train(name, lr, seed, n):
        return _train(makers[name], task, pool[:n], steps, lr, seed)

    sweeps = pick_lr(
        lambda name, lr: -_exact_match(train(name, lr, 0, sizes[0]), test), makers, lrs
    )
    rows = []
    progress = tqdm(total=len(sizes) * len(makers) * len(seeds), desc="lowdata", leave=False)
    for n in sizes:
        for name in makers:
            train_seed = functools.partial(train, name, sweeps[name]["best"], n=n)
            scores = _seed_scores(train_seed, seeds, test, pool[: min(n, len(test))], progress)
            rows.append({"model": name, "n_train": n, "epochs": steps * BATCH / n, **scores})
    progress.close()
    return cpu_result(
        "lowdata",
        seeds,
        {
            "quick": quick,
            "sizes": sizes,
            "steps": steps,
            "batch_size": BATCH,
            "n_test": len(test),
            "lrs": lrs,
        },
        params=params,
        lr_sweep=sweeps,
        rows=rows,
    )


def _date_sets(task, n_pool: int, n_test: int) -> tuple[list, list]:
    """A fixed pool of ``n_pool`` training dates (each training set is a prefix of it) and
    up to ``n_test`` test dates whose source strings are all outside the pool."""
    pool = task.pairs(n_pool, torch.Generator().manual_seed(7))
    seen = {source for source, _ in pool}
    test = [p for p in task.pairs(600, torch.Generator().manual_seed(8)) if p[0] not in seen]
    return pool, test[:n_test]


def _train(make, task, pairs: list, steps: int, lr: float, seed: int):
    """``make()`` seeded with ``seed``, trained for ``steps`` at ``lr`` on ``pairs`` only."""
    model = seeded(make, seed, "cpu")
    stream = fixed_set(task, pairs, torch.Generator().manual_seed(seed))
    fit(model, stream, steps=steps, lr=lr, loss_fn=seq2seq_loss, progress=False)
    return model


def _exact_match(model, pairs: list) -> float:
    """The share of ``pairs`` that ``model`` translates exactly."""
    return exact_match(model, pairs).float().mean().item()


def _seed_scores(train, seeds, test: list, train_pairs: list, progress) -> dict:
    """Spreads over ``seeds`` of the exact match of ``train(seed)`` on ``test`` and on
    ``train_pairs``, and of its training seconds."""
    scores, fits, seconds = [], [], []
    for seed in seeds:
        start = time.perf_counter()
        model = train(seed)
        seconds.append(time.perf_counter() - start)
        scores.append(_exact_match(model, test))
        fits.append(_exact_match(model, train_pairs))
        progress.update()
    return {
        "exact_match": spread(scores),
        "train_exact_match": spread(fits),
        "train_seconds": spread(seconds),
    }
