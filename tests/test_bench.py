"""seqlab.bench: results files carry their stamp and every field, numbers are finite,
paired models are matched in size, the streaming memory grows for the KV cache and not
for the RNN, and the ledger's rules give the verdicts they state."""

import copy
import itertools
import json
import math
import subprocess
import sys
import sysconfig

import pytest
import torch

from seqlab.bench import (
    LEARNING_SUITES,
    LEDGER_SUITES,
    SCALE_SUITES,
    STAMP_KEYS,
    SUITES,
    TIMING_SUITES,
    check_result,
    committed_results,
    load_results,
    main,
    result_path,
    run_suite,
    time_ms,
)
from seqlab.bench import ledger as ledger_mod
from seqlab.bench import rules as R
from seqlab.bench import scale_rules as S
from seqlab.bench.common import (
    failed_to_train,
    lm_pair,
    non_finite,
    rescue_search,
    rules_sha256,
    scale_rules_sha256,
    search_lr,
    spread,
)
from seqlab.bench.figures import explorer_panels, plot_result
from seqlab.bench.longrange import early_gradient
from seqlab.bench.lowdata import fixed_set
from seqlab.bench.scaling import matmul_params, power_law_fit, train_flops
from seqlab.bench.streaming import next_token_calls, read_context, state_bytes
from seqlab.data.code import code_corpus
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
    assert result["stamp"]["rules_sha256"] == rules_sha256()
    assert result["rows"] and non_finite(result) is None
    assert result["seconds"] > 0


@pytest.mark.parametrize("name", list(SUITES))
def test_learning_suites_ran_on_the_rules_threads(quick, name):
    threads = quick[name]["stamp"]["torch_threads"]
    if name in LEARNING_SUITES:
        assert threads == R.LEARNING_THREADS
    else:
        assert threads == torch.get_num_threads()  # left as they were


def test_every_ledger_suite_is_timing_or_learning_not_both():
    """Every suite of the ledger and every suite at scale is either timed alone or a
    learning suite that runs on one thread beside another, never both."""
    assert set(TIMING_SUITES) | set(LEARNING_SUITES) == {*LEDGER_SUITES, *SCALE_SUITES}
    assert not set(TIMING_SUITES) & set(LEARNING_SUITES)


def test_side_by_side_runs_give_the_numbers_of_a_run_alone(quick, tmp_path):
    main(["--suite", "lowdata", "--quick", "--jobs", "2", "--out", str(tmp_path)])
    apart = load_results(result_path(tmp_path, "lowdata", quick=True))
    assert apart["stamp"]["torch_threads"] == R.LEARNING_THREADS
    for a, b in zip(apart["rows"], quick["lowdata"]["rows"], strict=True):
        assert a["exact_match"] == b["exact_match"]  # a spawned worker, same numbers
        assert a["train_exact_match"] == b["train_exact_match"]


def test_jobs_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        main(["--suite", "order", "--quick", "--jobs", "0"])
    assert "--jobs must be at least 1" in capsys.readouterr().err


def _pairs(result):
    """Every group of parameter counts that the suite compares side by side."""
    params = result["params"]
    if result["suite"] in ("scaling", "sweep", "context"):
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


def test_speed_grid_has_every_cell_the_fast_baselines_and_the_critical_path(quick):
    result = quick["speed"]
    c = result["config"]
    cells = {
        (r["model"], r["width"], r["batch_size"], r["length"], r["mode"]) for r in result["rows"]
    }
    for width in c["widths"]:
        for length in c["lengths"]:
            for mode in ("train", "forward"):
                for batch in c["batches"]:
                    assert ("lstm", width, batch, length, mode) in cells
                    assert ("transformer", width, batch, length, mode) in cells
                assert ("lstm-teaching", width, c["teaching_batch"], length, mode) in cells
    impl = {r["model"]: r["impl"] for r in result["rows"]}
    assert impl == {
        "lstm": "torch.nn.LSTM",
        "lstm-teaching": "seqlab.rnn.LSTM",
        "transformer": "seqlab.transformer.TransformerLM",
    }
    assert all(r["teaching_code"] == (r["model"] == "lstm-teaching") for r in result["rows"])
    steps = {(r["model"], r["length"]): r["sequential_steps"] for r in result["rows"]}
    assert steps["lstm", 16] == 2 * steps["lstm", 8] == 32  # every step of 2 layers
    assert steps["transformer", 8] == steps["transformer", 16] == 2  # its layers
    for row in result["rows"]:
        assert row["skipped"] is None
        assert row["ms"]["min"] <= row["ms"]["median"] <= row["ms"]["max"]
        assert math.isclose(
            row["tokens_per_s"], row["batch_size"] * row["length"] / row["ms"]["median"] * 1000
        )


