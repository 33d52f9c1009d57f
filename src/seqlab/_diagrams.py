"""The diagrams of attention and the Transformer, drawn on a matplotlib ``Axes``.

Re-exported as ``seqlab.plot.draw_*``; the chapters call them from there (chapters 5
to 9). Every diagram uses the book's palette and dark ink on light fills, so it reads
on the opaque light card of ``seqlab.plot.use_style`` in the light and the dark theme.

Each ``draw_*`` function returns the labels of its main path, in the order data flows
through it, so a test (or a reader) can check what a diagram claims, e.g. that a pre-LN
block normalises before the residual addition and a post-LN block after it.
"""

from __future__ import annotations

import matplotlib as mpl
import seaborn as sns
from matplotlib.colors import to_rgb

from seqlab import _checks

# The book's colours, exported by seqlab.plot (defined here so that this module, which
# seqlab.plot imports, needs nothing from it).
PALETTE: list[tuple[float, float, float]] = sns.color_palette("colorblind")
INK = "#222222"

ARROW = {"arrowstyle": "-|>", "color": INK, "lw": 1.3, "mutation_scale": 12}
LINE = {"color": INK, "lw": 1.3}


def _tint(colour, amount: float = 0.35) -> tuple[float, float, float]:
    """``colour`` mixed with white: ``amount`` of the colour, the rest white."""
    r, g, b = to_rgb(colour)
    return (1 - amount + amount * r, 1 - amount + amount * g, 1 - amount + amount * b)


# What a box is drawn as: (face, edge). Light fills keep dark ink legible on them.
KINDS = {
    "tensor": (_tint(PALETTE[0]), PALETTE[0]),
    "op": ("white", INK),
    "attention": (_tint(PALETTE[0], 0.6), PALETTE[0]),
    "ffn": (_tint(PALETTE[1]), PALETTE[1]),
    "norm": (_tint(PALETTE[2]), PALETTE[2]),
    "new": (_tint(PALETTE[1], 0.6), PALETTE[1]),
    "cached": (_tint(PALETTE[0], 0.25), PALETTE[0]),
    "state": (_tint(PALETTE[1]), PALETTE[1]),
    "weights": (_tint(PALETTE[2], 0.5), PALETTE[2]),
}


def _box(ax, x, y, w, h, text, kind="op", fontsize=10, gid=None, **text_kw):
    """A rounded box centred at ``(x, y)``, ``w`` by ``h`` data units, labelled ``text``."""
    face, edge = KINDS[kind]
    ax.add_patch(
        mpl.patches.FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.12",
            fc=face,
            ec=edge,
            lw=1.4,
            zorder=3,
            gid=gid,
        )
    )
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4, **text_kw)


def _arrow(ax, start, end, **style) -> None:
    """An arrow from ``start`` to ``end`` (data coordinates)."""
    ax.annotate("", end, start, arrowprops={**ARROW, **style}, zorder=2)


def _add(ax, x, y, r=0.22) -> None:
    """The residual addition: a circled plus at ``(x, y)``."""
    ax.add_patch(mpl.patches.Circle((x, y), r, fc="white", ec=INK, lw=1.4, zorder=3))
    ax.text(x, y, "+", ha="center", va="center", fontsize=12, zorder=4)


def _note(ax, x, y, text, fontsize=9, **kw) -> None:
    """A small annotation (a shape, a remark) in ink."""
    ax.text(x, y, text, fontsize=fontsize, zorder=4, **{"ha": "center", "va": "center", **kw})


def _frame(ax, xlim, ylim) -> None:
    """A diagram's axes: no ticks, no spines, fixed data limits."""
    ax.set_axis_off()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


