"""Claim 5 and claim 6(c), order: RNNs read in order by construction, Transformers need
positional encodings. Order-sensitive tasks for an LSTM, a Transformer without positions
and one with them; and the parameters and lines of code each family needs to solve
chapter 3's copy-memory task."""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import time

import torch
from tqdm.auto import tqdm

from seqlab import attention, positional, rnn, self_attention, transformer
from seqlab.bench.common import (
    cpu_result,
    lm_pair,
    lrs_for,
    pick_lr,
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
FULL_LADDER = {"lstm": [4, 8, 16, 32], "transformer": [8, 16, 32]}
QUICK_LADDER = {"lstm": [8], "transformer": [16]}
SOLVED = 0.9  # mean accuracy over seeds that counts as solving the task

# What each family runs to train a language model, for the code-size count.
CODE = {
    "lstm": [rnn.lstm_cell, rnn.lstm_gate_values, rnn._Recurrent, rnn.LSTM, rnn.RNNLM],
    "transformer": [
        attention.masked_softmax,
        self_attention.causal_mask,
        self_attention.scaled_dot_product_attention,
        self_attention.MultiHeadAttention,
        self_attention._heads_mask,
        self_attention._fused_attention,
        positional.sinusoidal_encoding,
        positional.SinusoidalEncoding,
        transformer._feed_forward,
        transformer._Layer,
        transformer._parts,
        transformer._stack,
        transformer._final_norm,
        transformer._rotary,
        transformer.EncoderLayer,
        transformer._Embedding,
        transformer.TransformerLM,
    ],
}


def code_lines(objects) -> int:
    """Logical lines of the source of ``objects`` without docstrings or comments (each
    statement once, however it is wrapped: the length of ``ast.unparse``)."""
    total = 0
    for obj in objects:
        tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if (
                isinstance(body, list)
                and body
                and isinstance(body[0], ast.Expr)
                and isinstance(getattr(body[0], "value", None), ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
        total += len(ast.unparse(tree).splitlines())
    return total


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
        return RNNLM(RNNLMConfig(vocab_size=vocab, d_embed=8, hidden_size=size))
    config = TransformerConfig(
        vocab_size=vocab, d_model=size, n_heads=2, n_layers=2, d_ff=2 * size, max_len=32
    )
    return TransformerLM(config)


def order_suite(run_device="cpu", *, quick: bool = False, steps: int | None = None) -> dict:
    """Order sensitivity (claim 5) and the size needed for chapter 3's task (claim 6c).

    Rows: ``{"task", "model", "accuracy"}`` for ``reverse`` and ``previous_token``
    (models ``lstm``, ``transformer-none``, ``transformer-sinusoidal``), then
    ``{"task": "ch3_copy", "model", "size", "params", "accuracy"}`` for each rung of the
    size ladder. ``code_lines``: :func:`code_lines` per family.
    """
    seeds, lrs = seeds_for(quick), lrs_for(quick)
    steps = steps or (60 if quick else 1000)
    ladder = QUICK_LADDER if quick else FULL_LADDER
    ladder_steps = 60 if quick else 400
    runs = len(seeds) * (3 * len(TASKS) + sum(map(len, ladder.values())))
    progress = tqdm(total=runs, desc="order", leave=False)
    rows, sweeps, params = [], {}, {}
    for task, (_, options) in TASKS.items():
        models = _position_variants(options["n_symbols"] + 2)
        params[task] = {name: count_parameters(make()) for name, make in models.items()}
        sweeps[task], task_rows = _task_rows(task, models, seeds, lrs, steps, progress)
        rows += task_rows
    lr_of = {
        name: sweeps["reverse"]["lstm" if name == "lstm" else "transformer-sinusoidal"]["best"]
        for name in ladder
    }
    rows += _ladder_rows(ladder, lr_of, seeds, ladder_steps, progress)
    progress.close()
    return cpu_result(
        "order",
        seeds,
        {
            "quick": quick,
            "tasks": {name: options for name, (_, options) in TASKS.items()},
            "ch3_copy": CH3_COPY,
            "ladder": ladder,
            "steps": steps,
            "ladder_steps": ladder_steps,
            "solved": SOLVED,
            "lrs": lrs,
        },
        params=params,
        lr_sweep=sweeps,
        code_lines={name: code_lines(objects) for name, objects in CODE.items()},
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


def _task_rows(task: str, models: dict, seeds, lrs, steps: int, progress) -> tuple[dict, list]:
    """The learning-rate sweep on order-sensitive ``task`` and one accuracy row per model
    (over ``seeds``, on 1,000 fixed test examples)."""
    fn, options = TASKS[task]
    test = fn(1000, generator=torch.Generator().manual_seed(123), **options)
    sweep = pick_lr(
        lambda name, lr: -evaluate(_train(models[name], fn, options, steps, lr, 0), [test])[1],
        models,
        lrs,
    )
    rows = []
    for name, make in models.items():
        scores = []
        for seed in seeds:
            model = _train(make, fn, options, steps, sweep[name]["best"], seed)
            scores.append(evaluate(model, [test])[1])
            progress.update()
        rows.append({"task": task, "model": name, "accuracy": spread(scores)})
    return sweep, rows


def _ladder_rows(ladder: dict, lr_of: dict, seeds, steps: int, progress) -> list[dict]:
    """Chapter 3's copy task at each size of ``ladder``, each family at its rate
    ``lr_of[name]``: accuracy and training seconds over ``seeds``, one row per size."""
    test = copy_memory(1000, generator=torch.Generator().manual_seed(123), **CH3_COPY)
    rows = []
    for name, sizes in ladder.items():
        for size in sizes:
            scores, seconds = [], []
            for seed in seeds:
                start = time.perf_counter()
                make = functools.partial(_ladder_model, name, size)
                model = _train(make, copy_memory, CH3_COPY, steps, lr_of[name], seed)
                seconds.append(time.perf_counter() - start)
                scores.append(evaluate(model, [test])[1])
                progress.update()
            rows.append(
                {
                    "task": "ch3_copy",
                    "model": name,
                    "size": size,
                    "params": count_parameters(model),
                    "accuracy": spread(scores),
                    "train_seconds": spread(seconds),
                }
            )
    return rows


def smallest_solving(result: dict) -> dict[str, dict | None]:
    """Per family, the smallest ladder rung whose mean accuracy reaches ``SOLVED``."""
    out = {}
    for name in ("lstm", "transformer"):
        rungs = [
            r
            for r in result["rows"]
            if r["task"] == "ch3_copy"
            and r["model"] == name
            and r["accuracy"]["mean"] >= result["config"]["solved"]
        ]
        out[name] = min(rungs, key=lambda r: r["params"]) if rungs else None
    return out
