"""``python -m seqlab.bench``: the experiments behind chapter 10's claim ledger.

Each suite tests one claim of the argument "why Transformers outperform RNNs" and writes
one JSON file under ``results/`` (or ``--out``) with a hardware and software stamp, so a
chapter can show measurements from several machines side by side without re-running them.
The book's own runs ship inside the package (:func:`committed_results`), so chapter 10
reads the same files on Colab as in the book build.

=============  ====================================================================
``speed``      training-step and forward time over length 16 … 4096 × batch 1/16/64 ×
               width 128/512: ``torch.nn.LSTM`` against a Transformer with fused
               attention, the teaching LSTM as its own line; tokens per second, peak
               memory, skipped cells with their reason (claim 1, parallelization)
``longrange``  accuracy against lag: copy memory, associative recall, seq2seq copy;
               gradient reaching early positions (claim 2)
``scaling``    char-LM loss against parameters at five matched sizes, each family's
               rate searched per size; the curves behind training speed (claims 3, 4)
``order``      order-sensitive tasks with and without positions; the smallest model
               that solves chapter 3's task (claims 5 and 6c)
``streaming``  memory and latency per generated token against context (claim 6a)
``lowdata``    held-out exact match after training on 1k and 10k dates (claim 6b)
``sweep``      char-LM test loss on the standard library's source against model size
               (six matched sizes, rates searched per size) and against training data
               (claim 3 at a size that can be fitted; ``--tier cpu`` or ``gpu``)
``context``    test loss at each position of a 512-character context (1024 on the GPU
               tier): where each family stops using context (claim 2 on real text)
``recipe``     the Transformer's training recipe, one ingredient at a time, and post-
               against pre-LN with and without clipping (chapter 9)
``pretrain``   an ELMo-style LSTM and a BERT-style Transformer pretrained on code, then
               fine-tuned on a small labelled task against the same models trained
               from scratch, at two labelled-set sizes (chapter 13; its small float16
               checkpoints are written under ``checkpoints/`` beside the file)
=============  ====================================================================

Every grid, budget, seed list and margin is in :mod:`seqlab.bench.rules`; every stamp
records that file's SHA-256 (``rules_sha256``), and :mod:`seqlab.bench.ledger` reads
only files made under today's rules.

Usage::

    python -m seqlab.bench --suite all              # every suite, full size
    python -m seqlab.bench --suite ledger --jobs 2  # chapter 10's suites, two cores
    python -m seqlab.bench --suite speed --quick    # small and fast, for CI and chapters
    python -m seqlab.bench --suite speed --device cuda
    python -m seqlab.bench --suite scale --jobs 2    # sweep and context, CPU tier
    python -m seqlab.bench --suite scale --tier gpu --device cuda
    python -m seqlab.bench --suite pretrain          # about 20 minutes on 2 cores

Timing: a warm-up call first (it also measures peak memory), then several timed calls
(CUDA synchronised), reported as median, minimum and maximum in milliseconds. Every
learning experiment searches each family's learning rate the same way on a tuning seed
and reports five other seeds (``--quick``: one rate, one seed: it checks the code, not
the claims). ``speed`` and the GPU tier of ``sweep`` and ``context`` use a GPU; the
others measure learning at sizes a CPU trains, and run on the CPU.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import torch

from seqlab.bench import rules as R
from seqlab.bench.common import non_finite, stamp, time_ms
from seqlab.bench.context import context_suite
from seqlab.bench.longrange import longrange_suite
from seqlab.bench.lowdata import lowdata_suite
from seqlab.bench.order import order_suite
from seqlab.bench.pretraining import pretrain_suite
from seqlab.bench.recipe import recipe_suite
from seqlab.bench.scaling import scaling_suite
from seqlab.bench.speed import speed_suite
from seqlab.bench.streaming import streaming_suite
from seqlab.bench.sweep import sweep_suite
from seqlab.utils import atomic_write, device

__all__ = [
    "GPU_SUITES",
    "LEDGER_SUITES",
    "SCALE_SUITES",
    "SUITES",
    "TIERS",
    "committed_results",
    "load_results",
    "main",
    "result_path",
    "run_suite",
    "stamp",
    "time_ms",
]

SUITES: dict[str, Callable[..., dict]] = {
    "speed": speed_suite,
    "streaming": streaming_suite,
    "scaling": scaling_suite,
    "longrange": longrange_suite,
    "order": order_suite,
    "lowdata": lowdata_suite,
    "sweep": sweep_suite,
    "context": context_suite,
    "recipe": recipe_suite,
    "pretrain": pretrain_suite,
}
# The suites at scale: a "cpu" tier committed from the 2-core machine and a "gpu" tier of
# larger models (scale_rules.TIERS); their files are named by tier, not by device.
SCALE_SUITES = ("sweep", "context")
TIERS = ("cpu", "gpu")
# The suites behind chapter 10's claims at small size (``recipe`` belongs to chapter 9's
# training recipe, ``pretrain`` to chapter 13; the suites at scale are a group of their
# own, ``--suite scale``).
LEDGER_SUITES = tuple(name for name in SUITES if name not in ("recipe", "pretrain", *SCALE_SUITES))
GPU_SUITES = ("speed", *SCALE_SUITES)  # the rest measure learning: always on the CPU
# The suites that time hardware run alone; the ones that measure learning run on
# ``rules.LEARNING_THREADS`` threads each, so ``--jobs`` can run them side by side. Listed
# longest first (on the 2-core machine), the order in which ``--jobs`` hands them out.
TIMING_SUITES = ("speed", "streaming")
LEARNING_SUITES = ("sweep", "context", "longrange", "lowdata", "scaling", "order")
REQUIRED = ("suite", "stamp", "config", "params", "rows")
STAMP_KEYS = (
    "python",
    "torch",
    "cpu",
    "torch_threads",
    "gpu",
    "date",
    "device",
    "seeds",
    "git_commit",
)


def result_path(out: str | Path, name: str, device_type: str = "cpu", quick: bool = False) -> Path:
    """Where :func:`run_suite` writes suite ``name``: ``{out}/{name}-{device}[-quick].json``."""
    return Path(out) / f"{name}-{device_type}{'-quick' if quick else ''}.json"


def run_suite(
    name: str,
    *,
    quick: bool = False,
    run_device=None,
    out: str | Path = "results",
    tier: str = "cpu",
    **options,
) -> Path:
    """Run suite ``name``, check its result and write it (see :func:`result_path`);
    return the path. ``options`` go to the suite function (e.g. ``lengths``, ``steps``).
    A suite at scale (:data:`SCALE_SUITES`) runs its ``tier``: the "cpu" tier always on
    the CPU, the "gpu" tier on ``run_device`` (default a GPU if any); its file is named
    by the tier."""
    if name not in SUITES:
        raise ValueError(f"unknown suite {name!r}; choose one of {sorted(SUITES)}")
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; choose one of {list(TIERS)}")
    run_device = torch.device(run_device) if run_device is not None else device()
    if name not in GPU_SUITES or (name in SCALE_SUITES and tier == "cpu"):
        run_device = torch.device("cpu")
    if name in SCALE_SUITES:
        options["tier"] = tier
    if name == "pretrain":  # its checkpoints go beside its results file
        options["out"] = out
    threads = torch.get_num_threads()
    if name in LEARNING_SUITES and run_device.type == "cpu":
        torch.set_num_threads(R.LEARNING_THREADS)
    start = time.perf_counter()
    try:
        result = SUITES[name](run_device, quick=quick, **options)
    finally:
        torch.set_num_threads(threads)
    result["seconds"] = time.perf_counter() - start
    check_result(result)
    label = tier if name in SCALE_SUITES else run_device.type
    path = result_path(out, name, label, quick)
    with atomic_write(path) as f:  # an interrupted run leaves the old file or none
        f.write(json.dumps(result, indent=1) + "\n")
    return path


def check_result(result: dict, where: str = "result") -> None:
    """Raise ``ValueError`` unless ``result`` has every field, a full stamp, at least one
    row and no NaN or infinity."""
    missing = [key for key in REQUIRED if key not in result]
    if missing:
        raise ValueError(f"{where} is not a seqlab.bench results file (missing {missing})")
    missing = [key for key in STAMP_KEYS if key not in result["stamp"]]
    if missing:
        raise ValueError(f"{where}: its stamp lacks {missing}")
    if result["suite"] not in SUITES:
        raise ValueError(f"{where}: unknown suite {result['suite']!r}")
    if not result["rows"]:
        raise ValueError(f"{where}: no rows")
    bad = non_finite(result)
    if bad:
        raise ValueError(f"{where}: a NaN or infinity at {bad}")


def committed_results() -> Path:
    """The folder of the book's own results files, shipped inside the package
    (``seqlab/bench/results``), so they are the same files in the book build, on Colab
    and after ``pip install seqlab``."""
    folder = resources.files("seqlab.bench") / "results"
    if not folder.is_dir():
        raise FileNotFoundError(f"seqlab's committed results are missing from {folder}")
    return Path(str(folder))


def load_results(path: str | Path) -> dict:
    """Read a results file written by :func:`run_suite`, checking it with
    :func:`check_result`. A file that is not valid JSON, or not a results file, raises
    ``ValueError`` naming the file and the problem."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        result = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"results file {path} is not valid JSON ({error}); rerun the suite that "
            "wrote it, or delete the file"
        ) from None
    if not isinstance(result, dict):
        raise ValueError(f"results file {path} holds a JSON {type(result).__name__}, not an object")
    check_result(result, f"results file {path}")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m seqlab.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--suite",
        default="all",
        choices=[*SUITES, "ledger", "scale", "all"],
        help="one suite; 'ledger', the small claims' suites (all but recipe and the "
        "suites at scale); 'scale', sweep and context; or all",
    )
    parser.add_argument(
        "--tier",
        default="cpu",
        choices=TIERS,
        help="the size of sweep and context: cpu (committed from 2 cores) or gpu",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, one seed, for CI")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: a GPU if any)")
    parser.add_argument("--out", default="results", help="folder for the JSON files")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="learning suites run side by side in this many processes, one core each "
        "(the timing suites always run alone, first)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    groups = {"all": list(SUITES), "ledger": list(LEDGER_SUITES), "scale": list(SCALE_SUITES)}
    names = groups.get(args.suite, [args.suite])
    total = time.perf_counter()
    alone = [n for n in names if n not in LEARNING_SUITES or args.jobs == 1]
    for name in alone:
        _report(_timed_run(name, args.quick, args.device, args.out, args.tier))
    side_by_side = [n for n in LEARNING_SUITES if n in names and n not in alone]
    if side_by_side:
        jobs = min(args.jobs, len(side_by_side))
        tasks = [(name, args.quick, args.device, args.out, args.tier) for name in side_by_side]
        with multiprocessing.get_context("spawn").Pool(jobs, _pin, (jobs,)) as pool:
            for done in pool.imap_unordered(_timed_run_star, tasks):
                _report(done)
    print(f"total {time.perf_counter() - total:.0f} s")


def _pin(jobs: int) -> None:
    """Pin a worker process to one core of its own where the OS allows (Linux), so that
    side-by-side suites do not take turns on the same core."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) >= jobs:
        worker = multiprocessing.current_process()._identity[0] - 1
        os.sched_setaffinity(0, {cores[worker % len(cores)]})


def _timed_run(name, quick, run_device, out, tier="cpu") -> tuple[str, Path, float]:
    start = time.perf_counter()
    path = run_suite(name, quick=quick, run_device=run_device, out=out, tier=tier)
    return name, path, time.perf_counter() - start


def _timed_run_star(task: tuple) -> tuple[str, Path, float]:
    return _timed_run(*task)


def _report(done: tuple[str, Path, float]) -> None:
    name, path, seconds = done
    print(f"{name}: wrote {path} in {seconds:.0f} s", flush=True)
