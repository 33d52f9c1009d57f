"""Chapter 10's claim ledger, computed from results files: for each claim a measured
summary and a verdict from {supported, supported on GPU only, mixed, not supported here},
by rules written here so that the same numbers always give the same verdict."""

from __future__ import annotations

from pathlib import Path

from seqlab.bench import SUITES, committed_results, load_results, result_path
from seqlab.bench.order import smallest_solving

VERDICTS = ("supported", "supported on GPU only", "mixed", "not supported here")
FASTER = 1.2  # a time ratio counts as a win beyond this
BETTER = 0.05  # an accuracy difference counts beyond this


def load_all(folder: str | Path | None = None, quick: bool = False) -> dict[str, dict]:
    """Every suite's CPU file in ``folder`` (and ``speed-cuda`` as ``"speed-cuda"`` when
    present), keyed by suite. ``folder`` defaults to the results that ship with the
    package (:func:`~seqlab.bench.committed_results`); give the ``--out`` folder of your
    own ``python -m seqlab.bench`` run to read yours."""
    folder = committed_results() if folder is None else Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no results folder at {folder}")
    results = {}
    for name in SUITES:
        path = result_path(folder, name, "cpu", quick)
        if path.is_file():
            results[name] = load_results(path)
    cuda = result_path(folder, "speed", "cuda", quick)
    if cuda.is_file():
        results["speed-cuda"] = load_results(cuda)
    return results


def _by_margins(margins: list[float]) -> str:
    """Supported if the claimed winner leads by more than :data:`BETTER` everywhere,
    mixed if somewhere, not supported here if nowhere."""
    if all(m > BETTER for m in margins):
        return "supported"
    if any(m > BETTER for m in margins):
        return "mixed"
    return "not supported here"


def _row(result, **where):
    for r in result["rows"]:
        if all(r.get(k) == v for k, v in where.items()):
            return r
    raise KeyError(f"{result['suite']}: no row with {where}")


def speed_ratio(result: dict) -> tuple[int, float]:
    """``(length, LSTM / Transformer training-step time)`` at the longest length."""
    length = max(r["length"] for r in result["rows"])
    lstm = _row(result, model="lstm", length=length)["train_ms"]["median"]
    transformer = _row(result, model="transformer", length=length)["train_ms"]["median"]
    return length, lstm / transformer


def claim_speed(results) -> dict:
    length, cpu = speed_ratio(results["speed"])
    gpu = speed_ratio(results["speed-cuda"])[1] if "speed-cuda" in results else None
    text = f"L = {length}: LSTM step / Transformer step = {cpu:.2f}× on this CPU"
    if gpu is not None:
        text += f", {gpu:.1f}× on {results['speed-cuda']['stamp']['gpu']}"
    if cpu > FASTER and (gpu is None or gpu > FASTER):
        verdict = "supported"
    elif gpu is not None and gpu > FASTER:
        verdict = "supported on GPU only"
    else:
        verdict = "not supported here"
    return {"result": text, "verdict": verdict, "cpu_ratio": cpu, "gpu_ratio": gpu}


def claim_longrange(results) -> dict:
    r = results["longrange"]
    parts, gaps = [], []
    for task, key in (
        ("copy_memory", "lags"),
        ("associative_recall", "pairs"),
        ("copy_seq2seq", "lengths"),
    ):
        lag = max(r["config"][key])
        names = list(r["params"][task])
        metric = "accuracy" if task != "copy_seq2seq" else "exact_match"
        rnn, tf = (_row(r, task=task, model=n, lag=lag)[metric]["mean"] for n in names)
        gaps.append(tf - rnn)
        parts.append(f"{task.replace('_', ' ')} at {lag}: {rnn:.2f} vs {tf:.2f}")
    return {
        "result": "RNN vs Transformer, " + "; ".join(parts),
        "verdict": _by_margins(gaps),
        "gaps": gaps,
    }


