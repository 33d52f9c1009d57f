"""Self-attention: the causal mask, scaled dot-product attention and multi-head attention,
each checked against its torch built-in twin, a hand computation, or an invariance."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from seqlab.attention import padding_mask
from seqlab.self_attention import (
    KVCache,
    MultiHeadAttention,
    causal_mask,
    scaled_dot_product_attention,
)

F32, F64 = torch.float32, torch.float64
TOL = {F32: {"rtol": 1e-5, "atol": 1e-5}, F64: {"rtol": 1e-10, "atol": 1e-10}}


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed=0, dtype=F64):
    return torch.randn(*shape, generator=gen(seed), dtype=dtype)


# ---------------------------------------------------------------- causal_mask


@pytest.mark.parametrize("length", [1, 2, 5, 9])
def test_causal_mask_is_the_lower_triangle(length):
    mask = causal_mask(length)
    assert mask.dtype == torch.bool
    assert torch.equal(mask, torch.ones(length, length).tril().bool())
    for i in range(length):
        for j in range(length):
            assert bool(mask[i, j]) == (j <= i)


@pytest.mark.parametrize(
    ("length", "error"), [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_causal_mask_rejects_bad_lengths(length, error):
    with pytest.raises(error, match=f"length must be a positive int, got {length!r}"):
        causal_mask(length)


# ---------------------------------------------------------------- scaled_dot_product_attention

# (q shape, k/v length): 3-D (batch, length, d) and 4-D (batch, heads, length, d)
SHAPES = [((2, 5, 4), 5), ((2, 3, 4), 6), ((2, 3, 5, 4), 5), ((1, 2, 4, 8), 7)]


def _mask(kind, q_shape, source):
    length = q_shape[-2]
    if kind == "none":
        return None
    if kind == "causal":
        return torch.ones(length, source, dtype=torch.bool).tril()  # (L, S), broadcast
    lengths = torch.tensor([source, max(1, source - 2)])[: q_shape[0]]
    pad = padding_mask(lengths, source)  # (B, S)
    # (B, 1, 1, S) against 4-D scores, (B, 1, S) against 3-D scores
    return pad[:, None, None, :] if len(q_shape) == 4 else pad[:, None, :]


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("scale", [None, 0.3])
@pytest.mark.parametrize("kind", ["none", "causal", "padding"])
@pytest.mark.parametrize(("q_shape", "source"), SHAPES)
def test_sdpa_equals_torch_output_and_gradients(q_shape, source, kind, scale, dtype):
    q = randn(*q_shape, seed=1, dtype=dtype).requires_grad_()
    kv_shape = (*q_shape[:-2], source, q_shape[-1])
    k = randn(*kv_shape, seed=2, dtype=dtype).requires_grad_()
    v = randn(*kv_shape[:-1], 3, seed=3, dtype=dtype).requires_grad_()
    mask = _mask(kind, q_shape, source)
    out, _ = scaled_dot_product_attention(q, k, v, mask, scale=scale)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)
    torch.testing.assert_close(out, ref, **TOL[dtype])
    upstream = randn(*out.shape, seed=4, dtype=dtype)
    ours = torch.autograd.grad((out * upstream).sum(), (q, k, v))
    theirs = torch.autograd.grad((ref * upstream).sum(), (q, k, v))
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, **TOL[dtype])


@pytest.mark.parametrize("kind", ["none", "causal", "padding"])
def test_sdpa_weights_sum_to_one_and_are_exactly_zero_where_masked(kind):
    q_shape, source = (2, 3, 5, 4), 5
    q, k, v = randn(*q_shape, seed=1), randn(2, 3, source, 4, seed=2), randn(2, 3, source, 4)
    mask = _mask(kind, q_shape, source)
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert weights.shape == (2, 3, 5, source)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 5, dtype=F64))
    torch.testing.assert_close(out, weights @ v, rtol=0, atol=0)
    if mask is not None:
        blocked = ~mask.expand_as(weights)
        assert blocked.any()
        assert (weights[blocked] == 0.0).all()  # exactly zero, not merely small
        assert (weights[~blocked] > 0).all()


def test_sdpa_equals_a_hand_computation():
    q = [[1.0, 0.0], [0.5, -1.0]]
    k = [[1.0, 2.0], [0.0, 1.0], [-1.0, 0.5]]
    v = [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]
    expected_out, expected_w = [], []
    for qi in q:
        scores = [sum(a * b for a, b in zip(qi, kj, strict=True)) / math.sqrt(2) for kj in k]
        exps = [math.exp(s) for s in scores]
        w = [e / sum(exps) for e in exps]
        expected_w.append(w)
        expected_out.append([sum(w[j] * v[j][c] for j in range(3)) for c in range(2)])
    out, weights = scaled_dot_product_attention(
        torch.tensor([q], dtype=F64), torch.tensor([k], dtype=F64), torch.tensor([v], dtype=F64)
    )
    torch.testing.assert_close(weights, torch.tensor([expected_w], dtype=F64))
    torch.testing.assert_close(out, torch.tensor([expected_out], dtype=F64))
    # the docstring's example: a causal mask leaves the first query only itself
    eye = torch.eye(2)[None]
    _, w = scaled_dot_product_attention(eye, eye, eye, causal_mask(2))
    e = math.exp(1 / math.sqrt(2))
    torch.testing.assert_close(w, torch.tensor([[[1.0, 0.0], [1 / (1 + e), e / (1 + e)]]]))


def test_sdpa_errors():
    q, k, v = randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 6)
    with pytest.raises(ValueError, match="q and k need the same feature size"):
        scaled_dot_product_attention(q, randn(2, 5, 3), v)
    with pytest.raises(ValueError, match=r"k and v the same length.*v \(2, 4, 6\)"):
        scaled_dot_product_attention(q, k, randn(2, 4, 6))
    with pytest.raises(ValueError, match=r"q must be a tensor \(\.\.\., length, features\)"):
        scaled_dot_product_attention(randn(4), k, v)
    with pytest.raises(TypeError, match="mask must be a bool tensor"):
        scaled_dot_product_attention(q, k, v, torch.ones(3, 5))
    with pytest.raises(ValueError, match=r"mask of shape \(3, 4\) does not broadcast"):
        scaled_dot_product_attention(q, k, v, torch.ones(3, 4, dtype=torch.bool))
    # broadcastable, but to a larger shape than the scores': still an error
    with pytest.raises(ValueError, match=r"mask of shape \(7, 1, 3, 5\) does not broadcast"):
        scaled_dot_product_attention(q, k, v, torch.ones(7, 1, 3, 5, dtype=torch.bool))
    row_empty = torch.ones(3, 5, dtype=torch.bool)
    row_empty[1] = False
    with pytest.raises(ValueError, match="no position to attend to"):
        scaled_dot_product_attention(q, k, v, row_empty)


# ---------------------------------------------------------------- MultiHeadAttention.from_torch

D, H = 8, 2
# (name, key length or None for self-attention, mask kind)
MHA_CASES = [
    ("self", None, "none"),
    ("self-causal", None, "causal"),
    ("self-padding", None, "padding"),
    ("self-causal-padding", None, "causal+padding"),
    ("cross", 6, "none"),
    ("cross-padding", 6, "padding"),
]


def _mha_pair(bias, dtype, seed=0):
    torch.manual_seed(seed)
    theirs = nn.MultiheadAttention(D, H, bias=bias, batch_first=True).to(dtype)
    with torch.no_grad():  # biases start at zero in torch: make them count
        for p in theirs.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return MultiHeadAttention.from_torch(theirs), theirs


def _masks(kind, length, source):
    """Ours (True = may attend) and torch's attn_mask / key_padding_mask (True = blocked)."""
    ours, attn_mask, key_padding = None, None, None
    if "causal" in kind:
        ours = causal_mask(length)
        attn_mask = ~ours
    if "padding" in kind:
        pad = padding_mask([source, source - 2], source)  # (B, S)
        key_padding = ~pad
        ours = pad[:, None, :] if ours is None else ours & pad[:, None, :]
    return ours, attn_mask, key_padding


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("name", "source", "kind"), MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_mha_from_torch_equals_torch(name, source, kind, bias, dtype):
    ours, theirs = _mha_pair(bias, dtype)
    length = 5
    x = randn(2, length, D, seed=1, dtype=dtype).requires_grad_()
    if source is None:
        query = key = value = x
        inputs = (x,)
        source = length
    else:
        query = x
        key = randn(2, source, D, seed=2, dtype=dtype).requires_grad_()
        value = randn(2, source, D, seed=3, dtype=dtype).requires_grad_()
        inputs = (x, key, value)
    mask, attn_mask, key_padding = _masks(kind, length, source)
    out, weights = ours(query, key, value, mask)
    ref, ref_weights = theirs(
        query,
        key,
        value,
        key_padding_mask=key_padding,
        attn_mask=attn_mask,
        average_attn_weights=False,
    )
    assert weights.shape == (2, H, length, source)
    torch.testing.assert_close(out, ref, **TOL[dtype])
    torch.testing.assert_close(weights, ref_weights, **TOL[dtype])
    upstream = randn(*out.shape, seed=5, dtype=dtype)
    (out * upstream).sum().backward()
    ours_inputs = [t.grad.clone() for t in inputs]
    for t in inputs:
        t.grad = None
    (ref * upstream).sum().backward()
    for a, t in zip(ours_inputs, inputs, strict=True):
        torch.testing.assert_close(a, t.grad, **TOL[dtype])
    theirs_params = dict(theirs.named_parameters())
    ours_params = dict(ours.named_parameters())
    assert ours_params.keys() == theirs_params.keys()
    for param_name, p in ours_params.items():
        torch.testing.assert_close(p.grad, theirs_params[param_name].grad, **TOL[dtype])


