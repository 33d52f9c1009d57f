"""Figures from results files: :func:`plot_result` draws any suite's file, stamped with
the hardware and software that measured it; :func:`explorer_panels` turns files into the
panels of chapter 10's curve explorer."""

from __future__ import annotations

from pathlib import Path

import matplotlib.ticker as mticker
import numpy as np

from seqlab import plot
from seqlab.bench.common import spread

LABELS = {
    "lstm": "LSTM",
    "lstm-attention": "LSTM enc–dec + attention",
    "rnn-attention": "GRU enc–dec + attention",
    "transformer": "Transformer",
    "transformer-none": "Transformer, no positions",
    "transformer-sinusoidal": "Transformer, sinusoidal",
}


def _colour(name: str):
    order = ["lstm", "transformer", "lstm-attention", "transformer-none", "rnn-attention"]
    key = "transformer" if name == "transformer-sinusoidal" else name
    return plot.PALETTE[order.index(key) if key in order else 5]


def stamp_text(result: dict) -> str:
    """One line naming where and with what ``result`` was measured."""
    s = result["stamp"]
    where = s["gpu"] if s["device"].startswith("cuda") and s.get("gpu") else s["cpu"]
    commit = (s.get("git_commit") or "no commit")[:7]
    return (
        f"{where} · {s['torch_threads']} threads · torch {s['torch']} · {s['date']} · "
        f"commit {commit} · seeds {s['seeds']}{' · quick' if result['config'].get('quick') else ''}"
    )


def _band(ax, x, spreads, name, label=None, style="-"):
    mean = [v["mean"] for v in spreads]
    ax.plot(x, mean, style, marker="o", color=_colour(name), label=label or LABELS.get(name, name))
    ax.fill_between(
        x, [v["min"] for v in spreads], [v["max"] for v in spreads], color=_colour(name), alpha=0.2
    )


def _rows(result, **where):
    return [r for r in result["rows"] if all(r.get(k) == v for k, v in where.items())]


def _models(result, **where):
    return list(dict.fromkeys(r["model"] for r in _rows(result, **where)))


def _speed(result, axes):
    for name in _models(result):
        rows = _rows(result, model=name)
        x = [r["length"] for r in rows]
        ms = [r["train_ms"] for r in rows]
        axes[0].plot(
            x,
            [m["median"] for m in ms],
            marker="o",
            color=_colour(name),
            label=f"{LABELS[name]} ({result['params'][name]:,})",
        )
        axes[0].fill_between(
            x, [m["min"] for m in ms], [m["max"] for m in ms], color=_colour(name), alpha=0.2
        )
        axes[1].plot(x, [r["sequential_steps"] for r in rows], marker="o", color=_colour(name))
    axes[0].set(
        xscale="log",
        yscale="log",
        xlabel="sequence length",
        ylabel="training step (ms)",
        title=f"Training step, batch {result['config']['batch_size']}",
    )
    axes[1].set(
        xscale="log",
        yscale="log",
        xlabel="sequence length",
        ylabel="sequential steps",
        title="Critical path",
    )
    axes[0].legend(fontsize="small")


def _longrange(result, axes):
    titles = {
        "copy_memory": ("Copy memory", "blank steps (lag)", "accuracy"),
        "associative_recall": ("Associative recall", "stored pairs", "accuracy"),
        "copy_seq2seq": ("Seq2seq copy", "input length", "exact match"),
    }
    for ax, (task, (title, xlabel, ylabel)) in zip(axes, titles.items(), strict=True):
        for name in _models(result, task=task):
            rows = _rows(result, task=task, model=name)
            metric = "accuracy" if "accuracy" in rows[0] else "exact_match"
            _band(
                ax,
                [r["lag"] for r in rows],
                [r[metric] for r in rows],
                name,
                f"{LABELS[name]} ({result['params'][task][name]:,})",
            )
        ax.set(xlabel=xlabel, ylabel=ylabel, title=title, ylim=(-0.03, 1.03))
        ax.legend(fontsize="x-small")


