"""seqlab.bench: results files carry their stamp and every field, numbers are finite,
paired models are matched in size, and the critical path is what each model must wait on."""

import json
import math
import subprocess
import sys

import pytest

from seqlab.bench import load_results, run_suite, time_ms

STAMP_KEYS = {"python", "torch", "cpu", "torch_threads", "gpu", "date", "device", "seeds"}


@pytest.fixture(scope="module")
def quick_speed(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    return load_results(run_suite("speed", quick=True, run_device="cpu", out=out, lengths=[8, 16]))


def test_speed_results_have_stamp_and_all_fields(quick_speed):
    assert quick_speed["suite"] == "speed"
    assert STAMP_KEYS <= set(quick_speed["stamp"]) and quick_speed["stamp"]["device"] == "cpu"
    models = {row["model"] for row in quick_speed["rows"]}
    assert models == {"lstm", "lstm-attention", "transformer"}
    assert len(quick_speed["rows"]) == 3 * 2
    for row in quick_speed["rows"]:
        for key in ("train_ms", "forward_ms"):
            assert set(row[key]) == {"median", "min", "max", "repeats"}
            assert all(math.isfinite(v) and v >= 0 for v in row[key].values())
            assert row[key]["min"] <= row[key]["median"] <= row[key]["max"]


def test_paired_models_differ_in_size_by_at_most_ten_percent(quick_speed):
    sizes = quick_speed["params"].values()
    assert max(sizes) <= 1.1 * min(sizes)


def test_sequential_steps_grow_with_length_only_for_the_recurrent_models(quick_speed):
    steps = {(r["model"], r["length"]): r["sequential_steps"] for r in quick_speed["rows"]}
    assert steps["lstm", 16] == 2 * steps["lstm", 8] == 16
    assert steps["lstm-attention", 16] == 32  # encoder, then decoder
    assert steps["transformer", 8] == steps["transformer", 16] == 2  # its layers


def test_time_ms_and_bad_suites():
    timing = time_ms(lambda: sum(range(1000)), "cpu", warmup=0, repeats=3)
    assert timing["repeats"] == 3 and timing["min"] <= timing["median"] <= timing["max"]
    with pytest.raises(ValueError, match="repeats >= 1"):
        time_ms(lambda: None, "cpu", repeats=0)
    with pytest.raises(ValueError, match="unknown suite 'fast'"):
        run_suite("fast")


def test_load_results_refuses_a_file_without_stamp(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"suite": "speed", "rows": []}))
    with pytest.raises(ValueError, match="missing \\['stamp'\\]"):
        load_results(path)


def test_the_command_line_writes_the_file(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "seqlab.bench",
            "--suite",
            "speed",
            "--quick",
            "--device",
            "cpu",
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    assert load_results(tmp_path / "speed-cpu-quick.json")["config"]["quick"] is True