def draw_attention(ax, mask: bool = True, key_dim: str = "d_k") -> list[str]:
    """Draw scaled dot-product attention, left to right, with the shape on every arrow.

    ``softmax(Q Kᵀ / √d_k) V``: Q (L, d_k) and K (L, d_k) make an (L, L) matrix of
    scores, scaled, optionally masked (−∞ where the mask M is False), turned into weights
    by a softmax along each row, then the weights average the rows of V (L, d_v).

    Args:
        ax: the matplotlib ``Axes`` to draw on.
        mask: draw the optional mask step.
        key_dim: the symbol for the size of a query and a key (the chapter's ``"d"``,
            or ``"d_k"``), written in math mode.

    Returns:
        The labels of the main path, in order.

    Taught in chapter 6.
    """
    _checks.flag("mask", mask)
    if not isinstance(key_dim, str):
        raise TypeError(f"key_dim must be a string such as 'd_k', got {key_dim!r:.60}")
    if not key_dim.strip() or "$" in key_dim:
        raise ValueError(f"key_dim must be a symbol such as 'd_k' (no $), got {key_dim!r}")
    d = key_dim.strip()
    _frame(ax, (0, 16.2), (0.4, 6))
    _box(ax, 1.0, 4.9, 1.5, 0.8, "$Q$", "tensor", fontsize=12)
    _box(ax, 1.0, 3.3, 1.5, 0.8, "$K$", "tensor", fontsize=12)
    _box(ax, 1.0, 1.7, 1.5, 0.8, "$V$", "tensor", fontsize=12)
    for y, shape in ((4.9, f"$(L, {d})$"), (3.3, f"$(L, {d})$"), (1.7, "$(L, d_v)$")):
        _note(ax, 1.0, y - 0.65, shape)
    steps = [("MatMul", r"$QK^\top$"), ("Scale", rf"$\div\sqrt{{{d}}}$")]
    if mask:
        steps.append(("Mask", r"$-\infty$ where" + "\n$M$ is False"))
    steps += [("Softmax", "per row"), ("MatMul", r"weights $\times\, V$")]
    xs = [3.3 + k * (9.4 / (len(steps) - 1)) for k in range(len(steps))]
    width = 1.75 if mask else 2.0
    for k, ((name, detail), x) in enumerate(zip(steps, xs, strict=True)):
        _box(ax, x, 4.0, width, 1.5, "", "norm" if name == "Softmax" else "op")
        _note(ax, x, 4.4, name, fontsize=10, weight="bold")
        _note(ax, x, 3.75, detail, fontsize=9)
        if k:
            _arrow(ax, (xs[k - 1] + width / 2, 4.0), (x - width / 2, 4.0))
        if k < len(steps) - 1:  # what leaves this step
            what = "weights" if name == "Softmax" else "scores"
            _note(ax, x, 2.85, f"{what} $(L, L)$", fontsize=8)
    _arrow(ax, (1.75, 4.9), (xs[0] - width / 2, 4.3))
    _arrow(ax, (1.75, 3.3), (xs[0] - width / 2, 3.7))
    ax.plot([1.75, xs[-1]], [1.7, 1.7], **LINE)
    _arrow(ax, (xs[-1], 1.7), (xs[-1], 4.0 - 0.75))
    _box(ax, 15.2, 4.0, 1.5, 0.9, "output", "tensor")
    _note(ax, 15.2, 3.2, "$(L, d_v)$")
    _arrow(ax, (xs[-1] + width / 2, 4.0), (15.2 - 0.75, 4.0))
    _note(ax, 8.0, 5.55, "row $i$ of the weights: how much position $i$ reads from each position")
    return ["Q, K", *[name for name, _ in steps], "output"]


def draw_multi_head(ax, n_heads: int = 4) -> list[str]:
    """Draw multi-head attention: project, split into ``n_heads`` heads, attend in each
    head, concatenate, mix with ``W_O``.

    Args:
        ax: the matplotlib ``Axes`` to draw on.
        n_heads: the number of heads drawn, 1 to 8 (the book's ``h``).

    Returns:
        The labels of the main path, in order.

    Taught in chapter 7.
    """
    h = _checks.integer("n_heads", n_heads, 1, 8)
    _frame(ax, (0, 18), (0, 8))
    _box(ax, 1.0, 4.0, 1.5, 1.0, "$X$", "tensor", fontsize=12)
    _note(ax, 1.0, 3.15, r"$(L, d_{\mathrm{model}})$")
    for y, name in ((6.2, "Q"), (4.0, "K"), (1.8, "V")):
        _box(ax, 3.9, y, 1.7, 0.8, f"$XW_{name}$", "op")
        _arrow(ax, (1.75, 4.0), (3.05, y))
        _arrow(ax, (4.75, y), (6.05, 4.0 + (y - 4.0) * 0.3))
    _note(ax, 3.9, 0.85, r"each $(L, d_{\mathrm{model}})$")
    _box(ax, 6.9, 4.0, 1.7, 2.2, "split\ninto $h$\nheads", "op")
    _note(ax, 6.9, 2.3, r"$h \times (L, d_{\mathrm{model}}/h)$", fontsize=8)
    top, bottom = 7.3, 0.7
    ys = [4.0] if h == 1 else [top - k * (top - bottom) / (h - 1) for k in range(h)]
    box_h = min(0.9, 0.8 * (top - bottom) / max(h - 1, 1))
    for k, y in enumerate(ys):
        _box(ax, 10.0, y, 2.6, box_h, f"head {k + 1}: attention", "attention", fontsize=9)
        _arrow(ax, (7.75, 4.0), (8.7, y))
        _arrow(ax, (11.3, y), (12.5, 4.0 + (y - 4.0) * 0.4))
    # the concatenation: one bar, one slice per head, in the heads' order
    slice_h = 2.8 / h
    for k in range(h):
        y0 = 4.0 + 1.4 - (k + 1) * slice_h
        face = _tint(PALETTE[k % len(PALETTE)], 0.5)
        ax.add_patch(
            mpl.patches.Rectangle((12.5, y0), 0.6, slice_h, fc=face, ec=INK, lw=1.0, zorder=3)
        )
    _note(ax, 12.5, 5.85, "concatenate", fontsize=9, ha="left")
    _note(ax, 12.8, 2.2, r"$(L, d_{\mathrm{model}})$", fontsize=8)
    _arrow(ax, (13.1, 4.0), (14.0, 4.0))
    _box(ax, 14.7, 4.0, 1.3, 0.9, "$W_O$", "op", fontsize=11)
    _arrow(ax, (15.35, 4.0), (16.0, 4.0))
    _box(ax, 16.9, 4.0, 1.6, 1.0, "output", "tensor")
    _note(ax, 16.9, 3.15, r"$(L, d_{\mathrm{model}})$")
    heads = [f"head {k + 1}" for k in range(h)]
    return ["X", "project", "split", *heads, "concatenate", "W_O", "output"]


