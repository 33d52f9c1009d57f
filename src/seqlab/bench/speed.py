"""Claim 1, parallelization: training-step and forward time against sequence length for
an LSTM LM, an LSTM encoder–decoder with attention and a Transformer LM of matched size,
the critical path (sequentially dependent steps) of each, and peak memory of a step."""

from __future__ import annotations

import torch
from torch import nn
from tqdm.auto import tqdm

from seqlab.bench.common import (
    VOCAB,
    check_matched,
    probe_in_subprocess,
    reset_peak_rss,
    rss_bytes,
    stamp,
    time_ms,
)
from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.seq2seq import Seq2Seq, Seq2SeqConfig
from seqlab.transformer import TransformerConfig, TransformerLM
from seqlab.utils import closest_size, count_parameters

FULL_LENGTHS = [16, 32, 64, 128, 256, 512, 1024, 2048]
QUICK_LENGTHS = [16, 32, 64]
MODELS = ("lstm", "lstm-attention", "transformer")


def speed_model(name: str, size: int, max_len: int) -> nn.Module:
    """One of :data:`MODELS` at ``size`` (hidden units, or the Transformer's ``d_ff``)."""
    if name == "lstm":
        return RNNLM(RNNLMConfig(vocab_size=VOCAB, d_embed=32, hidden_size=size, cell="lstm"))
    if name == "lstm-attention":
        config = Seq2SeqConfig(
            VOCAB, VOCAB, hidden_size=size, cell="lstm", attention="luong-general"
        )
        return Seq2Seq(config)
    if name == "transformer":
        config = TransformerConfig(
            vocab_size=VOCAB, d_model=64, n_heads=4, n_layers=2, d_ff=size, max_len=max_len
        )
        return TransformerLM(config)
    raise ValueError(f"unknown model {name!r}; choose one of {MODELS}")


def speed_sizes() -> dict[str, int]:
    """The LSTM's 128 units, and the other two sized to its parameter count."""
    target = count_parameters(speed_model("lstm", 128, 16))
    return {
        "lstm": 128,
        "lstm-attention": closest_size(
            lambda h: speed_model("lstm-attention", h, 16), target, range(16, 257)
        ),
        "transformer": closest_size(
            lambda f: speed_model("transformer", f, 16), target, range(8, 2049, 8)
        ),
    }


def _calls(name: str, model: nn.Module, tokens: torch.Tensor):
    """``forward()`` and ``train_step()`` of ``model`` on ``tokens`` ``(B, L)``."""
    mask = torch.ones_like(tokens, dtype=torch.bool)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def forward():
        out = model(tokens, mask, tokens) if name == "lstm-attention" else model(tokens)
        return out[0] if isinstance(out, tuple) else out

    def train_step():
        optimizer.zero_grad()
        logits = forward()
        nn.functional.cross_entropy(logits.flatten(0, 1), tokens.flatten()).backward()
        optimizer.step()

    return forward, train_step


def sequential_steps(name: str, model: nn.Module, length: int) -> int:
    """Operations that must wait for the previous one along the sequence."""
    if name == "lstm":
        return length * model.config.num_layers
    if name == "lstm-attention":
        return 2 * length  # encoder steps, then decoder steps (source = target length)
    return model.config.n_layers  # every position of a layer at once


def train_memory_probe(spec: dict) -> list[int | None]:
    """Peak resident memory added by one training step, for each length in ascending
    order (run by :func:`~seqlab.bench.common.probe_in_subprocess` in a fresh process).

    Args:
        spec: ``{"model", "size", "lengths", "batch_size", "threads"}``.
    Returns:
        Bytes per length (``None`` where ``/proc`` cannot tell).
    """
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    lengths = sorted(spec["lengths"])
    model = speed_model(spec["model"], spec["size"], max(lengths))
    warm = torch.randint(3, VOCAB, (spec["batch_size"], lengths[0]))
    _calls(spec["model"], model, warm)[1]()  # one-time allocations (optimizer state, pools)
    out = []
    for length in lengths:
        tokens = torch.randint(3, VOCAB, (spec["batch_size"], length))
        _, train_step = _calls(spec["model"], model, tokens)
        if not reset_peak_rss():
            out.append(None)
            continue
        before = rss_bytes()
        train_step()
        out.append(max(0, rss_bytes()[1] - before[0]))
    return out


