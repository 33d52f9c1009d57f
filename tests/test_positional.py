"""Position encodings: the sinusoidal formula written out, the learned table, and the
rotary embedding's rotation and relative-position property."""

import math

import pytest
import torch

from seqlab.positional import (
    LearnedPositionalEmbedding,
    RotaryEmbedding,
    SinusoidalEncoding,
    sinusoidal_encoding,
)

F64 = torch.float64
TOL64 = {"rtol": 1e-10, "atol": 1e-10}


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed=0, dtype=F64):
    return torch.randn(*shape, generator=gen(seed), dtype=dtype)


def pe_by_hand(max_len, d_model, base=10000.0):
    rows = []
    for p in range(max_len):
        row = []
        for j in range(d_model):
            i = j // 2  # the pair (2i, 2i + 1)
            angle = p / base ** (2 * i / d_model)
            row.append(math.sin(angle) if j % 2 == 0 else math.cos(angle))
        rows.append(row)
    return torch.tensor(rows, dtype=F64)


# ---------------------------------------------------------------- sinusoidal_encoding


@pytest.mark.parametrize(("max_len", "d_model"), [(1, 1), (20, 8), (17, 7), (50, 3), (5, 2)])
def test_sinusoidal_encoding_equals_the_formula(max_len, d_model):
    pe = sinusoidal_encoding(max_len, d_model)
    assert pe.shape == (max_len, d_model) and pe.dtype == torch.float32
    torch.testing.assert_close(pe, pe_by_hand(max_len, d_model).float(), rtol=0, atol=1e-7)
    assert pe.abs().max() <= 1.0
    # position 0: sin 0 = 0 on even features, cos 0 = 1 on odd ones
    assert pe[0, 0::2].eq(0).all() and pe[0, 1::2].eq(1).all()


def test_sinusoidal_encoding_base_and_docstring_example():
    torch.testing.assert_close(
        sinusoidal_encoding(6, 4, base=100.0), pe_by_hand(6, 4, base=100.0).float()
    )
    torch.testing.assert_close(
        sinusoidal_encoding(3, 4)[1],
        torch.tensor([math.sin(1), math.cos(1), math.sin(0.01), math.cos(0.01)]),
    )


@pytest.mark.parametrize(
    ("max_len", "d_model", "error", "match"),
    [
        (0, 4, ValueError, "max_len must be a positive int, got 0"),
        (-1, 4, ValueError, "max_len must be a positive int, got -1"),
        (2.5, 4, TypeError, "max_len must be a positive int, got 2.5"),
        (True, 4, TypeError, "max_len must be a positive int, got True"),
        (4, 0, ValueError, "d_model must be a positive int, got 0"),
        (4, 3.0, TypeError, "d_model must be a positive int, got 3.0"),
    ],
)
def test_sinusoidal_encoding_rejects_bad_sizes(max_len, d_model, error, match):
    with pytest.raises(error, match=match):
        sinusoidal_encoding(max_len, d_model)


