"""seqlab.rnn equals torch.nn's RNN, LSTM and GRU in outputs and gradients."""

import pytest
import torch
from torch import nn

from conftest import CASES, IDS  # the seqlab.rnn modules and their torch twins
from seqlab.diagnostics import state_gradient_norms
from seqlab.rnn import GRU, LSTM, RNN


def initial_state(twin, layers, batch, hidden, dtype):
    h0 = torch.randn(layers, batch, hidden, dtype=dtype)
    return (h0, torch.randn_like(h0)) if twin is nn.LSTM else h0


@pytest.mark.parametrize(("ours", "twin", "kwargs"), CASES, ids=IDS)
@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-10), (torch.float32, 1e-5)])
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("with_h0", [False, True])
@pytest.mark.parametrize(("layers", "input_size", "hidden"), [(1, 4, 6), (2, 3, 8), (3, 5, 2)])
def test_outputs_and_gradients_match_torch(
    ours, twin, kwargs, dtype, tol, batch_first, with_h0, layers, input_size, hidden
):
    torch.manual_seed(0)
    ref = twin(input_size, hidden, num_layers=layers, batch_first=batch_first, **kwargs)
    ref = ref.to(dtype)
    mine = ours.from_torch(ref)
    x = torch.randn(3, 5, input_size, dtype=dtype, requires_grad=True)
    batch = 3 if batch_first else 5
    h0 = initial_state(twin, layers, batch, hidden, dtype) if with_h0 else None
    out_ref, h_ref = ref(x, h0)
    out, h = mine(x, h0)
    torch.testing.assert_close(out, out_ref, atol=tol, rtol=tol)
    torch.testing.assert_close(h, h_ref, atol=tol, rtol=tol)
    loss_ref = out_ref.square().sum()
    loss = out.square().sum()
    grads_ref = torch.autograd.grad(loss_ref, [x, *ref.parameters()])
    grads = torch.autograd.grad(loss, [x, *mine.parameters()])
    for g, g_ref in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(g, g_ref, atol=tol, rtol=tol)


def test_without_bias_matches_torch():
    torch.manual_seed(0)
    ref = nn.GRU(3, 5, bias=False, batch_first=True)
    x = torch.randn(2, 4, 3)
    torch.testing.assert_close(GRU.from_torch(ref)(x)[0], ref(x)[0])


def test_state_is_carried_across_calls():
    """Running a sequence in two halves, passing h_n on, equals running it at once."""
    torch.manual_seed(0)
    lstm = LSTM(3, 5)
    x = torch.randn(2, 8, 3)
    whole, _ = lstm(x)
    first, state = lstm(x[:, :4])
    second, _ = lstm(x[:, 4:], state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m: m(torch.randn(2, 5)), ValueError, "x must have shape"),
        (lambda m: m(torch.randn(2, 5, 7)), ValueError, "input_size=4"),
        (lambda m: m(torch.randn(2, 0, 4)), ValueError, "empty sequence"),
        (lambda m: m([[1.0]]), TypeError, "x must be a tensor"),
        (lambda m: m(torch.randn(2, 5, 4), torch.zeros(1, 3, 6)), ValueError, "h0 must have"),
    ],
)
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call(RNN(4, 6))


def test_bad_construction_and_twins():
    with pytest.raises(ValueError, match="hidden_size"):
        GRU(4, 0)
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(4, 6, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match=r"expects nn\.LSTM"):
        LSTM.from_torch(nn.GRU(4, 6))
    with pytest.raises(ValueError, match="bidirectional"):
        GRU.from_torch(nn.GRU(4, 6, bidirectional=True))
    with pytest.raises(TypeError, match="pair"):
        LSTM(4, 6)(torch.randn(1, 2, 4), torch.zeros(1, 1, 6))


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_state_gradient_norms_match_restarting_from_each_state(cls):
    """||dL/dh_t|| equals the gradient w.r.t. h0 when the sequence restarts after step t."""
    torch.manual_seed(0)
    module = cls(3, 4)
    x = torch.randn(2, 6, 3)
    norms = state_gradient_norms(module, x)
    assert norms.shape == (6,)
    torch.testing.assert_close(norms[-1], torch.tensor(8**0.5))  # dL/dh_L = ones (2, 4)
    for t in (0, 3):
        _, state = module(x[:, : t + 1])
        h = (state[0] if cls is LSTM else state).detach().requires_grad_()
        restart = (h, state[1].detach()) if cls is LSTM else h
        out, _ = module(x[:, t + 1 :], restart)
        out[:, -1].sum().backward()
        torch.testing.assert_close(norms[t], h.grad.norm())


