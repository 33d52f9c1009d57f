"""Chapter 10's claim ledger, computed from results files by the rules of
:mod:`seqlab.bench.rules`: for each claim, the comparisons it rests on (each a
difference with its bootstrap interval, a practical margin and an outcome), a verdict
from ``rules.VERDICTS`` and the regime it was measured in. The same files always give
the same ledger; files made under other rules are not read."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from seqlab.bench import (
    SCALE_SUITES,
    SUITES,
    atscale,
    committed_results,
    load_results,
    result_path,
    stats,
)
from seqlab.bench import rules as R
from seqlab.bench import scale_rules as S
from seqlab.bench.common import (
    failed_to_train,
    pretrain_rules_sha256,
    rules_sha256,
    scale_rules_sha256,
)
from seqlab.bench.published import published

NAMES = {
    "lstm": "LSTM",
    "transformer": "Transformer",
    "rnn-attention": "GRU enc–dec + attention",
    "transformer-none": "Transformer, no positions",
    "transformer-sinusoidal": "Transformer, sinusoidal",
}


def load_all(folder: str | Path | None = None, quick: bool = False, notice=print) -> dict:
    """Every suite's CPU file in ``folder`` (and ``speed-cuda``, ``sweep-gpu`` and
    ``context-gpu`` when present), keyed by suite, leaving out (with a one-line
    ``notice``) any file made under rules other than today's (:func:`made_under_today`).
    ``folder`` defaults to the results that ship with the package
    (:func:`~seqlab.bench.committed_results`); give the ``--out`` folder of your own
    ``python -m seqlab.bench`` run to read yours."""
    folder = committed_results() if folder is None else Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no results folder at {folder}")
    paths = {name: result_path(folder, name, "cpu", quick) for name in SUITES}
    paths["speed-cuda"] = result_path(folder, "speed", "cuda", quick)
    for name in SCALE_SUITES:
        paths[f"{name}-gpu"] = result_path(folder, name, "gpu", quick)
    results = {}
    for name, path in paths.items():
        if not path.is_file():
            continue
        result = load_results(path)
        if name != "recipe" and not made_under_today(result):
            notice(f"{path.name}: made under other rules than seqlab.bench's; rerun its suite")
            continue
        results[name] = result
    return results


def made_under_today(result: dict) -> bool:
    """Whether ``result``'s stamp records today's :mod:`~seqlab.bench.rules` and, for a
    suite at scale, today's :mod:`~seqlab.bench.scale_rules` too."""
    s = result["stamp"]
    if s.get("rules_sha256") != rules_sha256():
        return False
    if result["suite"] == "pretrain":
        return s.get("pretrain_rules_sha256") == pretrain_rules_sha256()
    scale = s.get("scale_rules_sha256") == scale_rules_sha256()
    return result["suite"] not in SCALE_SUITES or scale


def _rows(result, **where) -> list[dict]:
    return [r for r in result["rows"] if all(r.get(k) == v for k, v in where.items())]


def _row(result, **where) -> dict:
    found = _rows(result, **where)
    if not found:
        raise KeyError(f"{result['suite']}: no row with {where}")
    return found[0]


def _bearing(comparison: dict, claimed: str) -> str:
    """How one comparison bears on a claim that ``claimed`` wins it."""
    if comparison["outcome"] == "failed to train":
        return "excluded"
    if comparison["outcome"] == "win":
        return "supports" if comparison["winner"] == claimed else "contradicts"
    return "inconclusive"


def _judged(label: str, comparison: dict, claimed: str) -> dict:
    return {"label": label, **comparison, "bearing": _bearing(comparison, claimed)}


def _fact(label: str, holds: bool | None, text: str) -> dict:
    """A comparison without noise (a count of bytes, a size on a ladder)."""
    bearing = "inconclusive" if holds is None else ("supports" if holds else "contradicts")
    return {"label": label, "outcome": "fact", "bearing": bearing, "reason": text}


def _verdict(comparisons: list[dict]) -> str:
    return stats.claim_verdict([c["bearing"] for c in comparisons])


def _interval(c: dict, digits: int = 2) -> str:
    return f"{c['diff']:+.{digits}f} [{c['lo']:+.{digits}f}, {c['hi']:+.{digits}f}]"


def machine(result: dict) -> tuple[str, str]:
    """Where ``result`` was measured, from its stamp: the GPU on CUDA, else the CPU; and
    its thread count as words (``"1 thread"``, ``"2 threads"``)."""
    s = result["stamp"]
    where = s["gpu"] if s["device"].startswith("cuda") and s.get("gpu") else s["cpu"]
    n = s["torch_threads"]
    return where, f"{n} thread{'s' * (n != 1)}"


