"""``python -m seqlab.bench``: the timing harness behind chapter 10's claim ledger.

Each suite measures one claim and writes one JSON file under ``results/`` (or ``--out``)
with a hardware and software stamp, so a chapter can show measurements from several
machines side by side without re-running them. This first suite, ``speed``, measures
the parallelization claim: the time of a training step and of a forward pass against
sequence length, for an LSTM language model, an LSTM encoder–decoder with attention and
a Transformer language model of matched parameter counts, with the number of
sequentially dependent steps each must take.

Usage::

    python -m seqlab.bench --suite speed            # the full suite, lengths 16 ... 2048
    python -m seqlab.bench --suite speed --quick    # lengths 16 ... 64, for CI and chapters

Timing: warm-up calls first, then several timed calls (CUDA synchronised), reported as
median, minimum and maximum in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.seq2seq import Seq2Seq, Seq2SeqConfig
from seqlab.transformer import TransformerConfig, TransformerLM
from seqlab.utils import closest_size, count_parameters, device, environment_report

__all__ = ["SUITES", "load_results", "main", "run_suite", "speed_suite", "stamp", "time_ms"]

FULL_LENGTHS = [16, 32, 64, 128, 256, 512, 1024, 2048]
QUICK_LENGTHS = [16, 32, 64]
VOCAB = 64  # a character vocabulary's size


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


def _speed_models(max_len: int) -> dict[str, tuple[nn.Module, str]]:
    """The three models of the speed claim, matched to the LSTM's parameter count;
    each with how it is called (``"lm"`` or ``"seq2seq"``)."""
    lstm = RNNLM(RNNLMConfig(vocab_size=VOCAB, d_embed=32, hidden_size=128, cell="lstm"))
    target = count_parameters(lstm)

    def seq2seq(hidden):
        return Seq2Seq(
            Seq2SeqConfig(VOCAB, VOCAB, hidden_size=hidden, cell="lstm", attention="luong-general")
        )

    def transformer(d_ff):
        return TransformerLM(
            TransformerConfig(
                vocab_size=VOCAB, d_model=64, n_heads=4, n_layers=2, d_ff=d_ff, max_len=max_len
            )
        )

    return {
        "lstm": (lstm, "lm"),
        "lstm-attention": (seq2seq(closest_size(seq2seq, target, range(16, 257))), "seq2seq"),
        "transformer": (transformer(closest_size(transformer, target, range(8, 2049, 8))), "lm"),
    }


def _sequential_steps(name: str, model: nn.Module, length: int) -> int:
    """Operations that must wait for the previous one along the sequence."""
    if name == "lstm":
        return length * model.config.num_layers
    if name == "lstm-attention":
        return 2 * length  # encoder steps, then decoder steps (source = target length)
    return model.config.n_layers  # every position of a layer at once


def speed_suite(
    run_device, *, quick: bool = False, lengths: list[int] | None = None, batch_size: int = 16
) -> dict:
    """Training-step and forward time against sequence length (claim 1, parallelization).

    Returns:
        ``{"suite", "stamp", "config", "params", "rows"}``; one row per model and length
        with ``train_ms`` and ``forward_ms`` (see :func:`time_ms`), ``sequential_steps``
        and, on CUDA, ``peak_memory_bytes`` of the training step.
    """
    run_device = torch.device(run_device)
    lengths = lengths or (QUICK_LENGTHS if quick else FULL_LENGTHS)
    repeats = 2 if quick else 5
    torch.manual_seed(0)
    models = _speed_models(max(lengths))
    rows = []
    progress = tqdm(total=len(models) * len(lengths), desc="speed", leave=False)
    for name, (model, kind) in models.items():
        model.to(run_device)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for length in lengths:
            tokens = torch.randint(3, VOCAB, (batch_size, length), device=run_device)
            mask = torch.ones_like(tokens, dtype=torch.bool)

            def forward(tokens=tokens, mask=mask, model=model, kind=kind):
                out = model(tokens) if kind == "lm" else model(tokens, mask, tokens)
                return out[0] if isinstance(out, tuple) else out

            def train_step(forward=forward, tokens=tokens, optimizer=optimizer):
                optimizer.zero_grad()
                logits = forward()
                nn.functional.cross_entropy(logits.flatten(0, 1), tokens.flatten()).backward()
                optimizer.step()

            if run_device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(run_device)
            train = time_ms(train_step, run_device, repeats=repeats)
            row = {
                "model": name,
                "length": length,
                "batch_size": batch_size,
                "train_ms": train,
                "sequential_steps": _sequential_steps(name, model, length),
            }
            if run_device.type == "cuda":
                row["peak_memory_bytes"] = torch.cuda.max_memory_allocated(run_device)
            with torch.no_grad():
                row["forward_ms"] = time_ms(forward, run_device, repeats=repeats)
            rows.append(row)
            progress.update()
        model.cpu()
    progress.close()
    return {
        "suite": "speed",
        "stamp": stamp(run_device, seeds=[0]),
        "config": {"lengths": lengths, "batch_size": batch_size, "quick": quick, "vocab": VOCAB},
        "params": {name: count_parameters(model) for name, (model, _) in models.items()},
        "rows": rows,
    }


SUITES: dict[str, Callable[..., dict]] = {"speed": speed_suite}


def run_suite(
    name: str, *, quick: bool = False, run_device=None, out: str | Path = "results", **options
) -> Path:
    """Run suite ``name`` and write ``{out}/{name}-{device type}[-quick].json``; return
    its path."""
    if name not in SUITES:
        raise ValueError(f"unknown suite {name!r}; choose one of {sorted(SUITES)}")
    run_device = torch.device(run_device) if run_device is not None else device()
    result = SUITES[name](run_device, quick=quick, **options)
    for row in result["rows"]:
        for key in ("train_ms", "forward_ms"):
            if not all(math.isfinite(v) for v in row[key].values()):
                raise RuntimeError(f"{name}: a non-finite time in {row}")
    path = Path(out) / f"{name}-{run_device.type}{'-quick' if quick else ''}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return path


def load_results(path: str | Path) -> dict:
    """Read a results file written by :func:`run_suite`, checking it has its stamp."""
    result = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = {"suite", "stamp", "rows"} - set(result)
    if missing:
        raise ValueError(f"{path} is not a seqlab.bench results file (missing {sorted(missing)})")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m seqlab.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--suite", default="all", choices=[*SUITES, "all"])
    parser.add_argument("--quick", action="store_true", help="short lengths, few repeats")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: a GPU if any)")
    parser.add_argument("--out", default="results", help="folder for the JSON files")
    args = parser.parse_args(argv)
    for name in SUITES if args.suite == "all" else [args.suite]:
        start = time.perf_counter()
        path = run_suite(name, quick=args.quick, run_device=args.device, out=args.out)
        print(f"{name}: wrote {path} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