def test_mha_from_torch_copies_sizes_dtype_and_dropout():
    theirs = nn.MultiheadAttention(12, 3, dropout=0.25, bias=False, batch_first=True).double()
    ours = MultiHeadAttention.from_torch(theirs)
    assert (ours.d_model, ours.n_heads, ours.d_head, ours.dropout) == (12, 3, 4, 0.25)
    assert ours.in_proj_bias is None and ours.out_proj.bias is None
    assert ours.in_proj_weight.dtype == F64
    assert torch.equal(ours.in_proj_weight, theirs.in_proj_weight)
    # a copy, not a view: changing ours leaves torch's alone
    with torch.no_grad():
        ours.in_proj_weight.zero_()
    assert theirs.in_proj_weight.abs().sum() > 0


@pytest.mark.parametrize(
    ("module", "error", "match"),
    [
        (nn.MultiheadAttention(8, 2, kdim=4, vdim=4, batch_first=True), ValueError, "kdim/vdim"),
        (nn.MultiheadAttention(8, 2, add_bias_kv=True), ValueError, "add_bias_kv"),
        (nn.MultiheadAttention(8, 2, add_zero_attn=True), ValueError, "add_zero_attn"),
        (nn.Linear(8, 8), TypeError, "expected nn.MultiheadAttention, got Linear"),
    ],
)
def test_mha_from_torch_rejects_what_it_cannot_copy(module, error, match):
    with pytest.raises(error, match=match):
        MultiHeadAttention.from_torch(module)