def test_sinusoidal_dot_product_depends_only_on_the_offset():
    d = 16
    pe = sinusoidal_encoding(80, d)
    freqs = [10000.0 ** (-2 * i / d) for i in range(d // 2)]
    for k in (0, 1, 3, 10, 25):
        dots = torch.stack([pe[p] @ pe[p + k] for p in (0, 5, 17, 40, 80 - 1 - k)])
        # sin(a)sin(b) + cos(a)cos(b) = cos(a - b): a sum of cos(k w_i), whatever p is
        expected = sum(math.cos(k * w) for w in freqs)
        torch.testing.assert_close(dots, torch.full_like(dots, expected), rtol=0, atol=1e-5)


# ---------------------------------------------------------------- SinusoidalEncoding


def test_sinusoidal_module_adds_the_code_within_and_beyond_max_len_and_at_an_offset():
    enc = SinusoidalEncoding(8, 6)
    assert list(enc.parameters()) == [] and "pe" not in enc.state_dict()
    x = randn(2, 5, 6)
    torch.testing.assert_close(enc(x), x + sinusoidal_encoding(8, 6)[:5].double(), **TOL64)
    longer = randn(2, 12, 6, seed=1)  # beyond max_len: computed on the fly
    torch.testing.assert_close(enc(longer), longer + sinusoidal_encoding(12, 6).double(), **TOL64)
    for offset in (0, 3, 6, 20):  # 6 + 5 and 20 + 5 pass max_len
        torch.testing.assert_close(
            enc(x, offset=offset) - x,
            sinusoidal_encoding(offset + 5, 6)[offset:].double().expand_as(x),
            **TOL64,
        )
    # the code keeps the input's dtype
    assert enc(x.float()).dtype == torch.float32 and enc(x).dtype == F64


def test_sinusoidal_module_rejects_wrong_shapes():
    enc = SinusoidalEncoding(8, 6)
    with pytest.raises(ValueError, match=r"x must be \(batch, length, 6\), got \(2, 5, 4\)"):
        enc(torch.zeros(2, 5, 4))
    with pytest.raises(ValueError, match=r"x must be \(batch, length, 6\), got \(5, 6\)"):
        enc(torch.zeros(5, 6))
    with pytest.raises(ValueError, match="d_model must be a positive int"):
        SinusoidalEncoding(8, 0)


# ---------------------------------------------------------------- LearnedPositionalEmbedding


def test_learned_embedding_adds_its_rows_and_learns_only_those_used():
    torch.manual_seed(0)
    emb = LearnedPositionalEmbedding(10, 4)
    assert emb.weight.shape == (10, 4)
    x = torch.randn(3, 6, 4)
    torch.testing.assert_close(emb(x), x + emb.weight[:6], rtol=0, atol=0)
    torch.testing.assert_close(emb(x, offset=4), x + emb.weight[4:10], rtol=0, atol=0)
    torch.testing.assert_close(emb(x[:, :2], offset=2), x[:, :2] + emb.weight[2:4])
    upstream = torch.randn(3, 6, 4)
    (emb(x, offset=2) * upstream).sum().backward()
    expected = torch.zeros(10, 4)
    expected[2:8] = upstream.sum(0)
    torch.testing.assert_close(emb.weight.grad, expected)


def test_learned_embedding_refuses_positions_past_max_len():
    emb = LearnedPositionalEmbedding(5, 4)
    emb(torch.zeros(1, 5, 4))  # exactly max_len is fine
    with pytest.raises(ValueError, match=r"cover 5 positions \(max_len\).*reaches position 6"):
        emb(torch.zeros(1, 6, 4))
    with pytest.raises(ValueError, match=r"cover 5 positions \(max_len\).*reaches position 7"):
        emb(torch.zeros(1, 3, 4), offset=4)
    with pytest.raises(ValueError, match=r"x must be \(batch, length, 4\), got \(1, 3, 5\)"):
        emb(torch.zeros(1, 3, 5))
    with pytest.raises(TypeError, match=r"x must be \(batch, length, 4\), got list"):
        emb([[0.0] * 4])
    with pytest.raises(ValueError, match="max_len must be a positive int, got 0"):
        LearnedPositionalEmbedding(0, 4)


# ---------------------------------------------------------------- RotaryEmbedding


def test_rope_rotates_each_pair_and_keeps_its_norm():
    rope = RotaryEmbedding(8)
    x = randn(2, 3, 11, 8)
    y = rope(x)
    assert y.shape == x.shape and y.dtype == F64
    pair_norm = lambda t: t.unflatten(-1, (4, 2)).norm(dim=-1)  # noqa: E731
    torch.testing.assert_close(pair_norm(y), pair_norm(x), **TOL64)
    # position 0 turns by 0: unchanged
    torch.testing.assert_close(y[..., 0, :], x[..., 0, :], rtol=0, atol=0)
    assert (y[..., 1:, :] - x[..., 1:, :]).abs().max() > 1e-2


def test_rope_equals_a_hand_rotation_on_dim_4():
    rope = RotaryEmbedding(4)
    x = randn(5, 4, seed=3)
    y = rope(x)
    for p in range(5):
        expected = []
        for i, freq in enumerate((1.0, 10000.0**-0.5)):  # base^(-2i/dim), i = 0, 1
            c, s = math.cos(p * freq), math.sin(p * freq)
            a, b = x[p, 2 * i].item(), x[p, 2 * i + 1].item()
            expected += [a * c - b * s, a * s + b * c]
        torch.testing.assert_close(y[p], torch.tensor(expected, dtype=F64), **TOL64)
    torch.testing.assert_close(
        rope.angles(3, offset=2)[:, 1], torch.tensor([2.0, 3, 4], dtype=F64) / 100
    )


def test_rope_scores_depend_only_on_the_offset_between_positions():
    rope = RotaryEmbedding(8)
    q, k = randn(1, 8, seed=1), randn(1, 8, seed=2)

    def score(i, j):
        return (rope(q, offset=i) @ rope(k, offset=j).T).item()

    for i, j in ((0, 0), (3, 1), (2, 7), (10, 4)):
        reference = score(i, j)
        for shift in (1, 5, 33, 250):
            assert score(i + shift, j + shift) == pytest.approx(reference, abs=1e-10, rel=1e-10)
    # and the offset does matter
    assert abs(score(3, 1) - score(1, 3)) > 1e-3


def test_rope_offset_equals_slicing_a_longer_sequence():
    rope = RotaryEmbedding(6)
    x = randn(2, 12, 6)
    full = rope(x)
    for offset, length in ((0, 4), (3, 5), (11, 1)):
        torch.testing.assert_close(
            rope(x[:, offset : offset + length], offset=offset),
            full[:, offset : offset + length],
            **TOL64,
        )


def test_rope_errors():
    with pytest.raises(ValueError, match=r"dim must be even .*got 5"):
        RotaryEmbedding(5)
    with pytest.raises(ValueError, match="dim must be a positive int, got 0"):
        RotaryEmbedding(0)
    rope = RotaryEmbedding(4)
    with pytest.raises(ValueError, match=r"x must be \(\.\.\., length, 4\), got \(3, 6\)"):
        rope(torch.zeros(3, 6))
    with pytest.raises(ValueError, match=r"x must be \(\.\.\., length, 4\), got \(4,\)"):
        rope(torch.zeros(4))


@pytest.mark.parametrize(
    ("offset", "error"), [(-1, ValueError), (1.5, TypeError), (True, TypeError)]
)
def test_offsets_must_be_positions(offset, error):
    x = torch.zeros(1, 3, 4)
    for module in (SinusoidalEncoding(8, 4), LearnedPositionalEmbedding(8, 4)):
        with pytest.raises(error, match="offset must be an int >= 0"):
            module(x, offset=offset)
    with pytest.raises(error, match="offset must be an int >= 0"):
        RotaryEmbedding(4)(x, offset=offset)
