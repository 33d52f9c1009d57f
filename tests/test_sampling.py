"""Temperature, top-k and nucleus sampling: the distribution they cut is exactly what
the documentation says, and one sampling function serves every language model."""

import pytest
import torch

from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.sampling import generate, next_token_probs, sample_next
from seqlab.transformer import TransformerConfig, TransformerLM

V = 13


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def random_logits(batch=4, vocab=V, seed=0):
    return 3 * torch.randn(batch, vocab, generator=gen(seed), dtype=torch.float64)


def tiny_models():
    torch.manual_seed(0)
    rnn = RNNLM(RNNLMConfig(vocab_size=V, d_embed=6, hidden_size=10))
    transformer = TransformerLM(
        TransformerConfig(vocab_size=V, d_model=8, n_heads=2, n_layers=1, d_ff=16, max_len=32)
    )
    return {"rnn": rnn, "transformer": transformer}


def test_no_cut_is_the_tempered_softmax():
    logits = random_logits()
    for temperature in (0.5, 1.0, 2.0):
        expected = torch.softmax(logits / temperature, -1)
        torch.testing.assert_close(next_token_probs(logits, temperature), expected)
        torch.testing.assert_close(
            next_token_probs(logits, temperature, top_k=V, top_p=1.0), expected
        )


def test_top_k_keeps_exactly_the_k_largest_renormalised():
    logits = random_logits()
    for k in (1, 2, 5):
        probs = next_token_probs(logits, top_k=k)
        full = torch.softmax(logits, -1)
        for row in range(logits.shape[0]):
            kept = set(full[row].argsort(descending=True)[:k].tolist())
            assert set(probs[row].nonzero().flatten().tolist()) == kept
            idx = sorted(kept)
            expected = full[row, idx] / full[row, idx].sum()
            torch.testing.assert_close(probs[row, idx], expected)
        torch.testing.assert_close(probs.sum(-1), torch.ones(logits.shape[0], dtype=probs.dtype))


def test_top_k_keeps_exactly_k_even_on_ties():
    probs = next_token_probs(torch.zeros(1, 6), top_k=2)
    assert int((probs > 0).sum()) == 2
    torch.testing.assert_close(probs[probs > 0], torch.tensor([0.5, 0.5]))


def test_the_nucleus_is_the_smallest_set_that_reaches_p_hand_computed():
    # probabilities 0.45, 0.25, 0.15, 0.10, 0.05, listed out of order
    p = torch.tensor([[0.10, 0.45, 0.05, 0.25, 0.15]], dtype=torch.float64)
    logits = p.log()
    cases = {  # top_p -> the kept ids (by hand: running sums 0.45, 0.70, 0.85, 0.95, 1)
        0.3: [1],  # 0.45 already reaches 0.3
        0.45: [1],  # exactly reached by the first (up to rounding)
        0.5: [1, 3],  # 0.45 < 0.5 <= 0.70
        0.7: [1, 3],  # exactly reached by the first two
        0.8: [1, 3, 4],  # 0.70 < 0.8 <= 0.85
        0.9: [0, 1, 3, 4],  # 0.85 < 0.9 <= 0.95
        1.0: [0, 1, 2, 3, 4],
    }
    for top_p, kept in cases.items():
        probs = next_token_probs(logits, top_p=top_p)
        assert probs[0].nonzero().flatten().tolist() == kept, top_p
        expected = torch.zeros_like(p)
        expected[0, kept] = p[0, kept] / p[0, kept].sum()
        torch.testing.assert_close(probs, expected)


def test_top_k_one_and_a_tiny_nucleus_are_the_argmax():
    logits = random_logits(batch=6)
    argmax = logits.argmax(-1, keepdim=True)
    one_hot = torch.zeros_like(logits).scatter_(-1, argmax, 1.0)
    for kwargs in ({"top_k": 1}, {"top_p": 1e-9}, {"top_k": 3, "top_p": 1e-9}):
        torch.testing.assert_close(next_token_probs(logits, 1.3, **kwargs), one_hot)
        for seed in range(5):
            assert torch.equal(sample_next(logits, 1.3, gen(seed), **kwargs), argmax)
    torch.testing.assert_close(next_token_probs(logits, 0), one_hot)


def test_temperature_and_top_k_commute():
    # top-k on the raw logits then tempering equals tempering then top-k:
    # the kept set is the same, and the kept probabilities are softmax(z / t) there
    logits = random_logits()
    for temperature in (0.3, 2.5):
        probs = next_token_probs(logits, temperature, top_k=4)
        kept = next_token_probs(logits, 1.0, top_k=4) > 0
        assert torch.equal(probs > 0, kept)
        cut_first = logits.masked_fill(~kept, float("-inf"))
        torch.testing.assert_close(probs, torch.softmax(cut_first / temperature, -1))


def test_the_nucleus_depends_on_the_temperature():
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0]])
    cold = next_token_probs(logits, 0.5, top_p=0.9)
    hot = next_token_probs(logits, 3.0, top_p=0.9)
    assert int((cold > 0).sum()) < int((hot > 0).sum())


