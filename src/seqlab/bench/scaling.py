"""Claims 3 and 4, scalability and training speed: character-LM validation loss against
parameter count and against estimated training compute, with fitted power laws, for
LSTM and Transformer pairs matched in size at every rung; and the steps and wall-clock
each needs to reach a target validation loss."""

from __future__ import annotations

import itertools
import time

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from seqlab.bench.common import (
    cpu_result,
    lm_pair,
    lrs_for,
    pick_lr,
    seeded,
    seeds_for,
    spread,
)
from seqlab.data.text import CharVocab, corpus_splits, text_batches
from seqlab.rnn import RNNLM
from seqlab.train import fit
from seqlab.utils import count_parameters

# (LSTM hidden units, Transformer width) of each rung; the Transformer's d_ff matches sizes.
FULL_RUNGS = [(32, 24), (64, 32), (128, 64), (256, 96)]
QUICK_RUNGS = [(32, 24), (64, 32)]
SEQ_LEN, BATCH = 64, 32


def matmul_params(model: nn.Module) -> int:
    """Parameters that take part in a matrix product per token: all but the embedding
    tables (token and learned positions), which are looked up, not multiplied."""
    tables = sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Embedding))
    return count_parameters(model) - tables


def train_flops(model: nn.Module, tokens: int, seq_len: int) -> float:
    """Estimated training FLOPs for ``tokens`` tokens: forward ``2 N`` per token for the
    ``N`` :func:`matmul_params`, plus, for a Transformer, ``4 L d`` per token and layer for
    the scores and the weighted sum (``L = seq_len``, no discount for the causal mask);
    backward counted as twice the forward."""
    forward = 2 * matmul_params(model)
    if not isinstance(model, RNNLM):
        forward += 4 * seq_len * model.config.d_model * model.config.n_layers
    return 3.0 * forward * tokens


def power_law_fit(x: list[float], y: list[float]) -> dict:
    """Least-squares line through ``(log10 x, log10 y)``: ``y ≈ 10**intercept * x**slope``.

    Returns:
        ``{"slope", "slope_se", "intercept", "intercept_se"}`` (standard errors from the
        fit's covariance; ``None`` with fewer than 4 points).
    """
    if len(x) != len(y) or len(x) < 2:
        raise ValueError(f"need at least two (x, y) points of equal count, got {len(x)}, {len(y)}")
    lx, ly = np.log10(x), np.log10(y)
    if len(x) < 4:  # too few points for numpy's scaled covariance
        slope, intercept = np.polyfit(lx, ly, 1)
        return {
            "slope": float(slope),
            "slope_se": None,
            "intercept": float(intercept),
            "intercept_se": None,
        }
    (slope, intercept), cov = np.polyfit(lx, ly, 1, cov=True)
    se = np.sqrt(np.diag(cov))
    return {
        "slope": float(slope),
        "slope_se": float(se[0]),
        "intercept": float(intercept),
        "intercept_se": float(se[1]),
    }


def char_lm_data(quick: bool):
    """``(vocab, train ids, function returning validation batches)`` of the corpus."""
    splits = corpus_splits()
    vocab = CharVocab.from_text("".join(splits.values()))
    train_ids, valid_ids = vocab.encode(splits["train"]), vocab.encode(splits["valid"])
    n_valid = 2 if quick else None

    def valid():
        batches = text_batches(valid_ids, 64, SEQ_LEN, vocab_size=len(vocab), shuffle=False)
        return list(itertools.islice(batches, n_valid))

    return vocab, train_ids, valid