def _machine(result: dict) -> str:
    return ", ".join(machine(result))


# --- Claim 1: speed -------------------------------------------------------------------


def speed_map(result: dict, mode: str = "train") -> list[dict]:
    """Where each family wins, per width and batch: for each length measured for both
    ``torch.nn.LSTM`` and the Transformer, the time ratio LSTM / Transformer and the
    cell's winner (:func:`~seqlab.bench.stats.time_winner`), the lengths skipped, and the
    crossover lengths where the ratio passes 1.

    Returns:
        One dict per (width, batch): ``{"width", "batch_size", "lengths", "ratio",
        "winner", "skipped", "crossovers"}``.
    """
    out = []
    config = result["config"]
    for width in config["widths"]:
        for batch in config["batches"]:
            lengths, ratio, winner, skipped = [], [], [], {}
            for length in config["lengths"]:
                cells = {
                    name: _row(
                        result, model=name, width=width, batch_size=batch, length=length, mode=mode
                    )
                    for name in ("lstm", "transformer")
                }
                missing = {n: c["skipped"] for n, c in cells.items() if c["skipped"]}
                if missing:
                    skipped[length] = missing
                    continue
                lstm, tf = cells["lstm"]["ms"], cells["transformer"]["ms"]
                lengths.append(length)
                ratio.append(lstm["median"] / tf["median"])
                winner.append(stats.time_winner(lstm, tf, names=("lstm", "transformer")))
            out.append(
                {
                    "width": width,
                    "batch_size": batch,
                    "lengths": lengths,
                    "ratio": ratio,
                    "winner": winner,
                    "skipped": skipped,
                    "crossovers": stats.crossovers(lengths, ratio) if len(lengths) > 1 else [],
                    "lstm_from": _wins_from(lengths, winner, "lstm"),
                    "transformer_from": _wins_from(lengths, winner, "transformer"),
                }
            )
    return out


def _wins_from(lengths: list[int], winner: list[str], name: str) -> int | None:
    """The shortest length from which ``name`` wins every measured cell of a line."""
    found = None
    for length, w in zip(reversed(lengths), reversed(winner), strict=True):
        if w != name:
            break
        found = length
    return found


def teaching_ratio(result: dict, mode: str = "train") -> dict:
    """How much slower the book's from-scratch LSTM is than ``torch.nn.LSTM``: the
    ratio of medians at each width and length both measured (batch ``teaching_batch``)."""
    batch = result["config"]["teaching_batch"]
    out = {}
    for width in result["config"]["widths"]:
        pairs = []
        for length in result["config"]["lengths"]:
            where = {"width": width, "batch_size": batch, "length": length, "mode": mode}
            slow, fast = (
                _row(result, model="lstm-teaching", **where),
                _row(result, model="lstm", **where),
            )
            if not slow["skipped"] and not fast["skipped"]:
                pairs.append((length, slow["ms"]["median"] / fast["ms"]["median"]))
        out[str(width)] = pairs
    return out


def _speed_comparisons(result: dict, where: str) -> tuple[list[dict], dict]:
    """One comparison per width and batch: the training step at the longest length both
    families were measured at (the claim is about long sequences)."""
    comparisons, counts = [], {"lstm": 0, "transformer": 0, "tie": 0}
    for line in speed_map(result, "train"):
        for w in line["winner"]:
            counts[w] += 1
        if not line["lengths"]:
            continue
        length, ratio, winner = line["lengths"][-1], line["ratio"][-1], line["winner"][-1]
        holds = None if winner == "tie" else winner == "transformer"
        text = f"LSTM / Transformer = {ratio:.2f}× at L = {length}"
        label = f"{where}: width {line['width']}, batch {line['batch_size']}, L = {length}"
        comparisons.append({**_fact(label, holds, text), "ratio": ratio, "winner": winner})
    return comparisons, counts


