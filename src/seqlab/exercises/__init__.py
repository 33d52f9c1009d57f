"""Checkers that tell a reader whether an exercise answer is right, and if not, why.

Each checker prints one line, starting with "Correct" or "Not yet", and returns a
:class:`Feedback` that is truthy only when the answer is right (so tests can assert it).

Taught in chapter 0. This module holds the core (:class:`Feedback`, :func:`check_close`,
:func:`check_function`); each chapter's checkers live in the module named after it
(``seqlab.exercises.ch01`` for chapter 1, ...) and are imported here, so that
``from seqlab.exercises import check_softmax`` works for every one of them.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from seqlab import _checks

__all__ = [
    "SCALED_TOY_KEYS",
    "SCALED_TOY_QUERY",
    "TOY_KEYS",
    "TOY_MASK",
    "TOY_QUERY",
    "Feedback",
    "check_additive_attention",
    "check_beam_step",
    "check_bits_per_char",
    "check_causal_mask",
    "check_clipped_component",
    "check_close",
    "check_copy_chance",
    "check_dot_variance",
    "check_encoder_layer_params",
    "check_forget_bias_init",
    "check_function",
    "check_gradient_factor",
    "check_gru_step",
    "check_kv_cache_bytes",
    "check_kv_cache_step",
    "check_layer_norm",
    "check_linear_state_bytes",
    "check_linear_step",
    "check_lstm_param_count",
    "check_masked_count",
    "check_matmul_flops",
    "check_merge_step",
    "check_mha",
    "check_mha_param_count",
    "check_nucleus_size",
    "check_number",
    "check_pre_ln_block",
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
    "verdict",
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


def verdict(correct: bool, message: str, quiet: bool) -> Feedback:
    """A :class:`Feedback` saying "Correct: message" or "Not yet: message", printed
    unless ``quiet``."""
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
            f"got {_checks.describe(value)}"
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


def _tolerances(atol, rtol) -> tuple[float, float]:
    """``atol`` and ``rtol`` as numbers >= 0, as ``torch.allclose`` takes them."""
    return _checks.number("atol", atol, 0), _checks.number("rtol", rtol, 0)


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
    atol, rtol = _tolerances(atol, rtol)
    correct, message = _compare(answer, expected, atol, rtol)
    return verdict(correct, message, quiet)


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
    atol, rtol = _tolerances(atol, rtol)
    for i, x in enumerate(inputs):
        hint = f" Hint: {hints[i]}" if hints is not None and hints[i] else ""
        try:
            got = fn(x)
        except Exception as error:  # the reader's code may raise anything
            message = f"{name} raised {type(error).__name__}: {error} on input {i}.{hint}"
            return verdict(False, message, quiet)
        correct, message = _compare(got, reference(x), atol, rtol)
        if not correct:
            return verdict(False, f"{name} on input {i}: {message}.{hint}", quiet)
    return verdict(True, f"{name} agrees with the reference on {len(inputs)} inputs", quiet)


def _as_number(answer, whole: bool) -> int | float | None:
    """``answer`` as an int (or, unless ``whole``, a float); ``None`` if it is not one.

    A 0-d tensor or NumPy number, such as ``x.var()``, counts as the number it holds; a
    bool does not count.
    """
    if getattr(answer, "ndim", None) == 0 and hasattr(answer, "item"):
        answer = answer.item()
    if isinstance(answer, bool):
        return None
    if isinstance(answer, numbers.Integral):
        return int(answer)
    if isinstance(answer, numbers.Real) and not whole:
        return float(answer)
    return None


def check_number(
    answer,
    right: float,
    mistakes: Sequence[tuple[float, str]] = (),
    *,
    whole: bool = False,
    unit: str = "",
    correct: str = "matches the expected value",
    otherwise: str | None = None,
    atol: float = 0.0,
    rtol: float = 0.0,
    quiet: bool = False,
) -> Feedback:
    """The verdict on a numeric answer: right, a known mistake with its hint, or neither.

    The checkers of chapters' numeric exercises are this one call: the right value, and
    the wrong values readers typically reach, each with the hint that explains it.

    Args:
        answer: the reader's number.
        right: the right value; ``answer`` is right within ``atol + rtol * |right|``.
        mistakes: ``(value, hint)`` pairs, tried in order when the answer is not right,
            each with the same tolerance around its value; the first match gives its hint.
        whole: the answer is a count, so it must be an int (``640.0`` is refused).
        unit: what the number counts, for the message when ``answer`` is not a number,
            e.g. ``" of bytes"`` gives "give a whole number of bytes".
        correct: the message for a right answer.
        otherwise: the message for any other number, ``{answer}`` standing for it (with a
            format spec, e.g. ``{answer:,}``); by default :func:`check_close`'s, which
            names the expected value and the difference.
        quiet: if True, do not print.
    """
    value = _as_number(answer, whole)
    if value is None:
        kind = "a whole number" if whole else "a number"
        return verdict(False, f"give {kind}{unit}, got {answer!r}", quiet)

    def near(target: float) -> bool:
        return abs(value - target) <= atol + rtol * abs(target)

    if near(right):
        return verdict(True, correct, quiet)
    for wrong, hint in mistakes:
        if near(wrong):
            return verdict(False, hint, quiet)
    if otherwise is None:
        return verdict(False, _compare(value, right, atol, rtol)[1], quiet)
    return verdict(False, otherwise.format(answer=value), quiet)


# Each chapter's checkers, from the module named after the chapter. They import the core
# above, so they come last.
from seqlab.exercises.ch00 import check_matmul_flops, check_softmax
from seqlab.exercises.ch01 import (
    check_nucleus_size,
    check_rnn_param_count,
    check_rnn_step,
    check_uniform_perplexity,
)
from seqlab.exercises.ch02 import check_clipped_component, check_gradient_factor
from seqlab.exercises.ch03 import check_forget_bias_init, check_gru_step, check_lstm_param_count
from seqlab.exercises.ch04 import check_beam_step, check_copy_chance, check_teacher_forcing
from seqlab.exercises.ch05 import (
    TOY_KEYS,
    TOY_MASK,
    TOY_QUERY,
    check_additive_attention,
    check_toy_attention,
)
from seqlab.exercises.ch06 import (
    SCALED_TOY_KEYS,
    SCALED_TOY_QUERY,
    check_causal_mask,
    check_dot_variance,
    check_scaled_toy,
)
from seqlab.exercises.ch07 import check_mha, check_mha_param_count, check_split_heads
from seqlab.exercises.ch08 import check_rope_angle, check_sinusoidal
from seqlab.exercises.ch09 import (
    check_encoder_layer_params,
    check_kv_cache_step,
    check_layer_norm,
    check_pre_ln_block,
)
from seqlab.exercises.ch10 import check_kv_cache_bytes, check_train_flops
from seqlab.exercises.ch11 import check_linear_state_bytes, check_linear_step
from seqlab.exercises.ch12 import check_bits_per_char, check_merge_step
from seqlab.exercises.ch13 import check_masked_count
