"""The suites at scale (sweep and context): matched widths equal a brute-force search,
every tier's pairs are matched and the GPU tier reaches tens of millions of parameters,
the per-position loss is the plain cross-entropy and leaks nothing through the causal
mask, early stopping keeps the best weights, the position bins and the comparisons give
the answers their rules state, and quick runs through run_suite carry the stamps the
ledger checks."""

import copy
import functools
import itertools
import json
import math
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seqlab.bench import TIERS, main, run_suite
from seqlab.bench import rules as R
from seqlab.bench import scale_rules as SR
from seqlab.bench import stats as S
from seqlab.bench.atscale import (
    context_comparison,
    far_gain,
    position_bins,
    stops_improving,
    sweep_points,
)
from seqlab.bench.codelm import (
    CodeData,
    evaluate_loss,
    pair,
    position_loss,
    tier_spec,
    train_code_lm,
)
from seqlab.bench.common import (
    MAX_MISMATCH,
    lm_pair,
    matched_d_ff,
    rules_sha256,
    scale_rules_sha256,
    seeded,
)
from seqlab.bench.ledger import beside_ours, made_under_today
from seqlab.data.batch import TaskBatch
from seqlab.data.code import code_corpus
from seqlab.data.text import text_batches
from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.transformer import TransformerConfig, TransformerLM
from seqlab.utils import closest_size, count_parameters

VOCAB = 98


def _stand_in(spec: dict):
    """What codelm.pair reads of a CodeData: the vocabulary and the context."""
    return types.SimpleNamespace(vocab=VOCAB, seq_len=spec["seq_len"])


def _sizes(p: dict) -> dict[str, int]:
    return {name: count_parameters(make()) for name, make in p.items()}


def _matched(sizes: dict[str, int]) -> bool:
    return max(sizes.values()) <= (1 + MAX_MISMATCH) * min(sizes.values())