def claim_speed(results) -> dict:
    r = results["speed"]
    comparisons, counts = _speed_comparisons(r, "CPU")
    total = sum(counts.values())
    text = (
        f"training step, torch.nn.LSTM vs Transformer (fused attention), matched sizes: "
        f"Transformer faster in {counts['transformer']} of {total} cells, LSTM in "
        f"{counts['lstm']}, {counts['tie']} within 1.2× (CPU)"
    )
    if "speed-cuda" in results:
        gpu, gpu_counts = _speed_comparisons(results["speed-cuda"], "GPU")
        comparisons += gpu
        text += (
            f"; GPU: Transformer faster in {gpu_counts['transformer']} of "
            f"{sum(gpu_counts.values())} cells"
        )
    else:
        text += "; GPU: not measured with the fair baselines yet"
    c = r["config"]
    regime = (
        f"{_machine(r)}; widths {', '.join(map(str, c['widths']))}, batch "
        f"{', '.join(map(str, c['batches']))}, length {min(c['lengths'])}–{max(c['lengths'])}, "
        f"{c['layers']} layers"
    )
    return {
        "result": text,
        "verdict": _verdict(comparisons),
        "comparisons": comparisons,
        "regime": regime,
    }


# --- Claim 2: long range ----------------------------------------------------------------

LONGRANGE_TASKS = {
    "copy_memory": ("copy memory", "blank steps", "accuracy"),
    "associative_recall": ("associative recall", "stored pairs", "accuracy"),
    "copy_seq2seq": ("seq2seq copy", "input length", "exact_match"),
}


def longrange_comparisons(r: dict, lag: int | None = None) -> list[dict]:
    """Transformer against the recurrent model of each task, at ``lag`` (default: each
    task's longest)."""
    out = []
    for task, (title, _, metric) in LONGRANGE_TASKS.items():
        here = lag if lag is not None else max(r["config"]["lags"][task])
        rnn_name, tf_name = list(r["params"][task])
        rnn, tf = (_row(r, task=task, model=n, lag=here) for n in (rnn_name, tf_name))
        failed = [n for n, row in ((rnn_name, rnn), (tf_name, tf)) if row["failed_to_train"]]
        c = stats.compare(
            tf[metric]["values"],
            rnn[metric]["values"],
            measure=metric,
            names=(tf_name, rnn_name),
            chance=R.CHANCE[task],
            failed=failed,
        )
        out.append(_judged(f"{title} at {here}", c, tf_name))
    return out


def claim_longrange(results) -> dict:
    r = results["longrange"]
    comparisons = longrange_comparisons(r)
    parts = [
        f"{c['label']}: {c['mean'][1]:.2f} vs {c['mean'][0]:.2f}"
        + (f" ({', '.join(c['failed'])} failed to train)" if c["failed"] else "")
        for c in comparisons
    ]
    regime = (
        f"{_machine(r)}; {r['config']['lm_steps']} / {r['config']['seq2seq_steps']} steps, "
        f"models of {min(min(p.values()) for p in r['params'].values()):,}–"
        f"{max(max(p.values()) for p in r['params'].values()):,} parameters"
    )
    for key in ("context", "context-gpu"):
        if key in results:
            more = context_comparisons(results[key])
            comparisons += more
            parts += [f"{c['label']}: {c['mean'][1]:.3f} vs {c['mean'][0]:.3f} nats" for c in more]
            regime += "; " + context_regime(results[key])
    return {
        "result": "recurrent vs Transformer, " + "; ".join(parts),
        "verdict": _verdict(comparisons),
        "comparisons": comparisons,
        "regime": regime,
    }


def context_comparisons(r: dict) -> list[dict]:
    """Claim 2 on real text: at each rung of a ``context`` file, the gain from far
    context (:func:`~seqlab.bench.atscale.far_gain`), Transformer against LSTM."""
    seq_len, tier = r["config"]["seq_len"], r["config"]["tier"].upper()
    near = "–".join(str(round(f * seq_len)) for f in S.NEAR_BINS)
    far = "–".join(str(round(f * seq_len)) for f in S.FAR_BINS)
    out = []
    for rung in range(len(r["config"]["rungs"])):
        params = _row(r, model="lstm", rung=rung)["params"]
        label = (
            f"code, gain from context {near} → {far} characters, "
            f"{params:,} parameters ({tier} tier)"
        )
        out.append(_judged(label, atscale.context_comparison(r, rung), "transformer"))
    return out


def context_regime(r: dict) -> str:
    """The regime of a ``context`` file, for claim 2's line of the ledger."""
    c = r["config"]
    params = sorted({x["params"] for x in r["rows"]})
    return (
        f"code ({c['tier'].upper()} tier, {_machine(r)}, corpus "
        f"{r['stamp']['corpus_sha256'][:12]}): context {c['seq_len']}, "
        f"{params[0]:,}–{params[-1]:,} parameters, {c['tokens_per_run']:,} training "
        "characters per run"
    )


# --- Claims 3 and 4: scaling and training speed ----------------------------------------


