"""Claim 3 at a size that can be fitted: character-LM test loss on the Python standard
library's source against model size (six matched LSTM / Transformer pairs, each family's
rate searched at every size) and against training data (at one size, the training split
cut to shares of the budget, early stopping). The fits, with an irreducible loss and a
seed bootstrap, are computed from these rows by :mod:`seqlab.bench.ledger`."""

from __future__ import annotations

from tqdm.auto import tqdm

from seqlab.bench.codelm import (
    CodeData,
    evaluate_loss,
    pair,
    scale_result,
    scale_seeds,
    search_rungs,
    tier_config,
    tier_spec,
    train_code_lm,
)
from seqlab.bench.common import impl_of
from seqlab.bench.scaling import matmul_params, train_flops
from seqlab.utils import count_parameters

__all__ = ["sweep_suite"]


def sweep_suite(run_device="cpu", *, quick: bool = False, tier: str = "cpu") -> dict:
    """Test loss against parameters (``study: "model"``) and against training
    characters (``study: "data"``), under ``scale_rules.TIERS[tier]["sweep"]``.

    Rows, one per study, family, rung (or data share) and seed: ``study``, ``model``,
    ``impl``, ``rung``, ``lr``, ``params``, ``matmul_params``, ``train_chars`` (the
    distinct training characters available), ``tokens`` (characters trained on),
    ``flops``, ``final_loss`` (test), ``valid_loss``, ``steps``, ``seconds``; data rows
    add ``share`` and ``best_step``.
    """
    spec = tier_spec("sweep", tier, quick)
    seeds = scale_seeds(quick)
    data = CodeData(spec["seq_len"], quick)
    pairs = [pair(spec, rung, data) for rung in spec["rungs"]]
    searches = search_rungs(pairs, data, spec, run_device, quick)
    total = 2 * len(seeds) * (len(pairs) + len(spec["data_shares"]))
    progress = tqdm(total=total, desc=f"sweep ({tier} tier)", leave=False)
    run = _Runner(data, spec, seeds, run_device, progress)
    rows = [row for k, p in enumerate(pairs) for row in run.model_rows(k, p, searches[k])]
    k = spec["data_rung"]
    for share in spec["data_shares"]:
        rows += run.data_rows(k, pairs[k], searches[k], share)
    progress.close()
    return scale_result(
        "sweep",
        run_device,
        seeds,
        tier_config(spec, tier, quick, data),
        data,
        params={
            f"{name}@{k}": count_parameters(p[name]()) for k, p in enumerate(pairs) for name in p
        },
        lr_search=searches,
        rows=rows,
    )


class _Runner:
    """Trains the seeds of one rung (or one data share) and writes their rows."""

    def __init__(self, data: CodeData, spec: dict, seeds, run_device, progress):
        self.data, self.spec, self.seeds, self.device = data, spec, seeds, run_device
        self.test = [b.to(run_device) for b in data.windows("test")]
        self.budget = spec["steps"] * spec["batch"] * spec["seq_len"]
        self.progress = progress

    def model_rows(self, rung: int, pair: dict, search: dict) -> list[dict]:
        """Each family with each seed at its searched rate, on all the training data."""
        return [
            self._row("model", name, make, rung, search[name]["best"], seed, self.budget)
            for name, make in pair.items()
            for seed in self.seeds
        ]

    def data_rows(self, rung: int, pair: dict, search: dict, share: float) -> list[dict]:
        """Each family with each seed on the first ``share`` of the budget's characters
        (two windows at least), with early stopping."""
        chars = max(round(share * self.budget), 2 * self.spec["seq_len"])
        return [
            {**self._row("data", name, make, rung, search[name]["best"], seed, chars, chars),
             "share": share}
            for name, make in pair.items()
            for seed in self.seeds
        ]  # fmt: skip

    def _row(self, study, name, make, rung, lr, seed, train_chars, chars=None) -> dict:
        """Train ``make()`` with ``seed`` at ``lr`` (on the first ``chars`` training
        characters, early-stopped; all when ``None``) and describe it."""
        spec = self.spec
        model, info = train_code_lm(make, self.data, spec, lr, seed, self.device, chars=chars)
        tokens = info["steps"] * spec["batch"] * spec["seq_len"]
        self.progress.update()
        row = {
            "study": study,
            "model": name,
            "impl": impl_of(model),
            "rung": rung,
            "seed": seed,
            "lr": lr,
            "params": count_parameters(model),
            "matmul_params": matmul_params(model),
            "train_chars": train_chars,
            "tokens": tokens,
            "flops": train_flops(model, tokens, spec["seq_len"]),
            "final_loss": evaluate_loss(model, self.test),
            "valid_loss": info["valid_loss"],
            "steps": info["steps"],
            "seconds": info["seconds"],
        }
        return row if chars is None else {**row, "best_step": info["best_step"]}
