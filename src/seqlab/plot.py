"""One figure style for the whole book.

Figures are drawn on an opaque light card (white face, dark ink), so the same PNG is
legible on the site's light and dark themes; colours come from seaborn's colour-blind
palette (Okabe–Ito based), and a sequential map for heatmaps (``viridis``) that is
perceptually uniform and readable in grey.

Taught in chapter 0.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns

__all__ = ["PALETTE", "SEQUENTIAL", "figure", "use_style"]

PALETTE: list[tuple[float, float, float]] = sns.color_palette("colorblind")
SEQUENTIAL = "viridis"
INK = "#222222"


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
    for name, value in (("ncols", ncols), ("nrows", nrows)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    for name, value in (("width", width), ("height", height)):
        if not value > 0:
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
