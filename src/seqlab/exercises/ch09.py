"""Checkers for chapter 9 (The full Transformer)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, _compare, check_function, check_number, verdict

__all__ = [
    "check_encoder_layer_params",
    "check_kv_cache_step",
    "check_layer_norm",
    "check_pre_ln_block",
]


def check_layer_norm(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, weight, bias, eps) -> (..., d)``, layer normalisation over the last
    axis, against ``torch.nn.functional.layer_norm`` (chapter 9)."""
    gen = torch.Generator().manual_seed(9)
    inputs = []
    for shape in [(3, 4), (2, 5, 8), (1, 1, 16)]:
        d = shape[-1]
        x = torch.randn(*shape, generator=gen) * 3 + 1
        inputs.append((x, torch.randn(d, generator=gen), torch.randn(d, generator=gen), 1e-5))

    return check_function(
        lambda args: fn(*args),
        lambda args: torch.nn.functional.layer_norm(args[0], args[0].shape[-1:], *args[1:]),
        inputs,
        name="your layer norm",
        atol=1e-4,
        hints=[
            "subtract the mean and divide by sqrt(variance + eps) over the last axis, with "
            "the biased variance (unbiased=False), then scale by weight and add bias",
            None,
            None,
        ],
        quiet=quiet,
    )


def check_encoder_layer_params(
    answer, d_model: int = 64, n_heads: int = 4, d_ff: int = 256, *, quiet: bool = False
) -> Feedback:
    """Check the parameter count of ``nn.TransformerEncoderLayer(d_model, n_heads, d_ff)``
    (chapter 9)."""
    d, f = d_model, d_ff
    attention, feed_forward, norms = 4 * d * d + 4 * d, 2 * d * f + f + d, 4 * d
    right = attention + feed_forward + norms
    mistakes = [
        (attention + feed_forward, "add the two layer norms: a weight and a bias of size d each"),
        (right - f - d, "the feed-forward block's two linear layers both have biases"),
    ]
    return check_number(
        answer,
        right,
        mistakes,
        whole=True,
        correct=f"{right} = attention {attention} + feed-forward {feed_forward} "
        f"+ two norms {norms}",
        otherwise="{answer} is not it; add attention, feed-forward and norms",
        quiet=quiet,
    )


def _first_mistake(got, wrong_answers: list[tuple[Callable[[], torch.Tensor], str]]):
    """The hint of the first wrong answer that ``got`` equals (each computed by a
    function of no arguments), else ``None``."""
    for wrong, hint in wrong_answers:
        try:
            if _compare(got, wrong(), 1e-5, 1e-4)[0]:
                return hint
        except (RuntimeError, TypeError, ValueError):  # an unrelated shape: not this one
            continue
    return None


def _check_with_mistakes(fn, reference, inputs, wrong_answers, name, hint, quiet):
    """:func:`check_function` on ``inputs``; when it fails, a known mistake's hint if
    the answer on the first input equals it (``wrong_answers``: ``(function of the
    input, hint)``), else the general ``hint``."""
    feedback = check_function(fn, reference, inputs, name=name, atol=1e-5, quiet=True)
    if not feedback:
        try:
            got = fn(inputs[0])
        except Exception:  # the reader's code may raise anything: the general hint
            got = None
        wrong = [(lambda w=w: w(inputs[0]), h) for w, h in wrong_answers]
        specific = None if got is None else _first_mistake(got, wrong)
        message = feedback.message.removeprefix("Not yet: ").rstrip(".")
        return verdict(False, f"{message}. Hint: {specific or hint}", quiet)
    if not quiet:
        print(feedback.message)
    return feedback


def _layer_and_input(seed: int):
    """A pre-LN :class:`~seqlab.transformer.EncoderLayer` (eval mode, norms with random
    gains and shifts so that they matter) and an input ``(2, 5, 16)``."""
    from seqlab.transformer import EncoderLayer

    torch.manual_seed(seed)
    layer = EncoderLayer(16, 4, 32, norm_first=True).eval()
    with torch.no_grad():
        for norm in (layer.norm1, layer.norm2):
            norm.weight.normal_(1.0, 0.3)
            norm.bias.normal_(0.0, 0.3)
    return torch.randn(2, 5, 16) * 2 + 0.5, layer


def _attn(layer, h):
    return layer.self_attn(h, h, h, need_weights=False)[0]  # (B, L, d_model)


def _ffn(layer, h):
    return layer.linear2(torch.relu(layer.linear1(h)))  # (B, L, d_model)


def _post_ln(args):
    x, layer = args
    x = layer.norm1(x + _attn(layer, x))
    return layer.norm2(x + _ffn(layer, x))


def _no_residual(args):
    x, layer = args
    return _ffn(layer, layer.norm2(_attn(layer, layer.norm1(x))))


def _normalised_stream(args):
    x, layer = args
    x = layer.norm1(x)
    x = x + _attn(layer, x)
    x = layer.norm2(x)
    return x + _ffn(layer, x)


