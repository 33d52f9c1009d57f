"""What every suite of :mod:`seqlab.bench` shares: the stamp, timing, seeds and spread,
matched model pairs, the learning-rate sweep and peak-memory probes."""

from __future__ import annotations

import ctypes
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

from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.seq2seq import Seq2Seq
from seqlab.transformer import Transformer, TransformerConfig, TransformerLM
from seqlab.utils import closest_size, count_parameters, environment_report, seed_everything

VOCAB = 64  # a character vocabulary's size, for the timing suites
FULL_SEEDS, QUICK_SEEDS = [0, 1, 2], [0]
FULL_LRS, QUICK_LRS = [1e-3, 3e-3, 1e-2], [3e-3]
MAX_MISMATCH = 0.10  # paired models differ in parameter count by at most this share


def seeds_for(quick: bool) -> list[int]:
    return list(QUICK_SEEDS if quick else FULL_SEEDS)


def lrs_for(quick: bool) -> list[float]:
    return list(QUICK_LRS if quick else FULL_LRS)


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


def stamp(run_device: torch.device, seeds: list[int]) -> dict:
    """Where and with what a result was measured: :func:`seqlab.utils.environment_report`
    plus the device used, the seeds and the git commit (``SEQLAB_GIT_COMMIT`` when set,
    for a copy of the tree run elsewhere; ``None`` outside a checkout)."""
    return {
        **environment_report(),
        "device": str(run_device),
        "seeds": seeds,
        "git_commit": _git_commit(),
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
) -> dict[str, Callable[[], nn.Module]]:
    """An LSTM language model and a Transformer LM whose feed-forward width is chosen to
    match its parameter count (within :data:`MAX_MISMATCH`).

    Returns:
        ``{"lstm": make, "transformer": make}``, functions building fresh models.
    """

    def lstm():
        return RNNLM(RNNLMConfig(vocab_size=vocab, d_embed=d_embed, hidden_size=hidden))

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
    d_ff = closest_size(transformer_of, target, range(4, 16 * d_model + 1, 4))
    check_matched({"lstm": target, "transformer": count_parameters(transformer_of(d_ff))})
    return {"lstm": lstm, "transformer": lambda: transformer_of(d_ff)}


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


def seeded(make: Callable[[], nn.Module], seed: int, run_device) -> nn.Module:
    """``make()`` after seeding every generator with ``seed``, moved to ``run_device``."""
    seed_everything(seed)
    return make().to(run_device)


def pick_lr(score: Callable[[str, float], float], names: Iterable[str], lrs: list[float]) -> dict:
    """The same small learning-rate sweep for every model: ``score(name, lr)`` (lower is
    better, one seed) for each name and rate.

    Returns:
        ``{name: {"scores": {lr: score}, "best": lr}}`` (rates as strings in ``scores``,
        as JSON keys are). With one rate, nothing is swept and its score is not computed.
    """
    sweep = {}
    for name in names:
        if len(lrs) == 1:
            sweep[name] = {"scores": {}, "best": lrs[0]}
            continue
        scores = {lr: score(name, lr) for lr in lrs}
        finite = {lr: s for lr, s in scores.items() if math.isfinite(s)}
        best = min(finite, key=finite.get) if finite else lrs[0]
        sweep[name] = {"scores": {str(lr): s for lr, s in scores.items()}, "best": best}
    return sweep


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
