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
