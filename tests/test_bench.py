"""seqlab.bench: results files carry their stamp and every field, numbers are finite,
paired models are matched in size, the streaming memory grows for the KV cache and not
for the RNN, and the ledger's rules give the verdicts they state."""

import copy
import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from seqlab.bench import (
    STAMP_KEYS,
    SUITES,
    check_result,
    load_results,
    result_path,
    run_suite,
    time_ms,
)
from seqlab.bench import ledger as ledger_mod
from seqlab.bench.common import lm_pair, non_finite, pick_lr, spread
from seqlab.bench.figures import explorer_panels, plot_result
from seqlab.bench.longrange import early_gradient
from seqlab.bench.lowdata import fixed_set
from seqlab.bench.order import code_lines
from seqlab.bench.scaling import matmul_params, power_law_fit, train_flops
from seqlab.bench.streaming import next_token_calls, read_context, state_bytes
from seqlab.data.pairs import date_task
from seqlab.data.tasks import copy_memory
from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.self_attention import KVCache
from seqlab.transformer import TransformerConfig, TransformerLM
from seqlab.widgets import PanelExplorer


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """Every suite's --quick results (speed at two short lengths), run once."""
    out = tmp_path_factory.mktemp("results")
    options = {"speed": {"lengths": [8, 16]}}
    return {
        name: load_results(
            run_suite(name, quick=True, run_device="cpu", out=out, **options.get(name, {}))
        )
        for name in SUITES
    }


@pytest.mark.parametrize("name", list(SUITES))
def test_quick_results_have_stamp_fields_and_finite_numbers(quick, name):
    result = quick[name]
    assert result["suite"] == name and result["config"]["quick"] is True
    assert set(STAMP_KEYS) <= set(result["stamp"]) and result["stamp"]["device"] == "cpu"
    assert result["stamp"]["seeds"] == [0]
    assert result["rows"] and non_finite(result) is None
    assert result["seconds"] > 0


def _pairs(result):
    """Every group of parameter counts that the suite compares side by side."""
    params = result["params"]
    if result["suite"] == "scaling":
        rungs = {}
        for key, n in params.items():
            rungs.setdefault(key.split("@")[1], []).append(n)
        return list(rungs.values())
    if all(isinstance(v, dict) for v in params.values()):
        return [list(v.values()) for v in params.values()]
    return [list(params.values())]


@pytest.mark.parametrize("name", list(SUITES))
def test_paired_models_differ_in_size_by_at_most_ten_percent(quick, name):
    for sizes in _pairs(quick[name]):
        assert len(sizes) >= 2 and max(sizes) <= 1.1 * min(sizes), sizes


def test_speed_rows_and_critical_path(quick):
    result = quick["speed"]
    assert {r["model"] for r in result["rows"]} == {"lstm", "lstm-attention", "transformer"}
    steps = {(r["model"], r["length"]): r["sequential_steps"] for r in result["rows"]}
    assert steps["lstm", 16] == 2 * steps["lstm", 8] == 16
    assert steps["lstm-attention", 16] == 32  # encoder, then decoder
    assert steps["transformer", 8] == steps["transformer", 16] == 2  # its layers
    for row in result["rows"]:
        for key in ("train_ms", "forward_ms"):
            assert row[key]["min"] <= row[key]["median"] <= row[key]["max"]
        assert row["peak_memory_bytes"] is None or row["peak_memory_bytes"] > 0