def _block_path(norm_first: bool) -> list[str]:
    """The main path of one Transformer (encoder) layer, bottom to top."""
    if norm_first:  # x + Sublayer(LN(x))
        return ["x", "LayerNorm", "Multi-head attention", "+", "LayerNorm", "Feed-forward", "+"]
    return ["x", "Multi-head attention", "+", "LayerNorm", "Feed-forward", "+", "LayerNorm"]


def draw_transformer_block(ax, norm_first: bool = True) -> list[str]:
    """Draw one Transformer layer, bottom to top, with its residual paths.

    Pre-LN (``norm_first=True``): ``x + Sublayer(LN(x))``, the layer norm inside each
    branch and the stream itself never normalised. Post-LN (``norm_first=False``, the
    original Transformer and PyTorch's default): ``LN(x + Sublayer(x))``, a layer norm
    on the stream after each addition. The sublayers are attention, then feed-forward.

    Args:
        ax: the matplotlib ``Axes`` to draw on.
        norm_first: pre-LN when True, post-LN when False.

    Returns:
        The labels of the main path, bottom to top (``"+"`` is a residual addition).

    Taught in chapter 9.
    """
    _checks.flag("norm_first", norm_first)
    path = _block_path(norm_first)
    _frame(ax, (0, 8), (0, 11.7))
    x_main, x_side = 3.6, 6.6
    ys = [0.6 + 1.45 * k for k in range(len(path))]
    _note(ax, x_main, ys[0], "$x$ (residual stream)", fontsize=10)
    branch_from = ys[0] + 0.35
    for k in range(1, len(path)):
        label, y = path[k], ys[k]
        _arrow(ax, (x_main, ys[k - 1] + (0.35 if k == 1 else 0.4)), (x_main, y - 0.4))
        if label == "+":
            _add(ax, x_main, y)
            # the residual path: from the branch point, around the sublayer, into the +
            ax.plot([x_main, x_side, x_side], [branch_from, branch_from, y], **LINE)
            ax.plot([x_main], [branch_from], "o", color=INK, ms=4, zorder=4)
            _arrow(ax, (x_side, y), (x_main + 0.24, y))
            branch_from = y + 0.45 if norm_first or path[k + 1 :] == [] else ys[k + 1] + 0.45
            continue
        kind = {"LayerNorm": "norm", "Feed-forward": "ffn"}.get(label, "attention")
        _box(ax, x_main, y, 4.2, 0.8, label, kind, fontsize=10)
    _arrow(ax, (x_main, ys[-1] + 0.4), (x_main, ys[-1] + 1.05))
    _note(ax, x_main + 0.2, ys[-1] + 0.8, "to the next layer", fontsize=8, ha="left")
    formula = r"$x + f(\mathrm{LN}(x))$" if norm_first else r"$\mathrm{LN}(x + f(x))$"
    _note(ax, x_main, ys[-1] + 1.4, "each sublayer $f$: " + formula, fontsize=10)
    _note(ax, x_side + 0.15, ys[1], "residual", fontsize=8, ha="left", rotation=90)
    return path


