"""What every suite of :mod:`seqlab.bench` shares: the stamp, timing, seeds and spread,
matched model pairs, the learning-rate sweep and peak-memory probes."""

from __future__ import annotations

import ctypes
import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import torch
from torch import nn

from seqlab.bench import rules as R
from seqlab.rnn import RNNLM, RNNLMConfig, implementation
from seqlab.seq2seq import Seq2Seq
from seqlab.transformer import Transformer, TransformerConfig, TransformerLM
from seqlab.utils import closest_size, count_parameters, environment_report, seed_everything

VOCAB = R.SPEED_VOCAB  # a character vocabulary's size, for the timing suites
MAX_MISMATCH = 0.10  # paired models differ in parameter count by at most this share


def seeds_for(quick: bool) -> list[int]:
    """The reported seeds of :mod:`~seqlab.bench.rules` (one with ``quick``)."""
    return list(R.QUICK_SEEDS if quick else R.SEEDS)


def _file_sha256(module) -> str:
    """The SHA-256 of the bytes of ``module``'s source file."""
    return hashlib.sha256(Path(module.__file__).read_bytes()).hexdigest()


def rules_sha256() -> str:
    """The SHA-256 of the bytes of :mod:`seqlab.bench.rules`, the file of thresholds,
    grids and margins: every stamp records it, so a result is never judged by rules
    other than those it was made under."""
    return _file_sha256(R)


def scale_rules_sha256() -> str:
    """The SHA-256 of the bytes of :mod:`seqlab.bench.scale_rules`, the rules of the
    suites at scale only (their stamps record it beside :func:`rules_sha256`)."""
    from seqlab.bench import scale_rules

    return _file_sha256(scale_rules)


def pretrain_rules_sha256() -> str:
    """The SHA-256 of the bytes of :mod:`seqlab.bench.pretrain_rules`, the rules of the
    ``pretrain`` suite only (its stamps record it beside :func:`rules_sha256`)."""
    from seqlab.bench import pretrain_rules

    return _file_sha256(pretrain_rules)


def _git_commit() -> str | None:
    if os.environ.get("SEQLAB_GIT_COMMIT"):  # set where the tree was copied elsewhere
        return os.environ["SEQLAB_GIT_COMMIT"]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


# The commit of the code this process imported, read once at import: a suite that runs
# for an hour stamps the commit it started from, not one made while it ran.
GIT_COMMIT = _git_commit()


def stamp(run_device: torch.device, seeds: list[int]) -> dict:
    """Where and with what a result was measured: :func:`seqlab.utils.environment_report`
    plus the device used, the seeds and the git commit of the code this process imported
    (:data:`GIT_COMMIT`; ``SEQLAB_GIT_COMMIT`` when set, for a copy of the tree run
    elsewhere; ``None`` outside a checkout)."""
    return {
        **environment_report(),
        "device": str(run_device),
        "seeds": seeds,
        "git_commit": GIT_COMMIT,
        "rules_sha256": rules_sha256(),
    }


def cpu_result(suite: str, seeds: list[int], config: dict, **fields) -> dict:
    """A results dict of a suite run on the CPU: ``suite``, ``stamp``, ``config`` (with
    ``quick``), then ``fields`` (``params``, ``rows`` and any other)."""
    return {"suite": suite, "stamp": stamp(torch.device("cpu"), seeds), "config": config, **fields}


def time_ms(fn: Callable[[], object], run_device, *, warmup: int = 1, repeats: int = 5) -> dict:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeats`` timed ones.

    Returns:
        ``{"median", "min", "max"}`` in milliseconds and ``"repeats"``.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats} and {warmup}")
    cuda = torch.device(run_device).type == "cuda"
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize()
        times.append(1000 * (time.perf_counter() - start))
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "repeats": repeats,
    }