def test_streaming_memory_grows_for_the_kv_cache_and_not_for_the_rnn(quick):
    rows = quick["streaming"]["rows"]
    lstm = [r["state_bytes"] for r in rows if r["model"] == "lstm"]
    kv = {r["context"]: r["state_bytes"] for r in rows if r["model"] == "transformer"}
    assert len(set(lstm)) == 1 and lstm[0] > 0
    contexts = sorted(kv)
    assert all(kv[b] == kv[a] * b // a for a, b in itertools.pairwise(contexts))  # linear


def test_state_bytes_are_the_formula():
    torch.manual_seed(0)
    lm = RNNLM(RNNLMConfig(vocab_size=10, hidden_size=24))
    config = TransformerConfig(vocab_size=10, d_model=16, n_heads=2, n_layers=3, d_ff=32)
    tf = TransformerLM(config)
    for length in (5, 50):
        tokens = torch.randint(0, 10, (1, length))
        assert state_bytes(read_context(lm, tokens)) == 2 * 24 * 4  # h and c, float32
        assert state_bytes(read_context(tf, tokens)) == 2 * 3 * length * 16 * 4  # K and V


def test_a_timed_cached_step_leaves_the_context_as_it_was():
    torch.manual_seed(0)
    tf = TransformerLM(TransformerConfig(vocab_size=10, d_model=16, n_heads=2, d_ff=32)).eval()
    context = torch.randint(0, 10, (1, 12))
    step = next_token_calls(tf, context)
    first, second = step["step"](), step["step"]()
    torch.testing.assert_close(first, second)
    full = tf(torch.cat([context, context[:, -1:]], 1))[:, -1:]
    torch.testing.assert_close(first, full, atol=1e-5, rtol=1e-5)


def test_kv_cache_truncate_rolls_back_and_refuses_bad_lengths():
    cache = KVCache(2)
    for layer in range(2):
        cache.update(layer, torch.zeros(1, 2, 5, 4), torch.zeros(1, 2, 5, 4))
    cache.truncate(3)
    assert cache.length == cache.cached(1) == 3 and cache.nbytes() == 2 * 2 * 2 * 3 * 4 * 4
    with pytest.raises(ValueError, match="only 3 positions cached"):
        cache.truncate(4)
    with pytest.raises(ValueError, match="length must be an int >= 0"):
        cache.truncate(-1)


def test_lm_pair_matches_sizes_and_refuses_an_impossible_match():
    makers = lm_pair(20, hidden=48, d_model=32, max_len=16)
    sizes = [sum(p.numel() for p in make().parameters()) for make in makers.values()]
    assert max(sizes) <= 1.1 * min(sizes)
    with pytest.raises(ValueError, match="differ in size by more than 10%"):
        lm_pair(20, hidden=512, d_model=8, max_len=16)  # d_ff cannot grow that far


def test_pick_lr_takes_the_lowest_score_for_each_model():
    scores = {("a", 0.1): 3.0, ("a", 0.01): 1.0, ("b", 0.1): 0.5, ("b", 0.01): float("nan")}
    sweep = pick_lr(lambda name, lr: scores[name, lr], ["a", "b"], [0.1, 0.01])
    assert sweep["a"]["best"] == 0.01 and sweep["b"]["best"] == 0.1
    assert sweep["a"]["scores"] == {"0.1": 3.0, "0.01": 1.0}
    assert pick_lr(lambda *_: 1 / 0, ["a"], [0.1]) == {"a": {"scores": {}, "best": 0.1}}


def test_power_law_fit_recovers_a_known_exponent():
    x = np.array([1e3, 1e4, 1e5, 1e6])
    fit = power_law_fit(list(x), list(2.0 * x**-0.25))
    assert math.isclose(fit["slope"], -0.25, abs_tol=1e-9)
    assert math.isclose(fit["intercept"], math.log10(2.0), abs_tol=1e-9)
    assert fit["slope_se"] < 1e-6
    noisy = power_law_fit(list(x), list(2.0 * x**-0.25 * np.array([1.1, 0.9, 1.1, 0.9])))
    assert noisy["slope_se"] > 0.01
    with pytest.raises(ValueError, match="at least two"):
        power_law_fit([1.0], [1.0])


def test_flops_count_matrix_products_not_table_lookups():
    lm = RNNLM(RNNLMConfig(vocab_size=10, d_embed=4, hidden_size=8))
    assert matmul_params(lm) == sum(p.numel() for p in lm.parameters()) - 10 * 4
    assert train_flops(lm, tokens=100, seq_len=10) == 3 * 2 * matmul_params(lm) * 100
    config = TransformerConfig(vocab_size=10, d_model=8, n_heads=2, n_layers=3, d_ff=16)
    tf = TransformerLM(config)
    attention = 4 * 10 * 8 * 3  # 4 L d per token and layer
    assert train_flops(tf, tokens=100, seq_len=10) == 3 * (2 * matmul_params(tf) + attention) * 100


def test_code_lines_skip_docstrings_and_comments():
    def f(x):
        """A docstring
        over two lines."""
        # a comment
        y = x + 1
        return y

    assert code_lines([f]) == 3  # def, assignment, return


def test_early_gradient_measures_the_first_positions_and_removes_its_hook():
    torch.manual_seed(0)
    lm = RNNLM(RNNLMConfig(vocab_size=6, hidden_size=16))
    batch = copy_memory(8, n_symbols=4, length=3, lag=5, generator=torch.Generator().manual_seed(0))
    found = early_gradient(lm, batch, 3)
    assert found["early"] > 0 and found["ratio"] > 0
    assert not lm.embed._forward_hooks


def test_fixed_set_draws_only_the_given_pairs():
    task = date_task()
    pairs = task.pairs(5, torch.Generator().manual_seed(0))
    stream = fixed_set(task, pairs, torch.Generator().manual_seed(1))
    sources = {s for _ in range(3) for s in next(stream).sources}
    assert sources <= {s for s, _ in pairs}


def test_check_result_refuses_missing_fields_and_non_finite_numbers(quick):
    good = quick["order"]
    check_result(good)
    for broken, match in (
        ({k: v for k, v in good.items() if k != "stamp"}, "missing \\['stamp'\\]"),
        (
            {**good, "stamp": {k: v for k, v in good["stamp"].items() if k != "git_commit"}},
            "stamp lacks \\['git_commit'\\]",
        ),
        ({**good, "suite": "fast"}, "unknown suite 'fast'"),
        ({**good, "rows": []}, "no rows"),
    ):
        with pytest.raises(ValueError, match=match):
            check_result(broken)
    nan = copy.deepcopy(good)
    nan["rows"][0]["accuracy"]["mean"] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinity at \\['rows'\\]\\[0\\]"):
        check_result(nan)


def test_load_results_refuses_a_file_without_stamp(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"suite": "speed", "rows": []}))
    with pytest.raises(ValueError, match="missing \\['stamp', 'config', 'params'\\]"):
        load_results(path)