def _scaling(result, axes):
    for name in ("lstm", "transformer"):
        rows = _rows(result, model=name)
        for ax, key in zip(axes, ("params", "flops"), strict=True):
            x = np.array([r[key] for r in rows], dtype=float)
            ax.scatter(
                x, [r["final_loss"] for r in rows], color=_colour(name), s=18, label=LABELS[name]
            )
            fit = result["fits"][name][key]
            grid = np.geomspace(x.min(), x.max(), 20)
            se = f" ± {fit['slope_se']:.3f}" if fit["slope_se"] is not None else ""
            ax.plot(
                grid,
                10 ** fit["intercept"] * grid ** fit["slope"],
                color=_colour(name),
                label=f"slope {fit['slope']:.3f}{se}",
            )
    sizes = sorted({r["params"] for r in result["rows"]})
    axes[0].set_xticks(sizes)
    axes[0].xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v / 1000:.0f}k"))
    axes[0].xaxis.set_minor_formatter(mticker.NullFormatter())
    steps = result["config"]["steps"]
    axes[0].set(
        xscale="log",
        xlabel="parameters",
        ylabel="validation loss (nats)",
        title=f"Loss after {steps} steps vs size",
    )
    axes[1].set(
        xscale="log",
        xlabel="training FLOPs (estimated)",
        title="… vs training compute",
    )
    for ax in axes:
        ax.legend(fontsize="x-small")


def _order(result, axes):
    tasks = list(result["config"]["tasks"])
    names = _models(result, task=tasks[0])
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        acc = [_rows(result, task=t, model=name)[0]["accuracy"] for t in tasks]
        x = np.arange(len(tasks)) + (k - (len(names) - 1) / 2) * width
        mean = np.array([a["mean"] for a in acc])
        err = [mean - [a["min"] for a in acc], [a["max"] for a in acc] - mean]
        axes[0].bar(x, mean, width, yerr=err, capsize=3, color=_colour(name), label=LABELS[name])
    axes[0].set(
        xticks=range(len(tasks)),
        xticklabels=[t.replace("_", " ") for t in tasks],
        ylabel="accuracy",
        ylim=(0, 1.3),
        yticks=[0, 0.25, 0.5, 0.75, 1],
        title="Order-sensitive tasks",
    )
    axes[0].legend(fontsize="x-small", loc="upper center", ncol=2)
    for name in ("lstm", "transformer"):
        rows = _rows(result, task="ch3_copy", model=name)
        _band(axes[1], [r["params"] for r in rows], [r["accuracy"] for r in rows], name)
    axes[1].axhline(result["config"]["solved"], ls=":", color="grey")
    axes[1].set(
        xscale="log",
        xlabel="parameters",
        ylabel="accuracy",
        ylim=(0, 1.05),
        title="Chapter 3's copy memory: size needed",
    )
    axes[1].legend(fontsize="x-small")


def _streaming(result, axes):
    for name in _models(result):
        rows = _rows(result, model=name)
        x = [r["context"] for r in rows]
        axes[0].plot(
            x,
            [r["state_bytes"] / 1024 for r in rows],
            marker="o",
            color=_colour(name),
            label=LABELS[name],
        )
        axes[1].plot(
            x,
            [r["step_ms"]["median"] for r in rows],
            marker="o",
            color=_colour(name),
            label=f"{LABELS[name]}, kept state",
        )
        if "recompute_ms" in rows[0]:
            axes[1].plot(
                x,
                [r["recompute_ms"]["median"] for r in rows],
                "--",
                marker="s",
                color=_colour(name),
                label=f"{LABELS[name]}, no cache",
            )
    axes[0].set(
        xscale="log",
        yscale="log",
        xlabel="context (tokens)",
        ylabel="kept between tokens (KiB)",
        title="Memory per stream",
    )
    axes[1].set(
        xscale="log",
        yscale="log",
        xlabel="context (tokens)",
        ylabel="next token (ms, batch 1)",
        title="Latency per token",
    )
    for ax in axes:
        ax.legend(fontsize="x-small")


def _lowdata(result, axes):
    for name in _models(result):
        rows = _rows(result, model=name)
        x = [r["n_train"] for r in rows]
        _band(
            axes[0],
            x,
            [r["exact_match"] for r in rows],
            name,
            f"{LABELS[name]} ({result['params'][name]:,}), held out",
        )
        _band(
            axes[0],
            x,
            [r["train_exact_match"] for r in rows],
            name,
            f"{LABELS[name]}, training pairs",
            style=":",
        )
    axes[0].set(
        xscale="log",
        xlabel="training pairs",
        ylabel="exact match",
        ylim=(-0.03, 1.03),
        title=f"Dates, {result['config']['steps']} steps",
    )
    axes[0].legend(fontsize="x-small")