# --- matched widths -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vocab", "d_model", "n_layers", "n_heads"),
    [(98, 16, 2, 4), (98, 24, 2, 2), (50, 32, 1, 4), (98, 32, 3, 4)],
)
def test_matched_d_ff_equals_a_brute_force_search(vocab, d_model, n_layers, n_heads):
    @functools.cache
    def make(d_ff):
        config = TransformerConfig(
            vocab_size=vocab,
            d_model=d_model,
            n_heads=n_heads,
            n_layers=n_layers,
            d_ff=d_ff,
            max_len=128,
        )
        return TransformerLM(config)

    largest = 16 * d_model
    low, high = count_parameters(make(4)), count_parameters(make(largest))
    lstm = [
        count_parameters(RNNLM(RNNLMConfig(vocab_size=vocab, d_embed=32, hidden_size=h)))
        for h in (16, 48, 96, 160)
    ]
    step = count_parameters(make(8)) - low
    targets = [1, low, low + step // 2, low + step // 2 + 1, (low + high) // 2, high, 10**9]
    for target in [*targets, *lstm]:
        want = closest_size(make, target, range(4, largest + 1, 4))
        assert matched_d_ff(make, target, largest) == want, target
    assert matched_d_ff(make, 1, largest) == 4 and matched_d_ff(make, 10**9, largest) == largest
    # a tie between two widths goes to the smaller
    assert matched_d_ff(make, low + step // 2, largest) == 4


def test_matched_d_ff_refuses_a_model_that_does_not_grow():
    with pytest.raises(ValueError, match="more parameters"):
        matched_d_ff(lambda d_ff: torch.nn.Linear(3, 3), 100, 64)


@pytest.mark.parametrize("suite", ["sweep", "context"])
def test_every_cpu_rung_is_a_matched_pair(suite):
    spec = tier_spec(suite, "cpu", quick=False)
    assert spec["rungs"] == SR.TIERS["cpu"][suite]["rungs"]
    for rung in spec["rungs"]:
        sizes = _sizes(pair(spec, rung, _stand_in(spec)))
        assert _matched(sizes), (rung, sizes)


@pytest.mark.parametrize("tier", ["cpu", "gpu"])
@pytest.mark.parametrize("suite", ["sweep", "context"])
def test_every_quick_rung_is_a_matched_pair(suite, tier):
    spec = tier_spec(suite, tier, quick=True)
    assert spec["d_embed"] == 16 and spec["heads"] == 2 and spec["steps"] == SR.QUICK_STEPS
    assert set(spec["rungs"]) <= set(SR.QUICK_RUNGS)
    for rung in spec["rungs"]:
        assert _matched(_sizes(pair(spec, rung, _stand_in(spec))))


@pytest.mark.parametrize(("tf_layers", "lstm_layers"), [(2, 1), (4, 2)])
def test_every_quick_rung_is_matched_with_both_tier_shapes(tf_layers, lstm_layers):
    for hidden, d_model in SR.QUICK_RUNGS:
        p = lm_pair(
            VOCAB,
            hidden=hidden,
            d_model=d_model,
            max_len=64,
            n_heads=2,
            n_layers=tf_layers,
            d_embed=16,
            lstm_layers=lstm_layers,
        )
        assert _matched(_sizes(p))


def test_the_gpu_tier_reaches_tens_of_millions_of_parameters():
    spec = tier_spec("sweep", "gpu", quick=False)
    largest = spec["rungs"][-1]
    p = pair(spec, largest, _stand_in(spec))
    models = {name: make() for name, make in p.items()}
    sizes = {name: count_parameters(m) for name, m in models.items()}
    assert min(sizes.values()) >= 10_000_000 and _matched(sizes)
    assert models["transformer"].config.n_heads == largest[1] // spec["head_size"]


def test_the_cpu_sweep_spans_over_thirty_times_in_size():
    spec = tier_spec("sweep", "cpu", quick=False)
    lstm = [count_parameters(pair(spec, r, _stand_in(spec))["lstm"]()) for r in spec["rungs"]]
    assert len(lstm) >= 6 and lstm == sorted(lstm) and len(set(lstm)) == len(lstm)
    assert lstm[-1] >= 30 * lstm[0]


def test_an_unknown_tier_is_refused():
    with pytest.raises(ValueError, match="cpu"):
        tier_spec("sweep", "tpu", quick=False)


# --- loss at each position ------------------------------------------------------------

V, L = 11, 16


def _tiny_transformer():
    config = TransformerConfig(vocab_size=V, d_model=16, n_heads=2, n_layers=2, d_ff=32, max_len=L)
    return TransformerLM(config)


def _tiny_lstm():
    return RNNLM(RNNLMConfig(vocab_size=V, d_embed=8, hidden_size=16))


def _windows(seed: int = 0, count: int = 100) -> list[TaskBatch]:
    ids = torch.randint(V, (count * L + 1,), generator=torch.Generator().manual_seed(seed))
    return list(text_batches(ids, 64, L, vocab_size=V, shuffle=False))


def _logits(model, x):
    out = model(x)
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("make", [_tiny_transformer, _tiny_lstm], ids=["transformer", "lstm"])
def test_position_loss_is_the_mean_cross_entropy_at_each_position(make):
    model = seeded(make, 0, "cpu").eval()
    windows = _windows()
    assert [len(b.x) for b in windows] == [64, 36]  # uneven batches: weighted by window
    x = torch.cat([b.x for b in windows])
    y = torch.cat([b.y for b in windows])
    with torch.no_grad():
        logits = _logits(model, x)  # (N, L, V)
        want = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1), reduction="none")
    want = want.view(len(x), L).mean(0)
    got = position_loss(model, windows)
    assert got.shape == (L,)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
    assert evaluate_loss(model, windows) == pytest.approx(float(want.mean()), abs=1e-5)
    with pytest.raises(ValueError, match="no windows"):
        position_loss(model, [])


@pytest.mark.parametrize("make", [_tiny_transformer, _tiny_lstm], ids=["transformer", "lstm"])
@pytest.mark.parametrize("k", [1, 5, 12])
def test_changing_later_tokens_leaves_earlier_positions_alone(make, k):
    model = seeded(make, 1, "cpu").eval()
    windows = _windows(seed=2)
    generator = torch.Generator().manual_seed(3)
    changed = []
    for b in windows:
        x, y = b.x.clone(), b.y.clone()
        x[:, k:] = (x[:, k:] + torch.randint(1, V, x[:, k:].shape, generator=generator)) % V
        y[:, k:] = (y[:, k:] + torch.randint(1, V, y[:, k:].shape, generator=generator)) % V
        changed.append(TaskBatch(x, y, b.mask, V, V))
    before, after = position_loss(model, windows), position_loss(model, changed)
    torch.testing.assert_close(after[:k], before[:k], atol=1e-5, rtol=1e-5)
    assert not torch.allclose(after[k:], before[k:], atol=1e-3)


