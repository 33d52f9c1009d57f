"""seqlab.bench.stats: bootstrap intervals are deterministic and cover what they should,
comparisons win only outside both zero and the margin (and never at chance), claims get
the verdicts the rules state, power-law fits recover known laws, and timings give a
winner or a tie and the lengths where one overtakes the other."""

import json
import math

import numpy as np
import pytest

from seqlab.bench import rules as R
from seqlab.bench import stats as S

SIZES = [1e4, 10**4.4, 10**4.8, 10**5.2, 10**5.6, 1e6]


def law(n, l_inf=1.2, a=8.0, alpha=0.35):
    return [l_inf + a * x**-alpha for x in n]


# --- bootstrap_mean, bootstrap_difference ---------------------------------------------


def test_identical_values_give_an_interval_of_zero_width():
    for values in ([0.7, 0.7, 0.7, 0.7, 0.7], [0.3]):
        m = S.bootstrap_mean(values)
        assert m["lo"] == m["hi"] == m["mean"] == values[0]
        assert m["n"] == len(values)
    d = S.bootstrap_difference([0.9] * 5, [0.4] * 3)
    assert d["lo"] == d["hi"] == d["diff"] == pytest.approx(0.5)
    assert (d["n_a"], d["n_b"]) == (5, 3)


def test_interval_brackets_the_mean_and_is_plain_floats():
    m = S.bootstrap_mean([0.1, 0.4, 0.2, 0.5, 0.3])
    assert m["lo"] < m["mean"] < m["hi"]
    assert 0.1 <= m["lo"] and m["hi"] <= 0.5
    d = S.bootstrap_difference([0.1, 0.4, 0.2], [0.5, 0.3, 0.35, 0.2])
    for out in (m, d):
        assert all(type(v) in (float, int) for v in out.values())
        json.dumps(out)


def test_the_same_call_twice_gives_the_same_interval():
    a, b = [0.81, 0.77, 0.9, 0.85, 0.7], [0.6, 0.75, 0.66, 0.71, 0.8]
    assert S.bootstrap_difference(a, b) == S.bootstrap_difference(a, b)
    assert S.bootstrap_mean(a) == S.bootstrap_mean(a)
    assert S.bootstrap_mean(a, seed=1) != S.bootstrap_mean(a, seed=2)


def test_difference_interval_contains_the_true_difference_for_a_large_sample():
    rng = np.random.default_rng(7)
    a, b = rng.normal(1.0, 0.5, 400), rng.normal(0.7, 0.5, 300)
    d = S.bootstrap_difference(a, b)
    assert d["diff"] == pytest.approx(a.mean() - b.mean())
    assert d["lo"] < 0.3 < d["hi"]
    assert d["hi"] - d["lo"] < 0.25  # the standard error is about 0.04


def test_confidence_is_read_at_call_time(monkeypatch):
    values = [0.1, 0.4, 0.2, 0.5, 0.3, 0.25]
    wide = S.bootstrap_mean(values)
    monkeypatch.setattr(R, "CONFIDENCE", 0.5)
    narrow = S.bootstrap_mean(values)
    assert narrow["hi"] - narrow["lo"] < wide["hi"] - wide["lo"]


def test_the_resampled_interval_narrows_with_more_seeds():
    rng = np.random.default_rng(1)
    few = S.bootstrap_difference(list(rng.normal(1, 1, 5)), list(rng.normal(0, 1, 5)))
    many = S.bootstrap_difference(list(rng.normal(1, 1, 500)), list(rng.normal(0, 1, 500)))
    assert many["hi"] - many["lo"] < (few["hi"] - few["lo"]) / 3


# --- at_chance, compare -----------------------------------------------------------------


def test_at_chance():
    assert S.at_chance([0.13, 0.2, 0.22], 0.125)
    assert not S.at_chance([0.13, 0.2, 0.3], 0.125)


GOOD, BAD = [0.9, 0.92, 0.88, 0.91, 0.89], [0.5, 0.52, 0.48, 0.51, 0.49]


