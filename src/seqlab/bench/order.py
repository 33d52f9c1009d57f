"""Claim 5 and claim 6(c), order: RNNs read in order by construction, Transformers need
positional encodings. Order-sensitive tasks for an LSTM, a Transformer without positions
and one with them; and the smallest model of each family that solves chapter 3's
copy-memory task."""

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
    search_each,
    search_lr,
    seeded,
    seeds_for,
    spread,
)
from seqlab.data.tasks import (
    copy_memory,
    previous_token,
    reverse_task,
    task_stream,
)
from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.train import evaluate, fit
from seqlab.transformer import TransformerConfig, TransformerLM
from seqlab.utils import count_parameters

TASKS = {
    "reverse": (reverse_task, {"n_symbols": 8, "length": 6}),
    "previous_token": (previous_token, {"n_symbols": 8, "length": 16}),
}
CH3_COPY = {"n_symbols": 4, "length": 3, "lag": 10}  # chapter 3's copy-memory task
QUICK_LADDER = {"lstm": [8], "transformer": [16]}
CHANCE = 1 / 8  # both order tasks draw from 8 symbols


def _train(make, fn, options, steps, lr, seed):
    """``make()`` seeded with ``seed``, trained for ``steps`` at ``lr`` on task ``fn``."""
    model = seeded(make, seed, "cpu")
    stream = task_stream(fn, 32, generator=torch.Generator().manual_seed(seed), **options)
    fit(model, stream, steps=steps, lr=lr, progress=False)
    return model


def _ladder_model(name: str, size: int):
    """Family ``name`` at ``size`` (hidden units, or width) for chapter 3's copy task."""
    vocab = CH3_COPY["n_symbols"] + 2
    if name == "lstm":
        config = RNNLMConfig(
            vocab_size=vocab, d_embed=8, hidden_size=size, forget_bias=R.FORGET_BIAS, impl="torch"
        )
        return RNNLM(config)
    config = TransformerConfig(
        vocab_size=vocab, d_model=size, n_heads=2, n_layers=2, d_ff=2 * size, max_len=32
    )
    return TransformerLM(config)


def order_suite(run_device="cpu", *, quick: bool = False, steps: int | None = None) -> dict:
    """Order sensitivity (claim 5) and the size needed for chapter 3's task (claim 6c).

    Rows: ``{"task", "model", "impl", "lr", "accuracy", "failed_to_train"}`` for
    ``reverse`` and ``previous_token`` (models ``lstm``, ``transformer-none``,
    ``transformer-sinusoidal``), then ``{"task": "ch3_copy", "model", "size", "params",
    "lr", "accuracy"}`` for each rung of the size ladder (each rung's rate searched).
    """
    seeds = seeds_for(quick)
    steps = steps or (60 if quick else R.ORDER_STEPS)
    ladder = QUICK_LADDER if quick else {k: list(v) for k, v in R.LADDER.items()}
    ladder_steps = 60 if quick else R.LADDER_STEPS
    runs = len(seeds) * (3 * len(TASKS) + sum(map(len, ladder.values())))
    progress = tqdm(total=runs, desc="order", leave=False)
    rows, searches, params = [], {}, {}
    for task, (_, options) in TASKS.items():
        models = _position_variants(options["n_symbols"] + 2)
        params[task] = {name: count_parameters(make()) for name, make in models.items()}
        searches[task], task_rows = _task_rows(task, models, seeds, quick, steps, progress)
        rows += task_rows
    ladder_rows, searches["ch3_copy"] = _ladder_rows(ladder, seeds, quick, ladder_steps, progress)
    rows += ladder_rows
    progress.close()
    return cpu_result(
        "order",
        seeds,
        {
            "quick": quick,
            "tasks": {name: options for name, (_, options) in TASKS.items()},
            "chance": CHANCE,
            "ch3_copy": CH3_COPY,
            "ladder": ladder,
            "steps": steps,
            "ladder_steps": ladder_steps,
            "solved": R.SOLVED,
        },
        params=params,
        lr_search=searches,
        rows=rows,
    )


def _position_variants(vocab: int) -> dict:
    """Makers of the LSTM and of a Transformer without and with sinusoidal positions, the
    Transformers sized to match the LSTM."""
    models = {}
    for kind in ("none", "sinusoidal"):
        pair = lm_pair(vocab, hidden=64, d_model=32, max_len=64, positional=kind)
        models["lstm"] = pair["lstm"]
        models[f"transformer-{kind}"] = pair["transformer"]
    return models


def _task_rows(task: str, models: dict, seeds, quick, steps: int, progress) -> tuple[dict, list]:
    """The learning-rate search on order-sensitive ``task`` and one accuracy row per model
    (over ``seeds``, on 1,000 fixed test examples)."""
    fn, options = TASKS[task]
    test = fn(1000, generator=torch.Generator().manual_seed(123), **options)
    valid = fn(500, generator=torch.Generator().manual_seed(456), **options)

    def score(name, lr):
        loss, accuracy = evaluate(
            _train(models[name], fn, options, steps, lr, R.TUNE_SEED), [valid]
        )
        return {"loss": loss, "metric": accuracy}

    search = search_each(score, models, quick=quick)
    rows = []
    for name, make in models.items():
        scores = []
        for seed in seeds:
            model = _train(make, fn, options, steps, search[name]["best"], seed)
            scores.append(evaluate(model, [test])[1])
            progress.update()
        rows.append(
            {
                "task": task,
                "model": name,
                "impl": impl_of(make()),
                "lr": search[name]["best"],
                "accuracy": spread(scores),
                "failed_to_train": failed_to_train(search[name], scores, CHANCE),
            }
        )
    return search, rows


def _ladder_rows(ladder: dict, seeds, quick, steps: int, progress) -> tuple[list, dict]:
    """Chapter 3's copy task at each size of ``ladder``, each family's rate searched at
    each size (starting from the previous size's best): accuracy and training seconds
    over ``seeds``, one row per size; and the searches."""
    test = copy_memory(1000, generator=torch.Generator().manual_seed(123), **CH3_COPY)
    valid = copy_memory(500, generator=torch.Generator().manual_seed(456), **CH3_COPY)
    rows, searches = [], {}
    for name, sizes in ladder.items():
        previous, searches[name] = None, []
        for size in sizes:
            make = functools.partial(_ladder_model, name, size)

            def score(lr, make=make):
                model = _train(make, copy_memory, CH3_COPY, steps, lr, R.TUNE_SEED)
                loss, accuracy = evaluate(model, [valid])
                return {"loss": loss, "metric": accuracy}

            search = search_lr(score, previous, quick=quick)
            previous = search["best"]
            searches[name].append(search)
            scores, seconds = [], []
            for seed in seeds:
                start = time.perf_counter()
                model = _train(make, copy_memory, CH3_COPY, steps, search["best"], seed)
                seconds.append(time.perf_counter() - start)
                scores.append(evaluate(model, [test])[1])
                progress.update()
            rows.append(
                {
                    "task": "ch3_copy",
                    "model": name,
                    "impl": impl_of(model),
                    "size": size,
                    "params": count_parameters(model),
                    "lr": search["best"],
                    "accuracy": spread(scores),
                    "train_seconds": spread(seconds),
                }
            )
    return rows, searches