def _recipe(result, axes):
    rows = _rows(result, study="recipe")[::-1]  # the baseline on top
    for k, row in enumerate(rows):
        iv = row["interval"]
        error = [[iv["mean"] - iv["lo"]], [iv["hi"] - iv["mean"]]]
        axes[0].errorbar(iv["mean"], k, xerr=error, fmt="o", color=plot.PALETTE[0], capsize=3)
    base = rows[-1]["interval"]
    axes[0].axvspan(base["lo"], base["hi"], color=plot.PALETTE[0], alpha=0.2, lw=0)
    axes[0].set_yticks(range(len(rows)), [r["variant"] for r in rows])
    n = base["n"]
    axes[0].set(
        xlabel="held-out cross-entropy (nats), 95% interval",
        title=f"Recipe, {result['config']['steps']} steps, {n} seed{'s' if n != 1 else ''}",
    )
    norm = _rows(result, study="norm")
    for k, row in enumerate(norm):
        values = row["train_loss"]["values"]
        axes[1].plot(values, [k] * len(values), "o", color=plot.PALETTE[1 + k // 2], alpha=0.8)
    axes[1].set_yticks(range(len(norm)), [r["variant"] for r in norm])
    axes[1].yaxis.tick_right()  # the labels on the right, clear of the first panel
    axes[1].set(
        xlabel="training loss, last tenth (nats)",
        title=f"{result['config']['norm_layers']} layers, lr {result['config']['norm_lr']:g}",
    )


PANELS = {
    "speed": (_speed, 2),
    "longrange": (_longrange, 3),
    "scaling": (_scaling, 2),
    "order": (_order, 2),
    "streaming": (_streaming, 2),
    "lowdata": (_lowdata, 1),
    "recipe": (_recipe, 2),
}


def plot_result(result: dict | str | Path):
    """Draw a results file (or its loaded dict) with its stamp under the figure.

    Returns:
        The matplotlib figure.
    """
    if not isinstance(result, dict):
        from seqlab.bench import load_results

        result = load_results(result)
    if result["suite"] not in PANELS:
        raise ValueError(f"no figure for suite {result['suite']!r}; known: {sorted(PANELS)}")
    draw, n = PANELS[result["suite"]]
    fig, axes = plot.figure(ncols=n, width=4.2 if n > 1 else 6.0, height=3.4)
    draw(result, np.atleast_1d(axes))
    for ax in fig.axes:
        for axis, kind in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
            if kind == "log" and not isinstance(axis.get_major_formatter(), mticker.FuncFormatter):
                # 1000, not 10^3; no labelled minor ticks
                axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
                axis.set_minor_formatter(mticker.NullFormatter())
    fig.supxlabel(stamp_text(result), fontsize=7, color="#555555")
    return fig


def _series(name, x, spreads, label=None, dashed=False):
    return {
        "label": label or LABELS.get(name, name),
        "x": list(x),
        "y": [s["mean"] for s in spreads],
        "lo": [s["min"] for s in spreads],
        "hi": [s["max"] for s in spreads],
        "dashed": dashed,
    }


def _speed_panel(result, where):
    series = []
    for name in _models(result):
        rows = _rows(result, model=name)
        ms = _median_spreads(rows, "train_ms")
        series.append(_series(name, [r["length"] for r in rows], ms))
    return {
        "title": f"Claim 1: training step against length ({where})",
        "xlabel": "length",
        "ylabel": "ms per training step",
        "logx": True,
        "logy": True,
        "series": series,
        "note": stamp_text(result),
    }


def explorer_panels(results: dict[str, dict]) -> list[dict]:
    """Panels for :class:`~seqlab.widgets.PanelExplorer`, one or more per claim, from
    results keyed by suite (see :func:`seqlab.bench.ledger.load_all`)."""
    panels = []
    if "speed" in results:
        panels.append(_speed_panel(results["speed"], "CPU"))
    if "speed-cuda" in results:
        panels.append(_speed_panel(results["speed-cuda"], "GPU"))
    if "longrange" in results:
        panels.extend(_longrange_panels(results["longrange"]))
    if "scaling" in results:
        panels.extend(_scaling_panels(results["scaling"]))
    if "order" in results:
        panels.append(_order_panel(results["order"]))
    if "streaming" in results:
        panels.extend(_streaming_panels(results["streaming"]))
    if "lowdata" in results:
        panels.append(_lowdata_panel(results["lowdata"]))
    return panels


def _longrange_panels(r: dict) -> list[dict]:
    """Claim 2: accuracy against lag, one panel per long-range task."""
    panels = []
    for task, title, xlabel in (
        ("copy_memory", "copy memory", "blank steps"),
        ("associative_recall", "associative recall", "stored pairs"),
        ("copy_seq2seq", "seq2seq copy", "input length"),
    ):
        series = []
        for name in _models(r, task=task):
            rows = _rows(r, task=task, model=name)
            metric = "accuracy" if "accuracy" in rows[0] else "exact_match"
            series.append(_series(name, [x["lag"] for x in rows], [x[metric] for x in rows]))
        panels.append(
            {
                "title": f"Claim 2: {title}",
                "xlabel": xlabel,
                "ylabel": "accuracy (mean, range over seeds)",
                "series": series,
                "note": stamp_text(r),
            }
        )
    return panels


def _scaling_panels(r: dict) -> list[dict]:
    """Claims 3 and 4: validation loss against size, and against seconds of training."""
    names = ("lstm", "transformer")
    return [
        {
            "title": "Claim 3: validation loss against size",
            "xlabel": "parameters",
            "ylabel": "validation loss (nats)",
            "logx": True,
            "logy": True,
            "series": [_loss_by_size(r, name) for name in names],
            "note": stamp_text(r),
        },
        {
            "title": "Claim 4: validation loss against training time",
            "xlabel": "seconds of training",
            "ylabel": "validation loss (nats)",
            "series": [_loss_by_time(r, name) for name in names],
            "note": stamp_text(r),
        },
    ]


def _loss_by_size(r: dict, name: str) -> dict:
    """Family ``name``'s final validation loss at each rung (spread over seeds)."""
    rows = _rows(r, model=name)
    rungs = sorted({x["rung"] for x in rows})
    by = [[x for x in rows if x["rung"] == k] for k in rungs]
    return _series(
        name,
        [g[0]["params"] for g in by],
        [spread(x["final_loss"] for x in g) for g in by],
    )


def _loss_by_time(r: dict, name: str) -> dict:
    """Family ``name``'s validation-loss curve at the target rung against the seconds of
    training (mean over seeds; the loss's range over seeds)."""
    mine = [x for x in _rows(r, model=name) if x["rung"] == r["target"]["rung"]]
    seconds = np.mean([x["curve"]["seconds"] for x in mine], axis=0)
    losses = np.array([x["curve"]["loss"] for x in mine])
    return {
        "label": LABELS[name],
        "x": seconds.tolist(),
        "y": losses.mean(0).tolist(),
        "lo": losses.min(0).tolist(),
        "hi": losses.max(0).tolist(),
    }


def _order_panel(r: dict) -> dict:
    """Claim 6c: accuracy on chapter 3's copy task against parameters, per family."""
    series = []
    for name in ("lstm", "transformer"):
        rows = _rows(r, task="ch3_copy", model=name)
        series.append(_series(name, [x["params"] for x in rows], [x["accuracy"] for x in rows]))
    return {
        "title": "Claim 6c: size needed for chapter 3's copy task",
        "xlabel": "parameters",
        "ylabel": "accuracy",
        "logx": True,
        "series": series,
        "note": stamp_text(r),
    }


def _streaming_panels(r: dict) -> list[dict]:
    """Claim 6a: memory kept between tokens, and next-token latency, against context."""
    memory, latency = [], []
    for name in _models(r):
        rows = _rows(r, model=name)
        x = [row["context"] for row in rows]
        memory.append(
            {"label": LABELS[name], "x": x, "y": [row["state_bytes"] / 1024 for row in rows]}
        )
        latency.append(_series(name, x, _median_spreads(rows, "step_ms")))
        if "recompute_ms" in rows[0]:
            latency.append(
                _series(
                    name,
                    x,
                    _median_spreads(rows, "recompute_ms"),
                    f"{LABELS[name]}, no cache",
                    dashed=True,
                )
            )
    return [
        {
            "title": "Claim 6a: memory kept between tokens",
            "xlabel": "context",
            "ylabel": "KiB",
            "logx": True,
            "logy": True,
            "series": memory,
            "note": stamp_text(r),
        },
        {
            "title": "Claim 6a: latency of the next token (batch 1)",
            "xlabel": "context",
            "ylabel": "ms",
            "logx": True,
            "logy": True,
            "series": latency,
            "note": stamp_text(r),
        },
    ]


def _median_spreads(rows: list[dict], key: str) -> list[dict]:
    """Each row's timing ``row[key]`` as a spread whose mean is its median."""
    return [{"mean": row[key]["median"], **row[key]} for row in rows]


def _lowdata_panel(r: dict) -> dict:
    """Claim 6b: held-out exact match against the number of training pairs."""
    series = []
    for name in _models(r):
        rows = _rows(r, model=name)
        series.append(_series(name, [x["n_train"] for x in rows], [x["exact_match"] for x in rows]))
    return {
        "title": "Claim 6b: held-out exact match against training pairs",
        "xlabel": "training pairs",
        "ylabel": "exact match",
        "logx": True,
        "series": series,
        "note": stamp_text(r),
    }