def scaling_suite(run_device="cpu", *, quick: bool = False, steps: int | None = None) -> dict:
    """Validation loss against size and compute (claim 3) and time to a target (claim 4).

    Rows, one per model family, rung and seed: ``model``, ``rung``, ``params``,
    ``matmul_params``, ``flops``, ``final_loss``, ``seconds``, ``curve`` (``steps``,
    ``loss``, ``seconds`` at each evaluation). ``fits``: :func:`power_law_fit` of loss
    against parameters and against FLOPs per family. ``target``: the training-speed
    comparison at the rung of chapter 9's pair.
    """
    rungs = QUICK_RUNGS if quick else FULL_RUNGS
    seeds, lrs = seeds_for(quick), lrs_for(quick)
    steps = steps or (40 if quick else 500)
    eval_every = max(steps // 10, 1)
    data = char_lm_data(quick)
    vocab = data[0]
    pairs = [lm_pair(len(vocab), hidden=h, d_model=d, max_len=SEQ_LEN) for h, d in rungs]
    middle = len(rungs) // 2
    sweeps = pick_lr(
        lambda name, lr: _train(pairs[middle][name], data, steps, lr, 0)[1].eval_loss[-1],
        ["lstm", "transformer"],
        lrs,
    )
    rows = _scaling_rows(pairs, sweeps, seeds, data, steps, eval_every)
    return cpu_result(
        "scaling",
        seeds,
        {
            "quick": quick,
            "rungs": rungs,
            "steps": steps,
            "eval_every": eval_every,
            "batch_size": BATCH,
            "seq_len": SEQ_LEN,
            "vocab": len(vocab),
            "lrs": lrs,
        },
        params={
            f"{name}@{rung}": count_parameters(pair[name]())
            for rung, pair in enumerate(pairs)
            for name in pair
        },
        lr_sweep=sweeps,
        fits=_power_law_fits(rows),
        target=_target(rows, rungs),
        rows=rows,
    )


def _train(make, data, steps: int, lr: float, seed: int, eval_every: int | None = None):
    """``(model, history)`` of ``make()`` seeded with ``seed`` and trained for ``steps`` at
    ``lr`` on the corpus of ``data`` (:func:`char_lm_data`), evaluated every ``eval_every``
    steps (``None``: at the end only)."""
    vocab, train_ids, valid = data
    model = seeded(make, seed, "cpu")
    generator = torch.Generator().manual_seed(seed)
    batches = text_batches(train_ids, BATCH, SEQ_LEN, vocab_size=len(vocab), generator=generator)
    history = fit(
        model,
        batches,
        steps=steps,
        lr=lr,
        progress=False,
        eval_batches=valid,
        eval_every=eval_every,
    )
    return model, history


def _scaling_rows(pairs, sweeps, seeds, data, steps: int, eval_every: int) -> list[dict]:
    """Train each family of each rung's pair with each seed at its swept rate; a row each."""
    rows = []
    progress = tqdm(total=2 * len(pairs) * len(seeds), desc="scaling", leave=False)
    for rung, pair in enumerate(pairs):
        for name, make in pair.items():
            for seed in seeds:
                start = time.perf_counter()
                model, history = _train(make, data, steps, sweeps[name]["best"], seed, eval_every)
                rows.append(_scaling_row(name, rung, seed, model, history, steps, start))
                progress.update()
    progress.close()
    return rows


def _scaling_row(name, rung, seed, model, history, steps: int, start: float) -> dict:
    """One trained model's row: its sizes, estimated FLOPs, final loss and loss curve
    (``seconds`` since ``start``)."""
    return {
        "model": name,
        "rung": rung,
        "seed": seed,
        "params": count_parameters(model),
        "matmul_params": matmul_params(model),
        "flops": train_flops(model, steps * BATCH * SEQ_LEN, SEQ_LEN),
        "final_loss": history.eval_loss[-1],
        "seconds": time.perf_counter() - start,
        "curve": {
            "steps": history.eval_steps,
            "loss": history.eval_loss,
            "seconds": [sum(history.seconds[:step]) for step in history.eval_steps],
        },
    }


def _power_law_fits(rows: list[dict]) -> dict:
    """Per family, :func:`power_law_fit` of final loss against parameters and FLOPs."""
    fits = {}
    for name in ("lstm", "transformer"):
        mine = [r for r in rows if r["model"] == name]
        losses = [r["final_loss"] for r in mine]
        fits[name] = {
            "params": power_law_fit([r["params"] for r in mine], losses),
            "flops": power_law_fit([r["flops"] for r in mine], losses),
        }
    return fits


def _target(rows: list[dict], rungs) -> dict:
    """Steps and seconds to reach the worse family's mean final loss, at the rung of
    chapter 9's pair (128 LSTM units) or the largest one."""
    rung = next((k for k, (h, _) in enumerate(rungs) if h == 128), len(rungs) - 1)
    mine = {
        n: [r for r in rows if r["model"] == n and r["rung"] == rung]
        for n in ("lstm", "transformer")
    }
    target = max(spread(r["final_loss"] for r in runs)["mean"] for runs in mine.values())
    out = {"rung": rung, "loss": target}
    for name, runs in mine.items():
        reached = []
        for r in runs:
            elapsed = dict(zip(r["curve"]["steps"], r["curve"]["seconds"], strict=True))
            hit = next(
                (
                    s
                    for s, v in zip(r["curve"]["steps"], r["curve"]["loss"], strict=True)
                    if v <= target
                ),
                None,
            )
            reached.append((hit, None if hit is None else elapsed[hit]))
        out[name] = {
            "steps": [s for s, _ in reached],
            "seconds": [t for _, t in reached],
            "ms_per_step": spread(
                1000 * r["curve"]["seconds"][-1] / r["curve"]["steps"][-1] for r in runs
            ),
        }
    return out


__all__ = ["matmul_params", "power_law_fit", "scaling_suite", "train_flops"]