def test_a_cell_past_the_time_limit_is_recorded_as_skipped_with_its_reason(monkeypatch):
    from seqlab.bench import speed

    monkeypatch.setattr(R, "SPEED_MAX_STEP_SECONDS", 1e-9)
    result = speed.speed_suite("cpu", quick=True, lengths=[8, 16, 32], batches=[1], widths=[32])
    for row in result["rows"]:
        if row["length"] == 8:  # nothing to predict from: measured
            assert row["skipped"] is None and row["ms"]["median"] > 0
        else:
            assert "ms" not in row and row["skipped"].startswith("predicted")
            assert "limit" in row["skipped"]


def test_speed_models_are_matched_and_the_torch_lstm_is_the_teaching_one():
    from seqlab.bench.speed import speed_model

    torch.manual_seed(0)
    fast = speed_model("lstm", 32, 16)
    slow = speed_model("lstm-teaching", 32, 16)
    slow.load_state_dict(fast.state_dict())
    tokens = torch.randint(3, 64, (2, 9))
    torch.testing.assert_close(fast(tokens)[0], slow(tokens)[0], atol=1e-5, rtol=1e-5)
    sizes = [
        sum(p.numel() for p in m.parameters()) for m in (fast, speed_model("transformer", 32, 16))
    ]
    assert max(sizes) <= 1.1 * min(sizes)


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


def _bowl(best_exponent):
    """A score whose loss is lowest at 10 ** best_exponent; every call is recorded."""
    calls = []

    def score(lr):
        calls.append(lr)
        return {"loss": (math.log10(lr) - best_exponent) ** 2, "metric": 0.5}

    return score, calls


def test_the_rate_search_brackets_its_optimum_at_the_first_size():
    score, calls = _bowl(-2.0)
    found = search_lr(score)
    assert len(calls) == len(R.LR_FIRST) >= 6  # six half-decades, nothing to extend
    assert math.isclose(found["best"], 1e-2) and not found["at_edge"]
    assert found["rates"] == sorted(found["rates"])


def test_the_rate_search_extends_past_an_edge_and_stops_at_the_bound():
    score, calls = _bowl(-0.6)  # the best of the first grid, 1e-1, is its edge
    found = search_lr(score)
    assert math.isclose(found["best"], 10**-0.5) and not found["at_edge"]
    assert len(calls) == len(R.LR_FIRST) + 2  # 10^-0.5 wins, then 10^0 confirms it
    score, calls = _bowl(3.0)  # better and better up to the bound 1.0
    found = search_lr(score, previous=0.1)
    assert math.isclose(max(found["rates"]), R.LR_BOUNDS[1]) and found["at_edge"]


def test_the_next_size_starts_from_the_previous_optimum():
    score, calls = _bowl(-3.0)
    found = search_lr(score, previous=10**-2.5)
    assert [round(math.log10(lr), 6) for lr in calls] == [-3.0, -2.5, -2.0, -3.5]
    assert math.isclose(found["best"], 1e-3) and not found["at_edge"]


def test_failed_to_train_means_every_seed_and_every_rate_at_chance():
    search = {"metric": [0.12, 0.13, 0.2]}
    assert failed_to_train(search, [0.12, 0.14], chance=0.125)
    assert not failed_to_train({"metric": [0.12, 0.5]}, [0.12, 0.14], chance=0.125)
    assert not failed_to_train(None, [0.12, 0.3], chance=0.125)


