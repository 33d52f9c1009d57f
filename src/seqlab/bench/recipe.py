"""The Transformer's training recipe, one ingredient at a time, at a matched budget.

One task (chapter 1's character language model), one model size (a 2-layer pre-LN
``TransformerLM``), one budget (the same steps, batches and peak learning rate): the
baseline recipe (Adam at a constant rate, gradient clipping, nothing else), then each
ingredient of Vaswani et al.'s recipe added alone, then all of them together, 3 seeds
each, scored by held-out cross-entropy (never smoothed) and next-character accuracy.
A second study measures chapter 9's claim about the norms: 6-layer post-LN and pre-LN
models at a large learning rate without warm-up, with and without gradient clipping.

Taught in chapter 9.
"""

from __future__ import annotations

import statistics
import time

import torch
from tqdm.auto import tqdm

from seqlab.bench.common import cpu_result, seeded, spread, t_interval
from seqlab.data import CharVocab, corpus_splits, text_batches
from seqlab.train import evaluate, fit
from seqlab.transformer import TransformerConfig, TransformerLM
from seqlab.utils import count_parameters

__all__ = ["INGREDIENTS", "NORM_VARIANTS", "effect", "recipe_suite"]

BATCH, WINDOW, LR, CLIP, WARMUP_SHARE = 16, 64, 3e-3, 1.0, 0.1
NORM_LR = 1e-2  # large, without warm-up: where post-LN is said to stall
# name: (TransformerConfig options, fit options); "warmup" is filled in from the steps
INGREDIENTS: dict[str, tuple[dict, dict]] = {
    "baseline": ({}, {}),
    "dropout 0.1": ({"dropout": 0.1}, {}),
    "warm-up + cosine": ({}, {"schedule": "cosine", "warmup": True}),
    "warm-up + inverse sqrt": ({}, {"schedule": "inverse_sqrt", "warmup": True}),
    "AdamW decay 0.1": ({}, {"weight_decay": 0.1}),
    "label smoothing 0.1": ({}, {"label_smoothing": 0.1}),
    "tied embeddings": ({"tie_weights": True}, {}),
    "scaled embeddings": ({"scale_embedding": True}, {}),
    "all together": (
        {"dropout": 0.1, "tie_weights": True, "scale_embedding": True},
        {"schedule": "cosine", "warmup": True, "weight_decay": 0.1, "label_smoothing": 0.1},
    ),
}
# name: (norm_first, clip)
NORM_VARIANTS = {
    "post-LN, no clipping": (False, None),
    "post-LN, clipped at 1": (False, CLIP),
    "pre-LN, no clipping": (True, None),
    "pre-LN, clipped at 1": (True, CLIP),
}
FULL = {"steps": 400, "d_model": 64, "n_layers": 2, "norm_steps": 100, "norm_layers": 6}
QUICK = {"steps": 6, "d_model": 16, "n_layers": 1, "norm_steps": 4, "norm_layers": 2}
# Chapter 9's recipe study keeps its own three seeds: it is not one of chapter 10's claims,
# and its committed file was made with these.
SEEDS = (0, 1, 2)


def recipe_suite(run_device="cpu", *, quick: bool = False, steps: int | None = None) -> dict:
    """Every ingredient of :data:`INGREDIENTS` and every norm placement of
    :data:`NORM_VARIANTS`, over the seeds.

    Rows: ``{"study": "recipe" or "norm", "variant", "cross_entropy", "accuracy",
    "train_loss", "train_seconds"}`` (spreads over seeds) and ``"interval"``, the mean
    held-out cross-entropy with its 95 % t-interval (:func:`t_interval`). ``params``
    groups the models of equal size: untied, tied (``vocab * d_model`` fewer), norm.
    """
    sizes = dict(QUICK if quick else FULL, **({"steps": steps} if steps else {}))
    seeds = [0] if quick else list(SEEDS)
    data = _char_data(quick)
    rows, params = [], {"untied": {}, "tied": {}, "norm": {}}
    total = (len(INGREDIENTS) + len(NORM_VARIANTS)) * len(seeds)
    progress = tqdm(total=total, desc="recipe", leave=False)
    for name, (model_options, fit_options) in INGREDIENTS.items():
        config = _config(data, sizes["d_model"], sizes["n_layers"], **model_options)
        tied = "tied" if config.tie_weights else "untied"  # tying drops vocab * d_model
        params[tied][name] = count_parameters(TransformerLM(config))
        options = _fit_options(fit_options, sizes["steps"])
        runs = [_run(config, options, data, sizes["steps"], seed, progress) for seed in seeds]
        rows.append(_row("recipe", name, runs))
    for name, (norm_first, clip) in NORM_VARIANTS.items():
        config = _config(data, sizes["d_model"], sizes["norm_layers"], norm_first=norm_first)
        params["norm"][name] = count_parameters(TransformerLM(config))
        options = {"lr": NORM_LR, "clip": clip}
        runs = [_run(config, options, data, sizes["norm_steps"], s, progress) for s in seeds]
        rows.append({**_row("norm", name, runs), "norm_first": norm_first, "clip": clip})
    progress.close()
    config = {"quick": quick, **sizes, "batch_size": BATCH, "window": WINDOW, "lr": LR}
    config.update(clip=CLIP, warmup_share=WARMUP_SHARE, norm_lr=NORM_LR, vocab=data["vocab"])
    return cpu_result("recipe", seeds, config, params=params, rows=rows)