def test_language_model_generation():
    from seqlab.data import CharVocab
    from seqlab.rnn import RNNLM, RNNLMConfig

    vocab = CharVocab.from_text("abcdef ")
    torch.manual_seed(0)
    lm = RNNLM(RNNLMConfig(vocab_size=len(vocab), d_embed=4, hidden_size=8, cell="gru"))
    text = lm.generate("abc", 10, temperature=0.0, vocab=vocab)
    assert text.startswith("abc") and len(text) == 13
    assert lm.generate("abc", 10, temperature=0.0, vocab=vocab) == text  # greedy: same
    # carrying the state token by token equals recomputing the whole sequence
    ids = vocab.encode(text)
    full, _ = lm(ids[None])
    assert all(full[0, t].argmax() == ids[t + 1] for t in range(2, len(ids) - 1))
    with pytest.raises(ValueError, match="prompt is empty"):
        lm.generate("", 5, vocab=vocab)
    with pytest.raises(ValueError, match="needs vocab"):
        lm.generate("abc", 5)
    with pytest.raises(ValueError, match="temperature"):
        lm.generate("abc", 5, temperature=-1.0, vocab=vocab)
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 6\]"):
        lm(torch.tensor([[0, 7]]))
    with pytest.raises(ValueError, match=r"int64 tensor \(batch, length\)"):
        lm(torch.zeros(3, dtype=torch.long))


def test_set_spectral_radius():
    from seqlab.diagnostics import set_spectral_radius

    rnn = RNN(3, 16)
    w = set_spectral_radius(rnn, 0.7, torch.Generator().manual_seed(0))
    radius = torch.linalg.eigvals(w.double()).abs().max().item()
    assert radius == pytest.approx(0.7, rel=1e-5)
    with pytest.raises(ValueError, match="rho must be positive"):
        set_spectral_radius(rnn, 0.0)
    with pytest.raises(ValueError, match="one-layer"):
        set_spectral_radius(GRU(3, 4), 0.5)


def test_linear_regime_gradients_shrink_like_rho_to_the_lag():
    """With zero input the tanh RNN stays at h = 0, where dh_t+1/dh_t = W_hh exactly."""
    from seqlab.diagnostics import set_spectral_radius

    torch.manual_seed(0)
    rnn = RNN(2, 8, bias=False)
    w = set_spectral_radius(rnn, 0.5, torch.Generator().manual_seed(1))
    norms = state_gradient_norms(rnn, torch.zeros(1, 12, 2))
    for k in (1, 5, 11):  # dL/dh_{L-k} = (W^T)^k 1
        expected = torch.linalg.matrix_power(w.T, k) @ torch.ones(8)
        torch.testing.assert_close(norms[-1 - k], expected.norm())


def test_gate_trace_reproduces_the_states():
    from seqlab.diagnostics import gate_trace

    torch.manual_seed(0)
    x = torch.randn(2, 7, 3)
    lstm = LSTM(3, 5)
    gates = gate_trace(lstm, x)
    out, (_, c_n) = lstm(x)
    torch.testing.assert_close(gates["h"], out)
    torch.testing.assert_close(gates["c"][:, -1], c_n[0])
    c_prev = torch.cat([torch.zeros(2, 1, 5), gates["c"][:, :-1]], dim=1)
    rebuilt = gates["forget"] * c_prev + gates["input"] * gates["candidate"]
    torch.testing.assert_close(rebuilt, gates["c"])
    for name in ("input", "forget", "output"):
        assert 0 < gates[name].min() and gates[name].max() < 1
    gru = GRU(3, 5)
    trace = gate_trace(gru, x)
    torch.testing.assert_close(trace["h"], gru(x)[0])
    h_prev = torch.cat([torch.zeros(2, 1, 5), trace["h"][:, :-1]], dim=1)
    mixed = (1 - trace["update"]) * trace["candidate"] + trace["update"] * h_prev
    torch.testing.assert_close(mixed, trace["h"])
    assert "c" not in trace
    with pytest.raises(ValueError, match="one-layer"):
        gate_trace(RNN(3, 5), x)


def test_regressor_reads_the_last_state():
    from seqlab.rnn import RNNRegressor

    torch.manual_seed(0)
    model = RNNRegressor("gru", 2, 5)
    x = torch.randn(4, 7, 2)
    expected = model.head(model.rnn(x)[0][:, -1]).squeeze(-1)
    torch.testing.assert_close(model(x), expected)
    assert model(x).shape == (4,)
    with pytest.raises(ValueError, match="cell must be one of"):
        RNNRegressor("transformer", 2, 5)


