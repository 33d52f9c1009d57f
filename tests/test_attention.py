"""Additive and multiplicative attention, masks and the masked softmax, checked by hand."""

import math

import pytest
import torch

from seqlab.attention import (
    AdditiveAttention,
    MultiplicativeAttention,
    additive_attention,
    masked_softmax,
    multiplicative_attention,
    padding_mask,
)

F64 = torch.float64


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed=0):
    return torch.randn(*shape, generator=gen(seed), dtype=F64)


# ---------------------------------------------------------------- padding_mask


def test_padding_mask_is_true_before_each_length():
    mask = padding_mask(torch.tensor([3, 1, 4]), 6)
    assert mask.dtype == torch.bool and mask.shape == (3, 6)
    expected = torch.tensor(
        [
            [True, True, True, False, False, False],
            [True, False, False, False, False, False],
            [True, True, True, True, False, False],
        ]
    )
    assert torch.equal(mask, expected)
    for b, n in enumerate((3, 1, 4)):
        assert [bool(mask[b, t]) for t in range(6)] == [t < n for t in range(6)]


def test_padding_mask_default_length_is_the_longest():
    mask = padding_mask([2, 5, 1])
    assert mask.shape == (3, 5)
    assert mask.sum(1).tolist() == [2, 5, 1]
    assert mask[1].all()  # the longest row has no padding


@pytest.mark.parametrize(
    ("lengths", "length", "error", "match"),
    [
        ([[2, 3]], None, ValueError, "non-empty 1-D sequence of ints"),
        ([], None, ValueError, "non-empty 1-D sequence of ints"),
        ([2.0, 3.0], None, TypeError, "non-empty 1-D sequence of ints"),
        ([2, 0], None, ValueError, r"every length must be >= 1.*\[2, 0\]"),
        ([2, -1], 4, ValueError, "every length must be >= 1"),
        ([2, 5], 4, ValueError, "length must be an int >= the longest length 5, got 4"),
        ([2, 3], 4.0, TypeError, "length must be an int >= the longest length 3, got 4.0"),
        ([2, 3], True, TypeError, "length must be an int"),
    ],
)
def test_padding_mask_rejects_bad_input(lengths, length, error, match):
    with pytest.raises(error, match=match):
        padding_mask(lengths, length)


# ---------------------------------------------------------------- masked_softmax


def test_masked_softmax_zero_on_masked_and_normalised_over_the_rest():
    scores = randn(2, 3, 5) * 3
    mask = torch.tensor([[True, True, False, True, False], [True, False, False, False, False]])
    weights = masked_softmax(scores, mask[:, None, :])  # (B, 1, S) against (B, T, S)
    assert weights.shape == (2, 3, 5)
    blocked = (~mask)[:, None, :].expand_as(weights)
    assert (weights[blocked] == 0.0).all()  # exactly zero, not merely small
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, dtype=F64))
    for b in range(2):
        keep = mask[b].nonzero().flatten().tolist()
        for t in range(3):
            exps = {j: math.exp(scores[b, t, j].item()) for j in keep}
            total = sum(exps.values())
            for j in keep:
                assert weights[b, t, j].item() == pytest.approx(exps[j] / total, rel=1e-12)
    # the row with one position puts all its weight there
    assert (weights[1, :, 0] == 1.0).all()


def test_masked_softmax_without_mask_is_softmax_and_large_scores_stay_finite():
    scores = randn(3, 4)
    torch.testing.assert_close(masked_softmax(scores), torch.softmax(scores, -1))
    big = torch.tensor([[1000.0, 999.0, -1000.0]], dtype=F64)
    weights = masked_softmax(big, torch.tensor([[True, True, False]]))
    assert torch.isfinite(weights).all() and weights[0, 2] == 0.0
    e = math.exp(-1.0)
    torch.testing.assert_close(weights, torch.tensor([[1 / (1 + e), e / (1 + e), 0.0]], dtype=F64))


