"""Checkers that tell a reader whether an exercise answer is right, and if not, why.

Each checker prints one line, starting with "Correct" or "Not yet", and returns a
:class:`Feedback` that is truthy only when the answer is right (so tests can assert it).

Taught in chapter 0; every chapter adds its own ``check_*`` functions here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

__all__ = [
    "SCALED_TOY_KEYS",
    "SCALED_TOY_QUERY",
    "TOY_KEYS",
    "TOY_MASK",
    "TOY_QUERY",
    "Feedback",
    "check_additive_attention",
    "check_causal_mask",
    "check_clipped_component",
    "check_close",
    "check_copy_chance",
    "check_dot_variance",
    "check_encoder_layer_params",
    "check_function",
    "check_gradient_factor",
    "check_gru_step",
    "check_kv_cache_bytes",
    "check_layer_norm",
    "check_linear_state_bytes",
    "check_linear_step",
    "check_lstm_param_count",
    "check_matmul_flops",
    "check_mha_param_count",
    "check_rnn_param_count",
    "check_rnn_step",
    "check_rope_angle",
    "check_scaled_toy",
    "check_sinusoidal",
    "check_softmax",
    "check_split_heads",
    "check_teacher_forcing",
    "check_toy_attention",
    "check_train_flops",
    "check_uniform_perplexity",
]


@dataclass(frozen=True)
class Feedback:
    """The verdict of a checker: ``correct`` and a message for the reader."""

    correct: bool
    message: str
    printed: bool = field(default=False, repr=False, compare=False)

    def __bool__(self) -> bool:
        return self.correct

    def _ipython_display_(self) -> None:
        # The checker already printed the message; a notebook should not show it twice.
        if not self.printed:
            print(self.message)

    def __str__(self) -> str:
        return self.message


def _verdict(correct: bool, message: str, quiet: bool) -> Feedback:
    feedback = Feedback(correct, ("Correct: " if correct else "Not yet: ") + message, not quiet)
    if not quiet:
        print(feedback.message)
    return feedback


def _as_tensor(value, name: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64)
    try:
        return torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(
            f"{name} must be a number, a sequence of numbers or a tensor, "
            f"got {type(value).__name__}"
        ) from error


def _compare(answer, expected, atol: float, rtol: float) -> tuple[bool, str]:
    got = _as_tensor(answer, "answer")
    want = _as_tensor(expected, "expected")
    if got.shape != want.shape:
        return False, f"expected shape {tuple(want.shape)}, got shape {tuple(got.shape)}"
    if not torch.isfinite(got).all():
        index = tuple(int(i) for i in torch.nonzero(~torch.isfinite(got))[0])
        return False, f"got {got[index].item()} at index {index}; every value should be finite"
    diff = (got - want).abs()
    bound = atol + rtol * want.abs()
    if bool((diff <= bound).all()):
        return True, "matches the expected value"
    flat = int(torch.argmax(diff - bound))
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), want.shape))
    where = f" at index {index}" if index else ""
    return False, (
        f"got {got[index].item():.6g}{where}, expected {want[index].item():.6g} "
        f"(difference {diff[index].item():.3g}, tolerance {bound[index].item():.3g})"
    )


def check_close(
    answer, expected, *, atol: float = 1e-6, rtol: float = 1e-5, quiet: bool = False
) -> Feedback:
    """Check a numeric answer (number, sequence or tensor) against the expected value.

    Args:
        answer: the reader's value.
        expected: the right value, same shape.
        atol, rtol: tolerances, as in ``torch.allclose``.
        quiet: if True, do not print.

    Returns:
        :class:`Feedback`, truthy when shapes match and every value is within tolerance.

    Example:
        >>> bool(check_close([1.0, 2.0], [1.0, 2.0], quiet=True))
        True
    """
    if atol < 0 or rtol < 0:
        raise ValueError(f"atol and rtol must be >= 0, got atol={atol}, rtol={rtol}")
    correct, message = _compare(answer, expected, atol, rtol)
    return _verdict(correct, message, quiet)


def check_function(
    fn: Callable,
    reference: Callable,
    inputs: Sequence,
    *,
    name: str = "your function",
    hints: Sequence[str | None] | None = None,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    quiet: bool = False,
) -> Feedback:
    """Call ``fn`` and ``reference`` on each input and compare the results.

    Args:
        fn: the reader's function.
        reference: the right implementation.
        inputs: each item is passed as the single positional argument.
        name: how the message names ``fn``.
        hints: optional, one per input: a sentence added when that input fails.
        atol, rtol: tolerances for :func:`check_close`.
        quiet: if True, do not print.

    Returns:
        :class:`Feedback` for the first input that fails, or "Correct" if none does.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function, got {type(fn).__name__}")
    if hints is not None and len(hints) != len(inputs):
        raise ValueError(f"hints must have one entry per input ({len(inputs)}), got {len(hints)}")
    for i, x in enumerate(inputs):
        hint = f" Hint: {hints[i]}" if hints is not None and hints[i] else ""
        try:
            got = fn(x)
        except Exception as error:  # the reader's code may raise anything
            message = f"{name} raised {type(error).__name__}: {error} on input {i}.{hint}"
            return _verdict(False, message, quiet)
        correct, message = _compare(got, reference(x), atol, rtol)
        if not correct:
            return _verdict(False, f"{name} on input {i}: {message}.{hint}", quiet)
    return _verdict(True, f"{name} agrees with the reference on {len(inputs)} inputs", quiet)