def test_a_rescue_tries_the_whole_grid_and_picks_the_rate_that_trains_there():
    score, calls = _bowl(-2.0)  # the lowest loss at 10^-2
    rescue = rescue_search(score, best=10**-3.5)  # the rate searched elsewhere
    assert len(calls) == len(R.LR_FIRST) and math.isclose(rescue["best"], 1e-2)
    assert not rescue["at_edge"]
    score, calls = _bowl(-4.0)  # the old rate, off the first grid, stays the best
    rescue = rescue_search(score, best=1e-4)
    assert len(calls) == len(R.LR_FIRST) + 1 and rescue["best"] == 1e-4 and rescue["at_edge"]


def test_every_family_trains_with_the_rules_clip_and_forget_bias():
    import inspect

    from seqlab.train import fit

    assert inspect.signature(fit).parameters["clip"].default == R.CLIP
    lstm = lm_pair(20, hidden=16, d_model=16, max_len=16)["lstm"]()
    assert type(lstm.rnn) is torch.nn.LSTM
    forget = lstm.rnn.bias_ih_l0[16:32] + lstm.rnn.bias_hh_l0[16:32]
    torch.testing.assert_close(forget, torch.full((16,), R.FORGET_BIAS))


def test_committed_results_were_made_under_the_rules_the_ledger_applies():
    """Rules before numbers: a committed file of a ledger suite made under other rules
    (another rules.py) fails here; rerun its suite after changing a rule."""
    folder = committed_results()
    found = set()
    for name in LEDGER_SUITES:
        for device_type in ("cpu", "cuda"):
            path = result_path(folder, name, device_type)
            if path.is_file():
                found.add(name)
                stamp = load_results(path)["stamp"]
                assert stamp.get("rules_sha256") == rules_sha256(), path.name
    assert found == set(LEDGER_SUITES)  # chapter 10 gives every claim a verdict
    assert ledger_mod.unmeasured(ledger_mod.load_all()) == []


@pytest.mark.parametrize("name", LEDGER_SUITES)
def test_committed_results_are_the_full_tier_with_the_rules_seeds(name):
    """A committed file is a full run: not ``--quick``, every reported seed of the rules
    (the speed grid times, it has no seeds), and each learning suite on the rules'
    threads."""
    result = load_results(result_path(committed_results(), name, "cpu"))
    assert result["config"]["quick"] is False
    if name in LEARNING_SUITES:
        assert result["stamp"]["seeds"] == list(R.SEEDS)
        assert result["stamp"]["torch_threads"] == R.LEARNING_THREADS


@pytest.mark.parametrize("name", SCALE_SUITES)
def test_committed_scale_results_are_the_cpu_tier_under_both_rules_files(name):
    """The suites at scale: a full CPU-tier run (not ``--quick``, the scale rules'
    seeds, one thread), made under today's rules.py and scale_rules.py, with the
    fingerprint of the corpus it read in its stamp and its summary; on the Python that
    made it, that fingerprint is this machine's corpus."""
    result = load_results(result_path(committed_results(), name, "cpu"))
    stamp = result["stamp"]
    assert result["config"]["quick"] is False and result["config"]["tier"] == "cpu"
    assert stamp["seeds"] == list(S.SCALE_SEEDS)
    assert stamp["torch_threads"] == R.LEARNING_THREADS and stamp["device"] == "cpu"
    assert stamp["rules_sha256"] == rules_sha256()
    assert stamp["scale_rules_sha256"] == scale_rules_sha256()
    assert ledger_mod.made_under_today(result)
    assert stamp["corpus_sha256"] == result["corpus"]["corpus_sha256"]
    if result["corpus"]["python"] == sysconfig.get_python_version():
        assert stamp["corpus_sha256"] == code_corpus().sha256
    assert result["config"]["rungs"] == [list(r) for r in S.TIERS["cpu"][name]["rungs"]]


