"""Claim 2, long-range dependencies: accuracy against lag for LSTM and Transformer
language models (copy memory, associative recall), exact match against input length for
the RNN encoder–decoder with attention and the Transformer encoder–decoder, and the
gradient that reaches the earliest positions."""

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
    lm_pair,
    rescue_search,
    search_each,
    seeded,
    seeds_for,
    seq2seq_pair,
    spread,
)
from seqlab.data.batch import TaskBatch
from seqlab.data.pairs import copy_task
from seqlab.data.tasks import associative_recall, copy_memory, task_stream
from seqlab.seq2seq import exact_match, seq2seq_loss
from seqlab.train import evaluate, fit, sequence_loss
from seqlab.utils import count_parameters

COPY = {"n_symbols": 8, "length": 3}
RECALL = {"n_keys": 16, "n_values": 8}
QUICK = {"copy_memory": [5, 10], "associative_recall": [2, 4], "copy_seq2seq": [4, 8]}


def _lm_task(task: str, lag: int) -> tuple:
    """``(function, options, vocab, symbols)`` of a task at ``lag``: the blank steps of
    copy memory, or the number of stored pairs of associative recall."""
    if task == "copy_memory":
        return copy_memory, {**COPY, "lag": lag}, COPY["n_symbols"] + 2, COPY["length"]
    vocab = RECALL["n_keys"] + RECALL["n_values"] + 2
    return associative_recall, {**RECALL, "n_pairs": lag}, vocab, 2  # the first pair


def early_gradient(model, batch, first: int) -> dict:
    """How much of the loss's gradient reaches the first inputs: the norm of d loss / d
    (input embedding) at the first ``first`` positions (where the symbols to remember
    are), averaged over the batch, and its ratio to the norm at the last input position.

    Returns:
        ``{"early", "ratio"}``.
    """
    grabbed = []

    def grab(module, args, out):  # returns None, so the output is unchanged
        out.retain_grad()
        grabbed.append(out)

    handle = model.embed.register_forward_hook(grab)
    try:
        loss, _ = sequence_loss(model, batch)
        model.zero_grad()
        loss.backward()
    finally:
        handle.remove()
    norms = grabbed[0].grad.norm(dim=-1)  # (B, L)
    early = norms[:, :first].mean().item()
    last = norms[:, -1].mean().item()
    return {"early": early, "ratio": early / last if last > 0 else 0.0}