# Chapter 0 ---------------------------------------------------------------------------


def check_softmax(fn: Callable[[torch.Tensor], torch.Tensor], *, quiet: bool = False) -> Feedback:
    """Check a reader's ``softmax(x)`` for a 1-D tensor ``x`` (chapter 0's exercise).

    Compares against ``torch.softmax`` on small, negative, constant and very large
    inputs; the last ones catch the overflow of a naive ``exp(x) / exp(x).sum()``.
    """
    inputs = [
        torch.tensor([1.0, 2.0, 3.0]),
        torch.tensor([-1.5, 0.0, 0.5, 2.0]),
        torch.zeros(5),
        torch.tensor([1000.0, 1001.0, 1002.0]),
    ]
    hints = [
        None,
        None,
        "equal inputs should get equal weights 1/n.",
        "exp(1000) overflows to inf; subtract max(x) first, which leaves softmax unchanged.",
    ]
    return check_function(
        fn,
        lambda x: torch.softmax(x, dim=-1),
        inputs,
        name="softmax",
        hints=hints,
        quiet=quiet,
    )


# Chapter 1 ---------------------------------------------------------------------------


def check_rnn_step(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, h, W_ih, W_hh, b) -> h'`` for one tanh RNN step (chapter 1).

    Shapes: x ``(B, D)``, h ``(B, H)``, W_ih ``(H, D)``, W_hh ``(H, H)``, b ``(H,)``.
    """
    from seqlab.rnn import rnn_cell

    gen = torch.Generator().manual_seed(1)
    inputs = []
    for batch, d, h in [(1, 3, 4), (2, 5, 3), (4, 2, 6)]:
        x, state = torch.randn(batch, d, generator=gen), torch.randn(batch, h, generator=gen)
        w_ih, w_hh = torch.randn(h, d, generator=gen), torch.randn(h, h, generator=gen)
        inputs.append((x, state, w_ih, w_hh, torch.randn(h, generator=gen)))
    return check_function(
        lambda args: fn(*args),
        lambda args: rnn_cell(args[0] @ args[2].T + args[4], args[1], args[3], None),
        inputs,
        name="your RNN step",
        hints=["mind the orientation: W_ih has shape (H, D), so use x @ W_ih.T", None, None],
        quiet=quiet,
    )


def check_rnn_param_count(
    answer, input_size: int = 10, hidden_size: int = 20, *, quiet: bool = False
) -> Feedback:
    """Check the number of parameters of ``nn.RNN(input_size, hidden_size)`` (chapter 1)."""
    h, d = hidden_size, input_size
    right = h * d + h * h + 2 * h
    if isinstance(answer, bool) or not isinstance(answer, int):
        return _verdict(False, f"give a whole number, got {answer!r}", quiet)
    if answer == right:
        return _verdict(True, f"{right} = H·D + H·H + 2H", quiet)
    if answer == right - h:
        return _verdict(False, "close: PyTorch keeps two bias vectors, b_ih and b_hh", quiet)
    if answer == h * d + h * h:
        return _verdict(False, "the weights are right; add the biases", quiet)
    return _verdict(False, f"{answer} is not it; count W_ih (H×D), W_hh (H×H) and biases", quiet)


def check_uniform_perplexity(answer, vocab_size: int, *, quiet: bool = False) -> Feedback:
    """Check the perplexity of a model that gives every one of ``vocab_size`` tokens
    the same probability (chapter 1)."""
    return check_close(answer, float(vocab_size), atol=1e-6, rtol=1e-6, quiet=quiet)


# Chapter 2 ---------------------------------------------------------------------------


def check_gradient_factor(answer, rho: float = 0.9, k: int = 20, *, quiet: bool = False):
    """Check the factor by which a gradient shrinks over ``k`` steps of a linear RNN whose
    recurrent matrix is ``rho`` times an orthogonal matrix (chapter 2)."""
    right = rho**k
    if isinstance(answer, (int, float)) and abs(answer - rho * k) < 1e-9:
        return _verdict(False, "the factors multiply, they do not add: rho to the power k", quiet)
    return check_close(answer, right, atol=0.0, rtol=1e-3, quiet=quiet)


def check_clipped_component(
    answer, norm: float = 50.0, max_norm: float = 5.0, part: float = 1e-6, *, quiet: bool = False
):
    """Check the size, after clipping the whole gradient (norm ``norm``) to ``max_norm``,
    of a component that was ``part`` (chapter 2)."""
    right = part * min(1.0, max_norm / norm)
    if isinstance(answer, (int, float)) and abs(answer - part) <= 1e-12 * max(part, 1.0):
        return _verdict(False, "clipping rescales the whole vector, this part too", quiet)
    return check_close(answer, right, atol=0.0, rtol=1e-6, quiet=quiet)


# Chapter 3 ---------------------------------------------------------------------------


def check_gru_step(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, h, W_ih, W_hh, b_ih, b_hh) -> h'`` for one GRU step in PyTorch's
    layout (gates r, z, n stacked in that order; chapter 3)."""
    from seqlab.rnn import gru_cell

    gen = torch.Generator().manual_seed(3)
    inputs = []
    for batch, d, h in [(1, 2, 3), (3, 4, 5)]:
        x, state = torch.randn(batch, d, generator=gen), torch.randn(batch, h, generator=gen)
        w_ih, w_hh = torch.randn(3 * h, d, generator=gen), torch.randn(3 * h, h, generator=gen)
        b_ih, b_hh = torch.randn(3 * h, generator=gen), torch.randn(3 * h, generator=gen)
        inputs.append((x, state, w_ih, w_hh, b_ih, b_hh))
    return check_function(
        lambda args: fn(*args),
        lambda a: gru_cell(a[0] @ a[2].T + a[4], a[1], a[3], a[5]),
        inputs,
        name="your GRU step",
        hints=["the reset gate multiplies (W_hn h + b_hn), inside the candidate's tanh", None],
        quiet=quiet,
    )