# --- early stopping ---------------------------------------------------------------------

SPEC = {"steps": 8, "batch": 2, "eval_every": 2, "patience": 2, "seq_len": L}


class TinyData(CodeData):
    """A CodeData over given ids (its own windows and batches), no corpus read."""

    def __init__(self, train: torch.Tensor, valid: torch.Tensor):
        self.seq_len, self.vocab = L, V
        self.train, self._valid, self._test = train, valid, valid
        self.summary = {"corpus_sha256": "tiny"}


def _periodic(length: int, offset: int = 0) -> torch.Tensor:
    return (torch.arange(length) * 3 + offset) % 7


@pytest.mark.parametrize("make", [_tiny_transformer, _tiny_lstm], ids=["transformer", "lstm"])
def test_a_learnable_text_trains_to_the_end_and_reports_the_kept_weights(make):
    data = TinyData(_periodic(400), _periodic(200, offset=1))
    start = evaluate_loss(seeded(make, 0, "cpu"), data.windows("valid"))
    model, info = train_code_lm(make, data, SPEC, 1e-2, 0, "cpu", chars=300)
    assert not model.training
    assert info["steps"] == SPEC["steps"]
    assert 0 < info["best_step"] <= info["steps"] and info["best_step"] % SPEC["eval_every"] == 0
    assert info["valid_loss"] == pytest.approx(evaluate_loss(model, data.windows("valid")))
    assert info["valid_loss"] < start and info["seconds"] > 0


def test_without_improvement_training_stops_after_patience_evaluations():
    data = TinyData(_periodic(400), _periodic(200, offset=1))
    untrained = evaluate_loss(seeded(_tiny_lstm, 4, "cpu"), data.windows("valid"))
    model, info = train_code_lm(_tiny_lstm, data, SPEC, 0.0, 4, "cpu", chars=300)
    assert info["steps"] == SPEC["eval_every"] * (1 + SPEC["patience"]) < SPEC["steps"]
    assert info["best_step"] == SPEC["eval_every"]
    assert info["valid_loss"] == pytest.approx(untrained, abs=1e-6)
    assert info["valid_loss"] == pytest.approx(evaluate_loss(model, data.windows("valid")))


def test_early_stopping_restores_the_best_weights_not_the_last():
    # trained on "a" only, judged on "b" only: every step makes validation worse
    train, valid = torch.zeros(400, dtype=torch.long), torch.ones(200, dtype=torch.long)
    data = TinyData(train, valid)
    model, info = train_code_lm(_tiny_lstm, data, SPEC, 0.05, 0, "cpu", chars=300)
    assert info["best_step"] == SPEC["eval_every"] and info["steps"] == 6
    assert info["valid_loss"] == pytest.approx(evaluate_loss(model, data.windows("valid")))
    no_stop = {**SPEC, "steps": 6, "eval_every": 6}
    last, last_info = train_code_lm(_tiny_lstm, data, no_stop, 0.05, 0, "cpu", chars=300)
    assert last_info["best_step"] == 6
    assert evaluate_loss(last, data.windows("valid")) > info["valid_loss"] + 0.01


def test_a_budget_that_is_not_a_multiple_of_eval_every_is_trained_exactly():
    data = TinyData(_periodic(400), _periodic(200, offset=1))
    spec = {**SPEC, "steps": 5}
    _, info = train_code_lm(_tiny_transformer, data, spec, 1e-2, 0, "cpu", chars=300)
    assert info["steps"] == 5 and info["best_step"] in (2, 4, 5)
    model, plain = train_code_lm(_tiny_transformer, data, spec, 1e-2, 0, "cpu")
    assert plain["steps"] == 5 and "best_step" not in plain
    assert plain["valid_loss"] == pytest.approx(evaluate_loss(model, data.windows("valid")))


# --- loss against position --------------------------------------------------------------


@pytest.mark.parametrize("seq_len", [2, 3, 6, 16, 23, 100, 512, 1024])
def test_position_bins_cover_every_position_once_in_order(seq_len):
    bins = position_bins(seq_len)
    covered = [p for lo, hi in bins for p in range(lo, hi)]
    assert covered == list(range(1, seq_len + 1))
    assert all(lo < hi for lo, hi in bins)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bins))
    assert bins[0][0] == 1 and bins[-1][1] == seq_len + 1


