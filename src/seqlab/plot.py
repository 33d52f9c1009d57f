"""One figure style for the whole book.

Figures are drawn on an opaque light card (white face, dark ink), so the same PNG is
legible on the site's light and dark themes; colours come from seaborn's colour-blind
palette (Okabe–Ito based), and a sequential map for heatmaps (``viridis``) that is
perceptually uniform and readable in grey.

The diagrams of chapters 5 to 9 (attention, multi-head attention, the Transformer
layer and model, the key–value cache) live in ``seqlab._diagrams`` and are exported
here as ``draw_*``.

Taught in chapter 0.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns

from seqlab import _checks
from seqlab._diagrams import (
    INK,
    PALETTE,
    draw_attention,
    draw_kv_cache,
    draw_multi_head,
    draw_rnn_attention,
    draw_transformer,
    draw_transformer_block,
)

__all__ = [
    "INK",
    "PALETTE",
    "SEQUENTIAL",
    "draw_attention",
    "draw_encoder_decoder",
    "draw_kv_cache",
    "draw_lstm_cell",
    "draw_multi_head",
    "draw_rnn_attention",
    "draw_transformer",
    "draw_transformer_block",
    "draw_unrolled",
    "figure",
    "use_style",
]

SEQUENTIAL = "viridis"


def use_style(context: str = "notebook") -> None:
    """Apply the book's style to every later matplotlib figure.

    Args:
        context: seaborn context, one of ``"paper"``, ``"notebook"``, ``"talk"``.
    """
    if context not in ("paper", "notebook", "talk"):
        raise ValueError(f"context must be 'paper', 'notebook' or 'talk', got {context!r}")
    sns.set_theme(context=context, style="ticks", palette=PALETTE)
    mpl.rcParams.update(
        {
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "savefig.transparent": False,
            "text.color": INK,
            "axes.labelcolor": INK,
            "axes.edgecolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "image.cmap": SEQUENTIAL,
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "figure.constrained_layout.use": True,
            "legend.frameon": False,
        }
    )


def figure(ncols: int = 1, nrows: int = 1, width: float = 6.0, height: float = 3.5):
    """A new figure in the book's style with a grid of axes.

    Args:
        ncols, nrows: grid of subplots (each at least 1).
        width, height: size in inches of one subplot.

    Returns:
        ``(fig, axes)``; ``axes`` is one ``Axes`` when the grid is 1×1, else an array.
    """
    _checks.sizes(ncols=ncols, nrows=nrows)
    for name, value in (("width", width), ("height", height)):
        if _checks.number(name, value) <= 0:
            raise ValueError(f"{name} must be positive inches, got {value!r}")
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=True)


def draw_unrolled(ax, steps: int = 4, cell: str = "RNN", state: str = "h", inp: str = "x") -> None:
    """Draw a recurrent cell unrolled over ``steps`` time steps on ``ax``.

    Each step is a box that reads the input ``x_t`` from below and the previous state
    from the left, and passes its state up (output) and right (next step).

    Taught in chapter 1.
    """
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    ax.set_axis_off()
    ax.set_xlim(-1.4, 2.2 * steps - 0.2)
    ax.set_ylim(-1.6, 2.0)
    arrow = {"arrowstyle": "-|>", "color": INK, "lw": 1.5, "mutation_scale": 14}
    for t in range(steps):
        x0 = 2.2 * t
        box = mpl.patches.FancyBboxPatch(
            (x0, 0), 1.2, 0.8, boxstyle="round,pad=0.05", fc=PALETTE[0], ec=INK, alpha=0.9
        )
        ax.add_patch(box)
        ax.text(x0 + 0.6, 0.4, cell, ha="center", va="center", color="white", weight="bold")
        ax.annotate("", (x0 + 0.6, 0), (x0 + 0.6, -0.9), arrowprops=arrow)
        ax.text(x0 + 0.6, -1.2, f"${inp}_{{{t + 1}}}$", ha="center", va="center")
        ax.annotate("", (x0 + 0.6, 1.6), (x0 + 0.6, 0.8), arrowprops=arrow)
        ax.text(x0 + 0.75, 1.3, f"${state}_{{{t + 1}}}$", ha="left", va="center")
        left = (x0 - 1.0, 0.4)
        ax.annotate("", (x0, 0.4), left, arrowprops=arrow)
        label = f"${state}_{{{t}}}$" if t == 0 else ""
        ax.text(x0 - 1.1, 0.55, label, ha="right", va="bottom")


def draw_lstm_cell(ax) -> None:
    """Draw one LSTM step: the cell-state line on top, the four gates below it.

    Matches ``seqlab.rnn.lstm_cell``: c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t).

    Taught in chapter 3.
    """
    ax.set_axis_off()
    ax.set_xlim(-0.5, 10.5)
    ax.set_ylim(-1.2, 5.2)
    line = {"color": INK, "lw": 1.6}
    arrow = {"arrowstyle": "-|>", "color": INK, "lw": 1.4, "mutation_scale": 12}

    def node(x, y, text, colour="white", r=0.32):
        ax.add_patch(mpl.patches.Circle((x, y), r, fc=colour, ec=INK, lw=1.4, zorder=3))
        ax.text(x, y, text, ha="center", va="center", zorder=4, fontsize=12)

    def gate(x, text, name):
        ax.add_patch(
            mpl.patches.FancyBboxPatch(
                (x - 0.45, 0.6), 0.9, 0.7, boxstyle="round,pad=0.05", fc=PALETTE[0], ec=INK
            )
        )
        ax.text(x, 0.95, text, ha="center", va="center", color="white", weight="bold")
        ax.text(x + 0.1, 0.2, name, ha="left", va="center", fontsize=10)

    ax.plot([0, 10], [4.2, 4.2], **line)  # cell state c
    ax.text(-0.3, 4.5, "$c_{t-1}$", ha="center")
    ax.text(10.2, 4.5, "$c_t$", ha="center")
    ax.plot([0, 7.6], [-0.5, -0.5], **line)  # [h_{t-1}, x_t] bus
    ax.text(-0.3, -0.95, "$h_{t-1}, x_t$", ha="left")
    for x, text, name in [
        (2, r"$\sigma$", "forget f"),
        (4, r"$\sigma$", "input i"),
        (5.4, "tanh", "candidate g"),
        (7.6, r"$\sigma$", "output o"),
    ]:
        ax.plot([x, x], [-0.5, 0.55], **line)
        gate(x, text, name)
    ax.annotate("", (2, 3.88), (2, 1.35), arrowprops=arrow)  # f -> x node
    node(2, 4.2, "×")
    node(4.7, 2.6, "×")  # i * g
    ax.annotate("", (4.45, 2.38), (4, 1.35), arrowprops=arrow)
    ax.annotate("", (4.95, 2.38), (5.4, 1.35), arrowprops=arrow)
    ax.annotate("", (4.7, 3.88), (4.7, 2.92), arrowprops=arrow)
    node(4.7, 4.2, "+")
    ax.plot([8.6, 8.6], [4.2, 3.3], **line)  # c_t -> tanh
    node(8.6, 3.0, "tanh", colour="#f5f5f5", r=0.38)
    node(8.6, 1.8, "×")
    ax.annotate("", (8.6, 2.12), (8.6, 2.62), arrowprops=arrow)
    ax.annotate("", (8.3, 1.7), (7.6, 1.35), arrowprops=arrow)
    ax.annotate("", (10.2, 1.8), (8.92, 1.8), arrowprops=arrow)
    ax.text(10.25, 2.05, "$h_t$", ha="center")


def draw_encoder_decoder(
    ax, source: str = "3 mar", target: str = "03", attention: bool = False
) -> None:
    """Draw an RNN encoder–decoder on ``ax``: encoder steps reading ``source`` on the left,
    decoder steps writing ``target`` on the right.

    Without attention the decoder sees the source only through the final encoder state
    ``c`` (given to its first step and, as in Cho et al. 2014, to every step). With
    ``attention=True`` each decoder step also draws on every encoder state.

    Taught in chapters 4 and 5.
    """
    if not source or not target:
        raise ValueError("source and target must be non-empty strings")
    ax.set_axis_off()
    arrow = {"arrowstyle": "-|>", "color": INK, "lw": 1.3, "mutation_scale": 12}
    n, m, gap = len(source), len(target) + 1, 1.5
    x_dec = gap * n + 1.6  # where the decoder starts
    ax.set_xlim(-0.8, x_dec + gap * m)
    ax.set_ylim(-1.5, 3.9 if attention else 2.2)
    _draw_encoder(ax, source, gap, arrow)
    _draw_decoder(ax, target, x_dec, gap, arrow)
    last = gap * (n - 1) + 1.0
    ax.annotate("", (x_dec, 0.35), (last, 0.35), arrowprops=arrow)
    ax.text((last + x_dec) / 2, 0.55, "$c$", ha="center", va="bottom", fontsize=13)
    if attention:
        _draw_attention_links(ax, n, m, x_dec, gap)
    else:
        ax.text(
            (last + x_dec) / 2,
            -1.45,
            "one vector $c$ carries the whole source",
            ha="center",
            va="center",
            fontsize=9,
        )


def _step_box(ax, x: float, colour, text: str) -> None:
    """One encoder or decoder step at ``x``: a rounded box labelled ``text``."""
    ax.add_patch(
        mpl.patches.FancyBboxPatch(
            (x, 0), 1.0, 0.7, boxstyle="round,pad=0.05", fc=colour, ec=INK, zorder=3
        )
    )
    ax.text(
        x + 0.5,
        0.35,
        text,
        ha="center",
        va="center",
        color="white",
        weight="bold",
        zorder=4,
        fontsize=9,
    )


def _draw_encoder(ax, source: str, gap: float, arrow: dict) -> None:
    """The encoder's steps from x = 0, each reading one character of ``source`` from
    below (a space shown as ␣) and passing its state to the right."""
    for t, ch in enumerate(source):
        x = gap * t
        _step_box(ax, x, PALETTE[0], "enc")
        ax.annotate("", (x + 0.5, 0), (x + 0.5, -0.75), arrowprops=arrow)
        ax.text(
            x + 0.5,
            -1.05,
            "\u2423" if ch == " " else ch,
            ha="center",
            va="center",
            family="monospace",
        )
        if t:
            ax.annotate("", (x, 0.35), (x - gap + 1.0, 0.35), arrowprops=arrow)


def _draw_decoder(ax, target: str, x_dec: float, gap: float, arrow: dict) -> None:
    """The decoder's steps from ``x_dec``: reading ``<bos>`` and ``target`` from below,
    writing ``target`` and ``<eos>`` above, passing its state to the right."""
    inputs, outputs = ["<bos>", *target], [*target, "<eos>"]
    for t in range(len(target) + 1):
        x = x_dec + gap * t
        _step_box(ax, x, PALETTE[1], "dec")
        ax.annotate("", (x + 0.5, 0), (x + 0.5, -0.75), arrowprops=arrow)
        ax.text(x + 0.5, -1.05, inputs[t], ha="center", va="center", family="monospace", fontsize=9)
        ax.annotate("", (x + 0.5, 1.45), (x + 0.5, 0.7), arrowprops=arrow)
        ax.text(x + 0.5, 1.7, outputs[t], ha="center", va="center", family="monospace", fontsize=9)
        if t:
            ax.annotate("", (x, 0.35), (x - gap + 1.0, 0.35), arrowprops=arrow)


def _draw_attention_links(ax, n: int, m: int, x_dec: float, gap: float) -> None:
    """A faint arc from each of the ``n`` encoder steps to each of the ``m`` decoder
    steps, and the caption saying so."""
    for t in range(m):
        xd = x_dec + gap * t + 0.5
        for s_ in range(n):
            xe = gap * s_ + 0.5
            ax.annotate(
                "",
                (xd - 0.3, 0.75),
                (xe, 0.75),
                arrowprops={
                    "arrowstyle": "-",
                    "color": PALETTE[2],
                    "lw": 1.0,
                    "alpha": 0.4,
                    "connectionstyle": "arc3,rad=-0.3",
                },
            )
    ax.text(
        x_dec - 0.6,
        3.6,
        "attention: every decoder step reads every encoder state",
        ha="center",
        va="center",
        color=PALETTE[2],
        fontsize=9,
    )