def test_time_ms_and_bad_suites():
    timing = time_ms(lambda: sum(range(1000)), "cpu", warmup=0, repeats=3)
    assert timing["repeats"] == 3 and timing["min"] <= timing["median"] <= timing["max"]
    with pytest.raises(ValueError, match="repeats >= 1"):
        time_ms(lambda: None, "cpu", repeats=0)
    with pytest.raises(ValueError, match="unknown suite 'fast'"):
        run_suite("fast")
    with pytest.raises(ValueError, match="at least one value"):
        spread([])


def _speed(cpu_ms, gpu_ms=None):
    def result(ms, device):
        rows = [{"model": m, "length": 2048, "train_ms": {"median": t}} for m, t in ms.items()]
        return {"rows": rows, "stamp": {"gpu": "GPU X", "device": device}}

    out = {"speed": result(cpu_ms, "cpu")}
    if gpu_ms:
        out["speed-cuda"] = result(gpu_ms, "cuda")
    return out


@pytest.mark.parametrize(
    "cpu, gpu, verdict",
    [
        (
            {"lstm": 500, "transformer": 700},
            {"lstm": 700, "transformer": 10},
            "supported on GPU only",
        ),
        ({"lstm": 500, "transformer": 100}, None, "supported"),
        ({"lstm": 500, "transformer": 100}, {"lstm": 50, "transformer": 10}, "supported"),
        ({"lstm": 500, "transformer": 450}, None, "not supported here"),
    ],
)
def test_speed_verdict_follows_its_rule(cpu, gpu, verdict):
    assert ledger_mod.claim_speed(_speed(cpu, gpu))["verdict"] == verdict


def test_ledger_and_figures_cover_every_quick_suite(quick, tmp_path):
    rows = ledger_mod.ledger(quick)
    assert [r["section"] for r in rows] == [c[4] for c in ledger_mod.CLAIMS]
    assert all(r["verdict"] in ledger_mod.VERDICTS and r["result"] for r in rows)
    scaling = ledger_mod.claim_scaling(quick)  # one seed, two sizes: no uncertainty
    assert scaling["verdict"] == "mixed" and "too few points" in scaling["result"]
    for result in quick.values():
        fig = plot_result(result)
        assert any("commit" in t.get_text() and "threads" in t.get_text() for t in fig.texts)
    panels = explorer_panels(quick)
    widget = PanelExplorer(panels)
    assert len(widget.panels) == len(panels) >= 8
    assert all(p["note"] and p["series"] for p in widget.panels)


def test_load_all_finds_the_files(quick, tmp_path):
    for name, result in quick.items():
        result_path(tmp_path, name, "cpu", True).write_text(json.dumps(result))
    assert set(ledger_mod.load_all(tmp_path, quick=True)) == set(SUITES)


def test_the_command_line_writes_the_file(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "seqlab.bench",
            "--suite",
            "order",
            "--quick",
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    assert load_results(tmp_path / "order-cpu-quick.json")["config"]["quick"] is True