def speed_suite(
    run_device, *, quick: bool = False, lengths: list[int] | None = None, batch_size: int = 16
) -> dict:
    """Training-step and forward time against sequence length (claim 1, parallelization).

    Returns:
        ``{"suite", "stamp", "config", "params", "rows"}``; one row per model and length
        with ``train_ms`` and ``forward_ms`` (see :func:`~seqlab.bench.common.time_ms`),
        ``sequential_steps`` and ``peak_memory_bytes`` of a training step (on CUDA
        ``torch.cuda.max_memory_allocated``; on CPU the rise of peak resident memory,
        measured in a fresh process; ``None`` where the OS cannot tell).
    """
    run_device = torch.device(run_device)
    lengths = sorted(lengths or (QUICK_LENGTHS if quick else FULL_LENGTHS))
    repeats = 2 if quick else 5
    sizes = speed_sizes()
    torch.manual_seed(0)
    models = {name: speed_model(name, sizes[name], max(lengths)) for name in MODELS}
    params = {name: count_parameters(model) for name, model in models.items()}
    check_matched(params)
    rows = []
    progress = tqdm(total=len(models) * len(lengths), desc="speed", leave=False)
    for name, model in models.items():
        model.to(run_device)
        memory = None
        if run_device.type == "cpu":
            memory = _cpu_memory(name, sizes[name], lengths, batch_size)
        for k, length in enumerate(lengths):
            cpu_memory = None if run_device.type == "cuda" else memory[k]
            row = _speed_row(name, model, length, batch_size, repeats, run_device, cpu_memory)
            rows.append(row)
            progress.update()
        model.cpu()
    progress.close()
    return {
        "suite": "speed",
        "stamp": stamp(run_device, seeds=[0]),
        "config": {
            "lengths": lengths,
            "batch_size": batch_size,
            "quick": quick,
            "vocab": VOCAB,
            "sizes": sizes,
            "memory": "cuda max_memory_allocated"
            if run_device.type == "cuda"
            else "rise of peak RSS in a fresh process",
        },
        "params": params,
        "rows": rows,
    }


def _cpu_memory(name: str, size: int, lengths: list[int], batch_size: int) -> list[int | None]:
    """:func:`train_memory_probe` of model ``name`` at each length, in a fresh process."""
    return probe_in_subprocess(
        "seqlab.bench.speed.train_memory_probe",
        {
            "model": name,
            "size": size,
            "lengths": lengths,
            "batch_size": batch_size,
            "threads": torch.get_num_threads(),
        },
    )


def _speed_row(name, model, length, batch_size, repeats, run_device, cpu_memory) -> dict:
    """Time a training step and a forward pass of ``model`` at ``length``; with its
    critical path and peak memory (CUDA's own count, else ``cpu_memory`` as probed)."""
    tokens = torch.randint(3, VOCAB, (batch_size, length), device=run_device)
    forward, train_step = _calls(name, model, tokens)
    if run_device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(run_device)
    row = {
        "model": name,
        "length": length,
        "batch_size": batch_size,
        "train_ms": time_ms(train_step, run_device, repeats=repeats),
        "sequential_steps": sequential_steps(name, model, length),
    }
    if run_device.type == "cuda":
        row["peak_memory_bytes"] = torch.cuda.max_memory_allocated(run_device)
    else:
        row["peak_memory_bytes"] = cpu_memory
    with torch.no_grad():
        row["forward_ms"] = time_ms(forward, run_device, repeats=repeats)
    return row
