"""seqlab.widgets: the stored state is the data given, and bad data is refused up front."""

import re

import numpy as np
import pytest
import torch

from seqlab.widgets import (
    CurveExplorer,
    HeatmapViewer,
    LiveCharModels,
    LiveGates,
    LiveTranslator,
    PanelExplorer,
    SelfCheck,
)

X = [0.0, 1.0, 2.0]
CURVES = {"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]}


def test_curve_state_is_the_data_whatever_its_type():
    from_lists = CurveExplorer(X, CURVES, param_name="p", index=1)
    assert from_lists.x == X
    assert from_lists.curves == [[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]
    assert from_lists.labels == ["a", "b"] and from_lists.index == 1
    assert (from_lists.param_name, from_lists.control, from_lists.show_all) == ("p", "slider", True)
    table = np.array(list(CURVES.values()))
    from_numpy = CurveExplorer(np.array(X), table, labels=["a", "b"], index=1)
    from_torch = CurveExplorer(torch.tensor(X), torch.tensor(table), labels=["a", "b"], index=1)
    for widget in (from_numpy, from_torch):
        assert (widget.x, widget.curves, widget.labels) == (X, from_lists.curves, ["a", "b"])
        assert all(type(v) is float for v in widget.x + widget.curves[0])


def test_curve_options_are_stored():
    widget = CurveExplorer(
        [1, 10, 100],
        {0.5: [1, 2, 3]},
        control="dropdown",
        xlabel="lag",
        ylabel="norm",
        title="t",
        logx=True,
        logy=True,
        show_all=False,
    )
    assert widget.labels == ["0.5"] and widget.x == [1.0, 10.0, 100.0]
    assert (widget.control, widget.xlabel, widget.ylabel, widget.title) == (
        "dropdown",
        "lag",
        "norm",
        "t",
    )
    assert widget.logx and widget.logy and not widget.show_all


@pytest.mark.parametrize(
    ("x", "kwargs", "error", "match"),
    [
        (X, {"curves": {"a": [1.0, 2.0]}}, ValueError, r"curves\['a'\] has 2 points but x has 3"),
        ([0.0, 1.0], {}, ValueError, r"curves\['a'\] has 3 points but x has 2"),
        (X, {"curves": {}}, ValueError, "at least one curve"),
        (X, {"curves": np.zeros((0, 3)), "labels": []}, ValueError, "curves is empty"),
        ([], {}, ValueError, "x is empty"),
        ([[0.0, 1.0, 2.0]], {}, ValueError, r"x must be 1-D, got shape \(1, 3\)"),
        (
            X,
            {"curves": {"a": [1.0, float("nan"), 2.0]}},
            ValueError,
            r"curves\['a'\] has a non-finite value nan at index \(1,\)",
        ),
        (X, {"curves": {"a": [1.0, float("inf"), 2.0]}}, ValueError, "non-finite"),
        (X, {"curves": [[1.0, 2.0, 3.0]]}, ValueError, "labels are required"),
        (X, {"labels": ["a", "b"]}, ValueError, "labels must be None when curves is a mapping"),
        (
            X,
            {"curves": [[1.0, 2.0, 3.0]], "labels": ["a", "b"]},
            ValueError,
            r"labels has 2 labels but curves \(rows\) has 1",
        ),
        (X, {"curves": [[1.0, 2.0, 3.0]], "labels": [1]}, TypeError, r"labels\[0\] must be a str"),
        (
            X,
            {"curves": {"a": [1.0, 0.0, 2.0]}, "logy": True},
            ValueError,
            r"logy=True needs positive values, but curves\['a'\]\[1\] = 0.0",
        ),
        (X, {"logx": True}, ValueError, "logx=True needs positive x"),
        (X, {"control": "knob"}, ValueError, r"control must be one of \('slider', 'dropdown'\)"),
        (X, {"index": 2}, ValueError, r"index must be in \[0, 1\], got 2"),
        (X, {"index": -1}, ValueError, "index must be in"),
        (X, {"index": 1.0}, TypeError, "index must be an int"),
        (X, {"curves": {"a": ["x", "y", "z"]}}, TypeError, "must be numbers"),
    ],
)
def test_curve_explorer_refuses_inconsistent_data(x, kwargs, error, match):
    args = {"curves": CURVES, **kwargs}
    with pytest.raises(error, match=match):
        CurveExplorer(x, **args)


M0 = [[0.9, 0.1], [0.3, 0.7]]
M1 = [[0.2, 0.5, 0.3]]


def test_heatmap_single_and_several_matrices():
    one = HeatmapViewer(np.array(M0), ["q1", "q2"], ["k1", "k2"])
    assert one.matrices == [M0] and one.names == ["matrix 0"] and one.index == 0
    assert one.row_labels == [["q1", "q2"]] and one.col_labels == [["k1", "k2"]]
    assert (one.vmin, one.vmax) == (0.1, 0.9) and not one.stepper
    assert (one.row_title, one.col_title) == ("query", "key")
    two = HeatmapViewer(
        [torch.tensor(M0, dtype=torch.float64), M1],
        [["q1", "q2"], ["r"]],
        [["k1", "k2"], ["a", "b", "c"]],
        names=["first", "second"],
        stepper=True,
        index=1,
        vmin=0.0,
        vmax=1.0,
    )
    assert two.matrices == [M0, M1] and two.names == ["first", "second"]
    assert two.row_labels == [["q1", "q2"], ["r"]]
    assert two.col_labels[1] == ["a", "b", "c"] and two.index == 1 and two.stepper
    assert (two.vmin, two.vmax) == (0.0, 1.0)


def test_heatmap_state_is_the_same_for_lists_numpy_and_torch():
    shared = (["q1", "q2"], ["k1", "k2"])
    from_lists = HeatmapViewer([M0, M0], *shared)
    from_numpy = HeatmapViewer(np.array([M0, M0]), np.array(shared[0]), np.array(shared[1]))
    from_torch = HeatmapViewer(torch.tensor([M0, M0], dtype=torch.float64), *shared)
    for widget in (from_numpy, from_torch):
        assert widget.matrices == from_lists.matrices == [M0, M0]
        assert widget.row_labels == from_lists.row_labels == [["q1", "q2"]] * 2
        assert widget.col_labels == from_lists.col_labels
        assert all(type(t) is str for t in widget.row_labels[0])
        assert widget.names == ["matrix 0", "matrix 1"]


def test_heatmap_constant_data_gets_a_unit_colour_range():
    widget = HeatmapViewer([[0.5, 0.5]], ["q"], ["a", "b"])
    assert (widget.vmin, widget.vmax) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (
            (M0, ["q1"], ["k1", "k2"]),
            {},
            ValueError,
            "row_labels for matrix 0 has 1 labels but its rows has 2",
        ),
        ((M0, ["q1", "q2"], ["k1"]), {}, ValueError, "col_labels for matrix 0 has 1 labels"),
        (([M0, M1], ["q1", "q2"], ["k1", "k2"]), {}, ValueError, "row_labels for matrix 1"),
        (([M0, M1], [["q1", "q2"]], [["k"]]), {}, ValueError, "one per matrix"),
        ((M0, ["q1", "q2"], ["k1", "k2"]), {"names": ["a", "b"]}, ValueError, "names has 2"),
        ((M0, ["q1", "q2"], ["k1", "k2"]), {"names": [0]}, TypeError, r"names\[0\]"),
        ((M0, ["q1", 2], ["k1", "k2"]), {}, TypeError, r"row_labels for matrix 0\[1\]"),
        ((M0, "ab", ["k1", "k2"]), {}, TypeError, "row_labels must be a sequence of strings"),
        ((M0, ["q1", "q2"], 3), {}, TypeError, "col_labels must be a sequence of strings"),
        (
            ([[1.0, float("inf")]], ["q"], ["a", "b"]),
            {},
            ValueError,
            r"matrices\[0\] has a non-finite value inf at index \(0, 1\)",
        ),
        (([1.0, 2.0], ["q"], ["a", "b"]), {}, ValueError, "nesting depth 1"),
        ((np.zeros((2, 2, 2, 2)), ["q"], ["a"]), {}, ValueError, "nesting depth 4"),
        (([M0, [1.0, 2.0]], ["q"], ["a"]), {}, ValueError, r"matrices\[1\] must be 2-D"),
        (([[]], ["q"], []), {}, ValueError, r"matrices\[0\] is empty"),
        ((M0, ["q1", "q2"], ["k1", "k2"]), {"vmin": 1.0, "vmax": 0.0}, ValueError, "vmin"),
        ((M0, ["q1", "q2"], ["k1", "k2"]), {"vmin": 0.9}, ValueError, "vmin must be below"),
        ((M0, ["q1", "q2"], ["k1", "k2"]), {"index": 1}, ValueError, r"index must be in \[0, 0\]"),
        ((M0, ["q1", "q2"], ["k1", "k2"]), {"digits": 20}, ValueError, "digits must be"),
    ],
)
def test_heatmap_refuses_inconsistent_data(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        HeatmapViewer(*args, **kwargs)


ROLES = {
    CurveExplorer: ("curve-explorer", ["plot", "readout", "slider", "select", "curve"]),
    HeatmapViewer: (
        "heatmap-viewer",
        ["plot", "readout", "select", "step", "cell", "row-label", "col-label"],
    ),
    PanelExplorer: ("panel-explorer", ["plot", "readout", "select", "series", "legend"]),
    LiveTranslator: ("translator", ["input", "examples", "message", "output", "grid", "cell"]),
    LiveCharModels: (
        "char-models",
        ["input", "message", "bars", "temperature", "seed", "sample", "continuation", "head"],
    ),
    LiveGates: ("gate-viewer", ["input", "message", "gate", "output", "grid", "cell"]),
    SelfCheck: ("self-check", ["question", "choice", "number", "check", "feedback", "summary"]),
}
FRONT_ENDS = list(ROLES)


@pytest.mark.parametrize("widget", FRONT_ENDS)
def test_front_end_is_local_and_implements_the_dom_contract(widget):
    js, css = str(widget._esm), str(widget._css)
    assert "export default" in js and "render" in js
    assert ".seqlab-widget" in css and "var(--pst-color-" in css
    for text in (js, css):
        # the SVG namespace is a name, not a download
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\")", text), "network URL"
    assert not re.search(r"^\s*import\b|\bimport\s*\(", js, re.MULTILINE), "imports a module"
    assert "@import" not in css and "url(http" not in css
    name, roles = ROLES[widget]
    assert f'el.dataset.seqlabWidget = "{name}"' in js
    assert 'el.classList.add("seqlab-widget"' in js
    for role in roles:
        assert f'"data-role": "{role}"' in js, f"data-role={role} missing from {widget.__name__}"
    if widget is HeatmapViewer:
        assert '"seqlab-hl"' in js and "mouseenter" in js and "mouseleave" in js


