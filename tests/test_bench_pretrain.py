"""The pretrain suite (chapter 13, claim 7 of chapter 10's ledger): its rules file, its
checkpoints, the ledger row it feeds, and the committed run."""

from __future__ import annotations

import hashlib
import json

import pytest
import torch

from seqlab.bench import committed_results, load_results, result_path, run_suite
from seqlab.bench import ledger as ledger_mod
from seqlab.bench import pretrain_rules as P
from seqlab.bench import rules as R
from seqlab.bench.common import pretrain_rules_sha256, rules_sha256
from seqlab.bench.pretraining import checkpoint_folder, load_pretrained, pretrain_pair
from seqlab.data.code import code_vocab

FAMILIES = ("lstm", "transformer")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    return out, load_results(run_suite("pretrain", quick=True, run_device="cpu", out=out))


def test_quick_run_records_both_rules_files_and_the_task(quick):
    _, result = quick
    stamp = result["stamp"]
    assert stamp["rules_sha256"] == rules_sha256()
    assert stamp["pretrain_rules_sha256"] == pretrain_rules_sha256()
    assert len(stamp["task_sha256"]) == 64
    assert result["task"]["packages"] == ["asyncio", "email", "tkinter", "xml"]


def test_quick_run_has_a_checkpoint_per_family_and_seed_matching_its_record(quick):
    out, result = quick
    folder = checkpoint_folder(out, quick=True)
    pre = [r for r in result["rows"] if r["kind"] == "pretrain"]
    assert {(r["model"], r["seed"]) for r in pre} == {(f, 0) for f in FAMILIES}
    for row in pre:
        data = (folder / row["checkpoint"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
        state = torch.load(folder / row["checkpoint"], weights_only=True)
        assert all(v.dtype == torch.float16 for v in state.values())
    assert result["config"]["checkpoint_bytes"] == sum(
        (folder / r["checkpoint"]).stat().st_size for r in pre
    )


def test_quick_run_fine_tunes_every_family_start_and_size(quick):
    _, result = quick
    fine = [r for r in result["rows"] if r["kind"] == "finetune"]
    cells = {(r["model"], r["start"], r["n_labelled"]) for r in fine}
    sizes = result["config"]["labelled_sizes"]
    assert cells == {(f, s, n) for f in FAMILIES for s in ("pretrained", "scratch") for n in sizes}
    for row in fine:
        assert all(0 <= a <= 1 for a in row["test_accuracy"]["values"])


def test_the_ledger_row_with_one_seed_decides_nothing(quick):
    _, result = quick
    row = ledger_mod.claim_pretraining({"pretrain": result})
    assert row["verdict"] == "inconclusive"
    assert all(c["bearing"] == "inconclusive" for c in row["comparisons"])


def _fake(gains_tf, gains_lstm, n=64):
    """A pretrain result whose scratch accuracy is 0.3 and whose gains are given."""
    rows = []
    for name, gains in (("transformer", gains_tf), ("lstm", gains_lstm)):
        for start, values in (("scratch", [0.3] * len(gains)),
                              ("pretrained", [0.3 + g for g in gains])):  # fmt: skip
            rows.append({"kind": "finetune", "model": name, "start": start, "n_labelled": n,
                         "test_accuracy": {"values": values}})  # fmt: skip
    return {
        "suite": "pretrain",
        "config": {"labelled_sizes": [n], "pair": dict(P.PAIR), "pretrain": dict(P.PRETRAIN)},
        "params": {"lstm": 1000, "transformer": 1000},
        "stamp": {"cpu": "a CPU", "device": "cpu", "torch_threads": 2, "gpu": None},
        "rows": rows,
    }


def test_gains_are_paired_by_seed():
    r = _fake([0.1, 0.2, 0.3], [0.0, 0.05, 0.1])
    gains = ledger_mod.pretraining_gains(r)[64]
    assert gains["transformer"] == pytest.approx([0.1, 0.2, 0.3])
    assert gains["lstm"] == pytest.approx([0.0, 0.05, 0.1])


@pytest.mark.parametrize(
    ("tf", "lstm", "verdict"),
    [
        ([0.30, 0.32, 0.31, 0.29, 0.30], [0.05, 0.06, 0.04, 0.05, 0.05], "supported"),
        ([0.05, 0.06, 0.04, 0.05, 0.05], [0.30, 0.32, 0.31, 0.29, 0.30], "not supported here"),
        ([0.10, 0.11, 0.09, 0.10, 0.10], [0.09, 0.10, 0.08, 0.11, 0.10], "inconclusive"),
    ],
)
def test_the_verdict_follows_the_difference_of_gains(tf, lstm, verdict):
    row = ledger_mod.claim_pretraining({"pretrain": _fake(tf, lstm)})
    assert row["verdict"] == verdict
    assert row["comparisons"][0]["margin"] == R.MARGIN["accuracy"]


def test_a_pretrain_file_under_other_pretrain_rules_is_not_read(quick, tmp_path):
    _, result = quick
    changed = json.loads(json.dumps(result))
    changed["stamp"]["pretrain_rules_sha256"] = "0" * 64
    path = result_path(tmp_path, "pretrain", "cpu", quick=True)
    path.write_text(json.dumps(changed))
    notices = []
    found = ledger_mod.load_all(tmp_path, quick=True, notice=notices.append)
    assert "pretrain" not in found and "pretrain" in notices[0]


# --- The committed run ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def committed():
    return load_results(result_path(committed_results(), "pretrain"))


def test_committed_run_is_the_full_tier_under_todays_rules(committed):
    assert committed["config"]["quick"] is False
    assert committed["stamp"]["seeds"] == list(P.PRETRAIN_SEEDS)
    assert ledger_mod.made_under_today(committed)
    assert committed["config"]["labelled_sizes"] == list(P.LABELLED_SIZES)
    assert committed["config"]["pretrain"] == P.PRETRAIN


def test_committed_checkpoints_ship_with_the_package_are_small_and_load(committed):
    folder = checkpoint_folder(committed_results())
    pre = [r for r in committed["rows"] if r["kind"] == "pretrain"]
    assert len(pre) == len(FAMILIES) * len(P.PRETRAIN_SEEDS)
    total = sum((folder / r["checkpoint"]).stat().st_size for r in pre)
    assert total == committed["config"]["checkpoint_bytes"] < 3 * 2**20
    model = load_pretrained(committed, "lstm", 0, folder)
    fresh = pretrain_pair(len(code_vocab()), committed["config"]["pretrain"]["window"])["lstm"]()
    assert model.state_dict().keys() == fresh.state_dict().keys()
    assert any(
        not torch.equal(a, b)
        for a, b in zip(model.state_dict().values(), fresh.state_dict().values(), strict=True)
    )


def test_the_ledger_carries_the_pretraining_row():
    rows = ledger_mod.ledger(ledger_mod.load_all())
    row = next(r for r in rows if r["section"] == "claim-pretraining")
    assert row["verdict"] in R.VERDICTS and len(row["comparisons"]) == len(P.LABELLED_SIZES)
    assert row["published"], "the published evidence at scale is listed beside it"
