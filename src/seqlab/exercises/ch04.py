"""Checkers for chapter 4 (Encoder–decoder and the bottleneck)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_function, check_number

__all__ = ["check_copy_chance", "check_teacher_forcing"]


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


def check_copy_chance(
    answer, length: int = 8, n_symbols: int = 10, *, quiet: bool = False
) -> Feedback:
    """Check the exact-match accuracy of guessing each of ``length`` symbols uniformly
    from ``n_symbols`` (chapter 4)."""
    mistakes = [
        (1 / n_symbols, "that is one symbol; all of them must be right at once"),
        (length / n_symbols, "independent chances multiply, they do not add"),
    ]
    return check_number(answer, float(n_symbols) ** -length, mistakes, rtol=1e-6, quiet=quiet)