@pytest.mark.parametrize("widget", FRONT_ENDS)
def test_front_end_is_usable_by_keyboard_and_screen_reader(widget):
    """The static half of the keyboard contract (tests/test_site.py drives the rest in a
    browser): the readout is a polite live region, controls show a keyboard focus ring,
    and the heatmap is an ARIA grid with one Tab stop and arrow-key handling."""
    js, css = str(widget._esm), str(widget._css)
    assert '"aria-live": "polite"' in js
    assert ":focus-visible" in css and "--seqlab-focus" in css
    if widget is HeatmapViewer:
        for needle in (
            'role: "grid"',
            'role: "row"',
            'role: "gridcell"',
            'role: "rowheader"',
            'role: "columnheader"',
            '"keydown"',
            "ArrowRight",
            '"tabindex", "0"',
        ):
            assert needle in js, f"{needle} missing from the heatmap's front end"
        # focus listeners on the <svg> would make Chromium give the <svg> a Tab stop
        assert "svg.addEventListener" not in js


PANEL = {
    "title": "p",
    "xlabel": "x",
    "series": [{"label": "a", "x": [1, 2], "y": [0.5, 0.7], "lo": [0.4, 0.6], "hi": [0.6, 0.8]}],
}


def test_panel_state_is_the_data():
    widget = PanelExplorer([PANEL, {**PANEL, "title": "q", "logx": True}], index=1)
    assert widget.index == 1 and [p["title"] for p in widget.panels] == ["p", "q"]
    series = widget.panels[0]["series"][0]
    assert series == {
        "label": "a",
        "dashed": False,
        "x": [1.0, 2.0],
        "y": [0.5, 0.7],
        "lo": [0.4, 0.6],
        "hi": [0.6, 0.8],
    }
    assert widget.panels[1]["logx"] is True and widget.panels[0]["ylabel"] == ""


@pytest.mark.parametrize(
    "panels, match",
    [
        ([], "non-empty list"),
        ([{"series": PANEL["series"]}], "a 'title' and some 'series'"),
        ([{"title": "p", "series": []}], "a 'title' and some 'series'"),
        ([{"title": "p", "series": [{"x": [1]}]}], "with 'label', 'x' and 'y'"),
        ([{"title": "p", "series": [{"label": "a", "x": [1, 2], "y": [1]}]}], "has 1 points"),
        (
            [{"title": "p", "logy": True, "series": [{"label": "a", "x": [1], "y": [0]}]}],
            "positive values on a log axis",
        ),
        ([{"title": "p", "series": [{"label": "a", "x": [1], "y": [float("nan")]}]}], "non-finite"),
    ],
)
def test_panel_explorer_refuses_inconsistent_data(panels, match):
    with pytest.raises(ValueError, match=match):
        PanelExplorer(panels)
