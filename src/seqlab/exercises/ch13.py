"""Checkers for chapter 13 (Pretraining: why scale paid off for the Transformer)."""

from __future__ import annotations

from seqlab.exercises import Feedback, check_number
from seqlab.pretrain import KEEP_RULE, MASK_RATE

__all__ = ["check_masked_count"]


def check_masked_count(answer, length: int = 128, *, quiet: bool = False) -> Feedback:
    """Check the expected number of ``[MASK]`` ids in a window of ``length`` tokens after
    :func:`seqlab.pretrain.mask_tokens` at its default rate (chapter 13)."""
    chosen = max(1, round(MASK_RATE * length))
    right = KEEP_RULE[0] * chosen
    mistakes = [
        (chosen, "that is the number of chosen (scored) positions; only 80 % become [MASK]"),
        (MASK_RATE * length * KEEP_RULE[0], "the count chosen is rounded to a whole number first"),
        (MASK_RATE * length, "15 % are chosen, and of those 80 % become [MASK]"),
    ]
    return check_number(
        answer,
        right,
        mistakes,
        rtol=0.001,
        correct=f"{right:.1f} on average: round(0.15 × {length}) = {chosen} chosen, 80 % of them",
        otherwise="{answer} is not it; count the chosen positions, then the share replaced",
        quiet=quiet,
    )
