"""The checkers accept right answers and reject wrong ones with a useful reason."""

import pytest
import torch

from seqlab.exercises import Feedback, check_close, check_function, check_softmax


def stable_softmax(x):
    z = torch.exp(x - x.max())
    return z / z.sum()


def test_reference_solution_is_accepted(capsys):
    feedback = check_softmax(stable_softmax)
    assert feedback
    assert capsys.readouterr().out.startswith("Correct")


def test_naive_softmax_is_rejected_for_overflow(capsys):
    feedback = check_softmax(lambda x: torch.exp(x) / torch.exp(x).sum())
    assert not feedback
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and "finite" in out and "subtract max" in out


@pytest.mark.parametrize(
    ("wrong", "reason"),
    [
        (lambda x: torch.exp(x), "expected"),  # not normalised
        (lambda x: stable_softmax(x)[:-1], "expected shape"),
        (lambda x: torch.ones_like(x) / 2, "expected"),
        (lambda x: x.nonexistent(), "raised AttributeError"),
    ],
)
def test_wrong_softmaxes_are_rejected(wrong, reason):
    feedback = check_softmax(wrong, quiet=True)
    assert isinstance(feedback, Feedback) and not feedback
    assert reason in feedback.message


def test_check_close():
    assert check_close(torch.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-8], quiet=True)
    miss = check_close([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.5]], quiet=True)
    assert not miss and "index (1, 1)" in miss.message
    assert not check_close(1.0, [1.0], quiet=True)  # shape () vs (1,)
    with pytest.raises(ValueError, match="atol"):
        check_close(1.0, 1.0, atol=-1)
    with pytest.raises(TypeError, match="answer must be"):
        check_close("one", 1.0, quiet=True)


def test_check_function_validates_its_arguments():
    with pytest.raises(TypeError, match="fn must be a function"):
        check_function(3, abs, [1])
    with pytest.raises(ValueError, match="hints"):
        check_function(abs, abs, [1, 2], hints=["only one"])


def test_a_notebook_shows_the_verdict_once(capsys):
    printed = check_close(1.0, 2.0)
    printed._ipython_display_()
    assert capsys.readouterr().out.count("Not yet") == 1
    quiet = check_close(1.0, 2.0, quiet=True)
    assert capsys.readouterr().out == ""
    quiet._ipython_display_()
    assert capsys.readouterr().out.count("Not yet") == 1


def test_chapter_1_checkers_accept_right_and_reject_wrong():
    from seqlab.exercises import check_rnn_param_count, check_rnn_step, check_uniform_perplexity

    right = check_rnn_step(lambda x, h, wi, wh, b: torch.tanh(x @ wi.T + h @ wh.T + b), quiet=True)
    assert right
    transposed = check_rnn_step(lambda x, h, wi, wh, b: torch.tanh(x @ wi + h @ wh + b), quiet=True)
    assert not transposed and "orientation" in transposed.message
    no_tanh = check_rnn_step(lambda x, h, wi, wh, b: x @ wi.T + h @ wh.T + b, quiet=True)
    assert not no_tanh
    assert check_rnn_param_count(640, quiet=True)
    one_bias = check_rnn_param_count(620, quiet=True)
    assert not one_bias and "two bias" in one_bias.message
    assert not check_rnn_param_count(640.0, quiet=True)
    assert check_uniform_perplexity(103, vocab_size=103, quiet=True)
    assert not check_uniform_perplexity(4.6, vocab_size=103, quiet=True)


def test_chapter_2_checkers_accept_right_and_reject_wrong():
    from seqlab.exercises import check_clipped_component, check_gradient_factor

    assert check_gradient_factor(0.9**20, quiet=True)
    added = check_gradient_factor(0.9 * 20, quiet=True)
    assert not added and "multiply" in added.message
    assert not check_gradient_factor(0.9, quiet=True)
    assert check_clipped_component(1e-7, quiet=True)
    unchanged = check_clipped_component(1e-6, quiet=True)
    assert not unchanged and "whole vector" in unchanged.message