def _sublayers(ax, x, y0, names, width, kinds) -> float:
    """A column of sublayer boxes from ``y0`` up; returns the y of the top box."""
    y = y0
    for k, (name, kind) in enumerate(zip(names, kinds, strict=True)):
        y = y0 + 1.0 * k
        _box(ax, x, y, width, 0.7, name, kind, fontsize=9)
        if k:
            _arrow(ax, (x, y - 0.65), (x, y - 0.35))
    return y


def _stack_frame(ax, x, width, top, label) -> None:
    """The dashed frame of one layer of a stack, from y = 2.5 to ``top``."""
    ax.add_patch(
        mpl.patches.FancyBboxPatch(
            (x - width / 2 - 0.3, 2.5), width + 0.6, top - 2.5, boxstyle="round,pad=0.05",
            fc="#f7f7f7", ec=INK, lw=1.0, ls="--", zorder=1,
        )
    )  # fmt: skip
    _note(ax, x - width / 2 - 0.2, top - 0.25, label, fontsize=8, style="italic", ha="left")


def draw_transformer(ax, n_layers: int | None = None) -> list[str]:
    """Draw the encoder–decoder Transformer: embeddings plus positions, a stack of
    encoder layers, a stack of decoder layers (masked self-attention, cross-attention
    to the encoder's output, feed-forward), then a linear layer and a softmax.

    Args:
        ax: the matplotlib ``Axes`` to draw on.
        n_layers: the number of layers written beside each stack, or None for ``N``.

    Returns:
        The labels of the decoder's main path, bottom to top.

    Taught in chapter 9.
    """
    n = "N" if n_layers is None else str(_checks.integer("n_layers", n_layers))
    _frame(ax, (0, 14.5), (0, 10.3))
    enc_x, dec_x, width = 3.4, 10.0, 3.8
    for x, inp in ((enc_x, "source tokens"), (dec_x, "target tokens, shifted right")):
        _note(ax, x, 0.35, inp, fontsize=9)
        _arrow(ax, (x, 0.6), (x, 1.05))
        _box(ax, x, 1.45, width, 0.7, "embedding + positions", "tensor", fontsize=9)
        _arrow(ax, (x, 1.8), (x, 2.5))
    enc = ["self-attention", "feed-forward"]
    dec = ["masked self-attention", "cross-attention", "feed-forward"]
    _stack_frame(ax, enc_x, width, 5.1, "encoder layer")
    _stack_frame(ax, dec_x, width, 6.1, "decoder layer")
    top_enc = _sublayers(ax, enc_x, 3.1, enc, width, ["attention", "ffn"])
    _sublayers(ax, dec_x, 3.1, dec, width, ["attention", "attention", "ffn"])
    _note(ax, enc_x - width / 2 - 0.45, 3.8, f"{n}×", fontsize=12, weight="bold", ha="right")
    _note(ax, dec_x + width / 2 + 0.45, 4.3, f"×{n}", fontsize=12, weight="bold", ha="left")
    # the encoder's output: keys and values of every decoder layer's cross-attention
    mid = (enc_x + dec_x) / 2
    ax.plot([enc_x, enc_x, mid, mid], [top_enc + 0.35, 6.6, 6.6, 4.1], **LINE)
    _arrow(ax, (mid, 4.1), (dec_x - width / 2, 4.1))
    _note(ax, 4.9, 6.9, "encoder output (memory)", fontsize=9)
    _note(ax, (mid + dec_x - width / 2) / 2, 4.4, "$K, V$", fontsize=9)
    names = ["linear", "softmax"]
    for k, name in enumerate(names):
        y = 7.1 + 1.0 * k
        _arrow(ax, (dec_x, y - 0.95 if k == 0 else y - 0.65), (dec_x, y - 0.35))
        _box(ax, dec_x, y, width, 0.7, name, "norm" if name == "softmax" else "op", fontsize=9)
    _arrow(ax, (dec_x, 8.45), (dec_x, 9.1))
    _note(ax, dec_x, 9.45, "next-token probabilities", fontsize=9)
    _note(ax, 3.4, 9.0, "every sublayer has a\nresidual addition\nand a layer norm", fontsize=9)
    return ["target tokens", "embedding + positions", *dec, *names, "probabilities"]


