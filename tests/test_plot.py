"""The book's figure style: an opaque light card with dark ink, colour-blind palette."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
import seaborn as sns
from matplotlib.colors import to_rgb

from seqlab import plot


def luminance(color) -> float:
    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_figures_are_opaque_cards_with_high_contrast_ink():
    # An opaque face keeps the same PNG legible on the site's dark theme too.
    plot.use_style()
    assert not mpl.rcParams["savefig.transparent"]
    for key in ("figure.facecolor", "axes.facecolor", "savefig.facecolor"):
        assert to_rgb(mpl.rcParams[key]) == (1.0, 1.0, 1.0)
    for key in ("text.color", "axes.labelcolor", "xtick.color", "ytick.color"):
        assert contrast(mpl.rcParams[key], "white") >= 7  # WCAG AAA for text


def test_palette_is_seaborn_colorblind():
    plot.use_style()
    assert plot.PALETTE == sns.color_palette("colorblind")
    cycle = [to_rgb(c) for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle[:6] == [tuple(c) for c in plot.PALETTE[:6]]


def test_figure_shape_and_bad_arguments():
    fig, axes = plot.figure(ncols=2, width=3, height=2)
    assert axes.shape == (2,) and tuple(fig.get_size_inches()) == (6.0, 2.0)
    plt.close(fig)
    with pytest.raises(ValueError, match="ncols"):
        plot.figure(ncols=0)
    with pytest.raises(ValueError, match="height"):
        plot.figure(height=-1)
    with pytest.raises(ValueError, match="context"):
        plot.use_style("poster!")


@pytest.mark.parametrize("attention", [False, True])
def test_encoder_decoder_diagram_has_one_box_per_step(attention):
    fig, ax = plot.figure()
    plot.draw_encoder_decoder(ax, source="3 mar", target="03", attention=attention)
    labels = [t.get_text() for t in ax.texts]
    assert labels.count("enc") == 5 and labels.count("dec") == 3  # 2 characters + <eos>
    assert "<bos>" in labels and "<eos>" in labels and "\u2423" in labels  # visible space
    links = [
        a for a in ax.texts if getattr(a, "arrowprops", None) and a.arrowprops["arrowstyle"] == "-"
    ]
    assert len(links) == (5 * 3 if attention else 0)  # every decoder step to every encoder step
    assert any("attention" in t for t in labels) == attention
    plt.close(fig)
    with pytest.raises(ValueError, match="non-empty"):
        plot.draw_encoder_decoder(ax, source="", target="03")


# --- the diagrams of chapters 5 to 9 ---------------------------------------------------
# Each case: how a chapter draws it (figure size, call) and the labels it must show.

DIAGRAMS = {
    "attention": (
        (8, 3.6),
        lambda ax: plot.draw_attention(ax, key_dim="d"),
        ["$Q$", "$K$", "$V$", "MatMul", "Scale", "Mask", "Softmax", "output", "$(L, d)$"],
    ),
    "multi_head": (
        (8.5, 4),
        lambda ax: plot.draw_multi_head(ax, n_heads=4),
        ["$X$", "$XW_Q$", "$XW_K$", "$XW_V$", "concatenate", "$W_O$", "output"],
    ),
    "post_ln": (
        (4, 5.2),
        lambda ax: plot.draw_transformer_block(ax, norm_first=False),
        ["LayerNorm", "Multi-head attention", "Feed-forward", "+"],
    ),
    "pre_ln": (
        (4, 5.2),
        lambda ax: plot.draw_transformer_block(ax, norm_first=True),
        ["LayerNorm", "Multi-head attention", "Feed-forward", "+"],
    ),
    "transformer": (
        (7.5, 5.5),
        plot.draw_transformer,
        ["embedding + positions", "masked self-attention", "cross-attention", "linear"],
    ),
    "kv_cache": ((8.5, 3.8), plot.draw_kv_cache, ["$q_{1}$", "$q_{4}$", "keys $K$"]),
    "bahdanau": (
        (4.4, 4.8),
        lambda ax: plot.draw_rnn_attention(ax, "bahdanau"),
        ["$s_{t-1}$", "$s_t$", "Bahdanau (additive)"],
    ),
    "luong": (
        (4.4, 4.8),
        lambda ax: plot.draw_rnn_attention(ax, "luong"),
        ["$s_t$", "Luong (dot / general)"],
    ),
}


def drawn(name):
    """The figure, axes, returned path and visible labels of one diagram."""
    plot.use_style()
    (width, height), draw, _ = DIAGRAMS[name]
    fig, ax = plot.figure(width=width, height=height)
    path = draw(ax)
    return fig, ax, path, [t.get_text() for t in ax.texts if t.get_text()]


@pytest.mark.parametrize("name", DIAGRAMS)
def test_diagram_shows_its_parts_and_keeps_every_label_inside(name):
    fig, ax, path, labels = drawn(name)
    missing = [want for want in DIAGRAMS[name][2] if want not in labels]
    assert not missing, f"{name}: no label {missing} among {labels}"
    assert isinstance(path, list) and all(isinstance(p, str) for p in path)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    boxes = []
    for text in ax.texts:
        if not text.get_text():
            continue  # an arrow
        bb = text.get_window_extent(renderer)
        inside = bb.x0 >= box.x0 - 1 and bb.x1 <= box.x1 + 1 and bb.y0 >= box.y0 - 1
        assert inside and bb.y1 <= box.y1 + 1, f"{name}: {text.get_text()!r} is clipped"
        boxes.append((text.get_text(), bb))
    for i, (a, bb_a) in enumerate(boxes):  # no label written over another
        for b, bb_b in boxes[i + 1 :]:
            assert not bb_a.overlaps(bb_b), f"{name}: {a!r} overlaps {b!r}"
    plt.close(fig)


def main_column(ax, path):
    """The labels of the block's main path drawn on the centre line, bottom to top."""
    names = set(path[1:])
    texts = [t for t in ax.texts if t.get_text() in names]
    return [t.get_text() for t in sorted(texts, key=lambda t: t.get_position()[1])]


