"""seqlab.widgets: the stored state is the data given, and bad data is refused up front."""

import re

import numpy as np
import pytest
import torch

from seqlab.widgets import CurveExplorer, HeatmapViewer

X = [0.0, 1.0, 2.0]
CURVES = {"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]}


def test_curve_state_is_the_data_whatever_its_type():
    from_lists = CurveExplorer(X, CURVES, param_name="p", index=1)
    assert from_lists.x == X
    assert from_lists.curves == [[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]
    assert from_lists.labels == ["a", "b"] and from_lists.index == 1
    table = np.array(list(CURVES.values()))
    from_numpy = CurveExplorer(np.array(X), table, labels=["a", "b"], index=1)
    from_torch = CurveExplorer(torch.tensor(X), torch.tensor(table), labels=["a", "b"], index=1)
    for widget in (from_numpy, from_torch):
        assert (widget.x, widget.curves, widget.labels) == (X, from_lists.curves, ["a", "b"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"curves": {"a": [1.0, 2.0]}}, ValueError, r"curves\['a'\] has 2 points but x has 3"),
        ({"curves": {}}, ValueError, "at least one curve"),
        ({"curves": {"a": [1.0, float("nan"), 2.0]}}, ValueError, "non-finite"),
        ({"curves": [[1.0, 2.0, 3.0]]}, ValueError, "labels are required"),
        ({"curves": [[1.0, 2.0, 3.0]], "labels": ["a", "b"]}, ValueError, "2 labels but"),
        ({"curves": {"a": [1.0, 0.0, 2.0]}, "logy": True}, ValueError, "logy=True needs positive"),
        ({"logx": True}, ValueError, "logx=True needs positive x"),
        ({"control": "knob"}, ValueError, "control must be one of"),
        ({"index": 2}, ValueError, r"index must be in \[0, 1\]"),
        ({"curves": {"a": ["x", "y", "z"]}}, TypeError, "must be numbers"),
    ],
)
def test_curve_explorer_refuses_inconsistent_data(kwargs, error, match):
    args = {"curves": CURVES, **kwargs}
    with pytest.raises(error, match=match):
        CurveExplorer(X, **args)


M0 = [[0.9, 0.1], [0.3, 0.7]]
M1 = [[0.2, 0.5, 0.3]]


def test_heatmap_single_and_several_matrices():
    one = HeatmapViewer(np.array(M0), ["q1", "q2"], ["k1", "k2"])
    assert one.matrices == [M0] and one.names == ["matrix 0"]
    assert one.row_labels == [["q1", "q2"]] and one.col_labels == [["k1", "k2"]]
    assert (one.vmin, one.vmax) == (0.1, 0.9)
    two = HeatmapViewer(
        [torch.tensor(M0, dtype=torch.float64), M1],
        [["q1", "q2"], ["r"]],
        [["k1", "k2"], ["a", "b", "c"]],
        names=["first", "second"],
        stepper=True,
        index=1,
    )
    assert two.matrices == [M0, M1] and two.names == ["first", "second"]
    assert two.col_labels[1] == ["a", "b", "c"] and two.index == 1 and two.stepper


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((M0, ["q1"], ["k1", "k2"]), {}, ValueError, "row_labels for matrix 0 has 1 labels"),
        ((M0, ["q1", "q2"], ["k1"]), {}, ValueError, "col_labels for matrix 0 has 1 labels"),
        (([M0, M1], ["q1", "q2"], ["k1", "k2"]), {}, ValueError, "row_labels for matrix 1"),
        (([M0, M1], [["q1", "q2"]], [["k"]]), {}, ValueError, "one per matrix"),
        ((M0, ["q1", "q2"], ["k1", "k2"]), {"names": ["a", "b"]}, ValueError, "2 labels"),
        ((M0, ["q1", 2], ["k1", "k2"]), {}, TypeError, r"row_labels for matrix 0\[1\]"),
        ((M0, "ab", ["k1", "k2"]), {}, TypeError, "sequence of strings"),
        (([[1.0, float("inf")]], ["q"], ["a", "b"]), {}, ValueError, "non-finite"),
        (([1.0, 2.0], ["q"], ["a", "b"]), {}, ValueError, "nesting depth 1"),
        (([[]], ["q"], []), {}, ValueError, "empty"),
        ((M0, ["q1", "q2"], ["k1", "k2"]), {"vmin": 1.0, "vmax": 0.0}, ValueError, "vmin"),
        ((M0, ["q1", "q2"], ["k1", "k2"]), {"index": 1}, ValueError, "index must be in"),
    ],
)
def test_heatmap_refuses_inconsistent_data(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        HeatmapViewer(*args, **kwargs)


@pytest.mark.parametrize("widget", [CurveExplorer, HeatmapViewer])
def test_front_end_is_local_and_implements_the_dom_contract(widget):
    js, css = str(widget._esm), str(widget._css)
    assert "export default" in js
    for text in (js, css):
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), "loads from the network"
        assert "import " not in text.split("export default")[0] or "from " not in text
    roles = ["plot", "readout"] + (
        ["slider", "select", "curve"]
        if widget is CurveExplorer
        else ["select", "step", "cell", "row-label", "col-label"]
    )
    for role in roles:
        assert f'"data-role": "{role}"' in js, f"data-role={role} missing from {widget.__name__}"
