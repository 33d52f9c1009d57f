"""Claim 2, long-range dependencies: accuracy against lag for LSTM and Transformer
language models (copy memory, associative recall), exact match against input length for
the RNN encoder–decoder with attention and the Transformer encoder–decoder, and the
gradient that reaches the earliest positions."""

from __future__ import annotations

import time

import torch
from tqdm.auto import tqdm

from seqlab.bench.common import (
    cpu_result,
    lm_pair,
    lrs_for,
    pick_lr,
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
FULL = {"lags": [10, 25, 50, 100], "pairs": [2, 4, 8, 16], "lengths": [8, 16, 24, 32]}
QUICK = {"lags": [5, 10], "pairs": [2, 4], "lengths": [4, 8]}


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


def _lm_rows(task, lags, steps, seeds, lrs, progress) -> tuple[list, dict, dict]:
    rows, sweeps, params = [], {}, {}
    max_len = max(2 * COPY["length"] + max(lags), 2 * max(lags) + 2) + 1
    for lag in lags:
        fn, options, vocab, first = _lm_task(task, lag)
        makers = lm_pair(vocab, hidden=64, d_model=32, max_len=max_len)
        test = fn(1000, generator=torch.Generator().manual_seed(123), **options)
        params = {name: count_parameters(make()) for name, make in makers.items()}

        def train(name, lr, seed, makers=makers, fn=fn, options=options):
            model = seeded(makers[name], seed, "cpu")
            generator = torch.Generator().manual_seed(seed)
            history = fit(
                model,
                task_stream(fn, 32, generator=generator, **options),
                steps=steps,
                lr=lr,
                progress=False,
            )
            return model, history

        if lag == lags[len(lags) // 2]:  # sweep once, at a middle lag
            sweeps = pick_lr(
                lambda name, lr, test=test: -evaluate(train(name, lr, 0)[0], [test])[1], makers, lrs
            )
        for name in makers:
            accuracy, gradient, seconds = [], [], []
            for seed in seeds:
                start = time.perf_counter()
                model, _ = train(name, sweeps.get(name, {"best": lrs[0]})["best"], seed)
                seconds.append(time.perf_counter() - start)
                accuracy.append(evaluate(model, [test])[1])
                gradient.append(early_gradient(model, _head(test, 64), first))
                progress.update()
            rows.append(
                {
                    "task": task,
                    "model": name,
                    "lag": lag,
                    "length": test.x.shape[1],
                    "accuracy": spread(accuracy),
                    "early_gradient": spread(g["early"] for g in gradient),
                    "gradient_ratio": spread(g["ratio"] for g in gradient),
                    "train_seconds": spread(seconds),
                    "steps": steps,
                }
            )
    return rows, sweeps, params


def _head(batch: TaskBatch, n: int) -> TaskBatch:
    return TaskBatch(batch.x[:n], batch.y[:n], batch.mask[:n], batch.vocab_size, batch.n_classes)


def _seq2seq_rows(lengths, steps, seeds, lrs, progress) -> tuple[list, dict, dict]:
    rows, sweeps, params = [], {}, {}
    for n in lengths:
        task = copy_task(1, n)
        test = copy_task(n).pairs(200, torch.Generator().manual_seed(1000 + n))
        makers = seq2seq_pair(task, attention="luong-general", max_len=80)
        params = {name: count_parameters(make()) for name, make in makers.items()}

        def train(name, lr, seed, makers=makers, task=task):
            model = seeded(makers[name], seed, "cpu")
            stream = task.stream(64, torch.Generator().manual_seed(seed))
            fit(model, stream, steps=steps, lr=lr, loss_fn=seq2seq_loss, progress=False)
            return model

        def em(model, test=test):
            return exact_match(model, test).float().mean().item()

        if n == lengths[len(lengths) // 2]:
            sweeps = pick_lr(lambda name, lr: -em(train(name, lr, 0)), makers, lrs)
        for name in makers:
            scores, seconds = [], []
            for seed in seeds:
                start = time.perf_counter()
                model = train(name, sweeps.get(name, {"best": lrs[0]})["best"], seed)
                seconds.append(time.perf_counter() - start)
                scores.append(em(model))
                progress.update()
            rows.append(
                {
                    "task": "copy_seq2seq",
                    "model": name,
                    "lag": n,
                    "length": n,
                    "exact_match": spread(scores),
                    "train_seconds": spread(seconds),
                    "steps": steps,
                }
            )
    return rows, sweeps, params


def longrange_suite(run_device="cpu", *, quick: bool = False, steps: int | None = None) -> dict:
    """Accuracy against lag (claim 2) at an equal budget of steps (wall-clock recorded).

    Rows: ``task`` (``copy_memory``, ``associative_recall``, ``copy_seq2seq``), ``model``,
    ``lag`` (blank steps; stored pairs; input length), ``accuracy`` or ``exact_match`` and
    ``train_seconds`` as :func:`~seqlab.bench.common.spread` over seeds, and for the LMs
    ``early_gradient`` / ``gradient_ratio`` (see :func:`early_gradient`).
    """
    grid = QUICK if quick else FULL
    seeds, lrs = seeds_for(quick), lrs_for(quick)
    lm_steps = steps or (60 if quick else 600)
    s2s_steps = steps or (40 if quick else 400)
    runs = len(seeds) * 2 * (len(grid["lags"]) + len(grid["pairs"]) + len(grid["lengths"]))
    progress = tqdm(total=runs, desc="longrange", leave=False)
    rows, sweeps, params = [], {}, {}
    for task, lags in (("copy_memory", grid["lags"]), ("associative_recall", grid["pairs"])):
        found, sweeps[task], params[task] = _lm_rows(task, lags, lm_steps, seeds, lrs, progress)
        rows += found
    found, sweeps["copy_seq2seq"], params["copy_seq2seq"] = _seq2seq_rows(
        grid["lengths"], s2s_steps, seeds, lrs, progress
    )
    rows += found
    progress.close()
    return cpu_result(
        "longrange",
        seeds,
        {
            "quick": quick,
            **grid,
            "copy": COPY,
            "recall": RECALL,
            "lm_steps": lm_steps,
            "seq2seq_steps": s2s_steps,
            "batch_size": {"lm": 32, "seq2seq": 64},
            "lrs": lrs,
        },
        params=params,
        lr_sweep=sweeps,
        rows=rows,
    )