def _one_norm(args):
    x, layer = args
    x = x + _attn(layer, layer.norm1(x))
    return x + _ffn(layer, layer.norm1(x))


def check_pre_ln_block(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, layer) -> (B, L, d_model)``, a pre-LN encoder layer computed from
    the parts of a ``seqlab`` :class:`~seqlab.transformer.EncoderLayer` ``layer``
    (``norm1``, ``self_attn``, ``norm2``, ``linear1``, ``linear2``; no mask, eval mode),
    against ``layer(x)`` on random layers and inputs (chapter 9)."""
    inputs = [_layer_and_input(seed) for seed in (0, 1, 2)]
    with torch.no_grad():
        return _check_with_mistakes(
            lambda args: fn(*args),
            lambda args: args[1](args[0]),
            inputs,
            [
                (_post_ln, "that is post-LN, LN(x + f(x)); pre-LN normalises the "
                 "sublayer's input and adds to the stream: x + f(LN(x))"),
                (_no_residual, "add each sublayer's output back to its input: "
                 "x = x + attention(norm1(x)), then x = x + ffn(norm2(x))"),
                (_normalised_stream, "the layer norm feeds the sublayer only; the "
                 "stream x itself stays un-normalised: x + f(LN(x)), not LN(x) + f(LN(x))"),
                (_one_norm, "each sublayer has its own norm: norm1 before attention, "
                 "norm2 before the feed-forward block"),
            ],
            name="your pre-LN block",
            hint="x = x + self_attn(h, h, h)[0] with h = norm1(x), then "
            "x = x + linear2(relu(linear1(norm2(x))))",
            quiet=quiet,
        )  # fmt: skip


def _qkv(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Queries, keys and values ``(B=2, H=3, T=6, d_head=4)`` of one random sequence."""
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(2, 3, 6, 4, generator=g) for _ in range(3))


def _stepwise(step: Callable, seed: int) -> torch.Tensor:
    """Run ``step(q_t, k_t, v_t, cache_k, cache_v)`` over the positions of
    :func:`_qkv`'s sequence from empty caches; the outputs ``(B, H, T, d_head)``."""
    q, k, v = _qkv(seed)
    cache_k = cache_v = torch.zeros(2, 3, 0, 4)  # (B, H, 0, d_head): nothing seen yet
    outs = []
    for t in range(q.shape[2]):
        sl = slice(t, t + 1)  # one position, kept as an axis: (B, H, 1, d_head)
        out, cache_k, cache_v = step(q[:, :, sl], k[:, :, sl], v[:, :, sl], cache_k, cache_v)
        outs.append(torch.as_tensor(out))
    return torch.cat(outs, 2)  # (B, H, T, d_head)


def _kv_step(q_t, k_t, v_t, cache_k, cache_v, *, scale=True, append=True, axis=-1):
    """The reference step, and (with the flags) the mistakes the checker recognises."""
    if append:
        cache_k, cache_v = torch.cat([cache_k, k_t], 2), torch.cat([cache_v, v_t], 2)
        keys, values = cache_k, cache_v
    else:
        keys, values = k_t, v_t
    scores = q_t @ keys.transpose(-2, -1)  # (B, H, 1, S)
    if scale:
        scores = scores / math.sqrt(q_t.shape[-1])
    return scores.softmax(axis) @ values, cache_k, cache_v


def check_kv_cache_step(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(q_t, k_t, v_t, cache_k, cache_v) -> (out_t, cache_k, cache_v)``, one
    step of cached causal attention: append the new key and value (``(B, H, 1, d)``)
    to the caches (``(B, H, S, d)``) and attend with the new query. Run over random
    sequences from empty caches, it must equal ``seqlab``'s full causal attention
    (chapter 9)."""
    from seqlab.self_attention import causal_mask, scaled_dot_product_attention

    def reference(seed):
        q, k, v = _qkv(seed)
        return scaled_dot_product_attention(q, k, v, causal_mask(q.shape[2]))[0]

    def mistake(**flags):
        return lambda seed: _stepwise(lambda *a: _kv_step(*a, **flags), seed)

    return _check_with_mistakes(
        lambda seed: _stepwise(fn, seed),
        reference,
        [0, 1, 2],
        [
            (mistake(scale=False), "divide the scores by sqrt(d_head) before the softmax"),
            (mistake(append=False), "append k_t and v_t to the caches (torch.cat along "
             "the position axis, dim 2) and attend to all of them, then return the "
             "longer caches"),
            (mistake(axis=-2), "take the softmax over the keys, the last axis of the "
             "scores (B, H, 1, S), not over the single query"),
        ],
        name="your cached attention step",
        hint="cache_k = torch.cat([cache_k, k_t], dim=2) (the same for v), then "
        "softmax(q_t cache_kᵀ / sqrt(d)) cache_v; return (out, cache_k, cache_v)",
        quiet=quiet,
    )  # fmt: skip