def per_size(r: dict, name: str) -> tuple[list[float], list[list[float]]]:
    """Family ``name``'s mean parameter count and per-seed final losses at each rung."""
    rungs = sorted({x["rung"] for x in _rows(r, model=name)})
    rows = [_rows(r, model=name, rung=k) for k in rungs]
    return [sum(x["params"] for x in g) / len(g) for g in rows], [
        [x["final_loss"] for x in g] for g in rows
    ]


def scaling_fits(r: dict) -> dict:
    """Per family, :func:`~seqlab.bench.stats.bootstrap_fit` of L = L_inf + a N^-alpha
    to the per-size mean losses (seeds resampled within each size)."""
    return {name: stats.bootstrap_fit(*per_size(r, name)) for name in ("lstm", "transformer")}


def claim_scaling(results) -> dict:
    r = results["scaling"]
    fits = scaling_fits(r)
    d = stats.exponent_comparison(fits["lstm"], fits["transformer"])  # alpha_T - alpha_L
    label = "exponent alpha, Transformer − LSTM (help text, size)"
    comparisons = [_judged(label, d, "transformer")]
    a_l, a_t = fits["lstm"]["alpha"], fits["transformer"]["alpha"]
    n = [x["params"] for x in r["rows"]]
    text = (
        f"L = L∞ + a·N^−α fitted to per-size means: α LSTM {a_l['value']:.2f} "
        f"[{a_l['lo']:.2f}, {a_l['hi']:.2f}], Transformer {a_t['value']:.2f} "
        f"[{a_t['lo']:.2f}, {a_t['hi']:.2f}]; difference {_interval(d, 2)}"
    )
    regime = (
        f"{_machine(r)}; {min(n):,}–{max(n):,} parameters ({len(r['config']['rungs'])} sizes), "
        f"{r['config']['tokens_per_run']:,} training tokens per run"
    )
    for key in ("sweep", "sweep-gpu"):
        if key in results:
            more, more_text, more_regime = _sweep_part(results[key])
            comparisons += more
            text += "; " + more_text
            regime += "; " + more_regime
    return {
        "result": text,
        "verdict": _verdict(comparisons),
        "comparisons": comparisons,
        "fits": fits,
        "regime": regime,
    }


def _sweep_part(r: dict) -> tuple[list[dict], str, str]:
    """Claim 3's comparisons from a ``sweep`` file (size and data exponents on the code
    corpus), a sentence of their results and the regime."""
    tier = r["config"]["tier"].upper()
    comparisons, parts = [], []
    for c in atscale.sweep_comparisons(r):
        label = f"exponent alpha, Transformer − LSTM (code, {c['what']}, {tier} tier)"
        comparisons.append({**_judged(label, c, "transformer"), "fits": c.pop("fits")})
        fits = comparisons[-1]["fits"]
        a_l, a_t = fits["lstm"]["alpha"], fits["transformer"]["alpha"]
        parts.append(
            f"code, {c['what']}: α LSTM {a_l['value']:.2f} [{a_l['lo']:.2f}, {a_l['hi']:.2f}], "
            f"Transformer {a_t['value']:.2f} [{a_t['lo']:.2f}, {a_t['hi']:.2f}], "
            f"difference {_interval(c, 2)}"
        )
    n = [x["params"] for x in r["rows"] if x["study"] == "model"]
    data_rows = [x for x in r["rows"] if x["study"] == "data"]
    chars = [x["train_chars"] for x in data_rows]
    at_data = " / ".join(f"{n:,}" for n in dict.fromkeys(x["params"] for x in data_rows))
    regime = (
        f"code ({tier} tier, {_machine(r)}, corpus {r['stamp']['corpus_sha256'][:12]}): "
        f"{min(n):,}–{max(n):,} parameters "
        f"({len(r['config']['rungs'])} sizes), {r['config']['tokens_per_run']:,} training "
        f"characters per run; data {min(chars):,}–{r['config']['tokens_per_run']:,} "
        f"characters at {at_data} parameters"
    )
    return comparisons, "; ".join(parts), regime


def _at_time(curve: dict, seconds: float) -> float:
    """A run's validation loss at ``seconds`` of training, linear between evaluations."""
    t, loss = curve["seconds"], curve["loss"]
    if seconds <= t[0]:
        return loss[0]
    points = list(zip(t, loss, strict=True))
    for (t0, l0), (t1, l1) in itertools.pairwise(points):
        if t0 <= seconds <= t1:
            return l0 + (l1 - l0) * (seconds - t0) / (t1 - t0) if t1 > t0 else l1
    return loss[-1]


