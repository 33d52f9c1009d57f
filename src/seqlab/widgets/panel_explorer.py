"""A dropdown that picks one of several precomputed panels of curves."""

from __future__ import annotations

import anywidget
import traitlets

from seqlab import _checks
from seqlab.widgets._validate import as_float_array, front_end


def _series(s, where: str, logx: bool, logy: bool) -> dict:
    if not isinstance(s, dict) or not {"label", "x", "y"} <= set(s):
        raise ValueError(f"{where} must be a dict with 'label', 'x' and 'y'")
    out = {"label": str(s["label"]), "dashed": bool(s.get("dashed", False))}
    for key in ("x", "y", "lo", "hi"):
        if key in s and s[key] is not None:
            values = as_float_array(s[key], f"{where}[{key!r}]", 1)
            if len(values) != len(s["x"]):
                raise ValueError(
                    f"{where}[{key!r}] has {len(values)} points but x has {len(s['x'])}"
                )
            if not len(values):
                raise ValueError(f"{where}[{key!r}] is empty")
            log = logx if key == "x" else logy
            if log and (values <= 0).any():
                raise ValueError(f"{where}[{key!r}] needs positive values on a log axis")
            out[key] = values.tolist()
    return out


class PanelExplorer(anywidget.AnyWidget):
    """Pick one of several panels, each with its own axes and series, from a dropdown.

    Each panel is a dict: ``title`` (the dropdown's entry), ``xlabel``, ``ylabel``,
    optional ``logx``/``logy``, an optional ``note`` shown beside the dropdown, and
    ``series``: a list of ``{"label", "x", "y"}`` with optional ``"lo"``/``"hi"`` (a band,
    e.g. the range over seeds) and ``"dashed"``. The data are stored in the widget and the
    interaction is JavaScript, so it works in the static site with no kernel.

    Used in chapter 10 (one panel per claim of the ledger).
    """

    _esm, _css = front_end("panel_explorer")

    panels = traitlets.List(traitlets.Dict()).tag(sync=True)
    index = traitlets.Int(0).tag(sync=True)

    def __init__(self, panels, *, index: int = 0):
        if not isinstance(panels, list | tuple) or not panels:
            raise ValueError("panels must be a non-empty list of dicts")
        checked = []
        for i, panel in enumerate(panels):
            if not isinstance(panel, dict) or "title" not in panel or not panel.get("series"):
                raise ValueError(f"panels[{i}] must be a dict with a 'title' and some 'series'")
            logx, logy = bool(panel.get("logx")), bool(panel.get("logy"))
            checked.append(
                {
                    "title": str(panel["title"]),
                    "xlabel": str(panel.get("xlabel", "")),
                    "ylabel": str(panel.get("ylabel", "")),
                    "note": str(panel.get("note", "")),
                    "logx": logx,
                    "logy": logy,
                    "series": [
                        _series(s, f"panels[{i}]['series'][{k}]", logx, logy)
                        for k, s in enumerate(panel["series"])
                    ],
                }
            )
        super().__init__(panels=checked, index=_checks.index("index", index, len(checked)))


__all__ = ["PanelExplorer"]
