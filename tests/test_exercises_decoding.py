"""The beam-search exercise of chapter 4: its checker accepts seqlab's beam_step (and a
reader's correct version written differently) and rejects the usual mistakes, each
with the hint that explains it."""

import torch

from seqlab.exercises import check_beam_step
from seqlab.seq2seq import beam_step


def loop_beam_step(scores, log_probs, width):
    """A correct version written another way: every candidate listed, then sorted."""
    batch, beams, vocab = log_probs.shape
    rows = []
    for b in range(batch):
        cands = sorted(
            ((scores[b, k] + log_probs[b, k, v]).item(), k, v)
            for k in range(beams)
            for v in range(vocab)
        )[::-1][:width]
        rows.append(cands)
    new = torch.tensor([[c[0] for c in r] for r in rows])
    parents = torch.tensor([[c[1] for c in r] for r in rows])
    tokens = torch.tensor([[c[2] for c in r] for r in rows])
    return new, parents, tokens


def no_running_score(scores, log_probs, width):
    batch, _, vocab = log_probs.shape
    top, index = log_probs.reshape(batch, -1).topk(width, dim=1)
    return top, index // vocab, index % vocab


def per_beam(scores, log_probs, width):
    """Top tokens of each beam in turn, as many from every beam."""
    batch, beams, vocab = log_probs.shape
    total = scores[:, :, None] + log_probs  # (B, K, V)
    each = -(-width // beams)  # ceil(width / K) from every beam
    top, token = total.topk(min(each, vocab), dim=2)  # (B, K, each)
    parent = torch.arange(beams)[None, :, None].expand_as(token)
    top, order = top.reshape(batch, -1).sort(1, descending=True)
    pick = order[:, :width]
    return (
        top[:, :width],
        parent.reshape(batch, -1).gather(1, pick),
        token.reshape(batch, -1).gather(1, pick),
    )


def swapped(scores, log_probs, width):
    new, parents, tokens = beam_step(scores, log_probs, width)
    return new, tokens, parents


def unsorted(scores, log_probs, width):
    new, parents, tokens = beam_step(scores, log_probs, width)
    return new.flip(1), parents.flip(1), tokens.flip(1)


def test_the_checker_accepts_the_reference_and_a_correct_rewrite():
    assert check_beam_step(beam_step, quiet=True)
    assert check_beam_step(loop_beam_step, quiet=True)


def test_forgetting_the_running_score_gets_its_hint():
    feedback = check_beam_step(no_running_score, quiet=True)
    assert not feedback
    assert "running score" in feedback.message and "input 0" in feedback.message


def test_choosing_per_beam_gets_its_hint():
    feedback = check_beam_step(per_beam, quiet=True)
    assert not feedback
    assert "all K * V candidates at once" in feedback.message


def test_swapped_indices_and_unsorted_survivors_get_their_hints():
    feedback = check_beam_step(swapped, quiet=True)
    assert not feedback and "parents and tokens are swapped" in feedback.message
    feedback = check_beam_step(unsorted, quiet=True)
    assert not feedback and "best first" in feedback.message


def test_wrong_shapes_and_errors_are_reported_not_raised():
    feedback = check_beam_step(lambda s, lp, w: (s, s), quiet=True)
    assert not feedback and "return three tensors of shape (1, 3)" in feedback.message
    feedback = check_beam_step(lambda s, lp, w: 1 / 0, quiet=True)
    assert not feedback and "raised ZeroDivisionError" in feedback.message