def test_top_k_is_applied_before_the_nucleus():
    p = torch.tensor([[0.4, 0.3, 0.2, 0.1]]).log()
    # top-2 leaves 4/7 and 3/7; a nucleus of 0.5 then keeps only the first
    probs = next_token_probs(p, top_k=2, top_p=0.5)
    torch.testing.assert_close(probs, torch.tensor([[1.0, 0.0, 0.0, 0.0]]))


def test_a_token_outside_the_cut_is_never_sampled():
    p = torch.tensor([[0.4, 0.3, 0.2, 0.1]]).log().expand(500, 4)
    assert set(sample_next(p, 1.0, gen(0), top_k=2).flatten().tolist()) == {0, 1}
    assert set(sample_next(p, 1.0, gen(0), top_p=0.6).flatten().tolist()) == {0, 1}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"top_k": 0}, ValueError, r"top_k must be an int in \[1, 13\], got 0"),
        ({"top_k": V + 1}, ValueError, r"top_k must be an int in \[1, 13\], got 14"),
        ({"top_k": 2.0}, TypeError, "top_k must be an int"),
        ({"top_k": True}, TypeError, "top_k must be an int"),
        ({"top_p": 0.0}, ValueError, r"top_p must be in \(0, 1\], got 0.0"),
        ({"top_p": 1.5}, ValueError, r"top_p must be in \(0, 1\], got 1.5"),
        ({"top_p": "0.9"}, TypeError, r"top_p must be a number in \(0, 1\]"),
        ({"temperature": -1.0}, ValueError, "temperature must be a number >= 0"),
    ],
)
def test_bad_values_raise_clear_errors(kwargs, error, match):
    logits = random_logits()
    with pytest.raises(error, match=match):
        next_token_probs(logits, **kwargs)
    with pytest.raises(error, match=match):
        sample_next(logits, **kwargs)
    for model in tiny_models().values():
        with pytest.raises(error, match=match):
            model.generate(torch.zeros(1, 2, dtype=torch.long), 3, **kwargs)


def test_logits_must_be_batch_by_vocab():
    with pytest.raises(ValueError, match=r"logits must be \(batch, vocab\)"):
        next_token_probs(torch.zeros(V))
    with pytest.raises(TypeError, match=r"logits must be \(batch, vocab\)"):
        sample_next([0.0, 1.0])


@pytest.mark.parametrize("name", ["rnn", "transformer"])
@pytest.mark.parametrize("kwargs", [{}, {"top_k": 3}, {"top_p": 0.7}, {"top_k": 5, "top_p": 0.8}])
def test_both_models_generate_with_the_one_sampling_function(name, kwargs):
    model = tiny_models()[name].eval()
    prompt = torch.randint(V, (2, 3), generator=gen(1))
    out = model.generate(prompt, 12, 0.9, generator=gen(7), **kwargs)
    assert torch.equal(out, generate(model, prompt, 12, 0.9, generator=gen(7), **kwargs))
    # the same loop by hand: full forward, cut distribution, one draw per step
    g, seq = gen(7), prompt
    with torch.no_grad():
        for _ in range(12):
            logits = model(seq)
            logits = logits[0] if isinstance(logits, tuple) else logits
            probs = next_token_probs(logits[:, -1], 0.9, **kwargs)
            token = torch.multinomial(probs, 1, generator=g)
            assert bool((probs.gather(-1, token) > 0).all())  # never outside the cut
            seq = torch.cat([seq, token], 1)
    assert torch.equal(out, seq)


@pytest.mark.parametrize("name", ["rnn", "transformer"])
def test_top_k_one_generates_the_greedy_continuation(name):
    model = tiny_models()[name]
    prompt = torch.randint(V, (3, 2), generator=gen(2))
    greedy = model.generate(prompt, 10, temperature=0)
    assert torch.equal(model.generate(prompt, 10, 1.5, generator=gen(3), top_k=1), greedy)
    assert torch.equal(model.generate(prompt, 10, 1.5, generator=gen(3), top_p=1e-6), greedy)


def test_the_nucleus_exercise_checker_accepts_the_answer_and_explains_the_mistakes():
    from seqlab.exercises import check_nucleus_size

    # 0.5, 0.2, 0.15, ...: running sums 0.5, 0.7, 0.85 first reach 0.8 at the third
    assert check_nucleus_size(3, quiet=True)
    short = check_nucleus_size(2, quiet=True)
    assert not short and "keep the token that crosses it" in short.message
    long = check_nucleus_size(4, quiet=True)
    assert not long and "stop at the first token" in long.message
    assert not check_nucleus_size(3.0, quiet=True)  # a count
    assert check_nucleus_size(1, top_p=0.5, quiet=True)  # 0.5 alone reaches 0.5
    assert check_nucleus_size(2, probs=(0.1, 0.6, 0.3), top_p=0.8, quiet=True)
