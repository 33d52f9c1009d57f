"""Claim 1, parallelization: the time of a training step and of a forward pass over a
grid of sequence length, batch and width, for the LSTM a practitioner would use
(``torch.nn.LSTM``: oneDNN on the CPU, cuDNN on CUDA) and a Transformer of matched size
with torch's fused attention; the book's from-scratch LSTM as its own labelled line
("teaching code"), never as the baseline. Tokens per second, peak memory, the critical
path of each model, and every cell skipped with its reason."""

from __future__ import annotations

import math
import os
import time

import torch
from torch import nn
from tqdm.auto import tqdm

from seqlab.bench import rules as R
from seqlab.bench.common import (
    VOCAB,
    check_matched,
    impl_of,
    reset_peak_rss,
    rss_bytes,
    stamp,
    time_ms,
)
from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.transformer import TransformerConfig, TransformerLM
from seqlab.utils import closest_size, count_parameters

MODELS = ("lstm", "transformer", "lstm-teaching")
MODES = ("train", "forward")


def speed_model(name: str, width: int, max_len: int, d_ff: int | None = None) -> nn.Module:
    """One of :data:`MODELS` at ``width`` (hidden units, or ``d_model``), two layers,
    embedding = width. The Transformer's ``d_ff`` (default: matched to the LSTM's size,
    :func:`matched_d_ff`) and heads of ``rules.SPEED_HEAD_SIZE`` units."""
    if name in ("lstm", "lstm-teaching"):
        config = RNNLMConfig(
            vocab_size=VOCAB,
            d_embed=width,
            hidden_size=width,
            num_layers=R.SPEED_LAYERS,
            impl="torch" if name == "lstm" else "seqlab",
        )
        return RNNLM(config)
    if name == "transformer":
        config = TransformerConfig(
            vocab_size=VOCAB,
            d_model=width,
            n_heads=max(1, width // R.SPEED_HEAD_SIZE),
            n_layers=R.SPEED_LAYERS,
            d_ff=d_ff or matched_d_ff(width),
            max_len=max_len,
        )
        return TransformerLM(config)
    raise ValueError(f"unknown model {name!r}; choose one of {MODELS}")


def matched_d_ff(width: int) -> int:
    """The Transformer's ``d_ff`` whose parameter count is closest to the LSTM's."""
    target = count_parameters(speed_model("lstm", width, 16))
    return closest_size(
        lambda f: speed_model("transformer", width, 16, d_ff=f), target, range(8, 16 * width, 8)
    )


def sequential_steps(name: str, length: int) -> int:
    """Operations that must wait for the previous one along the sequence: every step of
    every layer for an LSTM, one per layer for a Transformer (all positions at once)."""
    return R.SPEED_LAYERS * (1 if name == "transformer" else length)


def _calls(model: nn.Module, tokens: torch.Tensor):
    """``train_step()`` (forward, loss, backward, Adam) and ``forward()`` (no grad) of
    ``model`` on ``tokens`` ``(B, L)``."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def logits():
        out = model(tokens)
        return out[0] if isinstance(out, tuple) else out  # (B, L, V)

    def train_step():
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(logits().flatten(0, 1), tokens.flatten())
        loss.backward()
        optimizer.step()

    @torch.no_grad()
    def forward():
        return logits()

    return {"train": train_step, "forward": forward}


def memory_limit(run_device: torch.device) -> int:
    """``rules.SPEED_MEMORY_SHARE`` of the machine's memory (the GPU's on CUDA)."""
    if run_device.type == "cuda":
        total = torch.cuda.get_device_properties(run_device).total_memory
    else:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(R.SPEED_MEMORY_SHARE * total)


def _measured_call(fn, run_device) -> tuple[float, int | None]:
    """One call of ``fn`` (the warm-up): its seconds and the peak memory it added (CUDA's
    allocator count; on the CPU the rise of peak resident memory; ``None`` if unknown)."""
    if run_device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats(run_device)
        before = torch.cuda.memory_allocated(run_device)
    else:
        before = rss_bytes()[0] if reset_peak_rss() and rss_bytes() else None
    start = time.perf_counter()
    fn()
    if run_device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    if run_device.type == "cuda":
        return seconds, torch.cuda.max_memory_allocated(run_device) - before
    return seconds, None if before is None else max(0, rss_bytes()[1] - before)


def _predict(points: list[tuple[int, float]], length: int) -> float:
    """Extrapolate a quantity measured at shorter lengths to ``length``: growth at least
    linear, and as steep as the last two measurements when they grew faster."""
    (l1, v1) = points[-1]
    power = 1.0
    if len(points) > 1 and points[-2][1] > 0 and v1 > 0:
        (l0, v0) = points[-2]
        power = max(1.0, math.log(v1 / v0) / math.log(l1 / l0))
    return v1 * (length / l1) ** power


def _line(name, model, width, batch, mode, lengths, run_device, limit, progress) -> list[dict]:
    """The cells of one line of the grid (one model, width, batch and mode), in order of
    length; a cell predicted past the time or memory limit, and every longer one, is a
    row with ``skipped`` (its reason) and no timing."""
    rows, times, memories, skipped = [], [], [], None
    for length in lengths:
        row = {
            "model": name,
            "impl": impl_of(model),
            "teaching_code": name == "lstm-teaching",
            "width": width,
            "batch_size": batch,
            "length": length,
            "mode": mode,
            "sequential_steps": sequential_steps(name, length),
        }
        if skipped is None and times:
            seconds = _predict(times, length)
            memory = _predict(memories, length) if memories else 0.0
            if seconds > R.SPEED_MAX_STEP_SECONDS:
                skipped = (
                    f"predicted {seconds:.0f} s per call (limit {R.SPEED_MAX_STEP_SECONDS:.0f} s)"
                )
            elif memory > limit:
                skipped = f"predicted {memory / 2**30:.1f} GiB (limit {limit / 2**30:.1f} GiB)"
        if skipped is not None:
            rows.append({**row, "skipped": skipped})
            progress.update()
            continue
        tokens = torch.randint(3, VOCAB, (batch, length), device=run_device)
        fn = _calls(model, tokens)[mode]
        try:
            seconds, memory = _measured_call(fn, run_device)
        except (RuntimeError, MemoryError) as error:  # out of memory
            skipped = f"failed: {str(error).splitlines()[0][:120]}"
            rows.append({**row, "skipped": skipped})
            progress.update()
            continue
        repeats = (
            R.SPEED_REPEATS
            if seconds <= 1.0
            else R.SPEED_SLOW_REPEATS
            if seconds <= 5.0
            else R.SPEED_SLOWEST_REPEATS
        )
        timing = time_ms(fn, run_device, warmup=0, repeats=repeats)
        times.append((length, timing["median"] / 1000))
        if memory is not None:
            memories.append((length, max(memory, 1)))
        rows.append(
            {
                **row,
                "skipped": None,
                "ms": timing,
                "tokens_per_s": batch * length / (timing["median"] / 1000),
                "peak_memory_bytes": memory,
            }
        )
        progress.update()
    return rows


def speed_suite(
    run_device,
    *,
    quick: bool = False,
    lengths: list[int] | None = None,
    batches: list[int] | None = None,
    widths: list[int] | None = None,
) -> dict:
    """Training-step and forward time over the grid of ``rules`` (claim 1).

    Returns:
        ``{"suite", "stamp", "config", "params", "rows"}``; one row per model, width,
        batch, length and mode (``train`` or ``forward``): ``impl`` (what computed it),
        ``teaching_code``, ``sequential_steps``, and either ``ms`` (see
        :func:`~seqlab.bench.common.time_ms`), ``tokens_per_s`` and ``peak_memory_bytes``
        (measured on the warm-up call) or ``skipped`` with its reason.
    """
    run_device = torch.device(run_device)
    grid = R.QUICK_SPEED if quick else {}
    lengths = sorted(lengths or grid.get("lengths", R.SPEED_LENGTHS))
    batches = sorted(batches or grid.get("batches", R.SPEED_BATCHES))
    widths = sorted(widths or grid.get("widths", R.SPEED_WIDTHS))
    teaching_batch = batches[len(batches) // 2] if quick else R.SPEED_TEACHING_BATCH
    limit = memory_limit(run_device)
    lines = [
        (name, width, batch, mode)
        for width in widths
        for name in MODELS
        for batch in (batches if name != "lstm-teaching" else [teaching_batch])
        for mode in MODES
    ]
    params, rows = {}, []
    progress = tqdm(total=len(lines) * len(lengths), desc="speed", leave=False)
    for width in widths:
        torch.manual_seed(0)
        models = {name: speed_model(name, width, max(lengths)) for name in MODELS}
        sizes = {name: count_parameters(model) for name, model in models.items()}
        check_matched(sizes)
        params[str(width)] = sizes
        for name, model in models.items():
            model.to(run_device)
            for _, w, batch, mode in [line for line in lines if line[:2] == (name, width)]:
                rows += _line(name, model, w, batch, mode, lengths, run_device, limit, progress)
            model.cpu()
    progress.close()
    config = _config(quick, lengths, batches, widths, teaching_batch, limit, run_device)
    return {
        "suite": "speed",
        "stamp": stamp(run_device, seeds=[0]),
        "config": config,
        "params": params,
        "rows": rows,
    }


def _config(quick, lengths, batches, widths, teaching_batch, limit, run_device) -> dict:
    """The ``config`` of a speed results file: the grid and how it was measured."""
    return {
        "quick": quick,
        "lengths": lengths,
        "batches": batches,
        "widths": widths,
        "teaching_batch": teaching_batch,
        "layers": R.SPEED_LAYERS,
        "vocab": VOCAB,
        "d_ff": {str(w): matched_d_ff(w) for w in widths},
        "max_step_seconds": R.SPEED_MAX_STEP_SECONDS,
        "memory_limit_bytes": limit,
        "memory": "cuda max_memory_allocated during the warm-up call"
        if run_device.type == "cuda"
        else "rise of peak RSS during the warm-up call (after malloc_trim)",
    }