def spread(values: Iterable[float]) -> dict:
    """``{"mean", "min", "max", "values"}`` of one measurement over seeds."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("spread needs at least one value")
    return {
        "mean": statistics.mean(values),
        "min": min(values),
        "max": max(values),
        "values": values,
    }


def lm_pair(
    vocab: int,
    *,
    hidden: int,
    d_model: int,
    max_len: int,
    positional: str = "sinusoidal",
    n_heads: int = 4,
    n_layers: int = 2,
    d_embed: int = 32,
    lstm_layers: int = 1,
) -> dict[str, Callable[[], nn.Module]]:
    """An LSTM language model (``torch.nn.LSTM``, ``lstm_layers`` layers, forget bias
    ``rules.FORGET_BIAS``) and a Transformer LM (fused attention, ``n_layers`` layers)
    whose feed-forward width is chosen to match its parameter count (within
    :data:`MAX_MISMATCH`, see :func:`matched_d_ff`).

    Returns:
        ``{"lstm": make, "transformer": make}``, functions building fresh models.
    """

    def lstm():
        config = RNNLMConfig(
            vocab_size=vocab,
            d_embed=d_embed,
            hidden_size=hidden,
            num_layers=lstm_layers,
            forget_bias=R.FORGET_BIAS,
            impl="torch",
        )
        return RNNLM(config)

    def transformer_of(d_ff):
        config = TransformerConfig(
            vocab_size=vocab,
            d_model=d_model,
            n_heads=n_heads,
            n_layers=n_layers,
            d_ff=d_ff,
            max_len=max_len,
            positional=positional,
        )
        return TransformerLM(config)

    target = count_parameters(lstm())
    d_ff = matched_d_ff(transformer_of, target, 16 * d_model)
    check_matched({"lstm": target, "transformer": count_parameters(transformer_of(d_ff))})
    return {"lstm": lstm, "transformer": lambda: transformer_of(d_ff)}


def matched_d_ff(make: Callable[[int], nn.Module], target: int, largest: int) -> int:
    """The multiple of 4 in ``4 … largest`` whose model ``make(d_ff)`` has the parameter
    count closest to ``target`` (the smaller on a tie). A model's count grows linearly
    with ``d_ff``, so two builds give the line and a third checks it: the same answer as
    trying every width, at any size."""
    base, slope = count_parameters(make(4)), count_parameters(make(8)) - count_parameters(make(4))
    if slope <= 0:
        raise ValueError("make(d_ff) must have more parameters as d_ff grows")
    j, last = (target - base) / slope, (largest - 4) // 4  # d_ff = 4 + 4 j on the line
    candidates = sorted({min(max(i, 0), last) for i in (math.floor(j), math.ceil(j))})
    d_ff = 4 + 4 * min(candidates, key=lambda i: abs(base + slope * i - target))
    if count_parameters(make(d_ff)) != base + slope * (d_ff - 4) // 4:
        raise ValueError(f"make(d_ff)'s parameter count is not linear in d_ff at {d_ff}")
    return d_ff


def seq2seq_pair(task, *, attention: str, max_len: int) -> dict[str, Callable[[], nn.Module]]:
    """A GRU encoder–decoder with ``attention`` (64 units, chapter 5) and chapter 9's
    Transformer (width 40, 4 heads, 2 + 2 layers) whose ``d_ff`` matches its size.

    Returns:
        ``{"rnn-attention": make, "transformer": make}``.
    """

    def rnn():
        return Seq2Seq.for_task(task, hidden_size=64, attention=attention)

    def transformer_of(d_ff):
        return Transformer.for_task(
            task, d_model=40, n_heads=4, n_layers=2, d_ff=d_ff, max_len=max_len
        )

    target = count_parameters(rnn())
    d_ff = closest_size(transformer_of, target, range(8, 1025, 4))
    check_matched({"rnn": target, "transformer": count_parameters(transformer_of(d_ff))})
    return {"rnn-attention": rnn, "transformer": lambda: transformer_of(d_ff)}


def check_matched(params: dict[str, int]) -> None:
    """Raise ``ValueError`` if the largest count exceeds the smallest by more than 10 %."""
    if max(params.values()) > (1 + MAX_MISMATCH) * min(params.values()):
        raise ValueError(f"models differ in size by more than {MAX_MISMATCH:.0%}: {params}")


def impl_of(model: nn.Module) -> str:
    """What computes ``model``, for the ``impl`` field of a results row: the recurrent
    stack's class for an RNN LM (``torch.nn.LSTM`` or the teaching ``seqlab.rnn.LSTM``),
    else the model's own class (``seqlab.transformer.TransformerLM``, ...)."""
    if isinstance(model, RNNLM):
        return implementation(model)
    return f"{type(model).__module__}.{type(model).__name__}"


def seeded(make: Callable[[], nn.Module], seed: int, run_device) -> nn.Module:
    """``make()`` after seeding every generator with ``seed``, moved to ``run_device``."""
    seed_everything(seed)
    return make().to(run_device)


def _half_decades(lr: float) -> int:
    """``lr`` as a whole number of half-decades, ``k`` in ``lr = 10 ** (k / 2)``."""
    return round(2 * math.log10(lr))


def search_lr(score: Callable[[float], dict], previous: float | None = None, *, quick=False):
    """The learning-rate search of :mod:`~seqlab.bench.rules`, for one family at one size.

    Without ``previous``: the six rates of ``LR_FIRST``; with it (the best rate at the
    previous size): that rate and its two half-decade neighbours. Then, while the best is
    at an edge, one more half-decade beyond it (at most ``LR_MAX_EXTEND`` times, within
    ``LR_BOUNDS``).

    Args:
        score: ``score(lr)`` trains one model (seed ``TUNE_SEED``) and returns
            ``{"loss": validation loss, "metric": accuracy or None}``.
    Returns:
        ``{"rates", "loss", "metric", "best", "at_edge"}``: the rates tried in increasing
        order with their validation loss and metric, the rate of lowest loss, and whether
        it is still the smallest or largest tried. ``quick``: ``QUICK_LR``, untried.
    """
    if quick:
        return {
            "rates": [R.QUICK_LR],
            "loss": [],
            "metric": [],
            "best": R.QUICK_LR,
            "at_edge": False,
        }
    if previous is None:
        steps = [_half_decades(lr) for lr in R.LR_FIRST]
    else:
        k = _half_decades(previous)
        steps = [k - 1, k, k + 1]
    low, high = (_half_decades(b) for b in R.LR_BOUNDS)
    tried = {k: score(10 ** (k / 2)) for k in steps if low <= k <= high}

    def best() -> int:
        finite = {k: v["loss"] for k, v in tried.items() if math.isfinite(v["loss"])}
        return min(finite, key=finite.get) if finite else min(tried)

    for _ in range(R.LR_MAX_EXTEND):
        k = best()
        beyond = k - 1 if k == min(tried) else k + 1 if k == max(tried) else None
        if beyond is None or not low <= beyond <= high:
            break
        tried[beyond] = score(10 ** (beyond / 2))
    order = sorted(tried)
    k = best()
    return {
        "rates": [10 ** (j / 2) for j in order],
        "loss": [tried[j]["loss"] for j in order],
        "metric": [tried[j].get("metric") for j in order],
        "best": 10 ** (k / 2),
        "at_edge": k in (order[0], order[-1]),
    }


