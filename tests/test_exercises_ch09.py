"""Chapter 9's function checkers: each accepts the reference solution and rejects the
plausible wrong variants, each with the hint that names its mistake."""

import math

import pytest
import torch

from seqlab.exercises import check_kv_cache_step, check_pre_ln_block

# ---------------------------------------------------------------- the pre-LN block


def attend(layer, h):
    return layer.self_attn(h, h, h, need_weights=False)[0]


def ffn(layer, h):
    return layer.linear2(torch.relu(layer.linear1(h)))


def pre_ln(x, layer):
    x = x + attend(layer, layer.norm1(x))
    return x + ffn(layer, layer.norm2(x))


def post_ln(x, layer):
    x = layer.norm1(x + attend(layer, x))
    return layer.norm2(x + ffn(layer, x))


def no_residual(x, layer):
    return ffn(layer, layer.norm2(attend(layer, layer.norm1(x))))


def normalised_stream(x, layer):
    x = layer.norm1(x)
    x = x + attend(layer, x)
    x = layer.norm2(x)
    return x + ffn(layer, x)


def one_norm(x, layer):
    x = x + attend(layer, layer.norm1(x))
    return x + ffn(layer, layer.norm1(x))


def test_pre_ln_checker_accepts_the_solution(capsys):
    feedback = check_pre_ln_block(pre_ln)
    assert feedback and feedback.message.startswith("Correct")
    assert "agrees with the reference on 3 inputs" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (post_ln, "that is post-LN"),
        (no_residual, "add each sublayer's output back to its input"),
        (normalised_stream, "stream x itself stays un-normalised"),
        (one_norm, "each sublayer has its own norm"),
        (lambda x, layer: x, "x = x + self_attn(h, h, h)[0] with h = norm1(x)"),
        (lambda x, layer: x[0], "x = x + self_attn"),  # wrong shape: the general hint
    ],
)
def test_pre_ln_checker_rejects_a_wrong_block_with_its_hint(wrong, hint):
    feedback = check_pre_ln_block(wrong, quiet=True)
    assert not feedback and feedback.message.startswith("Not yet")
    assert hint in feedback.message


def test_pre_ln_checker_survives_an_exception():
    def broken(x, layer):
        raise KeyError("norm3")

    feedback = check_pre_ln_block(broken, quiet=True)
    assert not feedback and "raised KeyError" in feedback.message
    assert "Hint: x = x + self_attn" in feedback.message


# ---------------------------------------------------------------- the KV-cache step


def step(q_t, k_t, v_t, cache_k, cache_v, *, scale=True, append=True, axis=-1):
    if append:
        cache_k, cache_v = torch.cat([cache_k, k_t], 2), torch.cat([cache_v, v_t], 2)
    keys, values = (cache_k, cache_v) if append else (k_t, v_t)
    scores = q_t @ keys.transpose(-2, -1) / (math.sqrt(q_t.shape[-1]) if scale else 1.0)
    return scores.softmax(axis) @ values, cache_k, cache_v


def test_kv_step_checker_accepts_the_solution():
    feedback = check_kv_cache_step(step, quiet=True)
    assert feedback and "agrees with the reference on 3 inputs" in feedback.message


@pytest.mark.parametrize(
    ("flags", "hint"),
    [
        ({"scale": False}, "divide the scores by sqrt(d_head)"),
        ({"append": False}, "append k_t and v_t to the caches"),
        ({"axis": -2}, "take the softmax over the keys"),
    ],
)
def test_kv_step_checker_rejects_a_wrong_step_with_its_hint(flags, hint):
    feedback = check_kv_cache_step(lambda *a: step(*a, **flags), quiet=True)
    assert not feedback and hint in feedback.message


def test_kv_step_checker_gives_the_general_hint_for_a_wrong_axis():
    def wrong_axis(q_t, k_t, v_t, cache_k, cache_v):  # appends features, not positions
        cache_k, cache_v = torch.cat([cache_k, k_t], -1), torch.cat([cache_v, v_t], -1)
        return step(q_t, k_t, v_t, cache_k, cache_v, append=False)

    feedback = check_kv_cache_step(wrong_axis, quiet=True)
    assert not feedback and "raised RuntimeError" in feedback.message
    assert "torch.cat([cache_k, k_t], dim=2)" in feedback.message