@pytest.mark.parametrize("higher_is_better", [True, False])
def test_clearly_separated_groups_give_a_win_for_the_right_name(higher_is_better):
    c = S.compare(GOOD, BAD, measure="accuracy", higher_is_better=higher_is_better,
                  names=("lstm", "transformer"))  # fmt: skip
    assert c["outcome"] == "win"
    assert c["winner"] == ("lstm" if higher_is_better else "transformer")
    assert c["diff"] == pytest.approx(0.4)  # mean(a) - mean(b), not flipped
    assert 0 < c["lo"] < c["diff"] < c["hi"]
    assert c["mean"] == pytest.approx([0.9, 0.5])
    assert c["names"] == ["lstm", "transformer"] and c["failed"] == []
    assert "excludes 0" in c["reason"]
    json.dumps(c)
    flipped = S.compare(BAD, GOOD, measure="accuracy", higher_is_better=higher_is_better,
                        names=("transformer", "lstm"))  # fmt: skip
    assert flipped["winner"] == c["winner"]


def test_a_difference_inside_the_margin_is_inconclusive_even_when_it_excludes_0():
    a, b = [0.52, 0.53, 0.52, 0.53, 0.52], [0.50, 0.50, 0.51, 0.50, 0.50]
    c = S.compare(a, b, measure="accuracy")
    assert c["lo"] > 0  # the interval excludes 0
    assert c["outcome"] == "inconclusive" and c["winner"] is None
    assert "inside the margin 0.05" in c["reason"]


def test_a_difference_beyond_the_margin_whose_interval_includes_0_is_inconclusive():
    a, b = [0.9, 0.2, 0.95, 0.3, 0.85], [0.5, 0.45, 0.55, 0.4, 0.6]
    c = S.compare(a, b, measure="accuracy")
    assert abs(c["diff"]) > c["margin"]
    assert c["lo"] < 0 < c["hi"]
    assert c["outcome"] == "inconclusive" and c["winner"] is None
    assert "includes 0" in c["reason"]


def test_the_margin_is_read_at_call_time(monkeypatch):
    a, b = [0.52, 0.53, 0.52, 0.53, 0.52], [0.50, 0.50, 0.51, 0.50, 0.50]
    monkeypatch.setitem(R.MARGIN, "accuracy", 0.01)
    c = S.compare(a, b, measure="accuracy", names=("x", "y"))
    assert c["margin"] == 0.01 and c["winner"] == "x"


def test_a_win_near_chance_is_inconclusive():
    a, b = [0.22, 0.21, 0.23, 0.22, 0.22], [0.13, 0.12, 0.13, 0.14, 0.13]
    plain = S.compare(a, b, measure="accuracy", names=("tf", "lstm"))
    assert plain["winner"] == "tf"
    c = S.compare(a, b, measure="accuracy", names=("tf", "lstm"), chance=0.125)
    assert c["outcome"] == "inconclusive" and c["winner"] is None
    assert "chance 0.125" in c["reason"]
    far = S.compare([0.6, 0.62, 0.61], b, measure="accuracy", chance=0.125, names=("tf", "lstm"))
    assert far["winner"] == "tf"


def test_lower_is_better_on_loss():
    c = S.compare([1.3, 1.31, 1.29], [1.5, 1.52, 1.49], measure="loss", higher_is_better=False,
                  names=("lstm", "transformer"))  # fmt: skip
    assert c["winner"] == "lstm" and c["diff"] < 0 and c["margin"] == R.MARGIN["loss"]


def test_failed_to_train():
    c = S.compare([0.12, 0.13], [0.9, 0.91], measure="accuracy", names=("lstm", "tf"),
                  failed=["lstm"])  # fmt: skip
    assert c["outcome"] == "failed to train"
    assert c["winner"] is None and c["failed"] == ["lstm"]
    assert c["reason"] == "lstm failed to train"
    json.dumps(c)
    empty = S.compare([], [0.9], measure="accuracy", names=("lstm", "tf"), failed=("lstm",))
    assert empty["outcome"] == "failed to train" and empty["mean"][0] is None