@pytest.mark.parametrize("norm_first", [True, False])
def test_block_puts_the_norm_before_or_after_the_residual_addition(norm_first):
    plot.use_style()
    fig, ax = plot.figure(width=4, height=5.2)
    path = plot.draw_transformer_block(ax, norm_first=norm_first)
    assert main_column(ax, path) == path[1:]  # the drawing follows the returned path
    adds = [k for k, label in enumerate(path) if label == "+"]
    assert len(adds) == 2  # one residual addition per sublayer
    for sublayer in ("Multi-head attention", "Feed-forward"):
        k = path.index(sublayer)
        if norm_first:  # x + f(LN(x)): the norm inside the branch, before the sublayer
            assert path[k - 1] == "LayerNorm" and path[k + 1] == "+"
        else:  # LN(x + f(x)): the norm on the stream, after the addition
            assert path[k + 1] == "+" and path[k + 2] == "LayerNorm"
    assert path[-1] == ("+" if norm_first else "LayerNorm")
    # the two bypasses: a line that leaves the main column and comes back into a +
    bypasses = [line for line in ax.lines if len(line.get_xdata()) == 3]
    assert len(bypasses) == 2
    plt.close(fig)


@pytest.mark.parametrize("n_heads", [1, 3, 8])
def test_multi_head_draws_one_head_and_one_slice_per_head(n_heads):
    fig, ax = plot.figure(width=8.5, height=4)
    path = plot.draw_multi_head(ax, n_heads=n_heads)
    labels = [t.get_text() for t in ax.texts]
    assert [x for x in labels if x.startswith("head ")] == [
        f"head {k + 1}: attention" for k in range(n_heads)
    ]
    slices = [p for p in ax.patches if type(p) is mpl.patches.Rectangle]
    assert len(slices) == n_heads  # the concatenation, one slice per head
    assert path.index("split") < path.index("head 1") < path.index("concatenate")
    plt.close(fig)


def test_attention_mask_step_is_optional_and_the_key_size_is_named():
    fig, ax = plot.figure(width=8, height=3.6)
    with_mask = plot.draw_attention(ax)
    labels = [t.get_text() for t in ax.texts]
    assert "$(L, d_k)$" in labels and r"$\div\sqrt{d_k}$" in labels
    ax.clear()
    without = plot.draw_attention(ax, mask=False)
    assert "Mask" in with_mask and "Mask" not in without
    assert [s for s in with_mask if s != "Mask"] == without
    assert without.index("Scale") < without.index("Softmax") < without.index("output")
    plt.close(fig)


@pytest.mark.parametrize("steps", [1, 4, 6])
def test_kv_cache_grows_by_one_column_and_computes_one_row_per_step(steps):
    fig, ax = plot.figure(width=8.5, height=3.8)
    plot.draw_kv_cache(ax, steps=steps)
    gids = [p.get_gid() for p in ax.patches]
    for group in ("keys", "values"):
        assert gids.count(f"{group}:new") == steps  # one new key and value per step
        assert gids.count(f"{group}:cached") == steps * (steps - 1) // 2  # 0, 1, 2, ...
    assert gids.count("weights:weights") == steps * (steps + 1) // 2  # a lower triangle
    queries = [t.get_text() for t in ax.texts if t.get_text().startswith("$q_")]
    assert queries == [f"$q_{{{t}}}$" for t in range(1, steps + 1)]  # one query per step
    plt.close(fig)