def test_masked_softmax_errors():
    scores = randn(2, 4)
    with pytest.raises(ValueError, match="no position to attend to"):
        masked_softmax(scores, torch.tensor([[True, False, False, False], [False] * 4]))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 3\) does not fit scores of shape"):
        masked_softmax(scores, torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(TypeError, match="mask must be a bool tensor"):
        masked_softmax(scores, torch.ones(2, 4))


# ---------------------------------------------------------------- additive attention


def softmax_average_by_hand(scores, values):
    """Weights from ``scores`` {position: score} (missing positions weigh 0) and the
    weighted average of ``values`` (S, Dv)."""
    top = max(scores.values())
    exps = {j: math.exp(s - top) for j, s in scores.items()}
    total = sum(exps.values())
    weights = [exps.get(j, 0.0) / total for j in range(values.shape[0])]
    context = [
        sum(w * values[j, d].item() for j, w in enumerate(weights)) for d in range(values.shape[1])
    ]
    return context, weights


def additive_by_hand(query, keys, values, w_query, w_key, v, mask):
    """Bahdanau attention for a (B, Dq) query, one number at a time."""
    batch, source, _ = keys.shape
    a, dq, dk = w_query.shape[0], query.shape[1], keys.shape[2]
    contexts, all_weights = [], []
    for b in range(batch):
        wq = [sum(w_query[i, d].item() * query[b, d].item() for d in range(dq)) for i in range(a)]
        scores = {}
        for j in range(source):
            if mask is not None and not mask[b, j]:
                continue
            wk = [
                sum(w_key[i, d].item() * keys[b, j, d].item() for d in range(dk)) for i in range(a)
            ]
            scores[j] = sum(v[i].item() * math.tanh(wq[i] + wk[i]) for i in range(a))
        context, weights = softmax_average_by_hand(scores, values[b])
        contexts.append(context)
        all_weights.append(weights)
    return torch.tensor(contexts, dtype=F64), torch.tensor(all_weights, dtype=F64)


def small_problem(dq=3, dk=4, dv=2, a=5, batch=2, source=4):
    query = randn(batch, dq, seed=1)
    keys = randn(batch, source, dk, seed=2)
    values = randn(batch, source, dv, seed=3)
    mask = padding_mask([source, 2], source)[:batch]
    return query, keys, values, mask, a


def test_additive_attention_equals_the_hand_computation():
    query, keys, values, mask, a = small_problem()
    w_query, w_key, v = randn(a, 3, seed=4), randn(a, 4, seed=5), randn(a, seed=6)
    for m in (mask, None):
        context, weights = additive_attention(query, keys, values, w_query, w_key, v, m)
        context_ref, weights_ref = additive_by_hand(query, keys, values, w_query, w_key, v, m)
        assert context.shape == (2, 2) and weights.shape == (2, 4)
        torch.testing.assert_close(weights, weights_ref, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(context, context_ref, rtol=1e-12, atol=1e-12)
    weights = additive_attention(query, keys, values, w_query, w_key, v, mask)[1]
    assert (weights[1, 2:] == 0.0).all()  # padding gets exactly zero weight
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, dtype=F64))


def test_additive_attention_docstring_example_is_uniform():
    q, k = torch.zeros(1, 2), torch.zeros(1, 3, 2)
    w = torch.eye(2)
    weights = additive_attention(q, k, k, w, w, torch.ones(2))[1]
    torch.testing.assert_close(weights, torch.full((1, 3), 1 / 3))


