"""seqlab.linear: the parallel, recurrent and chunked forms of linear attention agree; the
state is constant in size; minGRU's parallel scan equals its loop; the LM's step-by-step
generation equals its parallel forward; bad input is refused."""

import pytest
import torch

from seqlab.linear import (
    LinearState,
    LinearTransformerLM,
    MinGRU,
    MinGRULM,
    linear_attention,
    parallel_scan,
    sequential_scan,
)

SHAPES = [(1, 1, 1, 4, 4), (2, 3, 17, 8, 5), (4, 2, 130, 16, 16), (2, 1, 64, 32, 8)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("feature_map", ["elu", "relu"])
def test_parallel_recurrent_and_chunked_forms_agree(shape, feature_map):
    b, h, length, dk, dv = shape
    g = torch.Generator().manual_seed(sum(shape))
    q, k = torch.randn(b, h, length, dk, generator=g), torch.randn(b, h, length, dk, generator=g)
    v = torch.randn(b, h, length, dv, generator=g)
    parallel = linear_attention(q, k, v, form="parallel", feature_map=feature_map)
    assert parallel.shape == (b, h, length, dv)
    for form, options in (("recurrent", {}), ("chunked", {"chunk_size": 7}), ("chunked", {})):
        other = linear_attention(q, k, v, form=form, feature_map=feature_map, **options)
        torch.testing.assert_close(other, parallel, atol=1e-5, rtol=1e-5)


def test_parallel_form_is_softmax_free_attention_written_out():
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(6, 4, generator=g) for _ in range(3))
    fq, fk = torch.nn.functional.elu(q) + 1, torch.nn.functional.elu(k) + 1
    expected = torch.stack(
        [
            sum((fq[t] @ fk[s]) * v[s] for s in range(t + 1))
            / sum(fq[t] @ fk[s] for s in range(t + 1))
            for t in range(6)
        ]
    )
    torch.testing.assert_close(linear_attention(q, k, v), expected, atol=1e-5, rtol=1e-5)
    everything = linear_attention(q, k, v, causal=False)
    torch.testing.assert_close(everything[-1], expected[-1], atol=1e-5, rtol=1e-5)
    perm = torch.randperm(6, generator=g)  # without a mask, the order of keys is invisible
    torch.testing.assert_close(linear_attention(q, k[perm], v[perm], causal=False), everything)


def test_causal_output_does_not_see_the_future():
    g = torch.Generator().manual_seed(1)
    q, k, v = (torch.randn(1, 10, 4, generator=g) for _ in range(3))
    before = linear_attention(q, k, v)
    k2, v2 = k.clone(), v.clone()
    k2[:, 6:], v2[:, 6:] = torch.randn(1, 4, 4), torch.randn(1, 4, 4)
    torch.testing.assert_close(linear_attention(q, k2, v2)[:, :6], before[:, :6])


def test_the_state_does_not_grow_with_the_context():
    g = torch.Generator().manual_seed(2)
    fk, v = torch.rand(2, 3, 1, 8, generator=g), torch.randn(2, 3, 1, 5, generator=g)
    state = LinearState.empty(fk, v)
    size = state.nbytes()
    for _ in range(50):
        state = state.update(fk[..., 0, :], v[..., 0, :])
    assert state.nbytes() == size == (2 * 3 * 8 * 5 + 2 * 3 * 8) * 4


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"form": "fast"}, "form must be one of"),
        ({"feature_map": "tanh"}, "feature_map must be a function or one of"),
        ({"chunk_size": 0}, "chunk_size must be a positive int"),
    ],
)
def test_bad_options_are_refused(kwargs, match):
    q = torch.randn(1, 3, 4)
    with pytest.raises(ValueError, match=match):
        linear_attention(q, q, q, **kwargs)


def test_bad_shapes_are_refused():
    q = torch.randn(1, 3, 4)
    with pytest.raises(ValueError, match="q and k must have the same shape"):
        linear_attention(q, torch.randn(1, 3, 5), q)
    with pytest.raises(ValueError, match="v must be"):
        linear_attention(q, q, torch.randn(1, 2, 4))
    with pytest.raises(ValueError, match="the sequence is empty"):
        empty = torch.randn(1, 0, 4)
        linear_attention(empty, empty, empty)
    with pytest.raises(ValueError, match="float tensor"):
        linear_attention(q.long(), q, q)


@pytest.mark.parametrize("length", [1, 5, 64, 300])
def test_min_gru_parallel_scan_equals_its_loop(length):
    torch.manual_seed(length)
    model = MinGRU(5, 7)
    x = torch.randn(3, length, 5)
    torch.testing.assert_close(model(x), model(x, form="sequential"), atol=1e-5, rtol=1e-4)


def test_parallel_scan_solves_the_recurrence():
    g = torch.Generator().manual_seed(3)
    a, b = torch.rand(2, 40, 3, generator=g), torch.rand(2, 40, 3, generator=g) + 0.1
    torch.testing.assert_close(parallel_scan(a.log(), b.log()), sequential_scan(a, b))


def test_min_gru_refuses_bad_input():
    model = MinGRU(2, 3)
    with pytest.raises(ValueError, match="x must be"):
        model(torch.randn(1, 0, 2))
    with pytest.raises(ValueError, match="form must be"):
        model(torch.randn(1, 2, 2), form="fast")


def test_linear_lm_steps_equal_its_parallel_forward():
    tokens = torch.randint(0, 11, (2, 9), generator=torch.Generator().manual_seed(0))
    for positional in ("sinusoidal", "none"):
        torch.manual_seed(0)
        lm = LinearTransformerLM(11, d_model=16, n_heads=2, d_ff=32, positional=positional).eval()
        state, logits = None, []
        for t in range(9):
            step, state = lm.step(tokens[:, t : t + 1], state)
            logits.append(step)
        torch.testing.assert_close(torch.stack(logits, 1), lm(tokens), atol=1e-5, rtol=1e-5)
        assert state["position"] == 9
        assert len(state["layers"]) == 2
        assert all(isinstance(s, LinearState) for s in state["layers"])


def test_linear_lm_refuses_bad_tokens():
    lm = LinearTransformerLM(5, d_model=8, n_heads=2, d_ff=16)
    with pytest.raises(ValueError, match="ids must be in \\[0, 4\\]"):
        lm(torch.tensor([[1, 5]]))
    with pytest.raises(ValueError, match="tokens is empty"):
        lm(torch.zeros(1, 0, dtype=torch.long))
    with pytest.raises(TypeError, match="int64 tensor"):
        lm(torch.zeros(2, 3))


def test_min_gru_lm_trains_through_the_scan_and_equals_its_loop():
    torch.manual_seed(0)
    lm = MinGRULM(7, d_embed=8, hidden_size=16)
    tokens = torch.randint(0, 7, (3, 20))
    torch.testing.assert_close(lm(tokens), lm(tokens, form="sequential"), atol=1e-5, rtol=1e-4)
    loss = torch.nn.functional.cross_entropy(lm(tokens).flatten(0, 1), tokens.flatten())
    loss.backward()
    grads = [p.grad for p in lm.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert lm.embed.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="ids must be in \\[0, 6\\]"):
        lm(torch.tensor([[7]]))