def _lm_rows(task, lags, steps, seeds, quick, progress) -> tuple[list, dict, dict]:
    rows, searches, params = [], {}, {}
    max_len = max(2 * COPY["length"] + max(lags), 2 * max(lags) + 2) + 1
    middle = lags[len(lags) // 2]
    for lag in [middle, *[lag for lag in lags if lag != middle]]:  # tune first
        fn, options, vocab, first = _lm_task(task, lag)
        makers = lm_pair(vocab, hidden=64, d_model=32, max_len=max_len)
        test = fn(1000, generator=torch.Generator().manual_seed(123), **options)
        valid = fn(500, generator=torch.Generator().manual_seed(456), **options)
        params = {name: count_parameters(make()) for name, make in makers.items()}

        def train(name, lr, seed, makers=makers, fn=fn, options=options):
            model = seeded(makers[name], seed, "cpu")
            generator = torch.Generator().manual_seed(seed)
            stream = task_stream(fn, 32, generator=generator, **options)
            fit(model, stream, steps=steps, lr=lr, progress=False)
            return model

        def score(name, lr, valid=valid, train=train):
            loss, accuracy = evaluate(train(name, lr, R.TUNE_SEED), [valid])
            return {"loss": loss, "metric": accuracy}

        if lag == middle:
            searches = search_each(score, makers, quick=quick)
        for name in makers:
            lr, search, found = _seed_runs(
                functools.partial(train, name),
                functools.partial(_lm_measures, test, first),
                searches[name]["best"],
                seeds,
                lambda lr, n=name: score(n, lr),
                rescue=not quick and lag != middle,
                chance=R.CHANCE[task],
                progress=progress,
            )
            if lag == middle:
                search = searches[name]
            accuracy = [f["score"] for f in found["measures"]]
            rows.append(
                {
                    "task": task,
                    "model": name,
                    "impl": impl_of(makers[name]()),
                    "lag": lag,
                    "length": test.x.shape[1],
                    "lr": lr,
                    "accuracy": spread(accuracy),
                    "failed_to_train": failed_to_train(search, accuracy, R.CHANCE[task]),
                    "search_here": search,
                    "early_gradient": spread(f["early"] for f in found["measures"]),
                    "gradient_ratio": spread(f["ratio"] for f in found["measures"]),
                    "train_seconds": spread(found["seconds"]),
                    "steps": steps,
                }
            )
    rows.sort(key=lambda r: (r["lag"], r["model"]))
    return rows, searches, params


def _lm_measures(test: TaskBatch, first: int, model) -> dict:
    """A trained LM's test accuracy (``score``) and :func:`early_gradient` (on 64 test
    sequences)."""
    gradient = early_gradient(model, _head(test, 64), first)
    return {"score": evaluate(model, [test])[1], **gradient}


def _seed_runs(train, measure, lr, seeds, score, *, rescue: bool, chance: float, progress):
    """Train with ``train(lr, seed)`` for every seed and ``measure`` each model (a dict
    with the seed's ``"score"``). With ``rescue``, where every seed's score is at chance,
    :func:`~seqlab.bench.common.rescue_search` tries the whole first grid with
    ``score(lr)``; if it picks another rate, the seeds are trained again at that rate and
    those are the ones reported.

    Returns:
        ``(lr, search, {"measures", "seconds"})``: the rate of the reported seeds, the
        rescue search (``None`` if none ran) and one measure and training time per seed.
    """

    def run(rate):
        measures, seconds = [], []
        for seed in seeds:
            start = time.perf_counter()
            model = train(rate, seed)
            seconds.append(time.perf_counter() - start)
            measures.append(measure(model))
            progress.update()
        return {"measures": measures, "seconds": seconds}

    found = run(lr)
    search = None
    if rescue and failed_to_train(None, [m["score"] for m in found["measures"]], chance):
        search = rescue_search(score, lr)
        if search["best"] != lr:
            lr = search["best"]
            progress.total += len(seeds)
            found = run(lr)
    return lr, search, found


def _head(batch: TaskBatch, n: int) -> TaskBatch:
    return TaskBatch(batch.x[:n], batch.y[:n], batch.mask[:n], batch.vocab_size, batch.n_classes)


def _seq2seq_rows(lengths, steps, seeds, quick, progress) -> tuple[list, dict, dict]:
    rows, searches, params = [], {}, {}
    middle = lengths[len(lengths) // 2]
    for n in [middle, *[n for n in lengths if n != middle]]:  # tune first
        task = copy_task(1, n)
        test = copy_task(n).pairs(200, torch.Generator().manual_seed(1000 + n))
        valid_pairs = copy_task(n).pairs(200, torch.Generator().manual_seed(2000 + n))
        valid = [copy_task(n).batch(valid_pairs)]
        makers = seq2seq_pair(task, attention="luong-general", max_len=80)
        params = {name: count_parameters(make()) for name, make in makers.items()}

        def train(name, lr, seed, makers=makers, task=task):
            model = seeded(makers[name], seed, "cpu")
            stream = task.stream(64, torch.Generator().manual_seed(seed))
            fit(model, stream, steps=steps, lr=lr, loss_fn=seq2seq_loss, progress=False)
            return model

        def em(model, test=test):
            return exact_match(model, test).float().mean().item()

        def score(name, lr, valid=valid, valid_pairs=valid_pairs, train=train, em=em):
            model = train(name, lr, R.TUNE_SEED)
            loss = evaluate(model, valid, seq2seq_loss)[0]
            return {"loss": loss, "metric": em(model, valid_pairs)}

        if n == middle:
            searches = search_each(score, makers, quick=quick)
        for name in makers:
            chance = R.CHANCE["copy_seq2seq"]
            lr, search, found = _seed_runs(
                functools.partial(train, name),
                lambda model, em=em: {"score": em(model)},
                searches[name]["best"],
                seeds,
                lambda lr, m=name: score(m, lr),
                rescue=not quick and n != middle,
                chance=chance,
                progress=progress,
            )
            if n == middle:
                search = searches[name]
            scores = [f["score"] for f in found["measures"]]
            rows.append(
                {
                    "task": "copy_seq2seq",
                    "model": name,
                    "impl": impl_of(makers[name]()),
                    "lag": n,
                    "length": n,
                    "lr": lr,
                    "exact_match": spread(scores),
                    "failed_to_train": failed_to_train(search, scores, chance),
                    "search_here": search,
                    "train_seconds": spread(found["seconds"]),
                    "steps": steps,
                }
            )
    rows.sort(key=lambda r: (r["lag"], r["model"]))
    return rows, searches, params


def longrange_suite(run_device="cpu", *, quick: bool = False, steps: int | None = None) -> dict:
    """Accuracy against lag (claim 2) at an equal budget of steps (wall-clock recorded).

    Rows: ``task`` (``copy_memory``, ``associative_recall``, ``copy_seq2seq``), ``model``,
    ``impl``, ``lag`` (blank steps; stored pairs; input length), ``lr``, ``accuracy`` or
    ``exact_match`` and ``train_seconds`` as :func:`~seqlab.bench.common.spread` over
    seeds, ``failed_to_train`` (every seed and every rate tried at this lag at chance) and
    ``search_here`` (the rates tried at this lag, if any), and for the LMs
    ``early_gradient`` / ``gradient_ratio`` (see :func:`early_gradient`).
    """
    grid = QUICK if quick else {key: list(value) for key, value in R.LONGRANGE_LAGS.items()}
    seeds = seeds_for(quick)
    lm_steps = steps or (60 if quick else R.LONGRANGE_STEPS["lm"])
    s2s_steps = steps or (40 if quick else R.LONGRANGE_STEPS["seq2seq"])
    runs = len(seeds) * 2 * sum(len(v) for v in grid.values())
    progress = tqdm(total=runs, desc="longrange", leave=False)
    rows, searches, params = [], {}, {}
    for task in ("copy_memory", "associative_recall"):
        found, searches[task], params[task] = _lm_rows(
            task, grid[task], lm_steps, seeds, quick, progress
        )
        rows += found
    found, searches["copy_seq2seq"], params["copy_seq2seq"] = _seq2seq_rows(
        grid["copy_seq2seq"], s2s_steps, seeds, quick, progress
    )
    rows += found
    progress.close()
    return cpu_result(
        "longrange",
        seeds,
        {
            "quick": quick,
            "lags": grid,
            "copy": COPY,
            "recall": RECALL,
            "chance": R.CHANCE,
            "lm_steps": lm_steps,
            "seq2seq_steps": s2s_steps,
            "batch_size": {"lm": 32, "seq2seq": 64},
        },
        params=params,
        lr_search=searches,
        rows=rows,
    )