@pytest.mark.parametrize("padded", [False, True])
def test_mha_fused_and_causal_paths_equal_the_explicit_mask(padded):
    torch.manual_seed(0)
    mha = MultiHeadAttention(D, H).double()
    x = randn(2, 6, D, seed=1)
    pad = padding_mask([6, 4], 6)[:, None, :] if padded else None
    explicit = causal_mask(6) if pad is None else causal_mask(6) & pad
    reference, ref_weights = mha(x, x, x, explicit)
    out_causal, weights = mha(x, x, x, pad, causal=True)
    torch.testing.assert_close(out_causal, reference, **TOL[F64])
    torch.testing.assert_close(weights, ref_weights, **TOL[F64])
    for mask, causal in ((explicit, False), (pad, True)):
        fused, none = mha(x, x, x, mask, causal=causal, need_weights=False)
        assert none is None
        torch.testing.assert_close(fused, reference, **TOL[F64])


def test_mha_fused_path_equals_explicit_path_with_gradients_in_training():
    torch.manual_seed(0)
    mha = MultiHeadAttention(D, H).train()
    x = randn(2, 5, D, seed=1, dtype=F32).requires_grad_()
    out, _ = mha(x, x, x, causal=True)
    fused, _ = mha(x, x, x, causal=True, need_weights=False)
    torch.testing.assert_close(fused, out, **TOL[F32])
    (g1,) = torch.autograd.grad(out.square().sum(), x)
    (g2,) = torch.autograd.grad(fused.square().sum(), x)
    torch.testing.assert_close(g2, g1, **TOL[F32])


