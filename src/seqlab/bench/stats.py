"""The statistics behind chapter 10's verdicts. Each family is trained with a few seeds,
so every score is a small sample: a difference between two families is judged by a
percentile-bootstrap interval of the difference of their means (the seeds of each family
resampled on their own), and it counts only when that interval excludes zero and the
difference is larger than the practical margin of its measure. The same idea gives
intervals for the exponent of a scaling law, fitted to the mean loss at each model size,
and simple rules for timings: which implementation is faster in a cell, and at which
length one overtakes the other. Every threshold is read from :mod:`seqlab.bench.rules`
when a function runs; every bootstrap starts from a fixed seed, so the same numbers always
give the same interval."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from seqlab.bench import rules as R

OUTCOMES = ("supports", "contradicts", "inconclusive", "excluded")
ALPHA_RANGE = (0.001, 3.0)  # the exponents a power-law fit may take
ALPHA_GRID = 600  # log-spaced exponents scanned before the refinement
_GOLDEN_STEPS = 60  # golden-section steps: a grid step shrinks below 1e-12 in log alpha
_CHUNK = 2_000_000  # most resampled values held at once


# --- Checks and helpers ------------------------------------------------------------------


def _values(values, what: str = "values") -> np.ndarray:
    """``values`` as a 1-D float array, non-empty and finite (ValueError otherwise)."""
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what}: expected a list of numbers, got {values!r}") from err
    if x.ndim != 1:
        raise ValueError(f"{what}: expected a flat list of numbers, got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{what}: expected at least one value, got an empty list")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what}: expected finite numbers, got {x.tolist()}")
    return x


def _number(value, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what}: expected a number, got {value!r}") from err
    if not math.isfinite(x):
        raise ValueError(f"{what}: expected a finite number, got {value!r}")
    return x


def _resamples(resamples, default: int) -> int:
    b = default if resamples is None else resamples
    if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or b < 1:
        raise ValueError(f"resamples: expected a positive integer, got {b!r}")
    return int(b)


def _rng(seed) -> np.random.Generator:
    return np.random.default_rng(R.BOOTSTRAP_SEED if seed is None else seed)


def _quantiles(samples: np.ndarray) -> tuple[float, float]:
    """The percentile interval of ``samples`` at ``R.CONFIDENCE``."""
    confidence = float(R.CONFIDENCE)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"R.CONFIDENCE: expected a number in (0, 1), got {R.CONFIDENCE!r}")
    tail = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(samples, [tail, 1.0 - tail])
    return float(lo), float(hi)


def _resampled_means(x: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``resamples`` means of ``len(x)`` values drawn from ``x`` with replacement."""
    n = x.size
    rows = max(1, _CHUNK // n)
    out = np.empty(resamples)
    for start in range(0, resamples, rows):
        stop = min(resamples, start + rows)
        out[start:stop] = x[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    return out


def _fmt(x: float) -> str:
    """A number for a sentence: three significant digits, at least two decimals."""
    if x == 0 or not math.isfinite(x):
        return f"{x:.2f}"
    decimals = min(6, max(2, 2 - math.floor(math.log10(abs(x)))))
    text = f"{x:.{decimals}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{whole}.{frac}"


def _names(names) -> tuple[str, str]:
    names = tuple(names)
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError(f"names: expected two different names, got {names!r}")
    return str(names[0]), str(names[1])


# --- Means and differences ------------------------------------------------------------


def bootstrap_mean(values, *, resamples: int | None = None, seed: int | None = None) -> dict:
    """The mean over seeds and its percentile-bootstrap interval at ``R.CONFIDENCE``.

    Args:
        values: one score per seed.
        resamples: bootstrap resamples (``R.BOOTSTRAP_RESAMPLES`` when ``None``).
        seed: the generator's seed (``R.BOOTSTRAP_SEED`` when ``None``).
    Returns:
        ``{"mean", "lo", "hi", "n"}``; identical values (one value, say) give
        ``lo == hi == mean``.
    """
    x = _values(values)
    b = _resamples(resamples, R.BOOTSTRAP_RESAMPLES)
    mean = float(x.mean())
    if np.ptp(x) == 0:
        return {"mean": mean, "lo": mean, "hi": mean, "n": int(x.size)}
    lo, hi = _quantiles(_resampled_means(x, b, _rng(seed)))
    return {"mean": mean, "lo": lo, "hi": hi, "n": int(x.size)}


def bootstrap_difference(a, b, *, resamples: int | None = None, seed: int | None = None) -> dict:
    """The difference of two means and its percentile-bootstrap interval: each resample
    draws ``len(a)`` values from ``a`` and ``len(b)`` from ``b``, independently and with
    replacement (the two families' seeds are not paired).

    Args:
        a, b: one score per seed of each family.
        resamples: bootstrap resamples (``R.BOOTSTRAP_RESAMPLES`` when ``None``).
        seed: the generator's seed (``R.BOOTSTRAP_SEED`` when ``None``).
    Returns:
        ``{"diff", "lo", "hi", "n_a", "n_b"}`` with ``diff = mean(a) - mean(b)``.
    """
    xa, xb = _values(a, "a"), _values(b, "b")
    count = _resamples(resamples, R.BOOTSTRAP_RESAMPLES)
    diff = float(xa.mean() - xb.mean())
    sizes = {"n_a": int(xa.size), "n_b": int(xb.size)}
    if np.ptp(xa) == 0 and np.ptp(xb) == 0:
        return {"diff": diff, "lo": diff, "hi": diff, **sizes}
    rng = _rng(seed)
    samples = _resampled_means(xa, count, rng) - _resampled_means(xb, count, rng)
    lo, hi = _quantiles(samples)
    return {"diff": diff, "lo": lo, "hi": hi, **sizes}


def at_chance(values, chance: float) -> bool:
    """Whether every score is within ``R.NEAR_CHANCE`` of ``chance`` (or below it).

    Args:
        values: one score per seed (higher is better: accuracy, exact match).
        chance: the score of guessing.
    Returns:
        ``True`` when every value is ``<= chance + R.NEAR_CHANCE``.
    """
    x = _values(values)
    limit = _number(chance, "chance") + float(R.NEAR_CHANCE)
    return bool(np.all(x <= limit))


def _failed(a, b, failed: list[str]) -> dict:
    """The fields of a comparison in which ``failed`` failed to train: no difference."""
    means = []
    for x in (a, b):
        try:
            means.append(float(_values(x).mean()))
        except ValueError:
            means.append(None)
    who = " and ".join(dict.fromkeys(failed))
    return {
        "mean": means,
        "diff": None,
        "lo": None,
        "hi": None,
        "outcome": "failed to train",
        "winner": None,
        "failed": list(dict.fromkeys(failed)),
        "reason": f"{who} failed to train",
    }


def _decide(xa, xb, d, means, margin, higher_is_better, chance, names) -> tuple:
    """``(winner or None, reason)`` for :func:`compare`, from the two families' scores
    and their bootstrap difference ``d``."""
    sign = 1.0 if higher_is_better else -1.0
    better = sign * d["diff"]  # positive: a is better
    lo_better, hi_better = sorted((sign * d["lo"], sign * d["hi"]))
    interval = f"interval {_fmt(d['lo'])}…{_fmt(d['hi'])}"
    winner, reason = None, None
    if min(xa.size, xb.size) < 2:  # the quick tier: one seed has no spread to judge by
        reason = "one seed on a side: no interval to judge by"
    elif lo_better <= 0.0 <= hi_better:
        reason = f"{interval} includes 0"
    elif abs(better) <= margin:
        reason = f"difference {_fmt(abs(d['diff']))} is inside the margin {_fmt(margin)}"
    else:
        index = 0 if better > 0 else 1
        if chance is not None:
            c = _number(chance, "chance")
            near = float(R.NEAR_CHANCE)
            m = means[index]
            if (m <= c + near) if higher_is_better else (m >= c - near):
                reason = f"the better mean {_fmt(m)} is within {_fmt(near)} of chance {_fmt(c)}"
        if reason is None:
            winner = names[index]
            reason = (
                f"{interval} excludes 0 and the difference {_fmt(abs(d['diff']))} "
                f"exceeds the margin {_fmt(margin)}"
            )
    return winner, reason


def compare(
    a,
    b,
    *,
    measure: str,
    higher_is_better: bool = True,
    names: Sequence[str] = ("a", "b"),
    chance: float | None = None,
    failed: Sequence[str] = (),
) -> dict:
    """Compare two families on one measure: a family wins when the bootstrap interval of
    the difference of means lies wholly on its side of zero and the difference is larger
    than ``R.MARGIN[measure]``.

    Args:
        a, b: one score per seed of each family (may be empty for a family in ``failed``).
        measure: a key of ``R.MARGIN`` (``"accuracy"``, ``"loss"``, ...).
        higher_is_better: ``False`` for losses and times.
        names: the two families' names, in the order of ``a`` and ``b``.
        chance: the score of guessing; a would-be winner whose mean is within
            ``R.NEAR_CHANCE`` of it does not win (for ``higher_is_better=False``: a mean
            at or above ``chance - R.NEAR_CHANCE``).
        failed: the names that failed to train, as the caller decided: no winner then.
            With fewer than two seeds on a side nothing is decided ("inconclusive").
    Returns:
        ``{"measure", "names", "mean", "diff", "lo", "hi", "margin", "outcome", "winner",
        "failed", "reason"}``: ``mean`` is ``[mean a, mean b]``; ``diff``, ``lo``, ``hi``
        are of ``mean(a) - mean(b)`` whatever the direction; ``outcome`` is ``"win"``,
        ``"inconclusive"`` or ``"failed to train"``; ``winner`` a name or ``None``;
        ``reason`` one plain sentence. With ``failed``, ``diff``, ``lo`` and ``hi`` are
        ``None`` and a mean is ``None`` where its scores are empty or not finite.
    """
    if measure not in R.MARGIN:
        raise ValueError(f"measure: expected one of {sorted(R.MARGIN)}, got {measure!r}")
    name_a, name_b = _names(names)
    margin = float(R.MARGIN[measure])
    failed = [str(f) for f in failed]
    unknown = [f for f in failed if f not in (name_a, name_b)]
    if unknown:
        raise ValueError(f"failed: expected names among {[name_a, name_b]}, got {unknown}")
    result = {"measure": measure, "names": [name_a, name_b], "margin": margin}

    if failed:
        return {**result, **_failed(a, b, failed)}

    xa, xb = _values(a, "a"), _values(b, "b")
    d = bootstrap_difference(xa, xb)
    means = [float(xa.mean()), float(xb.mean())]
    winner, reason = _decide(xa, xb, d, means, margin, higher_is_better, chance, (name_a, name_b))
    return {
        **result,
        "mean": means,
        "diff": d["diff"],
        "lo": d["lo"],
        "hi": d["hi"],
        "outcome": "win" if winner else "inconclusive",
        "winner": winner,
        "failed": [],
        "reason": reason,
    }


def claim_verdict(outcomes: Sequence[str]) -> str:
    """A claim's verdict from the comparisons it rests on.

    Args:
        outcomes: one of ``"supports"``, ``"contradicts"``, ``"inconclusive"`` or
            ``"excluded"`` (a comparison with a family that failed to train) per
            comparison.
    Returns:
        One of ``R.VERDICTS``: ``"supported"`` when every comparison left (at least one)
        supports the claim, ``"not supported here"`` when none does and at least one
        contradicts it, ``"mixed"`` when some do and others do not, ``"inconclusive"``
        otherwise (nothing decided, everything excluded, or no comparison).
    """
    if isinstance(outcomes, str):
        raise ValueError(f"outcomes: expected a list of strings, got the string {outcomes!r}")
    outcomes = list(outcomes)
    bad = [o for o in outcomes if o not in OUTCOMES]
    if bad:
        raise ValueError(f"outcomes: expected each of {OUTCOMES}, got {bad}")
    kept = [o for o in outcomes if o != "excluded"]
    supports = kept.count("supports")
    if kept and supports == len(kept):
        verdict = "supported"
    elif supports == 0 and "contradicts" in kept:
        verdict = "not supported here"
    elif supports > 0:
        verdict = "mixed"
    else:
        verdict = "inconclusive"
    if verdict not in R.VERDICTS:
        raise ValueError(f"R.VERDICTS: expected it to hold {verdict!r}, got {R.VERDICTS!r}")
    return verdict


# --- Scaling laws ------------------------------------------------------------------------


def _fit_at(logr: np.ndarray, loss: np.ndarray, alphas: np.ndarray, *, exact: bool = True):
    """The constrained least-squares ``(l_inf, a)`` of ``loss ~ l_inf + a x`` with
    ``x = exp(-alpha * logr)``, for every row of ``loss`` (B, P) and every exponent of
    ``alphas`` (B, G). Returns ``l_inf``, ``a`` (of ``x``) and the SSE, each (B, G).

    The problem is convex on the strip ``a >= 0, 0 <= l_inf <= min(loss)``, so its
    minimum is the unconstrained one when that is feasible, else the best of the edges
    ``l_inf = 0`` and ``l_inf = min(loss)`` (the edge ``a = 0`` has its best point at
    ``l_inf = min(loss)``, on the second). ``exact=False`` works from sums only (faster,
    for the scan; less precise near a perfect fit).
    """
    p = logr.size  # the points lie along the first axis: sums over it are fast
    x = np.exp(-logr[:, None, None] * alphas)  # (P, B, G)
    y = loss.T[:, :, None]  # (P, B, 1)
    floor = loss.min(axis=1)[:, None]  # (B, 1)
    sx, x2, sxy = x.sum(0), (x * x).sum(0), (x * y).sum(0)
    sy, syy = y.sum(0), (y * y).sum(0)
    if exact:
        xc = x - sx / p
        sxx_c = (xc * xc).sum(0)
        sxy_c = (xc * (y - sy / p)).sum(0)
    else:
        sxx_c = x2 - sx * sx / p
        sxy_c = sxy - sx * sy / p
    a0 = np.divide(sxy_c, sxx_c, out=np.zeros_like(sxx_c), where=sxx_c > 0)
    l0 = (sy - a0 * sx) / p
    a1 = np.maximum(0.0, sxy / x2)
    l1 = np.zeros_like(a1)
    a2 = np.maximum(0.0, (sxy - floor * sx) / x2)
    l2 = np.broadcast_to(floor, a2.shape)

    def sse(lv, av):
        if exact:
            r = y - lv - av * x
            return (r * r).sum(0)
        err = syy - 2 * lv * sy - 2 * av * sxy + p * lv * lv + 2 * lv * av * sx + av * av * x2
        return np.maximum(0.0, err)

    feasible = (a0 >= 0) & (l0 >= 0) & (l0 <= floor)
    cands_l = np.stack([l0, l1, l2])
    cands_a = np.stack([a0, a1, a2])
    errs = np.stack([np.where(feasible, sse(l0, a0), np.inf), sse(l1, a1), sse(l2, a2)])
    if not exact:  # the scan needs the SSE only
        return None, None, errs.min(axis=0)
    best = errs.argmin(axis=0)[None]

    def pick(v):
        return np.take_along_axis(v, best, axis=0)[0]

    return pick(cands_l), pick(cands_a), pick(errs)


def _fit_rows(logr: np.ndarray, loss: np.ndarray):
    """Fit every row of ``loss`` (B, P): scan ``ALPHA_GRID`` exponents, then refine the
    best by golden-section search between its neighbours (in log alpha). Returns
    ``l_inf``, ``a`` (of ``(n / n0) ** -alpha``), ``alpha`` and the SSE, each (B,)."""
    rows = loss.shape[0]
    grid = np.geomspace(*ALPHA_RANGE, ALPHA_GRID)
    step = max(1, _CHUNK // (ALPHA_GRID * logr.size))
    best_i = np.empty(rows, dtype=int)
    for start in range(0, rows, step):
        part = loss[start : start + step]
        alphas = np.broadcast_to(grid, (part.shape[0], ALPHA_GRID))
        best_i[start : start + step] = _fit_at(logr, part, alphas, exact=False)[2].argmin(axis=1)

    best_sse = _fit_at(logr, loss, grid[best_i][:, None])[2][:, 0]
    t = np.log(grid)
    lo = t[np.maximum(best_i - 1, 0)]
    hi = t[np.minimum(best_i + 1, ALPHA_GRID - 1)]

    def f(tv):
        return _fit_at(logr, loss, np.exp(tv)[:, None])[2][:, 0]

    g = (math.sqrt(5) - 1) / 2
    c, d = hi - g * (hi - lo), lo + g * (hi - lo)
    fc, fd = f(c), f(d)
    for _ in range(_GOLDEN_STEPS):
        left = fc <= fd  # the minimum is in [lo, d]
        hi = np.where(left, d, hi)
        lo = np.where(left, lo, c)
        new_c, new_d = hi - g * (hi - lo), lo + g * (hi - lo)
        f_new = f(np.where(left, new_c, new_d))  # one new point per row
        c, d = np.where(left, new_c, d), np.where(left, c, new_d)
        fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
    refined = np.exp(np.where(fc <= fd, c, d))
    alpha = np.where(np.minimum(fc, fd) < best_sse, refined, grid[best_i])
    l_inf, a, err = _fit_at(logr, loss, alpha[:, None])
    return l_inf[:, 0], a[:, 0], alpha, err[:, 0]


def _sizes(n) -> np.ndarray:
    x = _values(n, "n")
    if x.size < 3:
        raise ValueError(f"n: expected at least 3 sizes, got {x.size}")
    if np.any(x <= 0):
        raise ValueError(f"n: expected positive sizes, got {x.tolist()}")
    if np.unique(x).size != x.size:
        raise ValueError(f"n: expected one point per size, got repeated sizes {x.tolist()}")
    return x


def fit_power_law(n, loss) -> dict:
    """Fit ``L = l_inf + a * N ** -alpha`` by least squares, one point per size, with
    ``alpha`` in ``ALPHA_RANGE``, ``a >= 0`` and ``0 <= l_inf <= min(loss)``.

    Args:
        n: the sizes (parameters, tokens), at least 3, positive and different.
        loss: the loss at each size, positive.
    Returns:
        ``{"l_inf", "a", "alpha", "fitted", "residuals", "rmse"}``: ``fitted`` and
        ``residuals`` (``loss - fitted``) are lists in the order of ``n``.
    """
    sizes = _sizes(n)
    y = _values(loss, "loss")
    if y.size != sizes.size:
        raise ValueError(f"loss: expected {sizes.size} values (one per size), got {y.size}")
    if np.any(y <= 0):
        raise ValueError(f"loss: expected positive losses, got {y.tolist()}")
    n0 = sizes.min()
    logr = np.log(sizes / n0)
    l_inf, a, alpha, _ = _fit_rows(logr, y[None])
    l_inf, a, alpha = float(l_inf[0]), float(a[0]), float(alpha[0])
    fitted = l_inf + a * np.exp(-alpha * logr)
    residuals = y - fitted
    return {
        "l_inf": l_inf,
        "a": float(a * n0**alpha),
        "alpha": alpha,
        "fitted": [float(v) for v in fitted],
        "residuals": [float(v) for v in residuals],
        "rmse": float(np.sqrt(np.mean(residuals**2))),
    }


def bootstrap_fit(n, per_size, *, resamples: int | None = None, seed: int | None = None) -> dict:
    """Fit the power law to the mean loss at each size, then bootstrap the fit: resample
    the seeds within each size with replacement, take the means, refit.

    Args:
        n: the sizes, as for :func:`fit_power_law`.
        per_size: one list of per-seed losses per size, in the order of ``n``.
        resamples: bootstrap resamples (``min(R.BOOTSTRAP_RESAMPLES, 2000)`` when
            ``None``).
        seed: the generator's seed (``R.BOOTSTRAP_SEED`` when ``None``).
    Returns:
        ``{"fit", "alpha", "l_inf", "a", "samples", "seeds"}``: ``fit`` is
        :func:`fit_power_law` of the means; ``alpha``, ``l_inf`` and ``a`` are each
        ``{"value", "lo", "hi"}`` at ``R.CONFIDENCE``; ``samples`` is
        ``{"alpha": [...]}``, the resampled exponents (for :func:`exponent_difference`);
        ``seeds`` the fewest seeds at any size.
    """
    sizes = _sizes(n)
    if isinstance(per_size, (str, bytes)) or len(per_size) != sizes.size:
        raise ValueError(f"per_size: expected {sizes.size} lists of losses (one per size)")
    groups = [_values(v, f"per_size[{i}]") for i, v in enumerate(per_size)]
    if any(np.any(g <= 0) for g in groups):
        raise ValueError("per_size: expected positive losses")
    count = _resamples(resamples, min(R.BOOTSTRAP_RESAMPLES, 2000))
    means = np.array([g.mean() for g in groups])
    fit = fit_power_law(sizes, means)

    rng = _rng(seed)
    boot = np.column_stack([_resampled_means(g, count, rng) for g in groups])  # (B, P)
    n0 = sizes.min()
    l_inf, a_scaled, alpha, _ = _fit_rows(np.log(sizes / n0), boot)
    a = a_scaled * n0**alpha
    same = np.all(boot == means, axis=1)  # resamples equal to the data: the data's fit
    l_inf[same], a[same], alpha[same] = fit["l_inf"], fit["a"], fit["alpha"]

    def interval(key, samples):
        lo, hi = _quantiles(samples)
        return {"value": fit[key], "lo": lo, "hi": hi}

    return {
        "fit": fit,
        "alpha": interval("alpha", alpha),
        "l_inf": interval("l_inf", l_inf),
        "a": interval("a", a),
        "samples": {"alpha": [float(v) for v in alpha]},
        "seeds": int(min(g.size for g in groups)),
    }


def exponent_difference(fit_a: dict, fit_b: dict) -> dict:
    """The difference of two families' exponents and its interval at ``R.CONFIDENCE``,
    from their bootstrap samples taken index by index (the two were drawn
    independently, so each pair is an independent combination).

    Args:
        fit_a, fit_b: results of :func:`bootstrap_fit` with as many samples each.
    Returns:
        ``{"diff", "lo", "hi"}`` with ``diff = alpha_b - alpha_a``.
    """
    try:
        sa = _values(fit_a["samples"]["alpha"], "fit_a's alpha samples")
        sb = _values(fit_b["samples"]["alpha"], "fit_b's alpha samples")
        va = _number(fit_a["alpha"]["value"], "fit_a's alpha")
        vb = _number(fit_b["alpha"]["value"], "fit_b's alpha")
    except (KeyError, TypeError) as err:
        raise ValueError("fit_a, fit_b: expected results of bootstrap_fit") from err
    if sa.size != sb.size:
        raise ValueError(
            f"fit_a, fit_b: expected as many alpha samples each, got {sa.size} and {sb.size}"
        )
    lo, hi = _quantiles(sb - sa)
    return {"diff": vb - va, "lo": lo, "hi": hi}


def exponent_comparison(fit_a: dict, fit_b: dict, names=("lstm", "transformer")) -> dict:
    """Which of two families' fitted exponents is larger (the curve that falls faster
    with size or data): :func:`exponent_difference` judged like :func:`compare`, a
    winner when the interval excludes zero and the difference exceeds
    ``R.MARGIN["exponent"]``.

    Returns:
        ``{"diff", "lo", "hi", "margin", "outcome", "winner", "reason"}``, ``diff`` the
        exponent of ``fit_b`` minus that of ``fit_a``; ``outcome`` ``"win"`` or
        ``"inconclusive"``; ``winner`` one of ``names`` or ``None``.
    """
    name_a, name_b = _names(names)
    d = exponent_difference(fit_a, fit_b)
    margin = float(R.MARGIN["exponent"])
    winner = None
    if min(fit_a.get("seeds", 2), fit_b.get("seeds", 2)) < 2:  # no spread to judge by
        return {**d, "margin": margin, "outcome": "inconclusive", "winner": None,
                "reason": "fewer than two seeds at a size: nothing is decided"}  # fmt: skip
    if d["lo"] > 0 and d["diff"] > margin:
        winner = name_b
    elif d["hi"] < 0 and -d["diff"] > margin:
        winner = name_a
    return {
        **d,
        "margin": margin,
        "outcome": "inconclusive" if winner is None else "win",
        "winner": winner,
        "reason": f"interval {d['lo']:+.3f}…{d['hi']:+.3f}, margin {margin}",
    }


# --- Timings ---------------------------------------------------------------------------


def _timing(t, what: str) -> tuple[float, float, float]:
    try:
        med, lo, hi = (_number(t[k], f"{what}[{k!r}]") for k in ("median", "min", "max"))
    except (KeyError, TypeError) as err:
        raise ValueError(f"{what}: expected a dict with 'median', 'min', 'max'") from err
    if not (0 < lo <= med <= hi):
        raise ValueError(f"{what}: expected 0 < min <= median <= max, got {lo}, {med}, {hi}")
    return med, lo, hi


def time_winner(a: dict, b: dict, names: Sequence[str] = ("a", "b")) -> str:
    """The faster of two implementations in one cell of a timing grid.

    Args:
        a, b: timings ``{"median", "min", "max"}`` in milliseconds.
        names: the two implementations' names, in the order of ``a`` and ``b``.
    Returns:
        The name of the faster one when its median is faster by more than
        ``R.MARGIN["log_time"]`` (in log) and the ranges ``[min, max]`` do not overlap
        (touching counts as overlapping); ``"tie"`` otherwise.
    """
    name_a, name_b = _names(names)
    med_a, min_a, max_a = _timing(a, "a")
    med_b, min_b, max_b = _timing(b, "b")
    if abs(math.log(med_a / med_b)) <= float(R.MARGIN["log_time"]):
        return "tie"
    if min_a <= max_b and min_b <= max_a:
        return "tie"
    return name_a if med_a < med_b else name_b


def crossovers(lengths, ratios) -> list[float]:
    """The lengths at which one implementation overtakes the other.

    Args:
        lengths: increasing sequence lengths, positive.
        ratios: ``time_a / time_b`` at each length, positive.
    Returns:
        The lengths where ``ln(ratio)`` changes sign (from below 1 to above, or back),
        interpolated linearly in (log length, log ratio); where the ratio is exactly 1
        between the two signs, that length (the middle, in log, of a run of such lengths).
        A ratio of 1 that is not between the two signs (at an end, or touched and left
        on the same side) is no crossover. Empty when the sign never changes.
    """
    x = _values(lengths, "lengths")
    r = _values(ratios, "ratios")
    if x.size != r.size:
        raise ValueError(f"ratios: expected {x.size} values (one per length), got {r.size}")
    if np.any(x <= 0) or np.any(np.diff(x) <= 0):
        raise ValueError(f"lengths: expected positive, increasing lengths, got {x.tolist()}")
    if np.any(r <= 0):
        raise ValueError(f"ratios: expected positive ratios, got {r.tolist()}")
    logx, logr = np.log(x), np.log(r)
    sign = np.sign(logr)
    out: list[float] = []
    last = None  # index of the last point off the tie line
    for j in range(x.size):
        if sign[j] == 0:
            continue
        if last is not None and sign[j] != sign[last]:
            if j == last + 1:
                t = logr[last] / (logr[last] - logr[j])
                out.append(float(math.exp(logx[last] + t * (logx[j] - logx[last]))))
            else:  # ties in between: the middle of their run
                out.append(float(math.exp((logx[last + 1] + logx[j - 1]) / 2)))
        last = j
    return out
