"""Right-padded batches in seqlab.rnn: ``forward(x, mask=...)`` equals torch's packed
sequences, padding outputs zeros, bad masks are refused, and ``step`` is one step."""

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from conftest import CASES, IDS  # the seqlab.rnn modules and their torch twins
from seqlab.attention import padding_mask
from seqlab.rnn import GRU, LSTM, RNN

F64 = torch.float64
TOL = {"rtol": 1e-10, "atol": 1e-10}
LENGTHS = [3, 6, 1, 4]  # unsorted, with a full row and a length-1 row


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def initial_state(twin, layers, batch, hidden, seed=1):
    g = gen(seed)
    h0 = torch.randn(layers, batch, hidden, generator=g, dtype=F64)
    return (
        (h0, torch.randn(layers, batch, hidden, generator=g, dtype=F64)) if twin is nn.LSTM else h0
    )


@pytest.mark.parametrize(("ours", "twin", "kwargs"), CASES, ids=IDS)
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("with_h0", [False, True])
@pytest.mark.parametrize(("layers", "bias"), [(1, True), (2, True), (3, False)])
def test_masked_forward_equals_torch_packed_sequences(
    ours, twin, kwargs, batch_first, with_h0, layers, bias
):
    torch.manual_seed(0)
    ref = twin(3, 5, num_layers=layers, bias=bias, batch_first=batch_first, **kwargs).double()
    mine = ours.from_torch(ref)
    batch, length = len(LENGTHS), max(LENGTHS)
    shape = (batch, length, 3) if batch_first else (length, batch, 3)
    x = torch.randn(*shape, generator=gen(2), dtype=F64, requires_grad=True)
    mask = padding_mask(LENGTHS, length)  # (B, L) whatever batch_first is
    h0 = initial_state(twin, layers, batch, 5) if with_h0 else None

    packed = pack_padded_sequence(
        x, torch.tensor(LENGTHS), batch_first=batch_first, enforce_sorted=False
    )
    out_packed, h_ref = ref(packed, h0)
    out_ref, _ = pad_packed_sequence(out_packed, batch_first=batch_first, total_length=length)
    out, h = mine(x, h0, mask=mask)

    assert out.shape == out_ref.shape
    torch.testing.assert_close(out, out_ref, **TOL)  # real steps equal; padding both zero
    torch.testing.assert_close(h, h_ref, **TOL)  # each row's state after its last real step
    padded = ~mask if batch_first else ~mask.T
    assert padded.any()
    assert (out[padded] == 0.0).all()  # exactly zero, not merely small

    grads = torch.autograd.grad(out.square().sum(), [x, *mine.parameters()])
    grads_ref = torch.autograd.grad(out_ref.square().sum(), [x, *ref.parameters()])
    for g, g_ref in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(g, g_ref, **TOL)
    assert (grads[0][padded] == 0.0).all()  # padded inputs do not matter at all


@pytest.mark.parametrize(("ours", "twin", "kwargs"), CASES, ids=IDS)
def test_each_row_of_a_padded_batch_equals_that_row_alone(ours, twin, kwargs):
    torch.manual_seed(0)
    mine = ours(3, 4, num_layers=2, **kwargs).double()
    x = torch.randn(len(LENGTHS), max(LENGTHS), 3, generator=gen(3), dtype=F64)
    out, h = mine(x, mask=padding_mask(LENGTHS))
    for b, n in enumerate(LENGTHS):
        alone, h_alone = mine(x[b : b + 1, :n])
        torch.testing.assert_close(out[b, :n], alone[0], **TOL)
        if twin is nn.LSTM:
            torch.testing.assert_close(h[0][:, b], h_alone[0][:, 0], **TOL)
            torch.testing.assert_close(h[1][:, b], h_alone[1][:, 0], **TOL)
        else:
            torch.testing.assert_close(h[:, b], h_alone[:, 0], **TOL)