def target_rung(r: dict) -> int:
    """The rung of chapter 9's pair (``rules.TARGET_HIDDEN`` LSTM units), or the largest."""
    rungs = r["config"]["rungs"]
    return next((k for k, (h, _) in enumerate(rungs) if h == R.TARGET_HIDDEN), len(rungs) - 1)


def equal_time(r: dict, rung: int | None = None) -> dict:
    """Both families' validation loss at the same seconds of training at ``rung``
    (default :func:`target_rung`): the end of the shortest run of either family.

    Returns:
        ``{"rung", "seconds", "lstm": [loss per seed], "transformer": [...]}``.
    """
    rung = target_rung(r) if rung is None else rung
    runs = {n: _rows(r, model=n, rung=rung) for n in ("lstm", "transformer")}
    seconds = min(x["curve"]["seconds"][-1] for g in runs.values() for x in g)
    return {
        "rung": rung,
        "seconds": seconds,
        **{n: [_at_time(x["curve"], seconds) for x in g] for n, g in runs.items()},
    }


def equal_time_comparison(r: dict, claimed: str) -> tuple[dict, dict]:
    """:func:`equal_time` and the comparison of the two families' losses there, judged
    for a claim that ``claimed`` (``"lstm"`` or ``"transformer"``) wins it."""
    same = equal_time(r)
    other = "lstm" if claimed == "transformer" else "transformer"
    c = stats.compare(
        same[claimed], same[other], measure="loss", higher_is_better=False, names=(claimed, other)
    )
    return same, _judged(f"loss after {same['seconds']:.1f} s of training", c, claimed)


def time_to_target(r: dict, rung: int | None = None) -> dict:
    """Steps and seconds each run takes to reach the target loss (the worst final loss
    over both families' seeds at ``rung``, so every run reaches it; the first
    evaluation at or below it).

    Returns:
        ``{"rung", "loss", name: {"steps": [...], "seconds": [...]}}``.
    """
    rung = target_rung(r) if rung is None else rung
    runs = {n: _rows(r, model=n, rung=rung) for n in ("lstm", "transformer")}
    target = max(x["final_loss"] for g in runs.values() for x in g)
    out = {"rung": rung, "loss": target}
    for name, group in runs.items():
        hits = []
        for x in group:
            c = x["curve"]
            k = next(i for i, v in enumerate(c["loss"]) if v <= target + 1e-12)
            hits.append((c["steps"][k], c["seconds"][k]))
        out[name] = {"steps": [h[0] for h in hits], "seconds": [h[1] for h in hits]}
    return out


def claim_training_speed(results) -> dict:
    r = results["scaling"]
    hit = time_to_target(r)
    seconds = stats.compare(
        [math.log(s) for s in hit["transformer"]["seconds"]],
        [math.log(s) for s in hit["lstm"]["seconds"]],
        measure="log_time",
        higher_is_better=False,
        names=("transformer", "lstm"),
    )
    same, loss = equal_time_comparison(r, "transformer")
    comparisons = [
        _judged(f"seconds to loss {hit['loss']:.2f} (log ratio)", seconds, "transformer"),
        loss,
    ]

    def mean(values):
        return sum(values) / len(values)

    text = (
        f"to loss {hit['loss']:.2f}: LSTM {mean(hit['lstm']['steps']):.0f} steps, "
        f"{mean(hit['lstm']['seconds']):.1f} s; "
        f"Transformer {mean(hit['transformer']['steps']):.0f} steps, "
        f"{mean(hit['transformer']['seconds']):.1f} s; loss at {same['seconds']:.1f} s: "
        f"{mean(same['lstm']):.3f} vs {mean(same['transformer']):.3f}"
    )
    params = {n: _row(r, model=n, rung=hit["rung"])["params"] for n in ("lstm", "transformer")}
    regime = (
        f"{_machine(r)}; {params['lstm']:,} / {params['transformer']:,} parameters, "
        f"batch {r['config']['batch_size']} × {r['config']['seq_len']} characters"
    )
    return {
        "result": text,
        "verdict": _verdict(comparisons),
        "comparisons": comparisons,
        "regime": regime,
    }


# --- Claim 5: order -----------------------------------------------------------------------


