"""Checkers for chapter 0 (How to use this book)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_function, check_number

__all__ = ["check_matmul_flops", "check_softmax"]


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


def check_matmul_flops(answer, n: int = 256, *, quiet: bool = False) -> Feedback:
    """Check the floating-point operations of an ``n × n`` by ``n × n`` matrix product,
    counting a multiply and an add as two (chapter 0)."""
    mistakes = [
        (n**3, "that counts multiply-adds; count the multiply and the add"),
        (n**2, "that is the number of outputs; each is a sum of n products"),
    ]
    return check_number(
        answer,
        2 * n**3,
        mistakes,
        correct=f"2 × {n}³ = {2 * n**3:,}: n² outputs, each n multiplies and n adds",
        otherwise="{answer:,} is not it; count the outputs and the work for each",
        quiet=quiet,
    )