def _char_data(quick: bool) -> dict:
    """Chapter 1's text as ids: the training split, and the held-out windows (the
    validation split; its first 4 windows in ``quick``)."""
    splits = corpus_splits()
    vocab = CharVocab.from_text(splits["train"])
    valid = vocab.encode(splits["valid"])
    return {
        "vocab": len(vocab),
        "train": vocab.encode(splits["train"]),
        "valid": valid[: 4 * WINDOW + 1] if quick else valid,
    }


def _config(data: dict, d_model: int, n_layers: int, **options) -> TransformerConfig:
    return TransformerConfig(
        vocab_size=data["vocab"],
        d_model=d_model,
        n_heads=4,
        n_layers=n_layers,
        d_ff=2 * d_model,
        max_len=WINDOW,
        **options,
    )


def _fit_options(options: dict, steps: int) -> dict:
    """``options`` for :func:`fit` at the suite's rate and clipping, with ``warmup``
    (when asked for) the first :data:`WARMUP_SHARE` of ``steps``."""
    options = {"lr": LR, "clip": CLIP, **options}
    if options.get("warmup"):
        options["warmup"] = max(1, round(WARMUP_SHARE * steps))
    return options


def _run(config, options: dict, data: dict, steps: int, seed: int, progress) -> dict:
    """Train a fresh model (seeded with ``seed``, batches seeded with ``seed``) and score
    it on the held-out windows."""
    model = seeded(lambda: TransformerLM(config), seed, "cpu")
    batches = text_batches(
        data["train"], BATCH, WINDOW, vocab_size=data["vocab"],
        generator=torch.Generator().manual_seed(seed),
    )  # fmt: skip
    start = time.perf_counter()
    history = fit(model, batches, steps=steps, progress=False, **options)
    seconds = time.perf_counter() - start
    valid = text_batches(data["valid"], 64, WINDOW, vocab_size=data["vocab"], shuffle=False)
    cross_entropy, accuracy = evaluate(model, valid)
    tail = history.loss[-max(1, steps // 10) :]  # the last tenth of training
    progress.update()
    return {
        "cross_entropy": cross_entropy,
        "accuracy": accuracy,
        "train_loss": statistics.mean(tail),
        "train_seconds": seconds,
    }


def _row(study: str, name: str, runs: list[dict]) -> dict:
    """One row of the results: spreads over seeds of every measure of ``runs``."""
    measures = {key: spread(run[key] for run in runs) for key in runs[0]}
    interval = t_interval(run["cross_entropy"] for run in runs)
    return {"study": study, "variant": name, **measures, "interval": interval}


def effect(row: dict, baseline: dict) -> str:
    """What the held-out cross-entropy of ``row`` says against ``baseline``'s (rows of
    :func:`recipe_suite`): "lower" or "higher held-out cross-entropy" if their 95 %
    intervals do not overlap, "no measurable effect at this size" if they do, "too few
    seeds to tell" with fewer than 2 seeds."""
    a, b = row["interval"], baseline["interval"]
    if min(a["n"], b["n"]) < 2:
        return "too few seeds to tell"
    if a["hi"] < b["lo"]:
        return "lower held-out cross-entropy"
    if a["lo"] > b["hi"]:
        return "higher held-out cross-entropy"
    return "no measurable effect at this size"