# ---------------------------------------------------------------- KVCache


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("chunks", [(3, 1, 1, 1), (1, 1, 1, 1, 1, 1), (2, 4)])
def test_kv_cache_chunks_equal_the_full_causal_output(chunks, need_weights):
    torch.manual_seed(0)
    mha = MultiHeadAttention(D, H).double().eval()
    x = randn(2, sum(chunks), D, seed=1)
    full, full_weights = mha(x, x, x, causal=True)
    cache = KVCache(1)
    assert cache.length == 0 and cache.nbytes() == 0
    outs, start = [], 0
    per_position = 2 * 2 * H * (D // H) * 8  # keys and values, (B, H, 1, d_head) float64
    for n in chunks:
        chunk = x[:, start : start + n]
        out, weights = mha(chunk, chunk, chunk, causal=True, cache=cache, need_weights=need_weights)
        if need_weights:
            # the new queries see every cached key, and the weights equal the full rows
            torch.testing.assert_close(
                weights, full_weights[:, :, start : start + n, : start + n], **TOL[F64]
            )
        outs.append(out)
        start += n
        assert cache.length == start
        assert cache.nbytes() == per_position * start
        assert cache.keys[0].shape == cache.values[0].shape == (2, H, start, D // H)
    torch.testing.assert_close(torch.cat(outs, 1), full, **TOL[F64])


def test_kv_cache_keeps_layers_apart():
    cache = KVCache(2)
    k = torch.ones(1, 2, 3, 4)
    all_k, _ = cache.update(1, k, 2 * k)
    assert cache.cached(0) == 0 and cache.cached(1) == 3 and cache.length == 0
    all_k, all_v = cache.update(1, k[:, :, :1], k[:, :, :1])
    assert all_k.shape == (1, 2, 4, 4) and cache.cached(1) == 4
    torch.testing.assert_close(all_v[:, :, :3], 2 * k)
    assert cache.nbytes() == 2 * 2 * 4 * 4 * 4  # keys and values, 32 floats each


# ---------------------------------------------------------------- causality and errors


@pytest.mark.parametrize("need_weights", [True, False])
def test_causal_output_at_t_ignores_inputs_after_t(need_weights):
    torch.manual_seed(0)
    mha = MultiHeadAttention(D, H).double()
    x = randn(2, 7, D, seed=1)
    out, weights = mha(x, x, x, causal=True, need_weights=need_weights)
    for t in range(7):
        changed = x.clone()
        changed[:, t + 1 :] = randn(2, 7 - t - 1, D, seed=10 + t) * 5
        out2, _ = mha(changed, changed, changed, causal=True, need_weights=need_weights)
        torch.testing.assert_close(out2[:, : t + 1], out[:, : t + 1], **TOL[F64])
        if t < 6:
            assert (out2[:, t + 1 :] - out[:, t + 1 :]).abs().max() > 1e-3
    if need_weights:
        assert (weights.triu(1) == 0).all()


def test_mha_errors():
    mha = MultiHeadAttention(D, H)
    x = torch.randn(2, 3, D)
    with pytest.raises(ValueError, match=r"query must be \(batch, length, 8\), got \(2, 3, 5\)"):
        mha(torch.randn(2, 3, 5), x, x)
    with pytest.raises(ValueError, match=r"key must be \(batch, length, 8\), got \(3, 8\)"):
        mha(x, x[0], x)
    with pytest.raises(ValueError, match="key/value the same length"):
        mha(x, x, torch.randn(2, 4, D))
    with pytest.raises(TypeError, match="mask must be a bool tensor"):
        mha(x, x, x, torch.ones(3, 3))
    with pytest.raises(ValueError, match=r"mask of shape \(4, 4\) does not broadcast"):
        mha(x, x, x, torch.ones(4, 4, dtype=torch.bool))
    empty_row = torch.ones(2, 3, 3, dtype=torch.bool)
    empty_row[0, 1] = False
    for need_weights in (True, False):
        with pytest.raises(ValueError, match="no position to attend to"):
            mha(x, x, x, empty_row, need_weights=need_weights)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((8, 3), ValueError, "n_heads=3 must divide d_model=8"),
        ((8, 0), ValueError, "n_heads must be a positive int, got 0"),
        ((8.0, 2), TypeError, "d_model must be a positive int, got 8.0"),
        ((8, 2, 1.0), ValueError, r"dropout must be in \[0, 1\), got 1.0"),
        ((8, 2, -0.1), ValueError, r"dropout must be in \[0, 1\), got -0.1"),
    ],
)
def test_mha_rejects_bad_sizes(args, error, match):
    with pytest.raises(error, match=match):
        MultiHeadAttention(*args)