def claim_order(results) -> dict:
    r = results["order"]
    comparisons, parts = [], []
    for task in r["config"]["tasks"]:
        rows = {m: _row(r, task=task, model=m) for m in r["params"][task]}
        acc = {m: row["accuracy"]["values"] for m, row in rows.items()}
        failed = [m for m, row in rows.items() if row["failed_to_train"]]
        title = task.replace("_", " ")
        for a, b, label in (
            ("transformer-sinusoidal", "transformer-none", "positions help the Transformer"),
            ("lstm", "transformer-none", "the LSTM needs none"),
        ):
            c = stats.compare(
                acc[a],
                acc[b],
                measure="accuracy",
                names=(a, b),
                chance=r["config"]["chance"],
                failed=[m for m in failed if m in (a, b)],
            )
            comparisons.append(_judged(f"{title}: {label}", c, a))
        parts.append(
            f"{title}: LSTM {rows['lstm']['accuracy']['mean']:.2f}, no positions "
            f"{rows['transformer-none']['accuracy']['mean']:.2f}, sinusoidal "
            f"{rows['transformer-sinusoidal']['accuracy']['mean']:.2f}"
        )
    smallest = min(min(p.values()) for p in r["params"].values())
    regime = f"{_machine(r)}; {r['config']['steps']} steps, {smallest:,} parameters"
    return {
        "result": "; ".join(parts),
        "verdict": _verdict(comparisons),
        "comparisons": comparisons,
        "regime": regime,
    }


# --- Claim 6a: streaming ------------------------------------------------------------------


def claim_streaming(results) -> dict:
    r = results["streaming"]
    long, short = max(r["config"]["contexts"]), min(r["config"]["contexts"])
    kept = {m: _row(r, model=m, context=long)["state_bytes"] for m in ("lstm", "transformer")}
    grow = {m: kept[m] / _row(r, model=m, context=short)["state_bytes"] for m in kept}
    step = {m: _row(r, model=m, context=long)["step_ms"] for m in kept}
    winner = stats.time_winner(step["lstm"], step["transformer"], names=("lstm", "transformer"))
    comparisons = [
        _fact(
            f"memory kept at {long} tokens",
            kept["lstm"] * math.exp(R.MARGIN["log_time"]) < kept["transformer"],
            f"{kept['lstm']:,} vs {kept['transformer']:,} bytes",
        ),
        _fact(
            f"next-token latency at {long} tokens",
            None if winner == "tie" else winner == "lstm",
            f"{step['lstm']['median']:.2f} vs {step['transformer']['median']:.2f} ms",
        ),
    ]
    text = (
        f"kept memory grows {grow['lstm']:.0f}× (LSTM) vs {grow['transformer']:.0f}× (KV cache) "
        f"from {short} to {long} tokens; next token at {long}: "
        f"{step['lstm']['median']:.2f} vs {step['transformer']['median']:.2f} ms"
    )
    if "scaling" in results:
        same, c = equal_time_comparison(results["scaling"], "lstm")
        comparisons.append(c)
        text += f"; loss after {same['seconds']:.1f} s: {c['mean'][0]:.3f} vs {c['mean'][1]:.3f}"
    params = r["params"]
    regime = f"{_machine(r)}; batch 1, {params['lstm']:,} / {params['transformer']:,} parameters"
    return {
        "result": text,
        "verdict": _verdict(comparisons),
        "comparisons": comparisons,
        "regime": regime,
    }


# --- Claim 6b: low data ----------------------------------------------------------------


def claim_lowdata(results) -> dict:
    r = results["lowdata"]
    comparisons, parts = [], []
    for n in r["config"]["sizes"]:
        rows = {m: _row(r, model=m, n_train=n) for m in ("rnn-attention", "transformer")}
        c = stats.compare(
            rows["rnn-attention"]["exact_match"]["values"],
            rows["transformer"]["exact_match"]["values"],
            measure="exact_match",
            names=("rnn-attention", "transformer"),
            failed=[m for m, row in rows.items() if row["failed_to_train"]],
        )
        comparisons.append(_judged(f"{n:,} training pairs", c, "rnn-attention"))
        parts.append(f"{n:,} pairs: {c['mean'][0]:.2f} vs {c['mean'][1]:.2f}")
    regime = (
        f"{_machine(r)}; {r['config']['steps']} steps, "
        f"{r['params']['rnn-attention']:,} / {r['params']['transformer']:,} parameters"
    )
    return {
        "result": "held-out exact match, RNN vs Transformer: " + "; ".join(parts),
        "verdict": _verdict(comparisons),
        "comparisons": comparisons,
        "regime": regime,
    }


# --- Claim 7: pretraining ----------------------------------------------------------------