def test_chapter_3_checkers_accept_right_and_reject_wrong():
    from seqlab.exercises import check_gru_step, check_lstm_param_count

    def gru(x, h, w_ih, w_hh, b_ih, b_hh):
        x_r, x_z, x_n = (x @ w_ih.T + b_ih).chunk(3, -1)
        h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, -1)
        r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
        return (1 - z) * torch.tanh(x_n + r * h_n) + z * h

    def swapped(x, h, w_ih, w_hh, b_ih, b_hh):  # z and 1 - z exchanged
        x_r, x_z, x_n = (x @ w_ih.T + b_ih).chunk(3, -1)
        h_r, h_z, h_n = (h @ w_hh.T + b_hh).chunk(3, -1)
        r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
        return z * torch.tanh(x_n + r * h_n) + (1 - z) * h

    assert check_gru_step(gru, quiet=True)
    assert not check_gru_step(swapped, quiet=True)
    assert check_lstm_param_count(2560, quiet=True)
    one_gate = check_lstm_param_count(640, quiet=True)
    assert not one_gate and "four" in one_gate.message


def test_chapter_4_checkers_accept_right_and_reject_wrong():
    from seqlab.data import BOS, EOS
    from seqlab.exercises import check_copy_chance, check_teacher_forcing

    assert check_teacher_forcing(lambda t: ([BOS, *t], [*t, EOS]), quiet=True)
    swapped = check_teacher_forcing(lambda t: ([*t, EOS], [BOS, *t]), quiet=True)
    assert not swapped and "<bos>" in swapped.message
    assert not check_teacher_forcing(lambda t: (t, t), quiet=True)
    assert check_copy_chance(1e-8, quiet=True)
    one = check_copy_chance(0.1, quiet=True)
    assert not one and "one symbol" in one.message
    added = check_copy_chance(0.8, quiet=True)
    assert not added and "multiply" in added.message
    assert check_copy_chance(3**-5, length=5, n_symbols=3, quiet=True)


def test_chapter_5_checkers_accept_right_and_reject_wrong():
    import math

    from seqlab.exercises import check_additive_attention, check_toy_attention

    def additive(query, keys, values, w_query, w_key, v, mask):
        scores = torch.tanh((query @ w_query.T)[:, None, :] + keys @ w_key.T) @ v
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        return (weights[:, :, None] * values).sum(1), weights

    def unmasked(query, keys, values, w_query, w_key, v, mask):
        return additive(query, keys, values, w_query, w_key, v, torch.ones_like(mask))

    def no_tanh(query, keys, values, w_query, w_key, v, mask):
        scores = ((query @ w_query.T)[:, None, :] + keys @ w_key.T) @ v
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        return (weights[:, :, None] * values).sum(1), weights

    assert check_additive_attention(additive, quiet=True)
    # the first example has no padding, so only the third (padded) one fails
    missed_mask = check_additive_attention(unmasked, quiet=True)
    assert not missed_mask and "exactly 0" in missed_mask.message
    assert not check_additive_attention(no_tanh, quiet=True)
    shape = check_additive_attention(
        lambda *a: (additive(*a)[0][:, None], additive(*a)[1]), quiet=True
    )
    assert not shape and "expected context" in shape.message

    e2 = math.e**2
    assert check_toy_attention([e2 / (e2 + 1), 1 / (e2 + 1), 0.0], quiet=True)
    padded = check_toy_attention([0.8, 0.1, 0.1], quiet=True)
    assert not padded and "padding" in padded.message
    # softmax over all three keys, padding included: wrong in the first two weights too
    s = e2 + 1 + 1
    assert not check_toy_attention([e2 / s, 1 / s, 0.0], quiet=True)
    assert not check_toy_attention("0.88", quiet=True)