def claim_scaling(results) -> dict:
    fits = results["scaling"]["fits"]
    lstm, tf = fits["lstm"]["params"], fits["transformer"]["params"]
    se = ((lstm["slope_se"] or 0) ** 2 + (tf["slope_se"] or 0) ** 2) ** 0.5
    text = (
        f"loss ∝ N^slope: LSTM {lstm['slope']:.3f}, Transformer {tf['slope']:.3f} "
        f"(difference {tf['slope'] - lstm['slope']:+.3f} ± {se:.3f})"
    )
    if lstm["slope_se"] is None or tf["slope_se"] is None:
        return {"result": text + ", too few points for an uncertainty", "verdict": "mixed"}
    if tf["slope"] < lstm["slope"] - 2 * se:
        verdict = "supported"
    elif tf["slope"] > lstm["slope"] + 2 * se:
        verdict = "not supported here"
    else:
        verdict = "mixed"
    return {"result": text, "verdict": verdict}


def claim_training_speed(results) -> dict:
    target = results["scaling"]["target"]
    out = {}
    for name in ("lstm", "transformer"):
        steps = [s for s in target[name]["steps"] if s is not None]
        seconds = [s for s in target[name]["seconds"] if s is not None]
        out[name] = (
            sum(steps) / len(steps) if steps else None,
            sum(seconds) / len(seconds) if seconds else None,
            len(steps),
        )
    (ls, lt, ln), (ts, tt, tn) = out["lstm"], out["transformer"]

    def say(steps, secs, n):
        return "not reached" if steps is None else f"{steps:.0f} steps, {secs:.1f} s ({n} seeds)"

    text = f"to loss {target['loss']:.2f}: LSTM {say(ls, lt, ln)}; Transformer {say(ts, tt, tn)}"
    if ts is None:
        verdict = "not supported here"
    elif ls is None or (tt * FASTER < lt and ts <= ls):
        verdict = "supported"
    elif tt < lt or ts < ls:
        verdict = "mixed"
    else:
        verdict = "not supported here"
    return {"result": text, "verdict": verdict}


def claim_order(results) -> dict:
    r = results["order"]
    tasks = list(r["config"]["tasks"])
    acc = {
        (t, m): _row(r, task=t, model=m)["accuracy"]["mean"]
        for t in tasks
        for m in ("lstm", "transformer-none", "transformer-sinusoidal")
    }
    text = "; ".join(
        f"{t.replace('_', ' ')}: LSTM {acc[t, 'lstm']:.2f}, no positions "
        f"{acc[t, 'transformer-none']:.2f}, sinusoidal {acc[t, 'transformer-sinusoidal']:.2f}"
        for t in tasks
    )
    needs = [acc[t, "transformer-sinusoidal"] - acc[t, "transformer-none"] > BETTER for t in tasks]
    lstm_ok = [acc[t, "lstm"] >= acc[t, "transformer-none"] + BETTER for t in tasks]
    verdict = (
        "supported"
        if all(needs) and all(lstm_ok)
        else ("mixed" if any(needs) else "not supported here")
    )
    return {"result": text, "verdict": verdict}


def claim_streaming(results) -> dict:
    r = results["streaming"]
    long = max(r["config"]["contexts"])
    short = min(r["config"]["contexts"])
    grow = {
        m: _row(r, model=m, context=long)["state_bytes"]
        / _row(r, model=m, context=short)["state_bytes"]
        for m in ("lstm", "transformer")
    }
    lstm_ms = _row(r, model="lstm", context=long)["step_ms"]["median"]
    tf_ms = _row(r, model="transformer", context=long)["step_ms"]["median"]
    budget = r["budget"]
    lb, tb = budget["lstm"]["valid_loss"]["mean"], budget["transformer"]["valid_loss"]["mean"]
    text = (
        f"kept memory grows {grow['lstm']:.0f}× (LSTM) vs {grow['transformer']:.0f}× (KV cache) "
        f"from {short} to {long} tokens; next token at {long}: {lstm_ms:.2f} vs {tf_ms:.2f} ms; "
        f"loss after {r['config']['budget_seconds']:.0f} s: {lb:.2f} vs {tb:.2f}"
    )
    wins = [grow["lstm"] < grow["transformer"], lstm_ms * FASTER < tf_ms, lb < tb]
    verdict = "supported" if all(wins) else ("mixed" if any(wins) else "not supported here")
    return {"result": text, "verdict": verdict, "wins": wins}


