"""Claim 6(b), low-resource data: the RNN encoder–decoder with attention and the
Transformer encoder–decoder trained on small fixed sets of chapter 4's dates (e.g. 1,000
and 10,000 pairs) for the same number of steps, scored on held-out dates."""

from __future__ import annotations

import functools
import time

import torch
from tqdm.auto import tqdm

from seqlab.bench import rules as R
from seqlab.bench.common import (
    cpu_result,
    failed_to_train,
    impl_of,
    search_each,
    seeded,
    seeds_for,
    seq2seq_pair,
    spread,
)
from seqlab.data.pairs import date_task
from seqlab.seq2seq import exact_match, seq2seq_loss
from seqlab.train import evaluate, fit
from seqlab.utils import count_parameters

QUICK_SIZES = [200]
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

    Rows: ``{"model", "impl", "n_train", "lr", "exact_match", "train_exact_match",
    "train_seconds", "failed_to_train"}``, spreads over seeds; failing to train is judged
    on the training set (a model that fits it and does not generalise has trained). The
    rate is searched at each size on held-out validation dates. The test and validation
    sets hold no source string of any training set, nor of each other.
    """
    sizes = sorted(sizes or (QUICK_SIZES if quick else R.LOWDATA_SIZES))
    seeds = seeds_for(quick)
    steps = steps or (40 if quick else R.LOWDATA_STEPS)
    task = date_task()
    pool, test, valid = _date_sets(task, max(sizes), 100 if quick else 500)
    makers = seq2seq_pair(task, attention="bahdanau", max_len=64)
    params = {name: count_parameters(make()) for name, make in makers.items()}
    rows, searches, previous = [], {}, None
    progress = tqdm(total=len(sizes) * len(makers) * len(seeds), desc="lowdata", leave=False)
    for n in sizes:
        train_pairs = pool[: min(n, len(test))]  # the training-set score, on n pairs at most

        def score(name, lr, n=n, train_pairs=train_pairs):
            model = _train(makers[name], task, pool[:n], steps, lr, R.TUNE_SEED)
            loss = evaluate(model, [task.batch(valid)], seq2seq_loss)[0]
            return {"loss": loss, "metric": _exact_match(model, train_pairs)}

        previous = searches[str(n)] = search_each(score, makers, previous, quick=quick)
        for name in makers:
            train = functools.partial(_train, makers[name], task, pool[:n], steps)
            rows.append(_row(name, n, train, previous[name], seeds, test, train_pairs, progress))
            rows[-1].update(impl=impl_of(makers[name]()), epochs=steps * BATCH / n)
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
            "n_valid": len(valid),
        },
        params=params,
        lr_search=searches,
        rows=rows,
    )


def _row(name, n, train, search, seeds, test, train_pairs, progress) -> dict:
    """One family's row at ``n`` training pairs: ``train(lr, seed)`` at the searched rate
    for every seed, its scores, and whether it failed to train (on its training pairs)."""
    lr = search["best"]
    scores = _seed_scores(functools.partial(train, lr), seeds, test, train_pairs, progress)
    failed = failed_to_train(search, scores["train_exact_match"]["values"], 0.0)
    return {"model": name, "n_train": n, "lr": lr, **scores, "failed_to_train": failed}


def _date_sets(task, n_pool: int, n_test: int) -> tuple[list, list, list]:
    """A fixed pool of ``n_pool`` training dates (each training set is a prefix of it),
    up to ``n_test`` test dates and half as many validation dates (for the rate search),
    no source string in two of the three."""
    pool = task.pairs(n_pool, torch.Generator().manual_seed(7))
    seen = {source for source, _ in pool}
    test = [p for p in task.pairs(600, torch.Generator().manual_seed(8)) if p[0] not in seen]
    test = test[:n_test]
    seen |= {source for source, _ in test}
    valid = [p for p in task.pairs(400, torch.Generator().manual_seed(9)) if p[0] not in seen]
    return pool, test, valid[: max(1, n_test // 2)]


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