def test_forget_bias_sets_the_forget_slice_only():
    """The forget slices of b_ih + b_hh sum to forget_bias in every layer; the other
    gates keep exactly the values torch's init gives with the same seed."""
    from seqlab.rnn import init_forget_bias

    torch.manual_seed(0)
    plain = LSTM(3, 5, num_layers=2, forget_bias=None)
    torch.manual_seed(0)
    biased = LSTM(3, 5, num_layers=2, forget_bias=1.5)
    h = 5
    for k in range(2):
        b_ih, b_hh = getattr(biased, f"bias_ih_l{k}"), getattr(biased, f"bias_hh_l{k}")
        torch.testing.assert_close(b_ih[h : 2 * h] + b_hh[h : 2 * h], torch.full((h,), 1.5))
        for name in ("bias_ih", "bias_hh"):
            ours, ref = getattr(biased, f"{name}_l{k}"), getattr(plain, f"{name}_l{k}")
            keep = torch.ones(4 * h, dtype=torch.bool)
            keep[h : 2 * h] = False  # i, g and o untouched
            torch.testing.assert_close(ours[keep], ref[keep])
    for name, p in plain.named_parameters():
        if name.startswith("weight"):
            torch.testing.assert_close(p, getattr(biased, name))
    assert LSTM(3, 5).bias_ih_l0[5:10].eq(1.0).all()  # the default is +1
    reference = nn.LSTM(3, 5)
    init_forget_bias(reference, -2.0)  # works on torch's LSTM too
    assert (reference.bias_ih_l0[5:10] + reference.bias_hh_l0[5:10]).eq(-2.0).all()
    with pytest.raises(TypeError, match="forget_bias"):
        LSTM(3, 5, forget_bias="one")


def test_from_torch_copies_the_forget_bias_exactly():
    torch.manual_seed(0)
    ref = nn.LSTM(3, 5, batch_first=True)
    mine = LSTM.from_torch(ref)
    for name, p in ref.named_parameters():
        assert torch.equal(getattr(mine, name), p)


def test_tied_weights_share_storage_and_save_vocab_times_d():
    from seqlab.rnn import RNNLM, RNNLMConfig

    def count(m):
        return sum(p.numel() for p in m.parameters())

    untied = RNNLM(RNNLMConfig(vocab_size=11, d_embed=8, hidden_size=8))
    tied = RNNLM(RNNLMConfig(vocab_size=11, d_embed=8, hidden_size=8, tie_weights=True))
    assert tied.head.weight.data_ptr() == tied.embed.weight.data_ptr()
    assert count(untied) - count(tied) == 11 * 8
    with pytest.raises(ValueError, match="d_embed == hidden_size"):
        RNNLM(RNNLMConfig(vocab_size=11, d_embed=8, hidden_size=16, tie_weights=True))


def test_dropout_changes_outputs_in_train_mode_only():
    from seqlab.rnn import RNNLM, RNNLMConfig

    torch.manual_seed(0)
    lm = RNNLM(RNNLMConfig(vocab_size=7, d_embed=6, hidden_size=10, dropout=0.5))
    plain = RNNLM(RNNLMConfig(vocab_size=7, d_embed=6, hidden_size=10))
    plain.load_state_dict(lm.state_dict())
    tokens = torch.randint(0, 7, (3, 9))
    lm.train()
    assert not torch.allclose(lm(tokens)[0], lm(tokens)[0])
    lm.eval()
    torch.testing.assert_close(lm(tokens)[0], plain(tokens)[0])
    with pytest.raises(ValueError, match="dropout"):
        RNNLM(RNNLMConfig(vocab_size=7, dropout=1.0))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_torch_implementation_computes_what_the_teaching_one_does(cell):
    from seqlab.rnn import RNNLM, RNNLMConfig, implementation

    torch.manual_seed(0)
    ours = RNNLM(RNNLMConfig(vocab_size=11, d_embed=6, hidden_size=8, num_layers=2, cell=cell))
    theirs = RNNLM(
        RNNLMConfig(vocab_size=11, d_embed=6, hidden_size=8, num_layers=2, cell=cell, impl="torch")
    )
    theirs.load_state_dict(ours.state_dict())  # the same names and shapes
    assert implementation(ours) == f"seqlab.rnn.{cell.upper()}"
    assert implementation(theirs) == f"torch.nn.{cell.upper()}"
    tokens = torch.randint(0, 11, (3, 7))
    (a, state_a), (b, state_b) = ours(tokens), theirs(tokens)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(state_a, state_b, atol=1e-5, rtol=1e-5)
    a.sum().backward()
    b.sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, atol=1e-5, rtol=1e-4, msg=name)


def test_the_torch_lstm_gets_the_same_forget_bias_and_a_bad_impl_is_named():
    from seqlab.rnn import RNNLM, RNNLMConfig

    lm = RNNLM(RNNLMConfig(vocab_size=5, hidden_size=4, impl="torch", forget_bias=2.0))
    torch.testing.assert_close(
        lm.rnn.bias_ih_l0[4:8] + lm.rnn.bias_hh_l0[4:8], torch.full((4,), 2.0)
    )
    with pytest.raises(ValueError, match="impl must be one of"):
        RNNLM(RNNLMConfig(vocab_size=5, impl="cuda"))
