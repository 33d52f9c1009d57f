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

from seqlab.bench import rules as R
from seqlab.bench.common import cpu_result, impl_of, lm_pair, search_each, seeded, seeds_for
from seqlab.data.text import CharVocab, corpus_splits, text_batches
from seqlab.rnn import RNNLM
from seqlab.train import fit
from seqlab.utils import count_parameters

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
    """Validation loss against size (claim 3) and the curves behind training speed
    (claim 4), each family's rate searched at every rung (``lr_search``).

    Rows, one per model family, rung and seed: ``model``, ``impl``, ``rung``, ``lr``,
    ``params``, ``matmul_params``, ``flops``, ``final_loss``, ``seconds``, ``curve``
    (``steps``, ``loss``, ``seconds`` of training at each evaluation). The fits, the
    equal-wall-clock comparison and the time to a target are computed from these rows
    by :mod:`seqlab.bench.ledger`, under the rules the file was made with.
    """
    rungs = R.SCALING_RUNGS[:3] if quick else R.SCALING_RUNGS  # a fit needs three sizes
    seeds = seeds_for(quick)
    steps = steps or (40 if quick else R.SCALING_STEPS)
    eval_every = max(steps // 10, 1) if quick else R.SCALING_EVAL_EVERY
    data = char_lm_data(quick)
    vocab = data[0]
    pairs = [lm_pair(len(vocab), hidden=h, d_model=d, max_len=SEQ_LEN) for h, d in rungs]
    searches, previous = [], None
    for pair in pairs:

        def score(name, lr, pair=pair):
            history = _train(pair[name], data, steps, lr, R.TUNE_SEED)[1]
            return {"loss": history.eval_loss[-1], "metric": None}

        previous = search_each(score, ["lstm", "transformer"], previous, quick=quick)
        searches.append(previous)
    rows = _scaling_rows(pairs, searches, seeds, data, steps, eval_every)
    return cpu_result(
        "scaling",
        seeds,
        {
            "quick": quick,
            "rungs": [list(r) for r in rungs],
            "steps": steps,
            "eval_every": eval_every,
            "batch_size": BATCH,
            "seq_len": SEQ_LEN,
            "tokens_per_run": steps * BATCH * SEQ_LEN,
            "vocab": len(vocab),
            "target_hidden": R.TARGET_HIDDEN,
        },
        params={
            f"{name}@{rung}": count_parameters(pair[name]())
            for rung, pair in enumerate(pairs)
            for name in pair
        },
        lr_search=searches,
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


def _scaling_rows(pairs, searches, seeds, data, steps: int, eval_every: int) -> list[dict]:
    """Train each family of each rung's pair with each seed at its searched rate."""
    rows = []
    progress = tqdm(total=2 * len(pairs) * len(seeds), desc="scaling", leave=False)
    for rung, pair in enumerate(pairs):
        for name, make in pair.items():
            for seed in seeds:
                start = time.perf_counter()
                lr = searches[rung][name]["best"]
                model, history = _train(make, data, steps, lr, seed, eval_every)
                rows.append(
                    {**_scaling_row(name, rung, seed, model, history, steps, start), "lr": lr}
                )
                progress.update()
    progress.close()
    return rows


def _scaling_row(name, rung, seed, model, history, steps: int, start: float) -> dict:
    """One trained model's row: its sizes, estimated FLOPs, final loss and loss curve
    (``seconds`` since ``start``)."""
    return {
        "model": name,
        "impl": impl_of(model),
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


__all__ = ["matmul_params", "power_law_fit", "scaling_suite", "train_flops"]
