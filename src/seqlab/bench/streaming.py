"""Claim 6(a), low-resource compute: what generating one more token costs once a context
has been read (memory kept between tokens, latency at batch 1)."""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

from seqlab.bench import rules as R
from seqlab.bench.common import VOCAB, cpu_result, impl_of, lm_pair, seeded, time_ms
from seqlab.rnn import RNNLM
from seqlab.self_attention import KVCache
from seqlab.utils import count_parameters

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
    """Per-token memory and latency against context (claim 6a).

    Rows: ``{"model", "impl", "context", "state_bytes", "step_ms", "recompute_ms"}``
    (batch 1; ``recompute_ms`` for the Transformer only). The quality each family reaches
    in the same wall-clock is read off the scaling suite's curves (same pair of sizes).
    """
    contexts = sorted(contexts or (QUICK_CONTEXTS if quick else R.STREAM_CONTEXTS))
    repeats = 3 if quick else R.STREAM_REPEATS
    makers = lm_pair(VOCAB, hidden=R.TARGET_HIDDEN, d_model=64, max_len=max(contexts) + 8)
    progress = tqdm(total=2 * len(contexts), desc="streaming", leave=False)
    rows = _cost_rows(makers, contexts, repeats, progress)
    progress.close()
    return cpu_result(
        "streaming",
        [0],
        {
            "quick": quick,
            "contexts": contexts,
            "batch_size": 1,
            "repeats": repeats,
            "vocab": VOCAB,
        },
        params={name: count_parameters(make()) for name, make in makers.items()},
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
                "impl": impl_of(model),
                "context": context,
                "state_bytes": state_bytes(read_context(model, tokens)),
                "step_ms": time_ms(calls["step"], "cpu", repeats=repeats),
            }
            if "recompute" in calls:
                row["recompute_ms"] = time_ms(calls["recompute"], "cpu", repeats=repeats)
            rows.append(row)
            progress.update()
    return rows