def test_the_committed_speed_grid_is_the_rules_grid_and_every_skip_has_a_reason():
    result = load_results(result_path(committed_results(), "speed", "cpu"))
    c = result["config"]
    assert (c["lengths"], c["batches"], c["widths"]) == (
        list(R.SPEED_LENGTHS),
        list(R.SPEED_BATCHES),
        list(R.SPEED_WIDTHS),
    )
    cells = {
        (r["model"], r["width"], r["batch_size"], r["length"], r["mode"]): r for r in result["rows"]
    }
    for width, length, mode in itertools.product(c["widths"], c["lengths"], ("train", "forward")):
        for batch in c["batches"]:
            for model in ("lstm", "transformer"):
                row = cells[model, width, batch, length, mode]
                assert ("ms" in row) != bool(row["skipped"]), row  # timed, or skipped with why
        assert ("lstm-teaching", width, c["teaching_batch"], length, mode) in cells


def test_a_stamp_names_the_commit_the_process_started_from(monkeypatch):
    from seqlab.bench import common

    started = common.GIT_COMMIT
    monkeypatch.setattr(common, "_git_commit", lambda: "a commit made while the suite ran")
    assert common.stamp(torch.device("cpu"), [0])["git_commit"] == started


def test_load_all_leaves_out_a_file_made_under_other_rules(quick, tmp_path):
    notices = []
    for name, result in quick.items():
        other = copy.deepcopy(result)
        if name == "order":
            other["stamp"]["rules_sha256"] = "0" * 64
        result_path(tmp_path, name, "cpu", True).write_text(json.dumps(other))
    found = ledger_mod.load_all(tmp_path, quick=True, notice=notices.append)
    assert "order" not in found and "scaling" in found
    assert len(notices) == 1 and "order-cpu-quick.json" in notices[0]


def test_power_law_fit_recovers_a_known_exponent():
    """The log-log line chapter 6 fits to its cost curves."""
    x = [1e3, 1e4, 1e5, 1e6]
    fit = power_law_fit(x, [2.0 * v**-0.25 for v in x])
    assert math.isclose(fit["slope"], -0.25, abs_tol=1e-9)
    assert math.isclose(fit["intercept"], math.log10(2.0), abs_tol=1e-9)
    noisy = power_law_fit(
        x, [2.0 * v**-0.25 * k for v, k in zip(x, (1.1, 0.9, 1.1, 0.9), strict=True)]
    )
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


def _timed(result, factor):
    """``result`` with every Transformer cell ``factor`` times the LSTM's, tight ranges."""
    out = copy.deepcopy(result)
    lstm = {
        (r["width"], r["batch_size"], r["length"], r["mode"]): r["ms"]["median"]
        for r in out["rows"]
        if r["model"] == "lstm"
    }
    for r in out["rows"]:
        key = (r["width"], r["batch_size"], r["length"], r["mode"])
        t = lstm[key] * (factor if r["model"] == "transformer" else 1.0)
        r["ms"] = {"median": t, "min": 0.99 * t, "max": 1.01 * t, "repeats": 3}
    return out


@pytest.mark.parametrize(
    "factor, verdict",
    [(0.1, "supported"), (10.0, "not supported here"), (1.05, "inconclusive")],
)
def test_the_speed_verdict_follows_the_cells(quick, factor, verdict):
    found = ledger_mod.claim_speed({"speed": _timed(quick["speed"], factor)})
    assert found["verdict"] == verdict
    assert "not measured with the fair baselines yet" in found["result"]


def test_a_failed_model_is_left_out_of_its_claim(quick):
    broken = copy.deepcopy(quick["longrange"])
    for row in broken["rows"]:
        row["failed_to_train"] = True
    found = ledger_mod.claim_longrange({"longrange": broken})
    assert {c["outcome"] for c in found["comparisons"]} == {"failed to train"}
    assert found["verdict"] == "inconclusive"


def test_ledger_and_figures_cover_every_quick_suite(quick, tmp_path):
    rows = ledger_mod.ledger(quick)
    assert [r["section"] for r in rows] == [c[4] for c in ledger_mod.CLAIMS]
    assert all(r["verdict"] in R.VERDICTS and r["result"] and r["regime"] for r in rows)
    for result in quick.values():
        fig = plot_result(result)
        assert any("commit" in t.get_text() and "thread" in t.get_text() for t in fig.texts)
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