def check_lstm_param_count(
    answer, input_size: int = 10, hidden_size: int = 20, *, quiet: bool = False
) -> Feedback:
    """Check the number of parameters of ``nn.LSTM(input_size, hidden_size)`` (chapter 3)."""
    h, d = hidden_size, input_size
    right = 4 * (h * d + h * h + 2 * h)
    if isinstance(answer, bool) or not isinstance(answer, int):
        return _verdict(False, f"give a whole number, got {answer!r}", quiet)
    if answer == right:
        return _verdict(True, f"{right} = 4 (H·D + H·H + 2H): four gates, each an RNN layer", quiet)
    if answer == right // 4:
        return _verdict(False, "that is one gate; an LSTM has four (i, f, g, o)", quiet)
    return _verdict(False, f"{answer} is not it; count the four gates' weights and biases", quiet)


# Chapter 4 ---------------------------------------------------------------------------


def check_teacher_forcing(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(target) -> (decoder_input, prediction_target)`` for one target given as
    a list of ids: ``[BOS] + target`` and ``target + [EOS]`` (chapter 4)."""
    from seqlab.data.pairs import BOS, EOS

    inputs = [[7, 8, 9], [5], [3, 3, 4, 12, 6]]

    def reference(target):
        return torch.tensor([[BOS, *target], [*target, EOS]])

    return check_function(
        lambda target: torch.stack([torch.as_tensor(v) for v in fn(list(target))]),
        reference,
        inputs,
        name="your teacher-forcing pair",
        hints=[
            f"the decoder input starts with <bos> (id {BOS}); the target ends with <eos> "
            f"(id {EOS})",
            None,
            None,
        ],
        quiet=quiet,
    )


def check_copy_chance(answer, length: int = 8, n_symbols: int = 10, *, quiet: bool = False):
    """Check the exact-match accuracy of guessing each of ``length`` symbols uniformly
    from ``n_symbols`` (chapter 4)."""
    if isinstance(answer, (int, float)) and abs(answer - 1 / n_symbols) < 1e-12:
        return _verdict(False, "that is one symbol; all of them must be right at once", quiet)
    if isinstance(answer, (int, float)) and abs(answer - length / n_symbols) < 1e-12:
        return _verdict(False, "independent chances multiply, they do not add", quiet)
    return check_close(answer, float(n_symbols) ** -length, atol=0.0, rtol=1e-6, quiet=quiet)


# Chapter 5 ---------------------------------------------------------------------------


def check_additive_attention(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(query, keys, values, w_query, w_key, v, mask) -> (context, weights)``,
    Bahdanau's attention for a batch of single queries (chapter 5).

    Shapes: query ``(B, Dq)``, keys ``(B, S, Dk)``, values ``(B, S, Dv)``, w_query
    ``(A, Dq)``, w_key ``(A, Dk)``, v ``(A,)``, mask ``(B, S)`` bool (True = may attend).
    """
    from seqlab.attention import additive_attention, padding_mask

    gen = torch.Generator().manual_seed(5)
    inputs = []
    for batch, s, dq, dk, dv, a, lengths in [
        (1, 3, 2, 2, 2, 3, [3]),
        (2, 4, 3, 5, 2, 4, [4, 4]),
        (3, 5, 4, 3, 6, 2, [5, 2, 1]),
    ]:
        r = lambda *shape: torch.randn(*shape, generator=gen)  # noqa: E731
        inputs.append(
            (
                r(batch, dq),
                r(batch, s, dk),
                r(batch, s, dv),
                r(a, dq),
                r(a, dk),
                r(a),
                padding_mask(lengths, s),
            )
        )

    def flat(pair, args):
        context, weights = pair
        batch, s, dv = args[2].shape
        if tuple(context.shape) != (batch, dv) or tuple(weights.shape) != (batch, s):
            raise ValueError(
                f"expected context {(batch, dv)} and weights {(batch, s)}, got "
                f"{tuple(context.shape)} and {tuple(weights.shape)}"
            )
        return torch.cat([context.flatten(), weights.flatten()])

    return check_function(
        lambda args: flat(fn(*args), args),
        lambda args: flat(additive_attention(*args), args),
        inputs,
        name="your additive attention",
        hints=[
            "score_j = v · tanh(W_q q + W_k k_j); weights = softmax over j; "
            "context = sum_j w_j v_j",
            None,
            "padded positions (mask False) must get weight exactly 0: set their scores to "
            "-inf before the softmax",
        ],
        quiet=quiet,
    )


TOY_QUERY = (1.0, 0.0)
TOY_KEYS = ((2.0, 0.0), (0.0, 3.0), (2.0, 5.0))
TOY_MASK = (True, True, False)


def check_toy_attention(answer, *, quiet: bool = False) -> Feedback:
    """Check the three dot-attention weights of :data:`TOY_QUERY` over :data:`TOY_KEYS`
    with :data:`TOY_MASK` (the third key is padding; chapter 5)."""
    from seqlab.attention import multiplicative_attention

    keys = torch.tensor([TOY_KEYS])
    _, weights = multiplicative_attention(
        torch.tensor([TOY_QUERY]), keys, keys, mask=torch.tensor([TOY_MASK])
    )
    try:
        got = torch.as_tensor(answer, dtype=torch.float32).flatten()
    except (TypeError, ValueError):
        return _verdict(False, f"give three numbers, got {answer!r}", quiet)
    if got.shape == (3,) and got[2] != 0:
        return _verdict(False, "the third key is padding: its weight is exactly 0", quiet)
    return check_close(got, weights[0], atol=1e-3, rtol=0.0, quiet=quiet)


# Chapter 6 ---------------------------------------------------------------------------


def check_causal_mask(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(length) -> (length, length)`` bool, True where query ``i`` may attend to
    key ``j`` (``j <= i``) (chapter 6)."""
    from seqlab.attention import causal_mask

    for length in (1, 2, 5):
        try:
            got = torch.as_tensor(fn(length))
        except Exception as error:  # the reader's code may raise anything
            return _verdict(False, f"fn({length}) raised {type(error).__name__}: {error}", quiet)
        right = causal_mask(length)
        if got.shape != right.shape:
            return _verdict(
                False,
                f"fn({length}) should have shape {tuple(right.shape)}, got {tuple(got.shape)}",
                quiet,
            )
        if got.dtype != torch.bool:
            return _verdict(False, "return a bool tensor (True = may attend)", quiet)
        if torch.equal(got, right):
            continue
        if torch.equal(got, right.T):
            return _verdict(
                False, "that is the transpose: row i is the query, column j the key", quiet
            )
        if torch.equal(got, right & ~torch.eye(length, dtype=torch.bool)):
            return _verdict(False, "a position may attend to itself: keep the diagonal", quiet)
        if torch.equal(got, ~right):
            return _verdict(False, "True means *may* attend: you marked the forbidden ones", quiet)
        return _verdict(False, f"fn({length}) differs from the causal mask:\n{right.int()}", quiet)
    return _verdict(True, "query i sees keys 0..i, never a later one", quiet)


SCALED_TOY_QUERY = (1.0, 1.0, 1.0, 1.0)
SCALED_TOY_KEYS = ((1.0, 1.0, 0.0, 0.0), (1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 0.0, 0.0))


def check_scaled_toy(answer, *, quiet: bool = False) -> Feedback:
    """Check the three weights of scaled dot-product attention of
    :data:`SCALED_TOY_QUERY` over :data:`SCALED_TOY_KEYS` (d = 4; chapter 6)."""
    from seqlab.attention import scaled_dot_product_attention

    q, k = torch.tensor([SCALED_TOY_QUERY]), torch.tensor(SCALED_TOY_KEYS)
    _, right = scaled_dot_product_attention(q, k, k)
    _, unscaled = scaled_dot_product_attention(q, k, k, scale=1.0)
    try:
        got = torch.as_tensor(answer, dtype=torch.float32).flatten()
    except (TypeError, ValueError):
        return _verdict(False, f"give three numbers, got {answer!r}", quiet)
    if got.shape == (3,) and torch.allclose(got, unscaled[0], atol=1e-3):
        return _verdict(
            False, "those are the unscaled weights: divide the scores by sqrt(4)", quiet
        )
    return check_close(got, right[0], atol=1e-3, rtol=0.0, quiet=quiet)


def check_dot_variance(answer, d: int = 16, *, quiet: bool = False) -> Feedback:
    """Check the variance of q · k for q, k with ``d`` independent N(0, 1) entries
    (chapter 6)."""
    if isinstance(answer, (int, float)) and abs(answer - d**0.5) < 1e-9 and d != 1:
        return _verdict(False, "that is the standard deviation; the variance is its square", quiet)
    if isinstance(answer, (int, float)) and abs(answer - 1.0) < 1e-9:
        return _verdict(
            False, "each product q_i k_i has variance 1, and there are d of them", quiet
        )
    return check_close(answer, float(d), atol=0.0, rtol=1e-9, quiet=quiet)


# Chapter 7 ---------------------------------------------------------------------------


def check_mha_param_count(
    answer, d_model: int = 64, n_heads: int = 4, *, quiet: bool = False
) -> Feedback:
    """Check the parameter count of ``nn.MultiheadAttention(d_model, n_heads)`` with
    biases (chapter 7)."""
    d = d_model
    right = 4 * d * d + 4 * d
    if isinstance(answer, bool) or not isinstance(answer, int):
        return _verdict(False, f"give a whole number, got {answer!r}", quiet)
    if answer == right:
        return _verdict(
            True, f"{right} = 4 d² + 4 d, whatever the number of heads: they split d", quiet
        )
    if answer == n_heads * right or answer == n_heads * (4 * d * (d // n_heads) + 4 * d):
        return _verdict(
            False, "the heads share the d columns: they do not multiply the count", quiet
        )
    if answer == 4 * d * d:
        return _verdict(False, "add the biases: one per output of each of the 4 projections", quiet)
    return _verdict(False, f"{answer} is not it; count W_Q, W_K, W_V, W_O and their biases", quiet)


def check_split_heads(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(x, n_heads)``: ``(B, L, D) -> (B, n_heads, L, D // n_heads)``, head ``h``
    holding features ``h * D/H .. (h + 1) * D/H - 1`` of every position (chapter 7)."""
    inputs = [(torch.arange(2 * 3 * 8.0).reshape(2, 3, 8), 2), (torch.randn(1, 5, 12), 4)]

    def reference(args):
        x, h = args
        return x.unflatten(-1, (h, x.shape[-1] // h)).transpose(1, 2)

    return check_function(
        lambda args: fn(*args),
        reference,
        inputs,
        name="your split_heads",
        hints=[
            "reshape to (B, L, H, D/H), then swap the L and H axes: a plain view to "
            "(B, H, L, D/H) mixes positions into heads",
            None,
        ],
        quiet=quiet,
    )


# Chapter 8 ---------------------------------------------------------------------------


def check_sinusoidal(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(max_len, d_model) -> (max_len, d_model)``, the sinusoidal encoding of
    Vaswani et al. (chapter 8)."""
    from seqlab.positional import sinusoidal_encoding

    return check_function(
        lambda args: torch.as_tensor(fn(*args), dtype=torch.float32),
        lambda args: sinusoidal_encoding(*args),
        [(4, 2), (10, 8), (50, 16)],
        name="your sinusoidal encoding",
        atol=1e-4,
        hints=[
            "even columns are sin, odd columns cos, of position / 10000^(2i / d_model)",
            "pair i (columns 2i and 2i+1) shares one frequency: the exponent is 2i / d_model",
            None,
        ],
        quiet=quiet,
    )


def check_rope_angle(answer, *, quiet: bool = False) -> Feedback:
    """Check the RoPE rotation angle of pair ``i = 1`` at position 3 with ``dim = 8``
    and base 10000 (chapter 8)."""
    right = 3 * 10000 ** (-2 / 8)
    if isinstance(answer, (int, float)) and abs(answer - 3 * 10000 ** (-1 / 8)) < 1e-6:
        return _verdict(False, "pair i uses the exponent -2i/dim, not -i/dim", quiet)
    if isinstance(answer, (int, float)) and abs(answer - 10000 ** (-2 / 8)) < 1e-6:
        return _verdict(False, "that is the frequency; the angle is position × frequency", quiet)
    return check_close(answer, right, atol=1e-6, rtol=0.0, quiet=quiet)


# Chapter 9 ---------------------------------------------------------------------------


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
    if isinstance(answer, bool) or not isinstance(answer, int):
        return _verdict(False, f"give a whole number, got {answer!r}", quiet)
    if answer == right:
        return _verdict(
            True,
            f"{right} = attention {attention} + feed-forward {feed_forward} + two norms {norms}",
            quiet,
        )
    if answer == attention + feed_forward:
        return _verdict(False, "add the two layer norms: a weight and a bias of size d each", quiet)
    if answer == right - f - d:
        return _verdict(False, "the feed-forward block's two linear layers both have biases", quiet)
    return _verdict(False, f"{answer} is not it; add attention, feed-forward and norms", quiet)


def check_kv_cache_bytes(
    answer, n_layers: int = 2, d_model: int = 64, context: int = 2048, *, quiet: bool = False
) -> Feedback:
    """Check the bytes a float32 key–value cache holds for one sequence of ``context``
    tokens in a Transformer of ``n_layers`` layers and width ``d_model`` (chapter 10)."""
    right = 2 * n_layers * context * d_model * 4
    if isinstance(answer, bool) or not isinstance(answer, int):
        return _verdict(False, f"give a whole number of bytes, got {answer!r}", quiet)
    if answer == right:
        return _verdict(
            True,
            f"{right:,} bytes = keys and values × {n_layers} layers × {context} tokens "
            f"× {d_model} numbers × 4 bytes",
            quiet,
        )
    if answer == right // 2:
        return _verdict(False, "the cache keeps keys and values: two tensors per layer", quiet)
    if answer == right // 4:
        return _verdict(False, "that is a count of numbers; a float32 takes 4 bytes", quiet)
    if answer == right // n_layers:
        return _verdict(False, "every layer keeps its own keys and values", quiet)
    return _verdict(False, f"{answer:,} is not it; count layers, tokens, width and bytes", quiet)


def check_train_flops(
    answer,
    vocab_size: int = 103,
    d_embed: int = 32,
    hidden_size: int = 128,
    *,
    quiet: bool = False,
) -> Feedback:
    """Check the estimated training FLOPs per token of a one-layer LSTM language model
    (embedding ``d_embed``, ``hidden_size`` units, a linear head), counted as chapter 10
    does: 2 per multiply-add weight in the forward pass, and the backward pass twice
    that (chapter 10)."""
    recurrent = 4 * hidden_size * (d_embed + hidden_size) + 8 * hidden_size
    head = hidden_size * vocab_size + vocab_size
    right = 6 * (recurrent + head)
    if not isinstance(answer, int | float) or isinstance(answer, bool):
        return _verdict(False, f"give a number, got {answer!r}", quiet)
    if abs(answer - right) <= 0.01 * right:
        return _verdict(True, f"about {right:,} FLOPs per token: 6 × {recurrent + head:,}", quiet)
    if abs(answer - right / 3) <= 0.01 * right:
        return _verdict(False, "that is the forward pass; backward costs about twice more", quiet)
    embedded = 6 * (recurrent + head + vocab_size * d_embed)
    if abs(answer - embedded) <= 0.01 * right:
        return _verdict(False, "the embedding is a table lookup, not a matrix product", quiet)
    return _verdict(False, f"{answer:,} is not it; 6 FLOPs per weight that multiplies", quiet)


def check_linear_state_bytes(
    answer, n_layers: int = 2, d_model: int = 64, n_heads: int = 4, *, quiet: bool = False
) -> Feedback:
    """Check the bytes of the float32 state a linear-attention LM keeps per sequence:
    per layer and head, ``S`` (d_head × d_head) and ``z`` (d_head) (chapter 11)."""
    d_head = d_model // n_heads
    per_head = d_head * d_head + d_head
    right = n_layers * n_heads * per_head * 4
    if isinstance(answer, bool) or not isinstance(answer, int):
        return _verdict(False, f"give a whole number of bytes, got {answer!r}", quiet)
    if answer == right:
        return _verdict(
            True,
            f"{right:,} bytes = {n_layers} layers × {n_heads} heads × ({d_head}² + {d_head}) "
            "× 4 bytes, at any context length",
            quiet,
        )
    if answer == n_layers * n_heads * d_head * d_head * 4:
        return _verdict(False, "add the normaliser z: d_head more numbers per head", quiet)
    if answer == n_layers * (d_model * d_model + d_model) * 4:
        return _verdict(False, "each head keeps its own d_head × d_head state, not d × d", quiet)
    return _verdict(False, f"{answer:,} is not it; count S and z per head and layer", quiet)


def _linear_inputs(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(7, d, generator=g) for d in (4, 4, 3))


def check_linear_step(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(S, z, q_t, k_t, v_t) -> (out_t, S, z)``, one step of causal linear
    attention with ``φ(x) = elu(x) + 1``: ``S`` ``(d_k, d_v)``, ``z`` ``(d_k,)``, one
    token's ``q_t``, ``k_t`` ``(d_k,)`` and ``v_t`` ``(d_v,)`` (chapter 11)."""
    from seqlab.linear import linear_attention

    def mine(seed):
        q, k, v = _linear_inputs(seed)
        s, z, out = torch.zeros(4, 3), torch.zeros(4), []
        for t in range(len(q)):
            o, s, z = fn(s, z, q[t], k[t], v[t])
            out.append(torch.as_tensor(o))
        return torch.stack(out)

    def reference(seed):
        return linear_attention(*_linear_inputs(seed), form="parallel")

    return check_function(
        mine,
        reference,
        [0, 1, 2],
        name="your step",
        hints=["add φ(k_t) v_tᵀ to S and φ(k_t) to z, then read with φ(q_t)"] * 3,
        atol=1e-5,
        quiet=quiet,
    )


def check_matmul_flops(answer, n: int = 256, *, quiet: bool = False) -> Feedback:
    """Check the floating-point operations of an ``n × n`` by ``n × n`` matrix product,
    counting a multiply and an add as two (chapter 0)."""
    right = 2 * n**3
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return _verdict(False, f"give a number, got {answer!r}", quiet)
    if answer == right:
        return _verdict(
            True, f"2 × {n}³ = {right:,}: n² outputs, each n multiplies and n adds", quiet
        )
    if answer == n**3:
        return _verdict(False, "that counts multiply-adds; count the multiply and the add", quiet)
    if answer == n**2:
        return _verdict(False, "that is the number of outputs; each is a sum of n products", quiet)
    return _verdict(False, f"{answer:,} is not it; count the outputs and the work for each", quiet)
