"""seqlab.bench.recipe: one ingredient changed at a time at a matched budget, intervals
computed as stated, verdicts that follow their rule, and a quick run that says what it
measured."""

import math

import pytest

from seqlab.bench import load_results, run_suite
from seqlab.bench.common import t_interval
from seqlab.bench.recipe import INGREDIENTS, NORM_VARIANTS, _fit_options, effect


def test_t_interval_is_mean_plus_minus_t_sd_over_root_n():
    found = t_interval([1.0, 2.0, 3.0])
    half = 4.303 * 1.0 / math.sqrt(3)  # t(0.975, 2 degrees of freedom), sd 1
    assert found["mean"] == 2.0 and found["n"] == 3
    assert found["lo"] == pytest.approx(2.0 - half) and found["hi"] == pytest.approx(2.0 + half)
    assert t_interval([5.0]) == {"mean": 5.0, "lo": 5.0, "hi": 5.0, "n": 1}
    with pytest.raises(ValueError, match="at least one value"):
        t_interval([])


def _row(values):
    return {"interval": t_interval(values)}


def test_effect_follows_the_overlap_rule():
    base = _row([2.00, 2.01, 2.02])
    assert effect(_row([1.80, 1.81, 1.82]), base) == "lower held-out cross-entropy"
    assert effect(_row([2.30, 2.31, 2.32]), base) == "higher held-out cross-entropy"
    assert effect(_row([1.95, 2.05, 2.00]), base) == "no measurable effect at this size"
    assert effect(_row([1.0]), _row([2.0])) == "too few seeds to tell"


def test_each_ingredient_changes_one_thing_from_the_baseline():
    assert next(iter(INGREDIENTS)) == "baseline" and INGREDIENTS["baseline"] == ({}, {})
    for name, (model, fit) in INGREDIENTS.items():
        if name in ("baseline", "all together"):
            continue
        changed = len(model) + len({k for k in fit if k != "warmup"})
        assert changed == 1, name
    together = INGREDIENTS["all together"]
    assert len(together[0]) + len({k for k in together[1] if k != "warmup"}) >= 6


def test_every_ingredient_trains_at_the_same_rate_and_clipping():
    steps = 400
    options = {name: _fit_options(fit, steps) for name, (_, fit) in INGREDIENTS.items()}
    assert {o["lr"] for o in options.values()} == {options["baseline"]["lr"]}
    assert {o["clip"] for o in options.values()} == {options["baseline"]["clip"]}
    assert options["warm-up + cosine"]["warmup"] == 40  # the first tenth of the steps
    assert "warmup" not in options["baseline"]


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("recipe")
    return load_results(run_suite("recipe", quick=True, out=out))


def test_quick_run_has_every_variant_and_matched_sizes(quick):
    rows = {(r["study"], r["variant"]): r for r in quick["rows"]}
    assert set(rows) == {("recipe", n) for n in INGREDIENTS} | {("norm", n) for n in NORM_VARIANTS}
    params, config = quick["params"], quick["config"]
    assert len(set(params["untied"].values())) == 1 and len(set(params["tied"].values())) == 1
    untied, tied = params["untied"]["baseline"], params["tied"]["tied embeddings"]
    assert untied - tied == config["vocab"] * config["d_model"]
    for row in rows.values():
        assert row["interval"]["mean"] == pytest.approx(row["cross_entropy"]["mean"])
        assert 0.0 <= row["accuracy"]["mean"] <= 1.0
        assert row["cross_entropy"]["mean"] < math.log(config["vocab"]) + 1.0
    clipped = [r["clip"] for r in quick["rows"] if r["study"] == "norm"]
    assert clipped == [None, 1.0, None, 1.0]
