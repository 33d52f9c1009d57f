"""Checkers for chapter 12 (Tokens: from characters to subwords)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from itertools import pairwise

from seqlab.exercises import Feedback, check_function, check_number
from seqlab.tokens import merge_pair

__all__ = ["check_bits_per_char", "check_merge_step"]

# (ids, what a wrong answer on it usually got wrong)
_MERGE_CASES = [
    ([1, 2, 1, 2, 3], "the most frequent pair here is (1, 2)"),
    ([5, 5, 5, 5], "merge left to right: (5, 5, 5, 5) becomes (6, 6), not (5, 6, 5)"),
    ([3, 4, 1, 2, 3, 4, 1, 2], "two pairs occur twice: take the smaller tuple, (1, 2)"),
    ([7, 1, 7, 1, 9, 9, 9], "(7, 1) occurs twice, (9, 9) twice too: the smaller is (7, 1)"),
]


def _merge_step(ids: list[int]) -> list[int]:
    counts = Counter(pairwise(ids))
    best = min(counts, key=lambda p: (-counts[p], p))
    return merge_pair(ids, best, max(ids) + 1)  # the merge BPE.train makes


def check_merge_step(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(ids) -> ids``, one BPE merge on a list of ints: the most frequent
    adjacent pair (ties: the smallest tuple) replaced left to right by ``max(ids) + 1``
    (chapter 12)."""
    return check_function(
        lambda k: list(fn(list(_MERGE_CASES[k][0]))),
        lambda k: _merge_step(_MERGE_CASES[k][0]),
        list(range(len(_MERGE_CASES))),
        name="your merge_step",
        hints=[hint for _, hint in _MERGE_CASES],
        quiet=quiet,
    )


def check_bits_per_char(
    answer,
    nats_per_token: float = 1.9,
    tokens: int = 30_000,
    chars: int = 81_000,
    *,
    quiet: bool = False,
) -> Feedback:
    """Check the bits per character of a model whose mean loss is ``nats_per_token``
    over ``tokens`` tokens of a text of ``chars`` characters (chapter 12)."""
    right = nats_per_token * tokens / chars / math.log(2)
    mistakes = [
        (nats_per_token / math.log(2), "that is bits per token: divide the total by characters"),
        (nats_per_token * tokens / chars, "that is nats per character: divide by ln 2 for bits"),
        (nats_per_token * chars / tokens / math.log(2), "tokens over characters, not the reverse"),
    ]
    return check_number(
        answer,
        right,
        mistakes,
        rtol=0.01,
        correct=f"{right:.3f} bits per character: total nats / characters / ln 2",
        otherwise="{answer} is not it; total nats = mean loss × tokens, per character, in bits",
        quiet=quiet,
    )