def test_chapter_6_checkers_accept_right_and_reject_wrong():
    import math

    from seqlab.exercises import check_causal_mask, check_dot_variance, check_scaled_toy

    def ones(n):
        return torch.ones(n, n, dtype=torch.bool)

    assert check_causal_mask(lambda n: ones(n).tril(), quiet=True)
    upper = check_causal_mask(lambda n: ones(n).triu(), quiet=True)
    assert not upper and "transpose" in upper.message
    strict = check_causal_mask(lambda n: ones(n).tril(-1), quiet=True)
    assert not strict and "itself" in strict.message
    assert not check_causal_mask(lambda n: ones(n).tril().int(), quiet=True)
    e, s = math.e, math.e + math.e**2 + 1
    assert check_scaled_toy([e / s, e**2 / s, 1 / s], quiet=True)
    s2 = e**2 + e**4 + 1
    unscaled = check_scaled_toy([e**2 / s2, e**4 / s2, 1 / s2], quiet=True)
    assert not unscaled and "sqrt(4)" in unscaled.message
    assert check_dot_variance(16, quiet=True)
    std = check_dot_variance(4, quiet=True)
    assert not std and "standard deviation" in std.message
    assert not check_dot_variance(1, quiet=True)


def test_chapter_7_checkers_accept_right_and_reject_wrong():
    from seqlab.exercises import check_mha_param_count, check_split_heads

    right = sum(p.numel() for p in torch.nn.MultiheadAttention(64, 4).parameters())
    assert check_mha_param_count(right, quiet=True)
    per_head = check_mha_param_count(4 * right, quiet=True)
    assert not per_head and "share" in per_head.message
    no_bias = check_mha_param_count(4 * 64 * 64, quiet=True)
    assert not no_bias and "biases" in no_bias.message

    def split(x, h):
        return x.reshape(x.shape[0], x.shape[1], h, -1).transpose(1, 2)

    assert check_split_heads(split, quiet=True)
    viewed = check_split_heads(lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1), quiet=True)
    assert not viewed and "swap" in viewed.message


