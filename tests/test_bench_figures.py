"""seqlab.bench.figures: each claim's panels are described once and drawn by both
renderers; the speed map's ratios, skipped cells and the scaling fit are the numbers of
the results files."""

import copy
import json

import matplotlib
import pytest

from seqlab.bench import committed_results, load_results, run_suite
from seqlab.bench import ledger as ledger_mod
from seqlab.bench import rules as R
from seqlab.bench.figures import (
    EXPLORER_PANEL_KEYS,
    EXPLORER_SERIES_KEYS,
    SECTIONS,
    claim_panels,
    explorer_panels,
    plot_claim,
    plot_result,
    speed_map_panels,
)
from seqlab.widgets import PanelExplorer

matplotlib.use("Agg")

SUITES = ("speed", "longrange", "scaling", "order", "streaming", "lowdata", "pretrain")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """The results files shipped with the package (read whatever their rules, so the
    figures are tested even while the rules change), and a quick run of each suite that
    has none yet."""
    folder, out = committed_results(), tmp_path_factory.mktemp("quick")
    found = {}
    for s in SUITES:
        path = folder / f"{s}-cpu.json"
        found[s] = load_results(path if path.is_file() else run_suite(s, quick=True, out=out))
    return found


@pytest.fixture(scope="module")
def panels(results):
    return claim_panels(results)


def _map_panel(panels, width):
    return next(
        p
        for p in panels
        if p["section"] == "claim-speed" and f"width {width}: LSTM time" in p["title"]
    )


def test_every_claim_with_results_has_a_panel(results, panels):
    sections = {p["section"] for p in panels}
    for _, _, suites, _, section in ledger_mod.CLAIMS:
        if all(s in results for s in suites):
            assert section in sections, section
    assert sections <= set(SECTIONS)


def test_a_claim_without_its_suite_has_no_panel(results):
    fewer = {k: v for k, v in results.items() if k != "streaming"}
    assert "claim-streaming" not in {p["section"] for p in claim_panels(fewer)}


def test_explorer_panels_are_the_claim_panels(results, panels):
    shown = explorer_panels(results)
    assert len(shown) == len(panels)
    for mine, theirs in zip(panels, shown, strict=True):
        assert set(theirs) <= set(EXPLORER_PANEL_KEYS)
        assert {k: mine[k] for k in EXPLORER_PANEL_KEYS if k != "series"} == {
            k: theirs[k] for k in EXPLORER_PANEL_KEYS if k != "series"
        }
        assert theirs["series"] == [
            {k: s[k] for k in EXPLORER_SERIES_KEYS if k in s} for s in mine["series"]
        ]


def test_panels_are_json_and_the_widget_takes_them(results, panels):
    json.dumps(panels, allow_nan=False)
    widget = PanelExplorer(explorer_panels(results))
    assert len(widget.panels) == len(panels)
    assert all(p["note"] and p["series"] for p in widget.panels)


def test_speed_map_is_lstm_median_over_transformer_median(results, panels):
    speed = results["speed"]
    config = speed["config"]
    width, batch, length = config["widths"][0], config["batches"][0], config["lengths"][1]
    cell = {"width": width, "batch_size": batch, "length": length, "mode": "train"}

    def median(model):
        rows = [r for r in speed["rows"] if r["model"] == model and cell.items() <= r.items()]
        return rows[0]["ms"]["median"]

    series = next(s for s in _map_panel(panels, width)["series"] if s["label"] == f"batch {batch}")
    y = series["y"][series["x"].index(float(length))]
    assert y == pytest.approx(median("lstm") / median("transformer"), rel=1e-12)
    assert _map_panel(panels, width)["hline"] == 1.0


def test_a_skipped_cell_is_left_out_and_named_in_the_note(results):
    speed = copy.deepcopy(results["speed"])
    config = speed["config"]
    width, batch, longest = config["widths"][0], config["batches"][0], max(config["lengths"])
    for row in speed["rows"]:
        here = (row["width"], row["batch_size"], row["length"]) == (width, batch, longest)
        if here and row["model"] == "transformer" and row["mode"] == "train":
            row.update(skipped="predicted 41 s per call (limit 30 s)", ms=None)
    panel = _map_panel(speed_map_panels(speed), width)
    series = next(s for s in panel["series"] if s["label"] == f"batch {batch}")
    assert float(longest) not in series["x"]
    assert f"batch {batch} from L={longest}" in panel["note"]
    assert "predicted 41 s per call" in panel["note"]


def test_the_fitted_curve_passes_through_the_fit_at_each_size(results, panels):
    fits = ledger_mod.scaling_fits(results["scaling"])
    loss = next(p for p in panels if p["section"] == "claim-scaling" and p["logy"])
    for name, label in (("lstm", "LSTM fit"), ("transformer", "Transformer fit")):
        curve = next(s for s in loss["series"] if s["label"].startswith(label))
        assert curve["dashed"]
        n, _ = ledger_mod.per_size(results["scaling"], name)
        for size, fitted in zip(n, fits[name]["fit"]["fitted"], strict=True):
            assert curve["y"][curve["x"].index(float(size))] == pytest.approx(fitted, rel=1e-9)


def test_every_seed_is_kept_and_bands_hold_the_mean(panels):
    longrange = [p for p in panels if p["section"] == "claim-longrange"]
    assert {p["hline"] for p in longrange} <= set(R.CHANCE.values())
    for panel in longrange:
        for s in panel["series"]:
            assert len(s["seeds"]) == len(s["x"]) and all(s["seeds"])
            assert all(lo <= y <= hi for lo, y, hi in zip(s["lo"], s["y"], s["hi"], strict=True))


def test_a_failed_to_train_point_is_drawn_and_labelled(results):
    longrange = copy.deepcopy(results["longrange"])
    lag = max(longrange["config"]["lags"]["copy_memory"])
    for row in longrange["rows"]:
        row["failed_to_train"] = row["task"] == "copy_memory" and row["lag"] == lag
    panel = next(p for p in claim_panels({"longrange": longrange}) if "copy memory" in p["title"])
    for s in panel["series"]:
        assert f"failed to train at lag {lag}" in s["label"]
        assert float(lag) in s["x"]


def test_plot_claim_draws_one_axes_per_panel(results, panels):
    fig = plot_claim(results, "claim-speed")
    assert len(fig.axes) == sum(p["section"] == "claim-speed" for p in panels)
    assert any("commit" in t.get_text() for t in fig.texts)


def test_plot_claim_refuses_an_unknown_section(results):
    with pytest.raises(ValueError, match="claim-speed"):
        plot_claim(results, "nope")


def test_plot_result_draws_the_recipe_file():
    recipe = load_results(committed_results() / "recipe-cpu.json")
    fig = plot_result(recipe)
    assert len(fig.axes) == 2
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == "baseline"
    assert any("commit" in t.get_text() and "threads" in t.get_text() for t in fig.texts)
