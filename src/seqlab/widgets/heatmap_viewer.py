"""A heatmap with token labels: hover a token to highlight its row or column."""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from seqlab import _checks
from seqlab.widgets._validate import as_float_array, as_labels, front_end


def _per_matrix(labels, count: int, name: str) -> list:
    """Shared labels (a sequence of str) or one sequence per matrix."""
    if isinstance(labels, str) or not hasattr(labels, "__len__"):
        raise TypeError(f"{name} must be a sequence of strings, got {type(labels).__name__}")
    nested = len(labels) > 0 and all(
        hasattr(item, "__len__") and not isinstance(item, str) for item in labels
    )
    if not nested:  # one list shared by every matrix
        return [labels] * count
    if len(labels) != count:
        raise ValueError(
            f"{name} must be one sequence of str shared by all matrices, or one per matrix "
            f"({count}), got {len(labels)} entries"
        )
    return list(labels)


def _depth(value) -> int:
    """Nesting depth: 2 for one matrix, 3 for a sequence of matrices."""
    if hasattr(value, "ndim"):
        return int(value.ndim)
    if isinstance(value, (list, tuple)):
        return 1 + (_depth(value[0]) if value else 0)
    return 0


class HeatmapViewer(anywidget.AnyWidget):
    """A matrix (or several, with a dropdown) whose rows and columns are labelled tokens.

    Hovering a row or column label highlights that row or column and shows its values;
    hovering a cell highlights both and shows the value. With ``stepper=True`` a slider
    reveals the rows one at a time (a decoder producing one token per step). All
    interaction is JavaScript on stored data, so it works in the static site.

    Args:
        matrices: one ``(r, c)`` array, or a sequence of them (each may differ in size).
        row_labels, col_labels: ``r`` (``c``) strings shared by all matrices, or one
            sequence per matrix.
        names: one name per matrix for the dropdown (default ``"matrix 0"``, ...).
        title, row_title, col_title: the title and what rows and columns are.
        stepper: show a step slider that reveals the rows one by one.
        vmin, vmax: colour-scale limits (default: min and max over all matrices).
        digits: decimals shown in the readout.
        index: the matrix shown at first.

    Example:
        >>> HeatmapViewer([[0.9, 0.1], [0.2, 0.8]], ["a", "b"], ["x", "y"])  # doctest: +SKIP

    Used in chapters 0, 2, 5, 7, 8 and 10.
    """

    _esm, _css = front_end("heatmap_viewer")

    matrices = traitlets.List(traitlets.List(traitlets.List(traitlets.Float()))).tag(sync=True)
    row_labels = traitlets.List(traitlets.List(traitlets.Unicode())).tag(sync=True)
    col_labels = traitlets.List(traitlets.List(traitlets.Unicode())).tag(sync=True)
    names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    index = traitlets.Int(0).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    row_title = traitlets.Unicode("query").tag(sync=True)
    col_title = traitlets.Unicode("key").tag(sync=True)
    stepper = traitlets.Bool(False).tag(sync=True)
    vmin = traitlets.Float(0.0).tag(sync=True)
    vmax = traitlets.Float(1.0).tag(sync=True)
    digits = traitlets.Int(3).tag(sync=True)

    def __init__(
        self,
        matrices,
        row_labels,
        col_labels,
        *,
        names=None,
        title: str = "",
        row_title: str = "query",
        col_title: str = "key",
        stepper: bool = False,
        vmin: float | None = None,
        vmax: float | None = None,
        digits: int = 3,
        index: int = 0,
    ):
        depth = _depth(matrices)
        if depth not in (2, 3):
            raise ValueError(
                "matrices must be one 2-D array or a sequence of 2-D arrays, "
                f"got nesting depth {depth}"
            )
        items = [matrices] if depth == 2 else list(matrices)
        mats = [as_float_array(m, f"matrices[{i}]", 2) for i, m in enumerate(items)]
        rows = _per_matrix(row_labels, len(mats), "row_labels")
        cols = _per_matrix(col_labels, len(mats), "col_labels")
        for i, m in enumerate(mats):
            rows[i] = as_labels(rows[i], f"row_labels for matrix {i}", m.shape[0], "its rows")
            cols[i] = as_labels(cols[i], f"col_labels for matrix {i}", m.shape[1], "its columns")
        if names is None:
            names = [f"matrix {i}" for i in range(len(mats))]
        names = as_labels(names, "names", len(mats), "matrices")
        lo = min(float(m.min()) for m in mats) if vmin is None else float(vmin)
        hi = max(float(m.max()) for m in mats) if vmax is None else float(vmax)
        if not np.isfinite([lo, hi]).all() or lo >= hi:
            if vmin is None and vmax is None:  # constant data: a unit range around it
                lo, hi = lo - 0.5, hi + 0.5
            else:
                raise ValueError(f"vmin must be below vmax, got vmin={lo}, vmax={hi}")
        digits = _checks.integer("digits", digits, 0, 8)
        super().__init__(
            matrices=[m.tolist() for m in mats],
            row_labels=rows,
            col_labels=cols,
            names=names,
            index=_checks.index("index", index, len(mats)),
            title=title,
            row_title=row_title,
            col_title=col_title,
            stepper=stepper,
            vmin=lo,
            vmax=hi,
            digits=digits,
        )