def test_bahdanau_scores_before_the_step_and_luong_after_it():
    fig, axes = plot.figure(ncols=2, width=4.4, height=4.8)
    bahdanau = plot.draw_rnn_attention(axes[0], "bahdanau")
    luong = plot.draw_rnn_attention(axes[1], "luong")
    assert bahdanau.index("score") < bahdanau.index("context") < bahdanau.index("RNN step")
    assert luong.index("RNN step") < luong.index("score") < luong.index("combine")
    scores = [[t.get_text() for t in ax.texts if t.get_text().startswith("score")] for ax in axes]
    assert "s_{t-1}" in scores[0][0] and r"\tanh" in scores[0][0]  # additive, previous state
    assert "s_t^" in scores[1][0] and r"\tanh" not in scores[1][0]  # dot, current state
    plt.close(fig)


def test_transformer_names_its_layer_count():
    fig, ax = plot.figure(width=7.5, height=5.5)
    path = plot.draw_transformer(ax, n_layers=6)
    labels = [t.get_text() for t in ax.texts]
    assert "6×" in labels and "×6" in labels and labels.count("embedding + positions") == 2
    assert path.index("masked self-attention") < path.index("cross-attention")
    assert path[-3:] == ["linear", "softmax", "probabilities"]
    ax.clear()
    plot.draw_transformer(ax)
    assert "N×" in [t.get_text() for t in ax.texts]
    plt.close(fig)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda ax: plot.draw_multi_head(ax, n_heads=0), ValueError, "n_heads must be an int in"),
        (lambda ax: plot.draw_multi_head(ax, n_heads=9), ValueError, r"\[1, 8\]"),
        (lambda ax: plot.draw_multi_head(ax, n_heads=2.0), TypeError, "n_heads"),
        (lambda ax: plot.draw_transformer_block(ax, norm_first=1), TypeError, "True or False"),
        (lambda ax: plot.draw_attention(ax, mask="yes"), TypeError, "mask must be True"),
        (lambda ax: plot.draw_attention(ax, key_dim=3), TypeError, "key_dim must be a string"),
        (lambda ax: plot.draw_attention(ax, key_dim="$d$"), ValueError, "no \\$"),
        (lambda ax: plot.draw_kv_cache(ax, steps=7), ValueError, "steps must be an int in"),
        (lambda ax: plot.draw_kv_cache(ax, steps=True), TypeError, "steps"),
        (lambda ax: plot.draw_transformer(ax, n_layers=0), ValueError, "n_layers must be"),
        (lambda ax: plot.draw_rnn_attention(ax, "Bahdanau"), ValueError, "'bahdanau', 'luong'"),
    ],
)
def test_diagrams_reject_bad_options_with_clear_messages(call, error, match):
    fig, ax = plot.figure()
    with pytest.raises(error, match=match):
        call(ax)
    plt.close(fig)


def test_earlier_diagrams_keep_their_api():
    for name in ("draw_unrolled", "draw_lstm_cell", "draw_encoder_decoder"):
        assert name in plot.__all__
    for name in DRAWN_BY_CHAPTERS:
        assert name in plot.__all__ and callable(getattr(plot, name))


DRAWN_BY_CHAPTERS = (
    "draw_attention",
    "draw_multi_head",
    "draw_transformer_block",
    "draw_transformer",
    "draw_kv_cache",
    "draw_rnn_attention",
)


@pytest.mark.parametrize("name", DIAGRAMS)
def test_diagram_ink_reads_on_every_fill(name):
    # Labels are dark ink on light fills (WCAG AA, 4.5:1), on the opaque white card.
    fig, ax, _, _ = drawn(name)
    faces = {to_rgb(p.get_facecolor()) for p in ax.patches}
    low = [face for face in faces if contrast(face, plot.INK) < 4.5]
    assert not low, f"{name}: fills too dark for dark ink: {low}"
    assert {to_rgb(t.get_color()) for t in ax.texts if t.get_text()} <= {to_rgb(plot.INK)}
    assert to_rgb(fig.get_facecolor()) == (1.0, 1.0, 1.0)
    plt.close(fig)
