"""Claim 2 on real text: does each family keep using context hundreds of characters back?
Kaplan et al. (2020, Fig. 7) found an LSTM's loss stops falling after about a hundred
tokens of context while a Transformer's keeps falling to the end of its 1024. This suite
measures the same thing on the Python standard library's source: matched LSTM and
Transformer character models, trained with the same budget at a context of 512 (1024 on
the GPU tier), each family's rate searched per size; the test loss at every position of
the context, per seed. Where each family stops improving and the comparison of the gain
from far context are computed from these rows by :mod:`seqlab.bench.ledger`."""

from __future__ import annotations

from tqdm.auto import tqdm

from seqlab.bench.codelm import (
    CodeData,
    pair,
    position_loss,
    scale_result,
    scale_seeds,
    search_rungs,
    tier_config,
    tier_spec,
    train_code_lm,
)
from seqlab.bench.common import impl_of
from seqlab.utils import count_parameters

__all__ = ["context_suite"]


def context_suite(run_device="cpu", *, quick: bool = False, tier: str = "cpu") -> dict:
    """Loss against position at each rung of ``scale_rules.TIERS[tier]["context"]``.

    Rows, one per family, rung and position (1 ... seq_len, the characters of context a
    prediction had): ``model``, ``impl``, ``rung``, ``params``, ``position``, ``loss``
    (test cross-entropy at that position, one per seed). ``runs``, one per family, rung
    and seed: ``model``, ``rung``, ``seed``, ``lr``, ``final_loss`` (mean over
    positions), ``valid_loss``, ``seconds``.
    """
    spec = tier_spec("context", tier, quick)
    seeds = scale_seeds(quick)
    data = CodeData(spec["seq_len"], quick)
    test = [b.to(run_device) for b in data.windows("test")]
    pairs = [pair(spec, rung, data) for rung in spec["rungs"]]
    searches = search_rungs(pairs, data, spec, run_device, quick)
    progress = tqdm(total=2 * len(pairs) * len(seeds), desc=f"context ({tier} tier)", leave=False)
    rows, runs = [], []
    for rung, p in enumerate(pairs):
        for name, make in p.items():
            lr = searches[rung][name]["best"]
            curves = []
            for seed in seeds:
                model, info = train_code_lm(make, data, spec, lr, seed, run_device)
                curves.append(position_loss(model, test).tolist())  # (seq_len,)
                runs.append(_run(name, rung, seed, lr, curves[-1], info))
                progress.update()
            fixed = {"model": name, "impl": impl_of(model), "rung": rung}
            fixed["params"] = count_parameters(model)
            rows += [
                {**fixed, "position": i + 1, "loss": [c[i] for c in curves]}
                for i in range(spec["seq_len"])
            ]
    progress.close()
    config = tier_config(spec, tier, quick, data)
    config["test_windows"] = sum(len(b.x) for b in test)
    return scale_result(
        "context",
        run_device,
        seeds,
        config,
        data,
        params={
            f"{name}@{k}": count_parameters(p[name]()) for k, p in enumerate(pairs) for name in p
        },
        lr_search=searches,
        runs=runs,
        rows=rows,
    )


def _run(name: str, rung: int, seed: int, lr: float, curve: list[float], info: dict) -> dict:
    """One trained model's entry of ``runs``."""
    return {
        "model": name,
        "rung": rung,
        "seed": seed,
        "lr": lr,
        "final_loss": sum(curve) / len(curve),
        "valid_loss": info["valid_loss"],
        "seconds": info["seconds"],
    }