def _kv_row(ax, y, t, xs, cell) -> None:
    """Step ``t`` of the cache figure: ``t`` keys, ``t`` weights, ``t`` values, each
    cell's ``gid`` naming its group and kind (``"keys:cached"``, ``"values:new"``...)."""
    for x0, group in zip(xs, ("keys", "weights", "values"), strict=True):
        for s in range(1, t + 1):
            kind = "weights" if group == "weights" else ("new" if s == t else "cached")
            face, edge = KINDS[kind]
            ax.add_patch(
                mpl.patches.Rectangle(
                    (x0 + (s - 1) * cell, y - 0.28), cell * 0.9, 0.56, fc=face, ec=edge,
                    lw=1.2, zorder=3, gid=f"{group}:{kind}",
                )
            )  # fmt: skip


def draw_kv_cache(ax, steps: int = 4) -> list[str]:
    """Draw generation with a key–value cache over ``steps`` steps, one row per step.

    At step ``t`` the new token's query ``q_t`` is scored against the keys of every
    position so far; the keys and values of earlier positions come from the cache (one
    column per position, growing by one each step) and only the new token's key and
    value, and one new row of attention weights, are computed. Over the steps the rows
    of weights fill the lower triangle of the causal attention matrix.

    Args:
        ax: the matplotlib ``Axes`` to draw on.
        steps: the number of generation steps drawn, 1 to 6.

    Returns:
        The labels of one step's path, in order.

    Taught in chapter 9.
    """
    n = _checks.integer("steps", steps, 1, 6)
    cell = 0.55
    xs = [3.9, 3.9 + n * cell + 1.5, 3.9 + 2 * (n * cell + 1.5)]
    right = xs[2] + n * cell + 3.2
    _frame(ax, (0, right), (-0.7, n + 0.9))
    heads = ["keys $K$", "weights, one new row", "values $V$"]
    for x0, head in zip(xs, heads, strict=True):
        _note(ax, x0 + n * cell / 2, n + 0.45, head, fontsize=9)
    _note(ax, 2.6, n + 0.45, "new query", fontsize=9)
    for t in range(1, n + 1):
        y = n - t + 0.4  # step 1 on top
        _note(ax, 0.2, y, f"$t = {t}$", fontsize=9, ha="left")
        _box(ax, 2.6, y, 1.0, 0.6, f"$q_{{{t}}}$", "new", fontsize=10)
        _arrow(ax, (3.1, y), (xs[0] - 0.1, y))
        _kv_row(ax, y, t, xs, cell)
        _arrow(ax, (xs[0] + t * cell + 0.05, y), (xs[1] - 0.1, y))
        _arrow(ax, (xs[1] + t * cell + 0.05, y), (xs[2] - 0.1, y))
        _arrow(ax, (xs[2] + t * cell + 0.05, y), (right - 2.0, y))
        _note(ax, right - 1.0, y, f"output $t = {t}$", fontsize=9)
    for x, kind, text in ((xs[0], "cached", "read from the cache"), (xs[2], "new", "computed now")):
        face, edge = KINDS[kind]
        ax.add_patch(mpl.patches.Rectangle((x, -0.45), 0.45, 0.3, fc=face, ec=edge, zorder=3))
        _note(ax, x + 0.65, -0.3, text, fontsize=9, ha="left")
    return ["q_t", "keys", "weights", "values", "output"]


def _attend(ax, ys, score: str) -> None:
    """The attention of an RNN decoder step: encoder states h_1..h_4 at the bottom, the
    score, the softmax and the context at the heights ``ys``."""
    for j in range(4):
        _box(ax, 4.2 + 1.1 * j, 0.6, 0.9, 0.6, f"$h_{{{j + 1}}}$", "tensor", fontsize=10)
        _arrow(ax, (4.2 + 1.1 * j, 0.9), (5.85 + 0.5 * (j - 1.5), ys["score"] - 0.4), lw=0.9)
    _note(ax, 4.2 + 1.1 * 1.5, 0.05, "encoder states", fontsize=8)
    _box(ax, 5.85, ys["score"], 4.6, 0.75, "score " + score, "op", fontsize=9)
    _arrow(ax, (5.85, ys["score"] + 0.38), (5.85, ys["soft"] - 0.35))
    _box(ax, 5.85, ys["soft"], 3.0, 0.7, r"softmax $\rightarrow \alpha_{tj}$", "norm")
    _arrow(ax, (5.85, ys["soft"] + 0.35), (5.85, ys["ctx"] - 0.35))
    _box(ax, 5.85, ys["ctx"], 3.0, 0.7, r"$c_t = \Sigma_j\, \alpha_{tj} h_j$", "attention")


