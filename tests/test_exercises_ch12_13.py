"""The checkers of chapters 12 (tokens) and 13 (pretraining) accept the right answer and
reject the usual wrong ones with the hint that explains them."""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise

from seqlab.exercises import check_bits_per_char, check_masked_count, check_merge_step
from seqlab.exercises.ch12 import _merge_step
from seqlab.tokens import merge_pair


def test_merge_step_checker_accepts_a_right_merge_and_rejects_wrong_ones():
    right = _merge_step  # the reference: the merge BPE.train makes

    def overlapping(ids):  # merges (5, 5, 5, 5) as 5 6 5: not left to right
        return right(ids) if ids != [5, 5, 5, 5] else [5, 6, 5]

    def largest_tie(ids):  # breaks ties toward the larger pair
        counts = Counter(pairwise(ids))
        best = max(counts, key=lambda p: (counts[p], p))
        return merge_pair(ids, best, max(ids) + 1)

    assert check_merge_step(right, quiet=True)
    wrong = check_merge_step(overlapping, quiet=True)
    assert not wrong and "left to right" in wrong.message
    wrong = check_merge_step(largest_tie, quiet=True)
    assert not wrong and "smaller" in wrong.message
    crashed = check_merge_step(lambda ids: 1 / 0, quiet=True)
    assert not crashed and "ZeroDivisionError" in crashed.message


def test_bits_per_char_checker_names_each_usual_mistake():
    assert check_bits_per_char(1.9 * 30_000 / 81_000 / math.log(2), quiet=True)
    per_token = check_bits_per_char(1.9 / math.log(2), quiet=True)
    assert not per_token and "bits per token" in per_token.message
    nats = check_bits_per_char(1.9 * 30_000 / 81_000, quiet=True)
    assert not nats and "ln 2" in nats.message
    assert not check_bits_per_char("one", quiet=True)


def test_masked_count_checker_separates_chosen_from_masked():
    assert check_masked_count(0.8 * 19, quiet=True)
    chosen = check_masked_count(19, quiet=True)
    assert not chosen and "80 %" in chosen.message
    unrounded = check_masked_count(0.15 * 128 * 0.8, quiet=True)
    assert not unrounded and "rounded" in unrounded.message
    assert check_masked_count(0.8 * 2, length=10, quiet=True)