def claim_lowdata(results) -> dict:
    r = results["lowdata"]
    parts, gaps = [], []
    for n in r["config"]["sizes"]:
        rnn = _row(r, model="rnn-attention", n_train=n)["exact_match"]["mean"]
        tf = _row(r, model="transformer", n_train=n)["exact_match"]["mean"]
        gaps.append(rnn - tf)
        parts.append(f"{n:,} pairs: {rnn:.2f} vs {tf:.2f}")
    return {
        "result": "held-out exact match, RNN vs Transformer: " + "; ".join(parts),
        "verdict": _by_margins(gaps),
    }


def claim_simplicity(results) -> dict:
    r = results["order"]
    smallest = smallest_solving(r)
    lines = r["code_lines"]

    def say(row):
        return "none of the sizes tried" if row is None else f"{row['params']:,} parameters"

    text = (
        f"smallest to solve chapter 3's copy task: LSTM {say(smallest['lstm'])}, Transformer "
        f"{say(smallest['transformer'])}; code: {lines['lstm']} vs {lines['transformer']} lines"
    )
    lstm, tf = smallest["lstm"], smallest["transformer"]
    if lstm is not None and (tf is None or lstm["params"] < tf["params"]):
        verdict = "supported" if lines["lstm"] <= lines["transformer"] else "mixed"
    else:
        verdict = "not supported here"
    return {"result": text, "verdict": verdict}


CLAIMS = [
    (
        "Transformers train in parallel over the sequence; RNNs must step through it",
        "training step against length 16–2048, matched size",
        "speed",
        claim_speed,
        "claim-speed",
    ),
    (
        "Attention links distant positions in one step; RNNs struggle with long range, "
        "even with attention",
        "accuracy against lag, equal steps",
        "longrange",
        claim_longrange,
        "claim-longrange",
    ),
    (
        "Transformers scale better with size",
        "char-LM loss against parameters, 4 matched sizes",
        "scaling",
        claim_scaling,
        "claim-scaling",
    ),
    (
        "Transformers train faster",
        "steps and seconds to a target loss",
        "scaling",
        claim_training_speed,
        "claim-training",
    ),
    (
        "RNNs capture order by construction; Transformers need positional encodings",
        "order tasks with and without positions",
        "order",
        claim_order,
        "claim-order",
    ),
    (
        "RNNs suit streaming and low-compute settings",
        "memory and latency per token; loss in a fixed CPU budget",
        "streaming",
        claim_streaming,
        "claim-streaming",
    ),
    (
        "RNNs suit low-data settings",
        "1k and 10k training dates",
        "lowdata",
        claim_lowdata,
        "claim-lowdata",
    ),
    (
        "RNNs are simpler for strictly ordered tasks",
        "smallest model and code that solve chapter 3's task",
        "order",
        claim_simplicity,
        "claim-simplicity",
    ),
]


def ledger(results: dict[str, dict]) -> list[dict]:
    """One row per claim: ``claim``, ``experiment``, ``result``, ``verdict``, ``section``
    (rows whose suite has no results are skipped)."""
    rows = []
    for claim, experiment, suite, judge, section in CLAIMS:
        if suite not in results:
            continue
        found = judge(results)
        assert found["verdict"] in VERDICTS
        rows.append({"claim": claim, "experiment": experiment, "section": section, **found})
    return rows