def test_additive_attention_with_several_queries_agrees_per_step():
    _, keys, values, mask, a = small_problem()
    queries = randn(2, 6, 3, seed=7)  # (B, T, Dq)
    w_query, w_key, v = randn(a, 3, seed=4), randn(a, 4, seed=5), randn(a, seed=6)
    context, weights = additive_attention(queries, keys, values, w_query, w_key, v, mask)
    assert context.shape == (2, 6, 2) and weights.shape == (2, 6, 4)
    for t in range(6):
        c_t, w_t = additive_attention(queries[:, t], keys, values, w_query, w_key, v, mask)
        torch.testing.assert_close(context[:, t], c_t, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(weights[:, t], w_t, rtol=1e-12, atol=1e-12)
    assert (weights[1, :, 2:] == 0.0).all()


# ---------------------------------------------------------------- multiplicative attention


def multiplicative_by_hand(query, keys, values, weight, mask):
    """Luong attention for a (B, Dq) query: score_j = q · k_j or q · W k_j."""
    batch, source, dk = keys.shape
    dq = query.shape[1]
    contexts, all_weights = [], []
    for b in range(batch):
        scores = {}
        for j in range(source):
            if mask is not None and not mask[b, j]:
                continue
            if weight is None:
                k = [keys[b, j, d].item() for d in range(dk)]
            else:
                k = [
                    sum(weight[i, d].item() * keys[b, j, d].item() for d in range(dk))
                    for i in range(dq)
                ]
            scores[j] = sum(query[b, i].item() * k[i] for i in range(dq))
        context, weights = softmax_average_by_hand(scores, values[b])
        contexts.append(context)
        all_weights.append(weights)
    return torch.tensor(contexts, dtype=F64), torch.tensor(all_weights, dtype=F64)


@pytest.mark.parametrize("score", ["dot", "general"])
def test_multiplicative_attention_equals_the_hand_computation(score):
    dk = 3 if score == "dot" else 4
    query, keys, values, mask, _ = small_problem(dq=3, dk=dk)
    weight = None if score == "dot" else randn(3, 4, seed=8)
    for m in (mask, None):
        context, weights = multiplicative_attention(query, keys, values, weight, m)
        context_ref, weights_ref = multiplicative_by_hand(query, keys, values, weight, m)
        torch.testing.assert_close(weights, weights_ref, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(context, context_ref, rtol=1e-12, atol=1e-12)
    context, weights = multiplicative_attention(query, keys, values, weight, mask)
    assert (weights[1, 2:] == 0.0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, dtype=F64))
    # several queries at once agree with one query at a time
    queries = randn(2, 5, 3, seed=9)
    c_all, w_all = multiplicative_attention(queries, keys, values, weight, mask)
    for t in range(5):
        c_t, w_t = multiplicative_attention(queries[:, t], keys, values, weight, mask)
        torch.testing.assert_close(c_all[:, t], c_t, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(w_all[:, t], w_t, rtol=1e-12, atol=1e-12)
    assert (w_all[1, :, 2:] == 0.0).all()


def test_multiplicative_attention_docstring_example():
    k = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]], dtype=F64)
    weights = multiplicative_attention(torch.tensor([[2.0, 0.0]], dtype=F64), k, k)[1]
    e2 = math.exp(2.0)
    torch.testing.assert_close(weights, torch.tensor([[e2 / (e2 + 1), 1 / (e2 + 1)]], dtype=F64))


# ---------------------------------------------------------------- modules


def modules():
    torch.manual_seed(0)
    return [
        AdditiveAttention(3, 4, 5).double(),
        MultiplicativeAttention(3, 4, "general").double(),
        MultiplicativeAttention(4, 4, "dot").double(),
    ]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["additive", "general", "dot"])