def search_each(
    score: Callable[[str, float], dict], names: Iterable[str], previous=None, *, quick=False
) -> dict:
    """:func:`search_lr` for each family ``name``: ``{name: search}``; ``previous`` is
    the last size's ``{name: search}`` (its best rates start this size's searches)."""
    return {
        name: search_lr(
            lambda lr, name=name: score(name, lr),
            None if previous is None else previous[name]["best"],
            quick=quick,
        )
        for name in names
    }


def rss_bytes() -> tuple[int, int] | None:
    """``(current, peak)`` resident memory of this process from ``/proc`` (Linux), or
    ``None`` where that is not available."""
    try:
        fields = dict(
            line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
        )
        return (
            int(fields["VmRSS"].split()[0]) * 1024,
            int(fields["VmHWM"].split()[0]) * 1024,
        )
    except (OSError, KeyError, ValueError):
        return None


def reset_peak_rss() -> bool:
    """Return freed heap memory to the OS (glibc's ``malloc_trim``), then reset this
    process's peak resident memory (Linux >= 4.0); whether the reset worked."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def probe_in_subprocess(function: str, spec: dict, timeout: float = 600) -> object:
    """Run ``seqlab.bench.<function>(spec)`` in a fresh Python and return its JSON answer:
    a memory measurement that no earlier allocation of this process can disturb."""
    module, name = function.rsplit(".", 1)
    code = (
        "import json, sys; from importlib import import_module; "
        f"print(json.dumps(getattr(import_module({module!r}), {name!r})"
        "(json.loads(sys.argv[1]))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OMP_NUM_THREADS": str(torch.get_num_threads())},
    )
    if out.returncode:
        raise RuntimeError(f"memory probe {function} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def non_finite(obj, where: str = "") -> str | None:
    """The path of the first NaN or infinity in a JSON-like ``obj``, else ``None``."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return where or "value"
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list | tuple):
        items = enumerate(obj)
    else:
        return None
    for key, value in items:
        found = non_finite(value, f"{where}[{key!r}]")
        if found:
            return found
    return None


# two-sided 95 % quantiles of Student's t by degrees of freedom (1.96 beyond the table)
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306}


def t_interval(values: Iterable[float]) -> dict:
    """The mean of ``values`` (one per seed) with its 95 % Student-t interval,
    ``mean ± t * sd / sqrt(n)``: ``{"mean", "lo", "hi", "n"}``. With one value the
    interval is that value (no spread to estimate: compare nothing with it)."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("t_interval needs at least one value")
    mean, n = statistics.mean(values), len(values)
    half = 0.0 if n == 1 else _T95.get(n - 1, 1.96) * statistics.stdev(values) / math.sqrt(n)
    return {"mean": mean, "lo": mean - half, "hi": mean + half, "n": n}


def failed_to_train(search: dict | None, metrics: Iterable[float], chance: float) -> bool:
    """Whether a family stayed at chance (``rules.NEAR_CHANCE``) with every seed
    (``metrics``) and every rate its ``search`` tried (``None``: no search here)."""
    tried = [] if search is None else [m for m in search["metric"] if m is not None]
    return all(m <= chance + R.NEAR_CHANCE for m in [*metrics, *tried])


def rescue_search(score: Callable[[float], dict], best: float) -> dict:
    """Every rate of ``rules.LR_FIRST`` and ``best``: the search a family gets at a
    condition where all its seeds stayed at chance with ``best`` (the rate searched at
    another condition), before it is called "failed to train" there. Its ``best`` is the
    rate of lowest validation loss here, so a rate that trains at this condition is the
    one its seeds are then reported at. Returns the form of :func:`search_lr`."""
    rates = sorted({*R.LR_FIRST, best})
    scores = {lr: score(lr) for lr in rates}
    finite = {lr: v["loss"] for lr, v in scores.items() if math.isfinite(v["loss"])}
    chosen = min(finite, key=finite.get) if finite else best
    return {
        "rates": rates,
        "loss": [scores[lr]["loss"] for lr in rates],
        "metric": [scores[lr]["metric"] for lr in rates],
        "best": chosen,
        "at_edge": chosen in (rates[0], rates[-1]),
    }
