"""Every figure a chapter draws carries a text alternative that says what it shows.

myst-nb renders a matplotlib figure as an ``<img>`` whose ``alt`` is, by default, the
file's path: a screen reader reads out a hash. A code cell that draws a figure sets the
alt text in its metadata, ``{"mystnb": {"image": {"alt": "..."}}}`` (myst-nb's
``render_image_options``, cell key ``image``). The built site is checked too
(tests/test_a11y.py); this is the check that needs no build.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# A cell draws a figure when it creates one: the book's plot.figure (every chapter's
# figures), chapter 10's plot_result, plot_claim and plot_panels, or matplotlib's pyplot directly.
DRAWS = re.compile(
    r"\b(?:plot\.figure|plot_result|plot_claim|plot_panels|plt\.(?:figure|subplots|subplot_mosaic))\s*\("
)


def figure_cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code" and DRAWS.search("".join(c["source"]))]


def alt_text(cell: dict) -> str | None:
    return cell["metadata"].get("mystnb", {}).get("image", {}).get("alt")


def test_the_book_draws_figures():
    assert sum(len(figure_cells(p)) for p in NOTEBOOKS) >= 30


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_cell_says_what_it_shows(path):
    for cell in figure_cells(path):
        where = f"{path.name}, cell {cell['id']}"
        alt = alt_text(cell)
        assert isinstance(alt, str) and alt.strip(), (
            f'{where} draws a figure without alt text: add {{"mystnb": {{"image": '
            f'{{"alt": "what the figure shows"}}}}}} to the cell\'s metadata'
        )
        assert len(alt.split()) >= 12, f"{where}: alt text too short to describe a figure: {alt!r}"
        assert "/" not in alt and not re.search(r"\.(png|jpe?g|svg)\b", alt), (
            f"{where}: the alt text looks like a file name: {alt!r}"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_alt_text_only_on_cells_that_draw(path):
    """Alt text on a cell that draws nothing is a description left behind by an edit."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    drawing = {c["id"] for c in figure_cells(path)}
    stray = [c["id"] for c in cells if alt_text(c) is not None and c["id"] not in drawing]
    assert stray == [], f"{path.name}: alt text on cells that draw no figure: {stray}"
