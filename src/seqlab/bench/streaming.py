"""Claim 6(a), low-resource compute: what generating one more token costs once a context
has been read (memory kept between tokens, latency at batch 1), and the quality each
family reaches in a small fixed budget of CPU time."""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

from seqlab.bench.common import (
    VOCAB,
    cpu_result,
    lm_pair,
    lrs_for,
    pick_lr,
    seeded,
    seeds_for,
    spread,
    time_ms,
)
from seqlab.bench.scaling import BATCH, SEQ_LEN, char_lm_data
from seqlab.data.text import text_batches
from seqlab.rnn import RNNLM
from seqlab.self_attention import KVCache
from seqlab.train import fit
from seqlab.utils import count_parameters

FULL_CONTEXTS = [16, 32, 64, 128, 256, 512, 1024, 2048]
QUICK_CONTEXTS = [16, 32, 64]


def state_bytes(state) -> int:
    """Bytes of a recurrent state (a tensor or a tuple of tensors) or a :class:`KVCache`."""
    if isinstance(state, KVCache):
        return state.nbytes()
    if isinstance(state, torch.Tensor):
        return state.numel() * state.element_size()
    return sum(state_bytes(s) for s in state)


@torch.no_grad()
def read_context(model, tokens: torch.Tensor):
    """Run ``model`` over ``tokens`` ``(1, L)`` and return what it keeps for the next
    token: an LSTM's final state, or a Transformer's filled :class:`KVCache`."""
    if isinstance(model, RNNLM):
        return model(tokens)[1]
    cache = KVCache(len(model.layers))
    model(tokens, cache=cache)
    return cache


def next_token_calls(model, context: torch.Tensor) -> dict:
    """Functions that produce the logits of the token after ``context`` ``(1, L)``:
    ``"step"`` from the kept state or cache (the cache is trimmed back after each call, so
    every call sees the same context), and for a Transformer ``"recompute"``, the whole
    context again, as generation without a cache must."""
    token = context[:, -1:]
    kept = read_context(model, context)

    @torch.no_grad()
    def step():
        if isinstance(model, RNNLM):
            return model(token, kept)[0]
        out = model(token, cache=kept)
        kept.truncate(context.shape[1])  # drop the position this call appended
        return out

    calls = {"step": step}
    if not isinstance(model, RNNLM):
        calls["recompute"] = torch.no_grad()(lambda: model(torch.cat([context, token], 1)))
    return calls


def streaming_suite(
    run_device="cpu", *, quick: bool = False, contexts: list[int] | None = None
) -> dict:
    """Per-token memory and latency against context (claim 6a), and quality in a budget.

    Rows: ``{"model", "context", "state_bytes", "step_ms", "recompute_ms"}`` (batch 1;
    ``recompute_ms`` for the Transformer only) and ``budget``: validation loss reached by
    each family in ``budget_seconds`` of training, over seeds, at the learning rate the
    same sweep picked for each (``lr_sweep``, one seed, the same budget).
    """
    contexts = sorted(contexts or (QUICK_CONTEXTS if quick else FULL_CONTEXTS))
    seeds = seeds_for(quick)
    repeats = 3 if quick else 7
    budget_seconds = 3.0 if quick else 30.0
    makers = lm_pair(VOCAB, hidden=128, d_model=64, max_len=max(contexts) + 8)
    progress = tqdm(total=2 * len(contexts) + 2 * len(seeds), desc="streaming", leave=False)
    rows = _cost_rows(makers, contexts, repeats, progress)
    lrs = lrs_for(quick)
    sweeps, budget = _budget_quality(char_lm_data(quick), budget_seconds, lrs, seeds, progress)
    progress.close()
    return cpu_result(
        "streaming",
        seeds,
        {
            "quick": quick,
            "contexts": contexts,
            "batch_size": 1,
            "repeats": repeats,
            "budget_seconds": budget_seconds,
            "lrs": lrs,
            "vocab": VOCAB,
        },
        params={name: count_parameters(make()) for name, make in makers.items()},
        lr_sweep=sweeps,
        budget=budget,
        rows=rows,
    )


def _cost_rows(makers: dict, contexts: list[int], repeats: int, progress) -> list[dict]:
    """For each model and context: bytes kept for the next token and the time to produce
    it from that state (and, for a Transformer, by recomputing the whole context)."""
    rows = []
    for name, make in makers.items():
        model = seeded(make, 0, "cpu").eval()
        for context in contexts:
            tokens = torch.randint(
                3, VOCAB, (1, context), generator=torch.Generator().manual_seed(0)
            )
            calls = next_token_calls(model, tokens)
            row = {
                "model": name,
                "context": context,
                "state_bytes": state_bytes(read_context(model, tokens)),
                "step_ms": time_ms(calls["step"], "cpu", repeats=repeats),
            }
            if "recompute" in calls:
                row["recompute_ms"] = time_ms(calls["recompute"], "cpu", repeats=repeats)
            rows.append(row)
            progress.update()
    return rows


def _budget_quality(data, budget_seconds: float, lrs, seeds, progress) -> tuple[dict, dict]:
    """The learning-rate sweep and, per family, the validation loss and steps reached in
    ``budget_seconds`` of training on the corpus of ``data``, over ``seeds``."""
    char_makers = lm_pair(len(data[0]), hidden=128, d_model=64, max_len=SEQ_LEN)

    def train(name, lr, seed):
        return _train_in_budget(char_makers[name], data, budget_seconds, lr, seed)

    sweeps = pick_lr(lambda name, lr: train(name, lr, 0).eval_loss[-1], char_makers, lrs)
    budget = {}
    for name in char_makers:
        histories = []
        for seed in seeds:
            histories.append(train(name, sweeps[name]["best"], seed))
            progress.update()
        budget[name] = {
            "valid_loss": spread(h.eval_loss[-1] for h in histories),
            "steps": spread(h.steps for h in histories),
        }
    return sweeps, budget


def _train_in_budget(make, data, budget_seconds: float, lr: float, seed: int):
    """The history of ``make()`` seeded with ``seed`` and trained at ``lr`` for
    ``budget_seconds`` on the corpus of ``data`` (``char_lm_data``), evaluated at the end."""
    vocab, train_ids, valid = data
    model = seeded(make, seed, "cpu")
    generator = torch.Generator().manual_seed(seed)
    batches = text_batches(train_ids, BATCH, SEQ_LEN, vocab_size=len(vocab), generator=generator)
    return fit(
        model,
        batches,
        time_budget=budget_seconds,
        lr=lr,
        progress=False,
        eval_batches=valid,
    )