# --- claim_verdict ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        (["supports"], "supported"),
        (["supports", "supports", "excluded"], "supported"),
        (["contradicts", "inconclusive"], "not supported here"),
        (["contradicts", "excluded"], "not supported here"),
        (["supports", "contradicts"], "mixed"),
        (["supports", "inconclusive"], "mixed"),
        (["inconclusive", "inconclusive"], "inconclusive"),
        (["excluded", "excluded"], "inconclusive"),
        ([], "inconclusive"),
    ],
)
def test_claim_verdict(outcomes, verdict):
    assert S.claim_verdict(outcomes) == verdict
    assert verdict in R.VERDICTS


# --- fit_power_law, bootstrap_fit, exponent_difference ---------------------------------


def test_fit_recovers_a_known_law():
    fit = S.fit_power_law(SIZES, law(SIZES))
    assert fit["l_inf"] == pytest.approx(1.2, rel=1e-3)
    assert fit["a"] == pytest.approx(8.0, rel=1e-3)
    assert fit["alpha"] == pytest.approx(0.35, rel=1e-3)
    assert fit["rmse"] < 1e-6
    assert all(type(fit[k]) is float for k in ("l_inf", "a", "alpha", "rmse"))
    json.dumps(fit)


def test_fit_of_a_law_without_a_floor_puts_the_floor_near_0():
    fit = S.fit_power_law(SIZES, law(SIZES, l_inf=0.0, a=5.0, alpha=0.2))
    assert fit["l_inf"] == pytest.approx(0.0, abs=1e-3)
    assert fit["alpha"] == pytest.approx(0.2, rel=1e-3)


def test_fit_keeps_its_constraints_and_its_residuals_match_the_rmse():
    rng = np.random.default_rng(3)
    loss = np.array(law(SIZES)) + rng.normal(0, 0.02, len(SIZES))
    fit = S.fit_power_law(SIZES, loss)
    assert 0 <= fit["l_inf"] <= loss.min() and fit["a"] >= 0 and 0.001 <= fit["alpha"] <= 3
    residuals = np.array(fit["residuals"])
    assert residuals == pytest.approx(loss - np.array(fit["fitted"]))
    assert (residuals**2).sum() == pytest.approx(fit["rmse"] ** 2 * len(SIZES))
    rising = S.fit_power_law([10, 100, 1000], [1.0, 2.0, 3.0])  # no decreasing law fits
    assert rising["a"] >= 0 and rising["l_inf"] <= 1.0


def test_bootstrap_fit_on_noise_free_seeds_has_zero_width():
    n = SIZES[:5]
    per_size = [[v] * 4 for v in law(n)]
    out = S.bootstrap_fit(n, per_size, resamples=200)
    for key in ("alpha", "l_inf", "a"):
        assert out[key]["lo"] == out[key]["hi"] == out[key]["value"] == out["fit"][key]
    assert out["alpha"]["value"] == pytest.approx(0.35, rel=1e-3)
    assert len(out["samples"]["alpha"]) == 200
    json.dumps(out)


def test_bootstrap_fit_fits_the_means_and_is_fast():
    rng = np.random.default_rng(5)
    n = SIZES[:5]
    per_size = [list(v + rng.normal(0, 0.01, 5)) for v in law(n)]
    out = S.bootstrap_fit(n, per_size)
    assert out["fit"] == S.fit_power_law(n, [np.mean(v) for v in per_size])
    assert len(out["samples"]["alpha"]) == min(R.BOOTSTRAP_RESAMPLES, 2000)
    assert out["alpha"]["lo"] <= out["alpha"]["value"] <= out["alpha"]["hi"]
    assert out["alpha"]["lo"] < 0.35 < out["alpha"]["hi"]
    assert out == S.bootstrap_fit(n, per_size)