def test_module_prepared_keys_give_the_same_result(index):
    module = modules()[index]
    dq = 4 if index == 2 else 3  # dot needs query size == key size (4)
    keys, values = randn(2, 5, 4, seed=1), randn(2, 5, 3, seed=2)
    mask = padding_mask([5, 3], 5)
    for query in (randn(2, dq, seed=3), randn(2, 6, dq, seed=4)):
        plain = module(query, keys, values, mask)
        prepared = module(query, keys, values, mask, prepared=module.prepare(keys))
        torch.testing.assert_close(prepared[0], plain[0], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(prepared[1], plain[1], rtol=1e-12, atol=1e-12)


def test_modules_use_their_own_parameters():
    additive, general, dot = modules()
    query, keys, values = randn(2, 3, seed=1), randn(2, 5, 4, seed=2), randn(2, 5, 3, seed=3)
    mask = padding_mask([5, 3], 5)
    ref = additive_attention(
        query, keys, values, additive.w_query.weight, additive.w_key.weight, additive.v, mask
    )
    got = additive(query, keys, values, mask)
    torch.testing.assert_close(got[0], ref[0], rtol=0, atol=0)
    ref = multiplicative_attention(query, keys, values, general.weight, mask)
    torch.testing.assert_close(general(query, keys, values, mask)[0], ref[0], rtol=0, atol=0)
    assert dot.weight is None and len(list(dot.parameters())) == 0
    assert general.weight.shape == (3, 4)
    assert additive.w_query.weight.shape == (5, 3) and additive.w_key.weight.shape == (5, 4)
    assert additive.v.shape == (5,)


@pytest.mark.parametrize("index", [0, 1, 2], ids=["additive", "general", "dot"])
@pytest.mark.parametrize("use_prepared", [False, True])
def test_module_ignores_keys_and_values_at_padded_positions(index, use_prepared):
    module = modules()[index]
    dq = 4 if index == 2 else 3
    query = randn(2, 6, dq, seed=1)
    keys, values = randn(2, 5, 4, seed=2), randn(2, 5, 3, seed=3)
    mask = padding_mask([5, 2], 5)
    other_keys, other_values = keys.clone(), values.clone()
    other_keys[1, 2:] = 100 * randn(3, 4, seed=4)
    other_values[1, 2:] = 1e6 * randn(3, 3, seed=5)

    def run(k, v):
        prepared = module.prepare(k) if use_prepared else None
        return module(query, k, v, mask, prepared=prepared)

    context, weights = run(keys, values)
    context2, weights2 = run(other_keys, other_values)
    assert (weights[1, :, 2:] == 0.0).all()
    torch.testing.assert_close(context2, context, rtol=0, atol=0)
    torch.testing.assert_close(weights2, weights, rtol=0, atol=0)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda q, k, v, m: multiplicative_attention(q, k[0], v, None, m),
            ValueError,
            r"keys and values must be \(batch, source length, features\).*\(5, 3\)",
        ),
        (
            lambda q, k, v, m: multiplicative_attention(q, k, v[:, :4], None, m),
            ValueError,
            r"same batch and length, got \(2, 5, 3\) and \(2, 4, 2\)",
        ),
        (
            lambda q, k, v, m: multiplicative_attention(q[:1], k, v, None, m),
            ValueError,
            r"query must be \(batch, features\) or \(batch, steps, features\) with batch 2",
        ),
        (
            lambda q, k, v, m: multiplicative_attention(q[0], k, v, None, m),
            ValueError,
            r"query must be .* got \(3,\)",
        ),
        (
            lambda q, k, v, m: multiplicative_attention(q, k, v, None, m[:, :4]),
            ValueError,
            r"mask must be \(batch, source length\) = \(2, 5\), got \(2, 4\)",
        ),
        (
            lambda q, k, v, m: multiplicative_attention(q, k, v, None, m.tolist()),
            TypeError,
            r"mask must be \(batch, source length\) = \(2, 5\), got list",
        ),
        (
            lambda q, k, v, m: multiplicative_attention(q.tolist(), k, v, None, m),
            TypeError,
            "query must be a tensor, got list",
        ),
        (
            lambda q, k, v, m: multiplicative_attention(q[:, :2], k, v, None, m),
            ValueError,
            "dot attention needs query and keys of the same size, got 2 and 3",
        ),
        (
            lambda q, k, v, m: multiplicative_attention(q, k, v, torch.zeros(3, 4), m),
            ValueError,
            r"weight must be \(Dq, Dk\) = \(3, 3\), got \(3, 4\)",
        ),
        (
            lambda q, k, v, m: additive_attention(
                q, k, v, torch.zeros(4, 2), torch.zeros(4, 3), torch.zeros(4), m
            ),
            ValueError,
            r"expected w_query \(A, 3\), w_key \(A, 3\) and v \(A,\), got \(4, 2\)",
        ),
        (
            lambda q, k, v, m: additive_attention(
                q, k, v, torch.zeros(4, 3), torch.zeros(4, 3), torch.zeros(5), m
            ),
            ValueError,
            r"and v \(A,\), got .*\(5,\)",
        ),
    ],
)
def test_shape_errors_name_the_argument_and_the_shapes(call, error, match):
    query, keys, values = torch.zeros(2, 3), torch.zeros(2, 5, 3), torch.zeros(2, 5, 2)
    mask = torch.ones(2, 5, dtype=torch.bool)
    with pytest.raises(error, match=match):
        call(query, keys, values, mask)


def test_an_empty_source_row_is_refused():
    keys = torch.zeros(2, 3, 4)
    mask = torch.tensor([[True, True, False], [False, False, False]])
    with pytest.raises(ValueError, match="no position to attend to"):
        multiplicative_attention(torch.zeros(2, 4), keys, keys, None, mask)


def test_module_construction_errors():
    with pytest.raises(ValueError, match="score must be 'dot' or 'general', got 'cosine'"):
        MultiplicativeAttention(3, 3, "cosine")
    with pytest.raises(ValueError, match="dot attention needs query_size == key_size, got 3 and 4"):
        MultiplicativeAttention(3, 4, "dot")


def test_padding_mask_accepts_integer_scalars_and_refuses_bools():
    import numpy as np

    lengths = torch.tensor([3, 1])
    expected = torch.tensor([[True, True, True, False], [True, False, False, False]])
    assert torch.equal(padding_mask(lengths, np.int64(4)), expected)
    assert torch.equal(padding_mask(lengths, lengths.max() + 1), expected)
    with pytest.raises(TypeError, match="lengths must be a non-empty 1-D sequence of ints"):
        padding_mask([True, True])