def test_an_all_true_mask_changes_nothing():
    torch.manual_seed(0)
    lstm = LSTM(3, 4, num_layers=2).double()
    x = torch.randn(2, 5, 3, dtype=F64)
    out, (h, c) = lstm(x)
    out_m, (h_m, c_m) = lstm(x, mask=torch.ones(2, 5, dtype=torch.bool))
    torch.testing.assert_close(out_m, out, rtol=0, atol=0)
    torch.testing.assert_close(h_m, h, rtol=0, atol=0)
    torch.testing.assert_close(c_m, c, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("mask", "error", "match"),
    [
        (torch.ones(2, 4), TypeError, r"mask must be a bool tensor \(True on real steps\)"),
        (torch.ones(2, 4, dtype=torch.long), TypeError, "mask must be a bool tensor"),
        ([[True] * 4] * 2, TypeError, "mask must be a bool tensor"),
        (
            torch.ones(2, 3, dtype=torch.bool),
            ValueError,
            r"mask must have shape \(batch, length\) = \(2, 4\), got \(2, 3\)",
        ),
        (
            torch.ones(4, 2, dtype=torch.bool),
            ValueError,
            r"mask must have shape \(batch, length\) = \(2, 4\), got \(4, 2\)",
        ),
        (
            torch.tensor([[True] * 4, [False] * 4]),
            ValueError,
            "mask has an empty sequence",
        ),
        (
            torch.tensor([[True] * 4, [False, True, True, False]]),
            ValueError,
            r"mask must be True on a prefix of each row \(right padding\)",  # left padding
        ),
        (
            torch.tensor([[True] * 4, [True, False, True, False]]),
            ValueError,
            r"mask must be True on a prefix of each row \(right padding\)",
        ),
    ],
    ids=["float", "long", "list", "short", "transposed", "empty-row", "left-pad", "holes"],
)
@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_bad_masks_are_refused(cls, mask, error, match):
    with pytest.raises(error, match=match):
        cls(3, 5)(torch.randn(2, 4, 3), mask=mask)


def test_mask_is_batch_by_length_even_when_not_batch_first():
    gru = GRU(3, 5, batch_first=False)
    x = torch.randn(4, 2, 3)  # (L, B, input)
    with pytest.raises(ValueError, match=r"= \(2, 4\), got \(4, 2\)"):
        gru(x, mask=torch.ones(4, 2, dtype=torch.bool))
    out, _ = gru(x, mask=padding_mask([4, 2], 4))
    assert (out[2:, 1] == 0.0).all() and (out[:, 0] != 0.0).any()


# ---------------------------------------------------------------- step


@pytest.mark.parametrize(("ours", "twin", "kwargs"), CASES, ids=IDS)
@pytest.mark.parametrize("bias", [True, False])
def test_step_equals_forward_on_one_step(ours, twin, kwargs, bias):
    torch.manual_seed(0)
    mine = ours(3, 5, bias=bias, **kwargs).double()
    x = torch.randn(4, 3, generator=gen(4), dtype=F64)
    state = initial_state(twin, 1, 4, 5, seed=5)
    out, h_n = mine(x[:, None], state)
    step_state = tuple(s[0] for s in state) if twin is nn.LSTM else state[0]
    new = mine.step(x, step_state)
    if twin is nn.LSTM:
        torch.testing.assert_close(new[0], out[:, 0], **TOL)
        torch.testing.assert_close(new[0], h_n[0][0], **TOL)
        torch.testing.assert_close(new[1], h_n[1][0], **TOL)
    else:
        torch.testing.assert_close(new, out[:, 0], **TOL)
        torch.testing.assert_close(new, h_n[0], **TOL)


@pytest.mark.parametrize(("ours", "twin", "kwargs"), CASES, ids=IDS)
def test_stepping_through_a_sequence_equals_forward(ours, twin, kwargs):
    torch.manual_seed(0)
    mine = ours(3, 5, **kwargs).double()
    x = torch.randn(2, 6, 3, generator=gen(6), dtype=F64)
    out, _ = mine(x)
    zeros = torch.zeros(2, 5, dtype=F64)
    state = (zeros, zeros) if twin is nn.LSTM else zeros
    for t in range(6):
        state = mine.step(x[:, t], state)
        h = state[0] if twin is nn.LSTM else state
        torch.testing.assert_close(h, out[:, t], **TOL)


def test_step_errors():
    with pytest.raises(ValueError, match="step needs a one-layer module, this one has 2"):
        GRU(3, 5, num_layers=2).step(torch.randn(2, 3), torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"x_t must have shape \(batch, 3\), got \(2, 4\)"):
        GRU(3, 5).step(torch.randn(2, 4), torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"x_t must have shape \(batch, 3\), got \(2, 1, 3\)"):
        RNN(3, 5).step(torch.randn(2, 1, 3), torch.zeros(2, 5))