def test_position_bins_are_half_octaves_and_refuse_a_short_context():
    assert position_bins(16) == [(1, 2), (2, 3), (3, 4), (4, 6), (6, 8), (8, 11), (11, 17)]
    with pytest.raises(ValueError):
        position_bins(1)


def test_stops_improving_is_the_first_bin_within_the_margin_of_the_last():
    bins = position_bins(512)
    flat_from = 9
    loss = [2.0 + 0.1 * (flat_from - i) if i < flat_from else 2.0 for i in range(len(bins))]
    assert stops_improving(bins, loss) == bins[flat_from][0]
    # a bin just inside the margin counts as flat, one just outside does not
    loss[flat_from - 1] = 2.0 + R.MARGIN["loss"] - 1e-9
    assert stops_improving(bins, loss) == bins[flat_from - 1][0]
    loss[flat_from - 1] = 2.0 + R.MARGIN["loss"] + 1e-3
    assert stops_improving(bins, loss) == bins[flat_from][0]
    falling = [3.0 - 0.1 * i for i in range(len(bins))]
    assert stops_improving(bins, falling) == bins[-1][0]


CTX = 256


def _context_result(curves: dict[str, np.ndarray], seeds: int = 3, noise: float = 0.003):
    """A context result as context_suite writes it: one row per family and position,
    ``loss`` one value per seed (the curve plus small noise)."""
    rng = np.random.default_rng(0)
    rows = []
    for name, curve in curves.items():
        per_seed = curve[None, :] + rng.normal(0, noise, (seeds, CTX))
        rows += [
            {"model": name, "rung": 0, "position": i + 1, "loss": per_seed[:, i].tolist()}
            for i in range(CTX)
        ]
    return {"suite": "context", "rows": rows}


def _falling():
    return 3.0 - 0.3 * np.log(np.arange(1, CTX + 1))


def _flat_after_32():
    return 3.0 - 0.3 * np.log(np.minimum(np.arange(1, CTX + 1), 32))