def test_exponent_difference_sign():
    n = SIZES[:5]
    rng = np.random.default_rng(9)
    slow = [list(v + rng.normal(0, 0.003, 4)) for v in law(n, alpha=0.2)]
    fast = [list(v + rng.normal(0, 0.003, 4)) for v in law(n, alpha=0.5)]
    fit_slow = S.bootstrap_fit(n, slow, resamples=300)
    fit_fast = S.bootstrap_fit(n, fast, resamples=300, seed=1)
    d = S.exponent_difference(fit_slow, fit_fast)
    assert d["diff"] == pytest.approx(fit_fast["alpha"]["value"] - fit_slow["alpha"]["value"])
    assert 0 < d["lo"] <= d["hi"]
    back = S.exponent_difference(fit_fast, fit_slow)
    assert back["hi"] < 0 and back["diff"] == pytest.approx(-d["diff"])


# --- time_winner, crossovers -------------------------------------------------------------


def test_time_winner():
    fast, slow = {"median": 10, "min": 9, "max": 11}, {"median": 20, "min": 19, "max": 22}
    assert S.time_winner(fast, slow, names=("lstm", "tf")) == "lstm"
    assert S.time_winner(slow, fast, names=("lstm", "tf")) == "tf"
    wide = {"median": 20, "min": 10.5, "max": 30}  # 2x slower, but the ranges overlap
    assert S.time_winner(fast, wide) == "tie"
    close = {"median": 11.3, "min": 11.2, "max": 11.5}  # apart, but within 1.2x
    assert S.time_winner({"median": 10, "min": 9.9, "max": 10.1}, close) == "tie"


def test_crossovers():
    assert S.crossovers([16, 64], [0.5, 2.0]) == [pytest.approx(32.0)]
    assert S.crossovers([16, 32, 64], [0.5, 1.0, 2.0]) == [32.0]
    ties = S.crossovers([16, 32, 64, 128], [2.0, 1.0, 1.0, 0.5])  # a run of exact ties
    assert ties == [pytest.approx(math.sqrt(32 * 64))]
    assert S.crossovers([16, 32, 64, 128], [0.5, 2.0, 4.0, 0.25]) == [
        pytest.approx(math.sqrt(16 * 32)),
        pytest.approx(64 * math.sqrt(2)),
    ]
    assert S.crossovers([16, 32, 64], [0.5, 0.7, 0.9]) == []
    assert S.crossovers([16, 32, 64], [1.0, 2.0, 1.0]) == []


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: S.bootstrap_mean([]),
        lambda: S.bootstrap_mean([0.1, float("nan")]),
        lambda: S.bootstrap_mean([0.1], resamples=0),
        lambda: S.bootstrap_difference([0.1], []),
        lambda: S.at_chance([float("nan")], 0.1),
        lambda: S.compare([0.1], [0.2], measure="speed"),
        lambda: S.compare([0.1], [0.2], measure="accuracy", names=("a", "a")),
        lambda: S.compare([0.1], [0.2], measure="accuracy", failed=["c"]),
        lambda: S.claim_verdict(["supports", "maybe"]),
        lambda: S.fit_power_law([1, 2], [1.0, 0.9]),
        lambda: S.fit_power_law([1, 2, 3], [1.0, 0.9]),
        lambda: S.fit_power_law([1, 2, 3], [1.0, 0.9, -0.1]),
        lambda: S.fit_power_law([1, 2, 2], [1.0, 0.9, 0.8]),
        lambda: S.bootstrap_fit([1, 2, 3], [[1.0], [0.9]]),
        lambda: S.bootstrap_fit([1, 2, 3], [[1.0], [], [0.8]]),
        lambda: S.exponent_difference({"alpha": {}}, {}),
        lambda: S.time_winner({"median": 1}, {"median": 1, "min": 1, "max": 1}),
        lambda: S.crossovers([16, 32], [0.5]),
        lambda: S.crossovers([32, 16], [0.5, 2.0]),
        lambda: S.crossovers([], []),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_one_seed_decides_nothing():
    found = S.compare([0.9], [0.1, 0.2], measure="accuracy")
    assert found["outcome"] == "inconclusive" and "one seed" in found["reason"]