def pretraining_gains(r: dict) -> dict[int, dict[str, list[float]]]:
    """Per labelled-set size, per family, the gain from pretraining of each seed: test
    accuracy pretrained minus from scratch (seed k against seed k: the same labelled set
    and head initialisation)."""
    gains: dict[int, dict[str, list[float]]] = {}
    for n in r["config"]["labelled_sizes"]:
        gains[n] = {}
        for name in ("lstm", "transformer"):
            rows = {
                start: _row(r, kind="finetune", model=name, start=start, n_labelled=n)
                for start in ("pretrained", "scratch")
            }
            pre, fresh = (rows[s]["test_accuracy"]["values"] for s in ("pretrained", "scratch"))
            gains[n][name] = [a - b for a, b in zip(pre, fresh, strict=True)]
    return gains


def claim_pretraining(results) -> dict:
    r = results["pretrain"]
    comparisons, parts = [], []
    for n, gain in pretraining_gains(r).items():
        c = stats.compare(
            gain["transformer"],
            gain["lstm"],
            measure="accuracy",
            names=("transformer", "lstm"),
        )
        comparisons.append(_judged(f"gain at {n:,} labelled snippets", c, "transformer"))
        parts.append(f"{n:,} labels: {c['mean'][0]:+.2f} vs {c['mean'][1]:+.2f}")
    pair = r["config"]["pair"]
    regime = (
        f"{_machine(r)}; {r['params']['lstm']:,} / {r['params']['transformer']:,} "
        f"parameters (BiLM of {pair['hidden']} units a direction / masked LM of width "
        f"{pair['d_model']}, {pair['layers']} layers), "
        f"{r['config']['pretrain']['steps']:,} pretraining steps of "
        f"{r['config']['pretrain']['batch']} × {r['config']['pretrain']['window']} characters"
    )
    return {
        "result": "gain from pretraining in test accuracy, Transformer vs LSTM: "
        + "; ".join(parts),
        "verdict": _verdict(comparisons),
        "comparisons": comparisons,
        "regime": regime,
    }


# --- Claim 6c: the smallest model -------------------------------------------------------


def solved(row: dict) -> bool:
    """A ladder rung solves chapter 3's task when the lower end of the bootstrap
    interval of its mean accuracy reaches ``rules.SOLVED``."""
    return stats.bootstrap_mean(row["accuracy"]["values"])["lo"] >= R.SOLVED


def ladder_failed(result: dict, row: dict) -> bool:
    """Whether a rung of the size ladder (a ``ch3_copy`` row of the ``order`` suite)
    failed to train: every seed and every rate of its search within
    ``rules.NEAR_CHANCE`` of chance (one in ``n_symbols``)."""
    sizes = result["config"]["ladder"][row["model"]]
    search = result["lr_search"]["ch3_copy"][row["model"]][sizes.index(row["size"])]
    chance = 1 / result["config"]["ch3_copy"]["n_symbols"]
    return failed_to_train(search, row["accuracy"]["values"], chance)


def smallest_solving(result: dict) -> dict[str, dict | None]:
    """Per family, the smallest ladder rung that :func:`solved` the task."""
    out = {}
    for name in ("lstm", "transformer"):
        rungs = [x for x in _rows(result, task="ch3_copy", model=name) if solved(x)]
        out[name] = min(rungs, key=lambda x: x["params"]) if rungs else None
    return out


def claim_simplicity(results) -> dict:
    r = results["order"]
    smallest = smallest_solving(r)
    lstm, tf = smallest["lstm"], smallest["transformer"]

    def say(row):
        return "none of the sizes tried" if row is None else f"{row['params']:,} parameters"

    if lstm is None and tf is None:
        holds = None
    elif tf is None or lstm is None:
        holds = tf is None
    else:
        holds = lstm["params"] < tf["params"]
    text = (
        f"smallest to solve chapter 3's copy task (interval above {R.SOLVED}): "
        f"LSTM {say(lstm)}, Transformer {say(tf)}"
    )
    comparison = _fact("smallest model that solves it", holds, text)
    never = [
        name
        for name in ("lstm", "transformer")
        if all(ladder_failed(r, x) for x in _rows(r, task="ch3_copy", model=name))
    ]
    if never:  # a family at chance at every size says nothing of its family's ability
        comparison.update(bearing="excluded", reason=f"{', '.join(never)} failed to train")
    comparisons = [comparison]
    sizes = [x["params"] for x in _rows(r, task="ch3_copy")]
    steps = r["config"]["ladder_steps"]
    regime = f"{_machine(r)}; {min(sizes):,}–{max(sizes):,} parameters, {steps} steps"
    return {
        "result": text,
        "verdict": _verdict(comparisons),
        "comparisons": comparisons,
        "regime": regime,
    }