def test_far_gain_is_near_span_minus_far_span():
    curve = _falling()
    result = _context_result({"transformer": curve, "lstm": curve}, noise=0.0)
    near = curve[CTX // 8 - 1 : CTX // 4 - 1].mean()
    far = curve[CTX // 2 - 1 : CTX].mean()
    assert far_gain(result, "transformer", 0) == pytest.approx([near - far] * 3)
    flat = _context_result({"lstm": _flat_after_32()}, noise=0.0)
    assert far_gain(flat, "lstm", 0) == pytest.approx([0.0] * 3, abs=1e-12)
    with pytest.raises(KeyError):
        far_gain(result, "transformer", 1)


def test_a_curve_that_keeps_falling_wins_the_context_comparison():
    result = _context_result({"transformer": _falling(), "lstm": _flat_after_32()})
    found = context_comparison(result, 0)
    assert found["outcome"] == "win" and found["winner"] == "transformer"
    assert found["lo"] > R.MARGIN["loss"]
    swapped = _context_result({"lstm": _falling(), "transformer": _flat_after_32()})
    assert context_comparison(swapped, 0)["winner"] == "lstm"


def test_identical_curves_give_an_inconclusive_context_comparison():
    result = _context_result({"transformer": _falling(), "lstm": _falling()}, noise=0.0)
    found = context_comparison(result, 0)
    assert found["outcome"] == "inconclusive" and found["winner"] is None


# --- exponents ----------------------------------------------------------------------------

SIZES = [1e2, 10**2.6, 10**3.2, 10**3.8, 10**4.4, 1e5]


def _fit(alpha: float, seeds: int, seed: int):
    rng = np.random.default_rng(seed)
    per_size = [[1 + 5 * n**-alpha + rng.normal(0, 1e-3) for _ in range(seeds)] for n in SIZES]
    return S.bootstrap_fit(SIZES, per_size)


def test_the_larger_exponent_wins_the_comparison():
    slow, fast = _fit(0.3, 3, 0), _fit(0.6, 3, 1)
    assert slow["alpha"]["value"] == pytest.approx(0.3, abs=0.05)
    assert fast["alpha"]["value"] == pytest.approx(0.6, abs=0.05)
    found = S.exponent_comparison(slow, fast)
    assert found["outcome"] == "win" and found["winner"] == "transformer"
    assert found["diff"] == pytest.approx(0.3, abs=0.05) and found["lo"] > R.MARGIN["exponent"]
    assert S.exponent_comparison(fast, slow)["winner"] == "lstm"


def test_one_seed_per_size_decides_nothing():
    slow, fast = _fit(0.3, 1, 0), _fit(0.6, 1, 1)
    assert slow["seeds"] == fast["seeds"] == 1
    found = S.exponent_comparison(slow, fast)
    assert found["outcome"] == "inconclusive" and found["winner"] is None
    assert "fewer than two seeds" in found["reason"]


def test_equal_exponents_are_inconclusive():
    found = S.exponent_comparison(_fit(0.4, 3, 0), _fit(0.4, 3, 1))
    assert found["outcome"] == "inconclusive" and found["winner"] is None


# --- sweep points -------------------------------------------------------------------------


def _sweep_result():
    rows = []
    budget = 1_000_000
    for name, base in (("lstm", 2.0), ("transformer", 1.8)):
        for rung in range(3):
            for seed in range(2):
                rows.append(
                    {"study": "model", "model": name, "rung": rung, "seed": seed,
                     "train_chars": budget, "params": 1000 * 10**rung + seed,
                     "final_loss": base - 0.1 * rung + 0.01 * seed}
                )  # fmt: skip
        for chars in (1000, 10_000, 100_000):
            for seed in range(2):
                rows.append(
                    {"study": "data", "model": name, "rung": 1, "seed": seed,
                     "train_chars": chars, "params": 10_000 + seed,
                     "final_loss": base + 1000 / chars + 0.01 * seed}
                )  # fmt: skip
    return {"suite": "sweep", "config": {"data_rung": 1}, "rows": rows}


def test_data_points_end_with_the_model_rows_of_the_data_rung():
    x, losses = sweep_points(_sweep_result(), "lstm", "data")
    assert x == [1000, 10_000, 100_000, 1_000_000]
    assert losses[:3] == [pytest.approx([2.0 + 1000 / c, 2.01 + 1000 / c]) for c in x[:3]]
    assert losses[3] == pytest.approx([1.9, 1.91])  # rung 1 only, not rungs 0 and 2


def test_model_points_are_the_mean_parameters_of_each_rung():
    x, losses = sweep_points(_sweep_result(), "transformer", "model")
    assert x == [1000.5, 10_000.5, 100_000.5]
    assert losses == [pytest.approx([1.8 - 0.1 * k, 1.81 - 0.1 * k]) for k in range(3)]
    with pytest.raises(ValueError, match="study"):
        sweep_points(_sweep_result(), "lstm", "compute")


# --- quick runs through run_suite --------------------------------------------------------


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("scale")
    paths = {
        "sweep": run_suite("sweep", quick=True, out=out, tier="cpu"),
        "context": run_suite("context", quick=True, out=out, tier="gpu", run_device="cpu"),
    }
    return out, {name: json.loads(p.read_text()) for name, p in paths.items()}


def test_quick_runs_are_written_under_their_tier(quick_runs):
    out, results = quick_runs
    assert (out / "sweep-cpu-quick.json").is_file() and (out / "context-gpu-quick.json").is_file()
    assert results["sweep"]["stamp"]["tier"] == "cpu"
    assert results["context"]["stamp"]["tier"] == "gpu"


@pytest.mark.parametrize("name", ["sweep", "context"])
def test_quick_runs_stamp_the_corpus_and_both_rules(quick_runs, name):
    result = quick_runs[1][name]
    s = result["stamp"]
    assert s["corpus_sha256"] == code_corpus().sha256 == result["corpus"]["corpus_sha256"]
    assert s["scale_rules_sha256"] == scale_rules_sha256()
    assert s["rules_sha256"] == rules_sha256()
    assert s["device"] == "cpu" and s["seeds"] == list(R.QUICK_SEEDS)
    assert result["config"]["quick"] is True and result["config"]["vocab"] == VOCAB


def test_the_gpu_tier_file_has_the_gpu_tiers_shape(quick_runs):
    config = quick_runs[1]["context"]["config"]
    gpu = SR.TIERS["gpu"]["context"]
    assert config["seq_len"] == gpu["seq_len"] == 1024
    assert config["tf_layers"] == gpu["tf_layers"] and config["lstm_layers"] == gpu["lstm_layers"]
    assert config["tokens_per_run"] == SR.QUICK_STEPS * SR.QUICK_BATCH * 1024


def test_context_rows_run_over_every_position_for_each_model_and_rung(quick_runs):
    result = quick_runs[1]["context"]
    seq_len = result["config"]["seq_len"]
    keys = {(r["model"], r["rung"]) for r in result["rows"]}
    rungs = range(len(SR.TIERS["gpu"]["context"]["rungs"]))
    assert keys == {(m, k) for m in ("lstm", "transformer") for k in rungs}
    for model, rung in keys:
        rows = [r for r in result["rows"] if (r["model"], r["rung"]) == (model, rung)]
        assert [r["position"] for r in rows] == list(range(1, seq_len + 1))
        assert all(len(r["loss"]) == 1 and math.isfinite(r["loss"][0]) for r in rows)


def test_sweep_rows_hold_both_studies(quick_runs):
    result = quick_runs[1]["sweep"]
    spec = tier_spec("sweep", "cpu", quick=True)
    model = [r for r in result["rows"] if r["study"] == "model"]
    data = [r for r in result["rows"] if r["study"] == "data"]
    assert len(model) == 2 * len(spec["rungs"]) and len(data) == 2 * len(spec["data_shares"])
    assert all(r["rung"] == spec["data_rung"] for r in data)
    x, _ = sweep_points(result, "lstm", "data")
    assert len(x) == len(spec["data_shares"]) + 1


def test_made_under_today_follows_both_rules_hashes(quick_runs):
    for result in quick_runs[1].values():
        assert made_under_today(result)
        other = copy.deepcopy(result)
        other["stamp"]["scale_rules_sha256"] = "0" * 64
        assert not made_under_today(other)
        other = copy.deepcopy(result)
        other["stamp"]["rules_sha256"] = "0" * 64
        assert not made_under_today(other)
        other = copy.deepcopy(result)
        del other["stamp"]["scale_rules_sha256"]
        assert not made_under_today(other)
        other["suite"] = "scaling"  # a small suite needs no scale rules
        assert made_under_today(other)


def test_an_unknown_tier_is_refused_by_run_suite(tmp_path):
    with pytest.raises(ValueError) as err:
        run_suite("sweep", quick=True, out=tmp_path, tier="tpu")
    assert all(t in str(err.value) for t in ("tpu", "cpu", "gpu"))
    assert TIERS == ("cpu", "gpu") and not list(tmp_path.iterdir())


def test_the_command_line_writes_both_scale_files(tmp_path, capsys):
    main(["--suite", "scale", "--quick", "--out", str(tmp_path), "--jobs", "2"])
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["context-cpu-quick.json", "sweep-cpu-quick.json"]
    for name in written:
        result = json.loads((tmp_path / name).read_text())
        assert result["stamp"]["tier"] == "cpu" and made_under_today(result)
    assert "total" in capsys.readouterr().out


# --- published studies beside ours -----------------------------------------------------------

BESIDE = {
    ("supported", "supports"): "agrees",
    ("supported", "contradicts"): "disagrees",
    ("supported", "mixed"): "partly",
    ("supported", "inconclusive"): "partly",
    ("not supported here", "supports"): "disagrees",
    ("not supported here", "contradicts"): "agrees",
    ("not supported here", "mixed"): "partly",
    ("not supported here", "inconclusive"): "partly",
    ("mixed", "supports"): "partly",
    ("mixed", "contradicts"): "partly",
    ("mixed", "mixed"): "partly",
    ("mixed", "inconclusive"): "partly",
    ("inconclusive", "supports"): "partly",
    ("inconclusive", "contradicts"): "partly",
    ("inconclusive", "mixed"): "partly",
    ("inconclusive", "inconclusive"): "partly",
}


@pytest.mark.parametrize("verdict", R.VERDICTS)
@pytest.mark.parametrize("bearing", ["supports", "contradicts", "mixed", "inconclusive"])
def test_beside_ours_follows_its_table(verdict, bearing):
    assert beside_ours(verdict, bearing) == BESIDE[(verdict, bearing)]


@pytest.mark.parametrize("verdict", R.VERDICTS)
def test_a_study_that_did_not_test_the_claim_says_so(verdict):
    assert beside_ours(verdict, "not tested") == "not tested there"