def test_chapter_8_checkers_accept_right_and_reject_wrong():
    from seqlab.exercises import check_rope_angle, check_sinusoidal

    def encoding(max_len, d_model, exponent_step=2):
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(max_len)[:, None].float()
        i = torch.arange(0, d_model, 2) if exponent_step == 2 else torch.arange(d_model // 2)
        frequency = 10000 ** (-i / d_model)
        pe[:, 0::2] = torch.sin(position * frequency)
        pe[:, 1::2] = torch.cos(position * frequency)
        return pe

    assert check_sinusoidal(encoding, quiet=True)
    buggy = check_sinusoidal(lambda n, d: encoding(n, d, exponent_step=1), quiet=True)
    assert not buggy and "2i / d_model" in buggy.message
    assert check_rope_angle(0.3, quiet=True)
    half = check_rope_angle(3 * 10000 ** (-1 / 8), quiet=True)
    assert not half and "-2i/dim" in half.message
    frequency = check_rope_angle(0.1, quiet=True)
    assert not frequency and "position" in frequency.message


def test_chapter_9_checkers_accept_right_and_reject_wrong():
    from seqlab.exercises import check_encoder_layer_params, check_layer_norm

    def layer_norm(x, w, b, eps, unbiased=False):
        mean, var = x.mean(-1, keepdim=True), x.var(-1, unbiased=unbiased, keepdim=True)
        return (x - mean) / torch.sqrt(var + eps) * w + b

    assert check_layer_norm(layer_norm, quiet=True)
    unbiased = check_layer_norm(lambda *a: layer_norm(*a, unbiased=True), quiet=True)
    assert not unbiased and "biased variance" in unbiased.message
    right = sum(p.numel() for p in torch.nn.TransformerEncoderLayer(64, 4, 256).parameters())
    assert check_encoder_layer_params(right, quiet=True)
    no_norms = check_encoder_layer_params(right - 256, quiet=True)
    assert not no_norms and "layer norms" in no_norms.message


def test_chapter_10_checkers_accept_right_and_reject_wrong():
    from seqlab.bench.scaling import train_flops
    from seqlab.bench.streaming import read_context, state_bytes
    from seqlab.exercises import check_kv_cache_bytes, check_train_flops
    from seqlab.rnn import RNNLM, RNNLMConfig
    from seqlab.transformer import TransformerConfig, TransformerLM

    config = TransformerConfig(vocab_size=10, d_model=64, n_heads=4, n_layers=2, max_len=300)
    measured = state_bytes(
        read_context(TransformerLM(config), torch.zeros(1, 256, dtype=torch.long))
    )
    assert check_kv_cache_bytes(measured, context=256, quiet=True)
    half = check_kv_cache_bytes(measured // 2, context=256, quiet=True)
    assert not half and "keys and values" in half.message
    assert not check_kv_cache_bytes(measured // 4, context=256, quiet=True)
    assert not check_kv_cache_bytes("many", quiet=True)
    lm = RNNLM(RNNLMConfig(vocab_size=103, d_embed=32, hidden_size=128))
    right = train_flops(lm, tokens=1, seq_len=64)
    assert check_train_flops(right, quiet=True)
    forward = check_train_flops(right / 3, quiet=True)
    assert not forward and "backward" in forward.message
    lookup = check_train_flops(right + 6 * 103 * 32, quiet=True)
    assert not lookup and "table lookup" in lookup.message


def test_chapter_11_checkers_accept_right_and_reject_wrong():
    from seqlab.exercises import check_linear_state_bytes, check_linear_step
    from seqlab.linear import LinearTransformerLM

    lm = LinearTransformerLM(10, d_model=64, n_heads=4, n_layers=2)
    _, state = lm.step(torch.zeros(1, 1, dtype=torch.long))
    measured = sum(s.nbytes() for s in state["layers"])
    assert check_linear_state_bytes(measured, quiet=True)
    no_z = check_linear_state_bytes(2 * 4 * 16 * 16 * 4, quiet=True)
    assert not no_z and "normaliser" in no_z.message
    assert not check_linear_state_bytes(2 * (64 * 64 + 64) * 4, quiet=True)

    def phi(x):
        return torch.nn.functional.elu(x) + 1

    def step(s, z, q, k, v):
        s, z = s + torch.outer(phi(k), v), z + phi(k)
        return phi(q) @ s / (phi(q) @ z), s, z

    def read_first(s, z, q, k, v):  # reads the state before adding the token
        out = phi(q) @ s / (phi(q) @ z + 1e-6)
        return out, s + torch.outer(phi(k), v), z + phi(k)

    assert check_linear_step(step, quiet=True)
    wrong = check_linear_step(read_first, quiet=True)
    assert not wrong and "Hint" in wrong.message


def test_chapter_0_matmul_checker_accepts_right_and_rejects_wrong():
    from seqlab.exercises import check_matmul_flops

    assert check_matmul_flops(2 * 256**3, quiet=True)
    macs = check_matmul_flops(256**3, quiet=True)
    assert not macs and "multiply-adds" in macs.message
    assert not check_matmul_flops(256**2, quiet=True)
    assert not check_matmul_flops("fast", quiet=True)


def test_each_chapter_module_holds_the_checkers_its_notebook_uses():
    import importlib
    import re
    from pathlib import Path

    import seqlab.exercises

    exported = set(seqlab.exercises.__all__)
    for notebook in sorted(Path(__file__).parents[1].glob("notebooks/[0-9][0-9]_*.ipynb")):
        module = importlib.import_module(f"seqlab.exercises.ch{notebook.name[:2]}")
        used = set(re.findall(r"\bcheck_[a-z_]+", notebook.read_text()))
        used -= {"check_close", "check_function"}  # the core, in seqlab.exercises itself
        assert used <= set(module.__all__), f"{notebook.name}: {used - set(module.__all__)}"
        assert set(module.__all__) <= exported, f"{module.__name__} is not re-exported"


def test_numeric_checkers_take_any_kind_of_number_and_check_the_right_value_first():
    import numpy as np

    from seqlab.exercises import check_copy_chance, check_dot_variance, check_rnn_param_count

    assert check_rnn_param_count(np.int64(640), quiet=True)
    assert check_dot_variance(torch.tensor(16.0), quiet=True)
    assert not check_dot_variance("16", quiet=True)
    # where a typical mistake equals the right value, the right value wins
    assert check_dot_variance(1, d=1, quiet=True)
    assert check_copy_chance(0.1, length=1, quiet=True)
