"""Figures from results files, each claim's data described once.

:func:`claim_panels` turns the results files into panels, plain dicts of series (one
dict per plot, JSON-serialisable), one or more per claim of chapter 10's ledger. Both
renderers draw from those dicts: :func:`plot_panels` with matplotlib (bands, every seed,
reference lines, the stamp of each file under the figure) and the curve explorer of
chapter 10 through :func:`explorer_panels`. :func:`plot_result` draws one file (any
suite, chapter 9's ``recipe`` included) and :func:`plot_claim` one claim.

A panel: ``{"section", "title", "xlabel", "ylabel", "logx", "logy", "series", "note"}``
and optionally ``"hline"`` (the y of a reference line: 1 for a ratio, chance for an
accuracy), ``"ylim"``, ``"xticks"``/``"yticks"`` (``[[value, label], ...]``), ``"vspan"`` (``[lo,
hi]``, a shaded reference interval in x) and ``"yticks_right"``. A series: ``{"label",
"x", "y"}`` and optionally ``"lo"``/``"hi"`` (a band in y: the 95 % bootstrap interval
of the mean over seeds, or the range of timing repeats), ``"xlo"``/``"xhi"`` (an
interval in x), ``"seeds"`` (one list of per-seed values per point), ``"dashed"``,
``"colour"`` (an index into :data:`seqlab.plot.PALETTE`), ``"kind"`` (``"line"``, or
``"points"`` for points not joined by a line) and ``"markers"``.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib.ticker as mticker
import numpy as np

from seqlab import plot
from seqlab.bench import atscale, ledger, stats
from seqlab.bench import rules as R

LABELS = {
    "lstm": "LSTM",
    "lstm-teaching": "LSTM, teaching code (seqlab.rnn)",
    "lstm-attention": "LSTM enc–dec + attention",
    "rnn-attention": "GRU enc–dec + attention",
    "transformer": "Transformer",
    "transformer-none": "Transformer, no positions",
    "transformer-sinusoidal": "Transformer, sinusoidal",
}

SECTIONS = tuple(claim[4] for claim in ledger.CLAIMS)

# What the curve explorer (seqlab.widgets.PanelExplorer) takes of a panel and a series.
EXPLORER_PANEL_KEYS = ("title", "xlabel", "ylabel", "logx", "logy", "note", "series")
EXPLORER_SERIES_KEYS = ("label", "x", "y", "lo", "hi", "dashed")

ACCURACY_LIM = [-0.03, 1.03]  # the y range of a share of items

_ORDER = ["lstm", "transformer", "lstm-attention", "transformer-none", "rnn-attention"]


def _colour_index(name: str) -> int:
    """The palette index of model ``name`` (the sinusoidal Transformer is the
    Transformer; the teaching LSTM a colour of its own)."""
    if name == "lstm-teaching":
        return 6
    key = "transformer" if name == "transformer-sinusoidal" else name
    return _ORDER.index(key) if key in _ORDER else 5


def _colour(name: str):
    return plot.PALETTE[_colour_index(name)]


def stamp_text(result: dict) -> str:
    """One line naming where and with what ``result`` was measured."""
    s = result["stamp"]
    where, threads = ledger.machine(result)
    commit = (s.get("git_commit") or "no commit")[:7]
    corpus = f" · corpus {s['corpus_sha256'][:12]}" if s.get("corpus_sha256") else ""
    tier = f" · {s['tier']} tier" if s.get("tier") else ""
    return (
        f"{where} · {threads} · torch {s['torch']} · {s['date']} · "
        f"commit {commit} · seeds {s['seeds']}{corpus}{tier}"
        f"{' · quick' if result['config'].get('quick') else ''}"
    )


# --- Building panels ------------------------------------------------------------------


def _finite(v) -> bool:
    return v is not None and isinstance(v, int | float) and math.isfinite(v)


def _series(label: str, x, y, *, model: str | None = None, **extra) -> dict:
    """A series, its numbers as plain floats; ``model`` sets its colour."""
    out = {"label": label, "x": [float(v) for v in x], "y": [float(v) for v in y]}
    for key in ("lo", "hi", "xlo", "xhi"):
        if extra.get(key) is not None:
            out[key] = [float(v) for v in extra.pop(key)]
        extra.pop(key, None)
    if extra.get("seeds") is not None:
        out["seeds"] = [[float(v) for v in vals] for vals in extra.pop("seeds")]
    extra.pop("seeds", None)
    out["dashed"] = bool(extra.pop("dashed", False))
    if model is not None:
        out["colour"] = _colour_index(model)
    out.update(extra)
    return out


def _clean_series(s: dict, logx: bool, logy: bool) -> dict | None:
    """``s`` without the points that cannot be drawn (a NaN or infinite number, a value
    at or below 0 on a log axis); None when no point is left."""
    per_point = [k for k in ("x", "y", "lo", "hi", "xlo", "xhi", "seeds") if k in s]

    def ok(i):
        for key in per_point:
            values = s[key][i] if key == "seeds" else [s[key][i]]
            log = logx if key in ("x", "xlo", "xhi") else logy
            if not all(_finite(v) and (not log or v > 0) for v in values):
                return False
        return True

    keep = [i for i in range(len(s["x"])) if ok(i)]
    if not keep:
        return None
    return {**s, **{key: [s[key][i] for i in keep] for key in per_point}}


def _panel(section: str, title: str, xlabel: str, ylabel: str, series, note: str, **extra):
    logx, logy = bool(extra.pop("logx", False)), bool(extra.pop("logy", False))
    kept = [c for c in (_clean_series(s, logx, logy) for s in series) if c is not None]
    out = {
        "section": section,
        "title": title,
        "xlabel": xlabel,
        "ylabel": ylabel,
        "logx": logx,
        "logy": logy,
        "series": kept,
        "note": note,
    }
    if extra.get("hline") is not None:
        out["hline"] = float(extra.pop("hline"))
    extra.pop("hline", None)
    for key in ("xticks", "yticks"):
        if extra.get(key):
            out[key] = [[float(v), str(label)] for v, label in extra.pop(key)]
        extra.pop(key, None)
    out.update(extra)
    return out


def _rows(result, **where):
    return [r for r in result["rows"] if all(r.get(k) == v for k, v in where.items())]


def _models(result, **where):
    return list(dict.fromkeys(r["model"] for r in _rows(result, **where)))


def _mean_band(per_point: list[list[float]]) -> dict:
    """Mean, 95 % bootstrap interval of the mean and the seeds at each point."""
    found = [stats.bootstrap_mean(values) for values in per_point]
    return {
        "y": [b["mean"] for b in found],
        "lo": [b["lo"] for b in found],
        "hi": [b["hi"] for b in found],
        "seeds": per_point,
    }


def _length_ticks(lengths) -> list[list]:
    """Ticks at the measured lengths (every other one when there are many)."""
    lengths = sorted(set(lengths))
    step = 2 if len(lengths) > 6 else 1
    return [[v, f"{v:g}"] for v in lengths[::step]]


# --- Claim 1: speed ---------------------------------------------------------------------


def _where(result: dict) -> str:
    return "GPU" if result["stamp"]["device"].startswith("cuda") else "CPU"


def _skipped_note(line: dict) -> str | None:
    """One phrase naming the lengths skipped in one line of the speed map."""
    if not line["skipped"]:
        return None
    skipped = {int(k): v for k, v in line["skipped"].items()}
    lengths = sorted(skipped)
    name, reason = next(iter(skipped[lengths[0]].items()))
    reason = reason.split(" (limit")[0]
    measured = [v for v in line["lengths"] if v > lengths[0]]
    where = f"from L={lengths[0]}" if not measured else f"at L={', '.join(map(str, lengths))}"
    return f"batch {line['batch_size']} {where} ({LABELS.get(name, name)}: {reason})"


def _cell(result, **where) -> dict | None:
    found = _rows(result, **where)
    return found[0] if found and not found[0]["skipped"] else None


def speed_map_panels(result: dict) -> list[dict]:
    """Claim 1's speed map: per width, the time ratio LSTM / Transformer of the training
    step against length, one series per batch size (see
    :func:`seqlab.bench.ledger.speed_map`); the skipped cells named in the note."""
    where, panels = _where(result), []
    lines = ledger.speed_map(result, "train")
    for width in result["config"]["widths"]:
        series, skipped = [], []
        mine = [x for x in lines if x["width"] == width]
        for k, line in enumerate(mine):
            lo, hi = [], []
            for length in line["lengths"]:
                cell = {"width": width, "batch_size": line["batch_size"], "length": length}
                lstm = _cell(result, model="lstm", mode="train", **cell)["ms"]
                tf = _cell(result, model="transformer", mode="train", **cell)["ms"]
                lo.append(lstm["min"] / tf["max"])
                hi.append(lstm["max"] / tf["min"])
            series.append(
                _series(
                    f"batch {line['batch_size']}",
                    line["lengths"],
                    line["ratio"],
                    lo=lo,
                    hi=hi,
                    colour=(k + 2) % len(plot.PALETTE),
                )
            )
            note = _skipped_note(line)
            if note:
                skipped.append(note)
        note = stamp_text(result)
        if skipped:
            note += f"\nskipped at width {width}: " + "; ".join(skipped)
        panels.append(
            _panel(
                "claim-speed",
                f"{where}, width {width}: LSTM time / Transformer time per training step "
                "(above 1: Transformer faster)",
                "sequence length",
                "time ratio LSTM / Transformer",
                series,
                note,
                logx=True,
                logy=True,
                hline=1.0,
                xticks=_length_ticks(result["config"]["lengths"]),
            )
        )
    return panels


def _timing_series(result, name, label, y_of, band_of, **where) -> dict:
    rows = [r for r in _rows(result, model=name, **where) if not r["skipped"]]
    rows.sort(key=lambda r: r["length"])
    lo_hi = [band_of(r) for r in rows] if band_of is not None else None
    return _series(
        label,
        [r["length"] for r in rows],
        [y_of(r) for r in rows],
        model=name,
        lo=None if lo_hi is None else [b[0] for b in lo_hi],
        hi=None if lo_hi is None else [b[1] for b in lo_hi],
        dashed=name == "lstm-teaching",
    )


def _middle_batch(result) -> int:
    batches = sorted(result["config"]["batches"])
    return 16 if 16 in batches else batches[len(batches) // 2]


def _ms(r):
    return r["ms"]["median"]


def _ms_band(r):
    return r["ms"]["min"], r["ms"]["max"]


def _tokens(r):
    return r["tokens_per_s"]


def _tokens_band(r):
    n = r["batch_size"] * r["length"]
    return n / (r["ms"]["max"] / 1000), n / (r["ms"]["min"] / 1000)


def _mib(r):
    m = r.get("peak_memory_bytes")
    return m / 2**20 if m else float("nan")


def _detail_kinds(teaching: int, batch: int) -> list[tuple]:
    """The detail panels of claim 1: ``(batch, mode, models, y, band, ylabel, what)``."""
    return [
        (
            teaching,
            "train",
            ["lstm", "lstm-teaching", "transformer"],
            _ms,
            _ms_band,
            "ms per training step",
            "training step, teaching code against fast kernels",
        ),
        (
            batch,
            "forward",
            ["lstm", "transformer"],
            _tokens,
            _tokens_band,
            "tokens per second",
            "inference (forward pass) throughput",
        ),
        (
            batch,
            "train",
            ["lstm", "transformer"],
            _mib,
            None,
            "peak memory (MiB)",
            "peak memory of a training step",
        ),
    ]


def speed_detail_panels(result: dict) -> list[dict]:
    """Claim 1's other panels, per width: ms per training step at the teaching batch
    (``torch.nn.LSTM``, the book's teaching LSTM, the Transformer); tokens per second of
    the forward pass and peak memory of a training step at batch 16 (or the middle
    batch)."""
    where, config, panels = _where(result), result["config"], []
    teaching, batch = config["teaching_batch"], _middle_batch(result)
    names = {"lstm": "torch.nn.LSTM", "transformer": "Transformer"}
    ticks = _length_ticks(config["lengths"])

    kinds = _detail_kinds(teaching, batch)
    for b, mode, models, y_of, band_of, ylabel, what in kinds:
        for width in config["widths"]:
            series = [
                _timing_series(
                    result,
                    name,
                    LABELS[name] if name == "lstm-teaching" else names[name],
                    y_of,
                    band_of,
                    width=width,
                    batch_size=b,
                    mode=mode,
                )
                for name in models
            ]
            panels.append(
                _panel(
                    "claim-speed",
                    f"{where}, width {width}, batch {b}: {what}",
                    "sequence length",
                    ylabel,
                    series,
                    stamp_text(result),
                    logx=True,
                    logy=True,
                    xticks=ticks,
                )
            )
    return [p for p in panels if p["series"]]


def speed_panels(result: dict) -> list[dict]:
    """Every panel of claim 1 from one speed file: the map, then the details."""
    return speed_map_panels(result) + speed_detail_panels(result)


# --- Claim 2: long range ---------------------------------------------------------------


def longrange_panels(r: dict) -> list[dict]:
    """Claim 2: accuracy (or exact match) against lag per task, each family a series
    with its bootstrap interval and every seed; chance as the reference line."""
    panels = []
    for task, (title, xlabel, metric) in ledger.LONGRANGE_TASKS.items():
        series = []
        for name in r["params"].get(task, _models(r, task=task)):
            rows = sorted(_rows(r, task=task, model=name), key=lambda x: x["lag"])
            if not rows:
                continue
            failed = [str(x["lag"]) for x in rows if x["failed_to_train"]]
            label = f"{LABELS.get(name, name)} ({r['params'][task][name]:,})"
            if failed:
                label += f", failed to train at lag {', '.join(failed)}"
            band = _mean_band([x[metric]["values"] for x in rows])
            series.append(_series(label, [x["lag"] for x in rows], model=name, **band))
        panels.append(
            _panel(
                "claim-longrange",
                f"Claim 2: {title}, {metric.replace('_', ' ')} against {xlabel}",
                xlabel,
                f"{metric.replace('_', ' ')} (mean, 95 % interval, seeds)",
                series,
                stamp_text(r),
                hline=R.CHANCE[task],
                ylim=ACCURACY_LIM,
                xticks=[[v, f"{v:g}"] for v in r["config"]["lags"].get(task, [])],
            )
        )
    return [p for p in panels if p["series"]]


# --- Claims 3 and 4: scaling and training speed ----------------------------------------


def _size_ticks(sizes) -> list[list]:
    """Ticks at the sizes (``8k``), one per label (the two families' sizes nearly match)."""
    ticks = {}
    for v in sorted(sizes):
        ticks.setdefault(f"{v / 1000:.0f}k" if v >= 1000 else f"{v:.0f}", v)
    return [[v, label] for label, v in ticks.items()]


def _scaling_family(r: dict, name: str, found: dict) -> tuple[list, list, dict]:
    """Family ``name``'s sizes, its loss series and its residual series in the
    ``scaling`` file ``r``, from the fit ``found`` (see :func:`_fitted_family`)."""
    n, per_size = ledger.per_size(r, name)
    return (n, *_fitted_family(name, n, per_size, found))


def _fitted_family(name: str, n: list, per_point: list, found: dict) -> tuple[list, dict]:
    """A family's loss series (means with intervals and seeds at each ``n``, then the
    fitted curve dashed) and its residual series, from the fit ``found``."""
    band = _mean_band(per_point)
    fit, alpha = found["fit"], found["alpha"]
    grid = sorted({*np.geomspace(min(n), max(n), 40).tolist(), *n})
    curve = [fit["l_inf"] + fit["a"] * v ** (-fit["alpha"]) for v in grid]
    label = f"{LABELS[name]} fit, α = {alpha['value']:.2f} [{alpha['lo']:.2f}, {alpha['hi']:.2f}]"
    series = [
        _series(LABELS[name], n, model=name, **band),
        _series(label, grid, curve, model=name, dashed=True, markers=False),
    ]
    fitted = fit["fitted"]
    residual = _series(
        LABELS[name],
        n,
        fit["residuals"],
        model=name,
        lo=[lo - f for lo, f in zip(band["lo"], fitted, strict=True)],
        hi=[hi - f for hi, f in zip(band["hi"], fitted, strict=True)],
        seeds=[[v - f for v in g] for g, f in zip(per_point, fitted, strict=True)],
    )
    return series, residual


def scaling_panels(r: dict) -> list[dict]:
    """Claim 3: final validation loss against parameters per family (per-size means with
    their intervals, every seed, the fitted L = l_inf + a N^-alpha dashed), and the
    residuals of the fit (mean − fitted) against parameters."""
    fits = ledger.scaling_fits(r)
    loss, residuals, all_sizes = [], [], []
    for name in ("lstm", "transformer"):
        n, fitted_series, residual = _scaling_family(r, name, fits[name])
        all_sizes += n
        loss += fitted_series
        residuals.append(residual)
    ticks = _size_ticks(set(all_sizes)) if len(set(all_sizes)) <= 12 else None
    steps = r["config"]["steps"]
    return [
        _panel(
            "claim-scaling",
            f"Claim 3: validation loss after {steps} steps against size",
            "parameters",
            "validation loss (nats)",
            loss,
            stamp_text(r),
            logx=True,
            logy=True,
            xticks=ticks,
        ),
        _panel(
            "claim-scaling",
            "Claim 3: residuals of the fit (mean − fitted)",
            "parameters",
            "residual (nats)",
            residuals,
            stamp_text(r),
            logx=True,
            hline=0.0,
            xticks=ticks,
        ),
    ]


def _count_label(v: float) -> str:
    """A count for an axis: ``4k``, ``262k``, ``1.0M``."""
    if v >= 1e6:
        return f"{v / 1e6:.1f}M"
    return f"{v / 1e3:.0f}k" if v >= 1e3 else f"{v:.0f}"


def sweep_panels(r: dict) -> list[dict]:
    """Claim 3 on the code corpus: test loss against parameters and against training
    characters per family (per-point means with intervals, every seed, the fitted
    L = l_inf + a x^-alpha dashed), each with the residuals of its fit."""
    tier = r["config"]["tier"].upper()
    at_data = " / ".join(
        f"{n:,}" for n in dict.fromkeys(x["params"] for x in _rows(r, study="data"))
    )
    axes = {
        "model": ("parameters", f"test loss against size, {r['config']['tokens_per_run']:,} "
                  "characters each"),
        "data": ("distinct training characters", "test loss against training data, "
                 f"{at_data} parameters, early stopping"),
    }  # fmt: skip
    panels = []
    for study, (xlabel, title) in axes.items():
        fits = atscale.sweep_fits(r, study)
        loss, residuals, xs = [], [], set()
        for name in atscale.FAMILIES:
            n, per_point = atscale.sweep_points(r, name, study)
            series, residual = _fitted_family(name, n, per_point, fits[name])
            loss += series
            residuals.append(residual)
            xs |= set(n)
        note = stamp_text(r)
        ticks = [[v, _count_label(v)] for v in sorted(xs)] if study == "data" else None
        panels += [
            _panel("claim-sweep", f"Claim 3, code ({tier} tier): {title}", xlabel,
                   "test loss (nats)", loss, note, logx=True, logy=True, xticks=ticks),
            _panel("claim-sweep", f"Claim 3, code ({tier} tier): residuals of the fit "
                   "(mean − fitted)", xlabel, "residual (nats)", residuals, note, logx=True,
                   hline=0.0, xticks=ticks),
        ]  # fmt: skip
    return panels


def context_panels(r: dict) -> list[dict]:
    """Claim 2 on the code corpus: test loss against the characters of context a
    prediction had, in half-octave bins, per family at each rung (means with intervals,
    every seed); each label says where the family stops improving."""
    panels = []
    for rung in range(len(r["config"]["rungs"])):
        series = []
        for name in atscale.FAMILIES:
            b = atscale.binned_loss(r, name, rung)
            stop = atscale.stops_improving(b["bins"], b["mean"])
            params = _rows(r, model=name, rung=rung)[0]["params"]
            label = f"{LABELS[name]} ({params:,}), flat from {stop}"
            series.append(_series(label, b["mid"], model=name, **_mean_band(b["seeds"])))
        panels.append(
            _panel(
                "claim-context",
                f"Claim 2, code ({r['config']['tier'].upper()} tier): loss at each position, "
                f"context {r['config']['seq_len']}",
                "characters of context (log, half-octave bins)",
                "test loss (nats)",
                series,
                stamp_text(r),
                logx=True,
            )
        )
    return panels


def training_panels(r: dict) -> list[dict]:
    """Claim 4: validation loss at :func:`~seqlab.bench.ledger.target_rung` against the
    seconds of training (mean curve over seeds, its interval) and against steps (every
    seed too); the target loss of :func:`~seqlab.bench.ledger.time_to_target` as the
    reference line."""
    rung = ledger.target_rung(r)
    target = ledger.time_to_target(r, rung)["loss"]
    by_time, by_steps, params = [], [], []
    for name in ("lstm", "transformer"):
        runs = _rows(r, model=name, rung=rung)
        if not runs:
            continue
        params.append(f"{LABELS[name]} {runs[0]['params']:,}")
        k = min(len(x["curve"]["loss"]) for x in runs)
        per_point = [[x["curve"]["loss"][i] for x in runs] for i in range(k)]
        band = _mean_band(per_point)
        seconds = np.mean([x["curve"]["seconds"][:k] for x in runs], axis=0).tolist()
        timed = {key: v for key, v in band.items() if key != "seeds"}
        by_time.append(_series(LABELS[name], seconds, model=name, markers=False, **timed))
        steps = runs[0]["curve"]["steps"][:k]
        by_steps.append(_series(LABELS[name], steps, model=name, markers=False, **band))
    who = ", ".join(params)
    return [
        _panel(
            "claim-training",
            f"Claim 4: validation loss against seconds of training ({who} parameters)",
            "seconds of training (mean over seeds)",
            "validation loss (nats)",
            by_time,
            stamp_text(r) + f"\ntarget loss {target:.3f}: the worst final loss of any seed",
            hline=target,
        ),
        _panel(
            "claim-training",
            f"Claim 4: validation loss against steps ({who} parameters)",
            "training steps",
            "validation loss (nats)",
            by_steps,
            stamp_text(r),
            hline=target,
        ),
    ]


# --- Claims 5 and 6c: order and the smallest model --------------------------------------


def order_panels(r: dict) -> list[dict]:
    """Claim 5: accuracy on each order task (x = task index) for the three models, each
    with its interval and every seed."""
    tasks = list(r["config"]["tasks"])
    names = list(dict.fromkeys(m for t in tasks for m in r["params"][t]))
    width = 0.6 / max(len(names), 1)
    series = []
    for k, name in enumerate(names):
        xs, per_point = [], []
        for i, task in enumerate(tasks):
            row = _rows(r, task=task, model=name)
            if row:
                xs.append(i + (k - (len(names) - 1) / 2) * width)
                per_point.append(row[0]["accuracy"]["values"])
        failed = [
            t for t in tasks if any(x["failed_to_train"] for x in _rows(r, task=t, model=name))
        ]
        label = LABELS.get(name, name) + (
            f", failed to train on {', '.join(failed)}" if failed else ""
        )
        series.append(_series(label, xs, model=name, kind="points", **_mean_band(per_point)))
    names_of = ", ".join(f"{i} = {t.replace('_', ' ')}" for i, t in enumerate(tasks))
    return [
        _panel(
            "claim-order",
            "Claim 5: order-sensitive tasks, with and without positions",
            f"task ({names_of})",
            "accuracy (mean, 95 % interval, seeds)",
            series,
            stamp_text(r),
            hline=r["config"]["chance"],
            ylim=ACCURACY_LIM,
            xticks=[[i, t.replace("_", " ")] for i, t in enumerate(tasks)],
        )
    ]


def simplicity_panels(r: dict) -> list[dict]:
    """Claim 6c: accuracy on chapter 3's copy task against parameters on the size
    ladder, per family; ``rules.SOLVED`` as the reference line."""
    smallest = ledger.smallest_solving(r)
    series = []
    for name in ("lstm", "transformer"):
        rows = sorted(_rows(r, task="ch3_copy", model=name), key=lambda x: x["params"])
        if not rows:
            continue
        row = smallest[name]
        solves = "none solves it" if row is None else f"solves it from {row['params']:,}"
        band = _mean_band([x["accuracy"]["values"] for x in rows])
        series.append(
            _series(f"{LABELS[name]}, {solves}", [x["params"] for x in rows], model=name, **band)
        )
    return [
        _panel(
            "claim-simplicity",
            "Claim 6c: size needed for chapter 3's copy task",
            "parameters",
            "accuracy (mean, 95 % interval, seeds)",
            series,
            stamp_text(r),
            logx=True,
            hline=R.SOLVED,
            ylim=ACCURACY_LIM,
        )
    ]


# --- Claims 6a and 6b: streaming and low data -------------------------------------------


def streaming_panels(r: dict) -> list[dict]:
    """Claim 6a: bytes kept between tokens, and ms per next token, against context, per
    family (the Transformer also recomputing without its cache, dashed)."""
    memory, latency = [], []
    for name in _models(r):
        rows = sorted(_rows(r, model=name), key=lambda x: x["context"])
        x = [row["context"] for row in rows]
        memory.append(
            _series(LABELS[name], x, [row["state_bytes"] / 1024 for row in rows], model=name)
        )

        def timed(key, label, dashed=False, rows=rows, x=x, name=name):
            return _series(
                label,
                x,
                [row[key]["median"] for row in rows],
                model=name,
                lo=[row[key]["min"] for row in rows],
                hi=[row[key]["max"] for row in rows],
                dashed=dashed,
            )

        latency.append(timed("step_ms", f"{LABELS[name]}, kept state"))
        if all("recompute_ms" in row for row in rows):
            latency.append(
                timed("recompute_ms", f"{LABELS[name]}, recompute without cache", dashed=True)
            )
    ticks = _length_ticks(r["config"]["contexts"])
    return [
        _panel(
            "claim-streaming",
            "Claim 6a: memory kept between tokens",
            "context (tokens)",
            "kept between tokens (KiB)",
            memory,
            stamp_text(r),
            logx=True,
            logy=True,
            xticks=ticks,
        ),
        _panel(
            "claim-streaming",
            f"Claim 6a: latency of the next token (batch {r['config']['batch_size']})",
            "context (tokens)",
            "ms per next token (median, range of repeats)",
            latency,
            stamp_text(r),
            logx=True,
            logy=True,
            xticks=ticks,
        ),
    ]


def lowdata_panels(r: dict) -> list[dict]:
    """Claim 6b: held-out exact match against the number of training pairs per family,
    every seed; the exact match on the training pairs dashed."""
    series = []
    for name in _models(r):
        rows = sorted(_rows(r, model=name), key=lambda x: x["n_train"])
        x = [row["n_train"] for row in rows]
        failed = [f"{row['n_train']:,}" for row in rows if row["failed_to_train"]]
        label = f"{LABELS.get(name, name)} ({r['params'][name]:,}), held out"
        if failed:
            label += f", failed to train at {', '.join(failed)} pairs"
        held = _mean_band([row["exact_match"]["values"] for row in rows])
        series.append(_series(label, x, model=name, **held))
        train = _mean_band([row["train_exact_match"]["values"] for row in rows])
        train.pop("seeds")
        series.append(
            _series(
                f"{LABELS.get(name, name)}, training pairs", x, model=name, dashed=True, **train
            )
        )
    return [
        _panel(
            "claim-lowdata",
            f"Claim 6b: exact match against training pairs, {r['config']['steps']} steps",
            "training pairs",
            "exact match (mean, 95 % interval, seeds)",
            series,
            stamp_text(r),
            logx=True,
            ylim=ACCURACY_LIM,
        )
    ]


# --- Claim 7: pretraining ---------------------------------------------------------------------


def pretrain_panels(r: dict) -> list[dict]:
    """Claim 7: test accuracy after fine-tuning against the labelled-set size, per family,
    pretrained (solid) and from scratch (dashed), every seed."""
    series = []
    for name in ("lstm", "transformer"):
        for start in ("pretrained", "scratch"):
            rows = sorted(
                _rows(r, kind="finetune", model=name, start=start), key=lambda x: x["n_labelled"]
            )
            band = _mean_band([row["test_accuracy"]["values"] for row in rows])
            label = f"{LABELS.get(name, name)} ({r['params'][name]:,}), {start}"
            x = [row["n_labelled"] for row in rows]
            series.append(_series(label, x, model=name, dashed=start == "scratch", **band))
    return [
        _panel(
            "claim-pretraining",
            "Claim 7: fine-tuned test accuracy, pretrained and from scratch",
            "labelled snippets",
            "test accuracy (mean, 95 % interval, seeds)",
            series,
            stamp_text(r),
            logx=True,
            ylim=ACCURACY_LIM,
            hline=r["config"]["chance"],
        )
    ]


# --- Chapter 9's recipe (not a claim) ------------------------------------------------------


def recipe_panels(result: dict) -> list[dict]:
    """Chapter 9's recipe file: each variant's held-out cross-entropy with its 95 %
    interval (the baseline's interval shaded), and the training loss of every seed of
    the layer-norm study."""
    rows = _rows(result, study="recipe")[::-1]  # the baseline on top
    base = rows[-1]["interval"]
    n = base["n"]
    variants = [
        _series(
            row["variant"],
            [row["interval"]["mean"]],
            [k],
            xlo=[row["interval"]["lo"]],
            xhi=[row["interval"]["hi"]],
            colour=0,
            kind="points",
        )
        for k, row in enumerate(rows)
    ]
    norm = _rows(result, study="norm")
    dots = [
        _series(
            row["variant"],
            row["train_loss"]["values"],
            [k] * len(row["train_loss"]["values"]),
            colour=1 + k // 2,
            kind="points",
        )
        for k, row in enumerate(norm)
    ]
    config, note = result["config"], stamp_text(result)
    return [
        _panel(
            "recipe",
            f"Recipe, {config['steps']} steps, {n} seed{'s' if n != 1 else ''}",
            "held-out cross-entropy (nats), 95% interval",
            "",
            variants,
            note,
            yticks=[[k, row["variant"]] for k, row in enumerate(rows)],
            vspan=[float(base["lo"]), float(base["hi"])],
            legend=False,
        ),
        _panel(
            "recipe",
            f"{config['norm_layers']} layers, lr {config['norm_lr']:g}",
            "training loss, last tenth (nats)",
            "",
            dots,
            note,
            yticks=[[k, row["variant"]] for k, row in enumerate(norm)],
            yticks_right=True,  # the labels on the right, clear of the first panel
            legend=False,
        ),
    ]


# --- Which panels each claim and each file has --------------------------------------------

CLAIM_PANELS = {
    "claim-speed": ("speed", speed_panels),
    "claim-longrange": ("longrange", longrange_panels),
    "claim-scaling": ("scaling", scaling_panels),
    "claim-training": ("scaling", training_panels),
    "claim-order": ("order", order_panels),
    "claim-simplicity": ("order", simplicity_panels),
    "claim-streaming": ("streaming", streaming_panels),
    "claim-lowdata": ("lowdata", lowdata_panels),
    "claim-pretraining": ("pretrain", pretrain_panels),
    "claim-context": ("context", context_panels),
    "claim-sweep": ("sweep", sweep_panels),
}


def _claim_panels(results: dict, sections) -> list[dict]:
    panels = []
    for section in sections:
        suite, build = CLAIM_PANELS[section]
        if suite in results:
            panels += build(results[suite])
        if section == "claim-speed" and "speed-cuda" in results:
            panels += speed_map_panels(results["speed-cuda"])
        if f"{suite}-gpu" in results:  # the GPU tier of a suite at scale
            panels += build(results[f"{suite}-gpu"])
    return panels


# the panels of the suites at scale, after those of the claim they add to
AT_SCALE = {"claim-longrange": "claim-context", "claim-scaling": "claim-sweep"}


def claim_panels(results: dict[str, dict]) -> list[dict]:
    """Every panel of every claim whose suite is in ``results`` (keyed by suite, as from
    :func:`seqlab.bench.ledger.load_all`), in the ledger's order, those of the suites at
    scale after their claim's; each panel's ``section`` names its claim (or
    ``claim-context``, ``claim-sweep``)."""
    sections = [k for section in SECTIONS for k in (section, AT_SCALE.get(section)) if k]
    return _claim_panels(results, sections)


def suite_panels(result: dict) -> list[dict]:
    """The panels of the claims that one results file feeds (chapter 9's recipe file:
    its two panels)."""
    suite = result["suite"]
    if suite == "recipe":
        return recipe_panels(result)
    if suite == "speed":
        return speed_panels(result)
    builders = [build for s, build in CLAIM_PANELS.values() if s == suite]
    if not builders:
        known = sorted({s for s, _ in CLAIM_PANELS.values()} | {"recipe"})
        raise ValueError(f"no figure for suite {suite!r}; known: {known}")
    return [p for build in builders for p in build(result)]


def explorer_panels(results: dict[str, dict]) -> list[dict]:
    """:func:`claim_panels` in the format of :class:`~seqlab.widgets.PanelExplorer`:
    each panel and series with only the keys the widget takes."""
    out = []
    for panel in claim_panels(results):
        kept = {k: panel[k] for k in EXPLORER_PANEL_KEYS if k in panel}
        kept["series"] = [
            {k: s[k] for k in EXPLORER_SERIES_KEYS if k in s} for s in panel["series"]
        ]
        out.append(kept)
    return out


# --- Drawing ----------------------------------------------------------------------------


def _draw_series(ax, s: dict, index: int) -> None:
    colour = plot.PALETTE[s.get("colour", index) % len(plot.PALETTE)]
    x, y = np.array(s["x"]), np.array(s["y"])
    style = "--" if s.get("dashed") else "-"
    marker = "o" if s.get("markers", True) else None
    if s.get("kind") == "points":
        yerr = xerr = None
        if "lo" in s and "hi" in s:
            yerr = [np.maximum(y - s["lo"], 0), np.maximum(np.array(s["hi"]) - y, 0)]
        if "xlo" in s and "xhi" in s:
            xerr = [np.maximum(x - s["xlo"], 0), np.maximum(np.array(s["xhi"]) - x, 0)]
        ax.errorbar(
            x,
            y,
            yerr=yerr,
            xerr=xerr,
            fmt="o",
            mfc="white" if s.get("dashed") else colour,
            color=colour,
            capsize=3,
            label=s["label"],
            alpha=0.9,
            zorder=3,
        )
    else:
        ax.plot(x, y, style, marker=marker, ms=4, color=colour, label=s["label"], zorder=3)
        if "lo" in s and "hi" in s:
            ax.fill_between(x, s["lo"], s["hi"], color=colour, alpha=0.2, lw=0)
    for xi, values in zip(x, s.get("seeds", []), strict=False):
        ax.scatter([xi] * len(values), values, s=7, color=colour, alpha=0.6, lw=0, zorder=4)


def _plain_log_ticks(ax, panel: dict) -> None:
    """On log axes without ticks of their own: 1000, not 10^3; no labelled minor ticks."""
    for axis, kind, key in (
        (ax.xaxis, ax.get_xscale(), "xticks"),
        (ax.yaxis, ax.get_yscale(), "yticks"),
    ):
        if kind == "log" and not panel.get(key):
            axis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
            axis.set_minor_formatter(mticker.NullFormatter())


def _draw_panel(ax, panel: dict) -> None:
    for index, s in enumerate(panel["series"]):
        _draw_series(ax, s, index)
    if "hline" in panel:
        ax.axhline(panel["hline"], ls=":", color="grey", lw=1.2, zorder=1)
    if "vspan" in panel:
        ax.axvspan(*panel["vspan"], color=plot.PALETTE[0], alpha=0.2, lw=0)
    ax.set(
        xscale="log" if panel.get("logx") else "linear",
        yscale="log" if panel.get("logy") else "linear",
        xlabel=textwrap.fill(panel.get("xlabel", ""), 60),
        ylabel=panel.get("ylabel", ""),
    )
    ax.set_title(textwrap.fill(panel["title"], 52), fontsize="medium")
    if panel.get("ylim"):
        ax.set_ylim(*panel["ylim"])
    for key, axis in (("xticks", ax.xaxis), ("yticks", ax.yaxis)):
        if panel.get(key):
            axis.set_ticks([v for v, _ in panel[key]], [label for _, label in panel[key]])
            axis.set_minor_locator(mticker.NullLocator())
    if panel.get("yticks_right"):
        ax.yaxis.tick_right()
    _plain_log_ticks(ax, panel)
    if panel.get("legend", True) and panel["series"]:
        ax.legend(fontsize="x-small")


def plot_panels(panels: list[dict], *, ncols: int | None = None):
    """Draw ``panels`` side by side (two per row at most) with their bands, every seed
    as a small dot, reference lines and legends; their notes (the stamps of the files)
    under the figure.

    Returns:
        The matplotlib figure, one axes per panel.
    """
    if not panels:
        raise ValueError("plot_panels needs at least one panel")
    ncols = min(ncols or 2, 2, len(panels))
    if ncols < 1:
        raise ValueError(f"ncols must be 1 or 2, got {ncols!r}")
    nrows = math.ceil(len(panels) / ncols)
    width = 4.6 if ncols > 1 else 6.0
    fig, axes = plot.figure(ncols=ncols, nrows=nrows, width=width, height=3.6)
    axes = np.atleast_1d(axes).ravel()
    for ax, panel in zip(axes, panels, strict=False):
        _draw_panel(ax, panel)
    for ax in axes[len(panels) :]:
        fig.delaxes(ax)
    fig.set_layout_engine("constrained")
    notes = list(dict.fromkeys(line for p in panels for line in p.get("note", "").splitlines()))
    if notes:
        fig.supxlabel("\n".join(notes), fontsize=7, color="#555555")
    return fig


def plot_claim(results: dict[str, dict], section: str, *, ncols: int | None = None):
    """Draw every panel of the claim ``section`` (a ``section`` of
    :data:`seqlab.bench.ledger.CLAIMS`, e.g. ``"claim-speed"``) from ``results``.

    Returns:
        The matplotlib figure.
    """
    panels = _claim_panels(results, [section]) if section in CLAIM_PANELS else []
    if not panels:
        raise ValueError(
            f"no panels for section {section!r} in these results; known sections: "
            f"{', '.join(SECTIONS)}"
        )
    return plot_panels(panels, ncols=ncols)


def plot_result(result: dict | str | Path):
    """Draw a results file (or its loaded dict) of any suite, with its stamp under the
    figure: :func:`plot_panels` of :func:`suite_panels`.

    Returns:
        The matplotlib figure.
    """
    if not isinstance(result, dict):
        from seqlab.bench import load_results

        result = load_results(result)
    return plot_panels(suite_panels(result))
