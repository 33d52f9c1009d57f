"""Shared by the widgets: checks of their data (clear errors at construction) and styles.

Checks of single arguments (an index, a digit count) are :mod:`seqlab._checks`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def as_float_array(value, name: str, ndim: int) -> np.ndarray:
    """``value`` (list, NumPy array or torch tensor) as a finite float array of ``ndim`` dims."""
    if hasattr(value, "detach"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{name} must be numbers ({ndim}-D), got {type(value).__name__}: {error}"
        ) from error
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty, got shape {array.shape}")
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        where = tuple(int(i) for i in bad[0])
        raise ValueError(f"{name} has a non-finite value {array[where]} at index {where}")
    return array


def as_labels(labels, name: str, count: int, what: str) -> list[str]:
    """``labels`` as a list of ``count`` strings; ``what`` names the dimension they label."""
    if isinstance(labels, np.ndarray):  # e.g. np.array(["a", "b"])
        labels = labels.tolist()
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise TypeError(f"{name} must be a sequence of strings, got {type(labels).__name__}")
    for i, label in enumerate(labels):
        if not isinstance(label, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(label).__name__}")
    labels = [str(label) for label in labels]  # plain str, also for str subclasses
    if len(labels) != count:
        raise ValueError(f"{name} has {len(labels)} labels but {what} has {count}")
    return labels


def front_end(name: str, *parts: str) -> tuple[str, str]:
    """The widget's JS module and CSS, each preceded by the shared ``common.js``/``.css``
    and, for the JS, by the shared ``parts`` (``"live"``: the forward passes)."""
    here = Path(__file__).parent
    js = "".join((here / f"{p}.js").read_text() for p in ("common", *parts, name))
    own = here / f"{name}.css"  # a widget's own styles, if it has any
    css = (here / "common.css").read_text() + (own.read_text() if own.exists() else "")
    return js, css