def _bahdanau_step(ax) -> list[str]:
    """Bahdanau: score from s_{t-1}, context into the RNN step's input."""
    ys = {"score": 2.2, "soft": 3.6, "ctx": 5.0, "rnn": 6.6}
    _attend(ax, ys, r"$v^\top \tanh(W_q s_{t-1} + W_k h_j)$")
    _box(ax, 1.4, 2.2, 1.4, 0.7, "$s_{t-1}$", "state", fontsize=10)
    _arrow(ax, (2.1, 2.2), (3.55, ys["score"]))
    _box(ax, 3.0, ys["rnn"], 3.6, 0.8, "RNN step\ninput $[y_{t-1}; c_t]$", "op", fontsize=9)
    _arrow(ax, (5.85, ys["ctx"] + 0.35), (4.2, ys["rnn"] - 0.42))
    _arrow(ax, (1.4, 2.2 + 0.35), (1.4, ys["rnn"] - 0.42))
    _arrow(ax, (3.0, ys["rnn"] + 0.42), (3.0, 7.8))
    _box(ax, 3.0, 8.15, 1.0, 0.6, "$s_t$", "state", fontsize=10)
    _arrow(ax, (3.0, 8.45), (3.0, 9.3))
    _note(ax, 3.0, 9.6, r"$p(y_t)$ from $s_t$ (and $c_t$)", fontsize=9)
    _note(ax, 6.6, 8.3, "context enters\nthe recurrence", fontsize=8, style="italic")
    return ["s_{t-1}", "score", "softmax", "context", "RNN step", "s_t", "output"]


def _luong_step(ax) -> list[str]:
    """Luong: the RNN step first, score from s_t, context combined after the step."""
    ys = {"score": 4.2, "soft": 5.6, "ctx": 7.0}
    _attend(ax, ys, r"$s_t^\top h_j$ or $s_t^\top W h_j$")
    _box(ax, 2.2, 2.2, 2.8, 0.8, "RNN step\n$s_{t-1}, y_{t-1}$", "op", fontsize=9)
    _box(ax, 2.2, 3.5, 1.0, 0.6, "$s_t$", "state", fontsize=10)
    _arrow(ax, (2.2, 2.2 + 0.42), (2.2, 3.2))
    _arrow(ax, (2.7, 3.6), (3.55, ys["score"]))
    _box(ax, 3.8, 8.4, 4.2, 0.75, r"combine $\tanh(W_c[s_t; c_t])$", "op", fontsize=9)
    ax.plot([1.7, 1.2, 1.2], [3.5, 3.5, 8.4], **LINE)  # s_t, around, into the combination
    _arrow(ax, (1.2, 8.4), (1.7, 8.4))
    _arrow(ax, (5.85, ys["ctx"] + 0.35), (5.2, 8.0))
    _arrow(ax, (3.8, 8.78), (3.8, 9.3))
    _note(ax, 3.8, 9.6, r"$p(y_t) = \mathrm{softmax}(W_o \cdot)$", fontsize=9)
    _note(ax, 7.9, 8.5, "context used\nafter the step", fontsize=8, style="italic")
    return ["s_{t-1}", "RNN step", "s_t", "score", "softmax", "context", "combine", "output"]


def draw_rnn_attention(ax, kind: str = "bahdanau") -> list[str]:
    """Draw one decoder step of an RNN with attention, bottom to top.

    Bahdanau (``kind="bahdanau"``, additive): the previous state ``s_{t-1}`` scores the
    encoder states, and the context ``c_t`` is an input of the RNN step. Luong
    (``kind="luong"``, dot or general): the RNN step comes first, its new state ``s_t``
    scores the encoder states, and the context is combined with ``s_t`` after the step.
    Draw one of each on two axes to compare them.

    Args:
        ax: the matplotlib ``Axes`` to draw on.
        kind: ``"bahdanau"`` or ``"luong"``.

    Returns:
        The labels of the main path, in order.

    Taught in chapter 5.
    """
    _checks.choice("kind", kind, ("bahdanau", "luong"))
    _frame(ax, (0, 9), (-0.3, 10.4))
    path = _bahdanau_step(ax) if kind == "bahdanau" else _luong_step(ax)
    title = "Bahdanau (additive)" if kind == "bahdanau" else "Luong (dot / general)"
    _note(ax, 4.5, 10.15, title, fontsize=11, weight="bold")
    return path
