"""A slider or dropdown that picks one of several precomputed curves."""

from __future__ import annotations

from collections.abc import Mapping

import anywidget
import numpy as np
import traitlets

from seqlab import _checks
from seqlab.widgets._validate import as_float_array, as_labels, front_end

CONTROLS = ("slider", "dropdown")


class CurveExplorer(anywidget.AnyWidget):
    """Pick one of several precomputed curves with a slider or a dropdown.

    All curves share one x axis and one y range, so moving the control shows how the
    curve changes, not a rescaled axis. The data are stored in the widget, and the
    interaction is JavaScript: it keeps working in the static site, with no kernel.

    Args:
        x: ``(n,)`` x values shared by every curve.
        curves: a mapping ``label -> (n,)`` values, or a ``(k, n)`` array with ``labels``.
        labels: ``k`` names, required when ``curves`` is an array.
        control: ``"slider"`` (ordered parameters) or ``"dropdown"``.
        param_name: what the control picks, shown as ``"{param_name} = {label}"``.
        xlabel, ylabel, title: axis labels and title.
        logx, logy: logarithmic axes (values must then be positive).
        show_all: draw the other curves faintly behind the selected one.
        index: the curve selected at first.

    Example:
        >>> ks = list(range(20))
        >>> CurveExplorer(ks, {"0.9": [0.9**k for k in ks], "1.1": [1.1**k for k in ks]},
        ...               param_name="ρ", logy=True)  # doctest: +SKIP

    Used in chapters 0, 2, 5, 7, 8 and 10.
    """

    _esm, _css = front_end("curve_explorer")

    x = traitlets.List(traitlets.Float()).tag(sync=True)
    curves = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    index = traitlets.Int(0).tag(sync=True)
    control = traitlets.Unicode("slider").tag(sync=True)
    param_name = traitlets.Unicode("").tag(sync=True)
    xlabel = traitlets.Unicode("").tag(sync=True)
    ylabel = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    logx = traitlets.Bool(False).tag(sync=True)
    logy = traitlets.Bool(False).tag(sync=True)
    show_all = traitlets.Bool(True).tag(sync=True)

    def __init__(
        self,
        x,
        curves,
        *,
        labels=None,
        control: str = "slider",
        param_name: str = "",
        xlabel: str = "",
        ylabel: str = "",
        title: str = "",
        logx: bool = False,
        logy: bool = False,
        show_all: bool = True,
        index: int = 0,
    ):
        if control not in CONTROLS:
            raise ValueError(f"control must be one of {CONTROLS}, got {control!r}")
        xs = as_float_array(x, "x", 1)
        if isinstance(curves, Mapping):
            if labels is not None:
                raise ValueError("labels must be None when curves is a mapping (its keys label)")
            labels = [str(k) for k in curves]
            ys = [as_float_array(v, f"curves[{k!r}]", 1) for k, v in curves.items()]
        else:
            table = as_float_array(curves, "curves", 2)
            if labels is None:
                raise ValueError("labels are required when curves is an array (one per row)")
            labels = as_labels(labels, "labels", len(table), "curves (rows)")
            ys = list(table)
        if not ys:
            raise ValueError("curves is empty: give at least one curve")
        for label, y in zip(labels, ys, strict=True):
            if len(y) != len(xs):
                raise ValueError(f"curves[{label!r}] has {len(y)} points but x has {len(xs)}")
            if logy and (y <= 0).any():
                i = int(np.argmax(y <= 0))
                raise ValueError(
                    f"logy=True needs positive values, but curves[{label!r}][{i}] = {y[i]}"
                )
        if logx and (xs <= 0).any():
            raise ValueError(f"logx=True needs positive x, got min(x) = {xs.min()}")
        super().__init__(
            x=xs.tolist(),
            curves=[y.tolist() for y in ys],
            labels=labels,
            index=_checks.index("index", index, len(ys)),
            control=control,
            param_name=param_name,
            xlabel=xlabel,
            ylabel=ylabel,
            title=title,
            logx=logx,
            logy=logy,
            show_all=show_all,
        )
