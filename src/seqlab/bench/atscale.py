"""What the suites at scale say, computed from their files by the rules of
:mod:`~seqlab.bench.scale_rules`: the loss against position in half-octave bins, the
position after which each family stops improving, the gain from far context compared
between the families (``context``); the power laws of test loss against model size and
against training data, bootstrapped over seeds, and the comparison of their exponents
(``sweep``). :mod:`seqlab.bench.ledger` adds these comparisons to claims 2 and 3."""

from __future__ import annotations

import itertools
import math
import statistics

from seqlab.bench import rules as R
from seqlab.bench import scale_rules as S
from seqlab.bench import stats

__all__ = [
    "FAMILIES",
    "binned_loss",
    "context_comparison",
    "far_gain",
    "position_bins",
    "stops_improving",
    "sweep_comparisons",
    "sweep_fits",
    "sweep_points",
]

FAMILIES = ("lstm", "transformer")


def _rows(result: dict, **where) -> list[dict]:
    return [r for r in result["rows"] if all(r.get(k) == v for k, v in where.items())]


# --- Loss against position (context) ------------------------------------------------------


def position_bins(seq_len: int) -> list[tuple[int, int]]:
    """Half-octave bins ``[lo, hi)`` of positions ``1 … seq_len`` (characters of
    context): edges at ``round(2^(k/2))`` below ``seq_len``, the last bin closed at
    ``seq_len``."""
    if seq_len < 2:
        raise ValueError(f"seq_len must be at least 2, got {seq_len}")
    edges, k = [], 0
    while S.POSITION_BIN_RATIO**k < seq_len:
        edges.append(round(S.POSITION_BIN_RATIO**k))
        k += 1
    edges = [*sorted(set(edges)), seq_len + 1]
    return list(itertools.pairwise(edges))


def _per_seed(result: dict, name: str, rung: int) -> list[list[float]]:
    """Family ``name``'s test loss at each position (1 … seq_len), one list per seed."""
    rows = sorted(_rows(result, model=name, rung=rung), key=lambda r: r["position"])
    if not rows:
        raise KeyError(f"context: no rows of {name!r} at rung {rung}")
    return [list(seed) for seed in zip(*(r["loss"] for r in rows), strict=True)]


def _span_mean(curve: list[float], lo: int, hi: int) -> float:
    """The mean loss over positions ``lo … hi - 1`` (1-based)."""
    return statistics.mean(curve[lo - 1 : hi - 1])


def binned_loss(result: dict, name: str, rung: int) -> dict:
    """Family ``name``'s loss in each bin of :func:`position_bins` at ``rung``.

    Returns:
        ``{"bins": [(lo, hi), ...], "mid": [geometric middle], "seeds": [[per-seed
        loss] per bin], "mean": [mean over seeds per bin]}``.
    """
    curves = _per_seed(result, name, rung)
    bins = position_bins(len(curves[0]))
    seeds = [[_span_mean(c, lo, hi) for c in curves] for lo, hi in bins]
    return {
        "bins": bins,
        "mid": [math.sqrt(lo * (hi - 1)) for lo, hi in bins],
        "seeds": seeds,
        "mean": [statistics.mean(s) for s in seeds],
    }


def stops_improving(bins: list[tuple[int, int]], loss: list[float]) -> int:
    """The first position of the first bin whose ``loss`` is within
    ``rules.MARGIN["loss"]`` of the last bin's: where a curve stops improving."""
    last = loss[-1]
    for (lo, _), value in zip(bins, loss, strict=True):
        if value - last <= R.MARGIN["loss"]:
            return lo
    return bins[-1][0]


def far_gain(result: dict, name: str, rung: int) -> list[float]:
    """Per seed, the loss over positions ``[L/8, L/4)`` minus the loss over ``[L/2,
    L]`` (``L`` the context, :data:`scale_rules.NEAR_BINS` and ``FAR_BINS``): what the
    far half of the context is worth, in nats per character."""
    curves = _per_seed(result, name, rung)
    seq_len = len(curves[0])
    near = [round(f * seq_len) for f in S.NEAR_BINS]
    far = [round(f * seq_len) for f in S.FAR_BINS]
    return [_span_mean(c, near[0], near[1]) - _span_mean(c, far[0], far[1] + 1) for c in curves]


def context_comparison(result: dict, rung: int) -> dict:
    """The Transformer's :func:`far_gain` against the LSTM's at ``rung``, by
    :func:`stats.compare` with the loss margin (a larger gain is better)."""
    return stats.compare(
        far_gain(result, "transformer", rung),
        far_gain(result, "lstm", rung),
        measure="loss",
        higher_is_better=True,
        names=("transformer", "lstm"),
    )


# --- Loss against size and data (sweep) -------------------------------------------------


def sweep_points(result: dict, name: str, study: str) -> tuple[list[float], list[list[float]]]:
    """Family ``name``'s x values and per-seed test losses at each, for ``study``
    ``"model"`` (x: mean parameter count per rung) or ``"data"`` (x: training
    characters, the model rows of the data rung as the largest)."""
    if study == "model":
        rungs = sorted({r["rung"] for r in _rows(result, study="model", model=name)})
        groups = [_rows(result, study="model", model=name, rung=k) for k in rungs]
        x = [statistics.mean(r["params"] for r in g) for g in groups]
    elif study == "data":
        rung = result["config"]["data_rung"]
        rows = _rows(result, study="data", model=name)
        rows += _rows(result, study="model", model=name, rung=rung)
        x = sorted({r["train_chars"] for r in rows})
        groups = [[r for r in rows if r["train_chars"] == v] for v in x]
    else:
        raise ValueError(f"study must be 'model' or 'data', got {study!r}")
    return x, [[r["final_loss"] for r in g] for g in groups]


def sweep_fits(result: dict, study: str) -> dict:
    """Per family, :func:`stats.bootstrap_fit` of ``L = L_inf + a x^-alpha`` to the
    per-point mean test losses of ``study`` (seeds resampled within each point)."""
    return {name: stats.bootstrap_fit(*sweep_points(result, name, study)) for name in FAMILIES}


def sweep_comparisons(result: dict) -> list[dict]:
    """The exponent of size and the exponent of data, Transformer against LSTM
    (:func:`stats.exponent_comparison`), each with its fits under ``"fits"``."""
    out = []
    for study, what in (("model", "model size"), ("data", "training data")):
        fits = sweep_fits(result, study)
        found = stats.exponent_comparison(fits["lstm"], fits["transformer"])
        out.append({"study": study, "what": what, **found, "fits": fits})
    return out