CLAIMS = [
    (
        "Transformers train in parallel over the sequence; RNNs must step through it",
        "training step over length × batch × width, matched sizes, fastest kernels",
        ("speed",),
        claim_speed,
        "claim-speed",
    ),
    (
        "Attention links distant positions in one step; RNNs struggle with long range, "
        "even with attention",
        "accuracy at the longest lag, equal steps; on code, the loss gained from far context",
        ("longrange",),
        claim_longrange,
        "claim-longrange",
    ),
    (
        "Transformers scale better with size and with data",
        "char-LM loss against parameters (help text, code) and training data (code), "
        "fitted exponents",
        ("scaling",),
        claim_scaling,
        "claim-scaling",
    ),
    (
        "Transformers train faster",
        "seconds to a target loss; loss at equal wall-clock",
        ("scaling",),
        claim_training_speed,
        "claim-training",
    ),
    (
        "RNNs capture order by construction; Transformers need positional encodings",
        "order tasks with and without positions",
        ("order",),
        claim_order,
        "claim-order",
    ),
    (
        "RNNs suit streaming and low-compute settings",
        "memory and latency per token; loss at equal wall-clock",
        ("streaming",),
        claim_streaming,
        "claim-streaming",
    ),
    (
        "RNNs suit low-data settings",
        "1k and 10k training dates",
        ("lowdata",),
        claim_lowdata,
        "claim-lowdata",
    ),
    (
        "RNNs are simpler for strictly ordered tasks",
        "smallest model that solves chapter 3's task",
        ("order",),
        claim_simplicity,
        "claim-simplicity",
    ),
    (
        "Pretraining pays off more for Transformers than for RNNs (GPT, BERT)",
        "pretrain matched models on code (BERT-style / ELMo-style), fine-tune on "
        "64 and 512 labels against training from scratch",
        ("pretrain",),
        claim_pretraining,
        "claim-pretraining",
    ),
]


# the published sections that bear on a ledger row beside its own
PUBLISHED_ALSO = {"claim-longrange": ("claim-context",)}


def ledger(results: dict[str, dict]) -> list[dict]:
    """One row per claim: ``claim``, ``experiment``, ``section``, ``result``,
    ``verdict``, ``comparisons``, ``regime`` and ``published`` (the studies at scale of
    :mod:`~seqlab.bench.published`, each with ``beside_ours``, see :func:`beside_ours`).
    Rows whose suites have no results are skipped: see :func:`unmeasured`."""
    rows = []
    for claim, experiment, suites, judge, section in CLAIMS:
        if not all(s in results for s in suites):
            continue
        found = judge(results)
        assert found["verdict"] in R.VERDICTS
        studies = [
            {**entry, "beside_ours": beside_ours(found["verdict"], entry["bearing"])}
            for key in (section, *PUBLISHED_ALSO.get(section, ()))
            for entry in published(key)
        ]
        row = {"claim": claim, "experiment": experiment, "section": section, **found}
        rows.append({**row, "published": studies})
    return rows


def beside_ours(verdict: str, bearing: str) -> str:
    """How a published study's ``bearing`` on a claim stands beside our ``verdict``:
    ``"agrees"`` (it supports a claim we find supported, or contradicts one we find not
    supported here), ``"disagrees"`` (the opposite), ``"partly"`` (either side mixed or
    inconclusive), or ``"not tested there"``."""
    if bearing == "not tested":
        return "not tested there"
    ours = {"supported": "supports", "not supported here": "contradicts"}.get(verdict)
    if ours is None or bearing not in ("supports", "contradicts"):
        return "partly"
    return "agrees" if ours == bearing else "disagrees"


def unmeasured(results: dict[str, dict]) -> list[dict]:
    """The claims :func:`ledger` leaves out because a suite they need has no results
    made under today's rules: ``{"claim", "section", "missing": [suites]}`` each."""
    return [
        {"claim": claim, "section": section, "missing": [s for s in suites if s not in results]}
        for claim, _, suites, _, section in CLAIMS
        if not all(s in results for s in suites)
    ]


def naive_ledger() -> list[dict]:
    """The ledger as it stood before the fair-fight protocol (shipped as
    ``ledger-naive.json``): the teaching LSTM timed against fused attention, three
    learning rates tuned on a reported seed, three seeds, margins without intervals."""
    import json

    path = committed_results() / "ledger-naive.json"
    return json.loads(path.read_text(encoding="utf-8"))["rows"]
