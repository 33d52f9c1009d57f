"""Checkers for chapter 4 (Encoder–decoder and the bottleneck)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from seqlab.exercises import Feedback, check_function, check_number, verdict

__all__ = ["check_beam_step", "check_copy_chance", "check_teacher_forcing"]


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


def _beam_inputs() -> list[tuple[torch.Tensor, torch.Tensor, int]]:
    """Random ``(scores, log_probs, width)`` for :func:`check_beam_step`: one live beam
    (the first step), beams of similar scores, and one beam far ahead of the other (all
    survivors should come from it)."""
    gen = torch.Generator().manual_seed(4)
    inputs = []
    for batch, beams, vocab, width, spread in [
        (1, 1, 5, 3, 1.0),
        (2, 3, 4, 3, 1.0),
        (3, 2, 6, 4, 10.0),
    ]:
        scores = -spread * torch.rand(batch, beams, generator=gen).cumsum(1)  # (B, K)
        log_probs = torch.log_softmax(torch.randn(batch, beams, vocab, generator=gen), -1)
        inputs.append((scores, log_probs, width))
    return inputs


def _beam_mistake(got, scores, log_probs, width) -> str | None:
    """The hint for a known wrong ``beam_step``, or ``None``."""
    from seqlab.seq2seq import beam_step

    new, parents, tokens = got
    without, _, _ = beam_step(torch.zeros_like(scores), log_probs, width)
    if torch.allclose(new, without):
        return (
            "a candidate's score is the beam's running score plus the token's "
            "log-probability: add scores[:, :, None] before choosing"
        )
    want, want_parents, want_tokens = beam_step(scores, log_probs, width)
    if torch.equal(parents, want_tokens) and torch.equal(tokens, want_parents):
        return "parents and tokens are swapped: flat index // V is the beam, % V the token"
    rows = torch.arange(scores.shape[0])[:, None]
    consistent = torch.allclose(new, scores[rows, parents] + log_probs[rows, parents, tokens])
    if consistent and not torch.allclose(new.sort(1).values, want.sort(1).values):
        return (
            "choose the best `width` of all K * V candidates at once (flatten beams and "
            "tokens, then topk), not the best tokens of each beam: a strong beam may "
            "keep every place and a weak one none"
        )
    if consistent:
        return "return the survivors best first (topk sorts them)"
    return None


def check_beam_step(fn: Callable, *, quiet: bool = False) -> Feedback:
    """Check ``fn(scores, log_probs, width) -> (new_scores, parents, tokens)`` against
    :func:`seqlab.seq2seq.beam_step` on random inputs (chapter 4).

    Shapes: scores ``(B, K)``, log_probs ``(B, K, V)`` -> three ``(B, width)`` tensors,
    parents and tokens int64.
    """
    from seqlab.seq2seq import beam_step

    if not callable(fn):
        raise TypeError(f"fn must be a function, got {type(fn).__name__}")
    for i, (scores, log_probs, width) in enumerate(_beam_inputs()):
        want = beam_step(scores, log_probs, width)
        try:
            got = tuple(torch.as_tensor(t) for t in fn(scores.clone(), log_probs.clone(), width))
        except Exception as error:  # the reader's code may raise anything
            return verdict(False, f"your beam_step raised {type(error).__name__}: {error}", quiet)
        shapes = [tuple(t.shape) for t in got]
        if len(got) != 3 or any(s != tuple(want[0].shape) for s in shapes):
            return verdict(
                False,
                f"on input {i}, return three tensors of shape {tuple(want[0].shape)} "
                f"(new_scores, parents, tokens), got shapes {shapes}",
                quiet,
            )
        if torch.allclose(got[0].double(), want[0].double(), atol=1e-6) and all(
            torch.equal(g.long(), w) for g, w in zip(got[1:], want[1:], strict=True)
        ):
            continue
        hint = _beam_mistake(
            (got[0].to(scores.dtype), got[1].long(), got[2].long()), scores, log_probs, width
        )
        detail = (
            f" Hint: {hint}."
            if hint
            else (
                f" Expected new_scores {want[0].tolist()}, parents {want[1].tolist()}, "
                f"tokens {want[2].tolist()}."
            )
        )
        return verdict(False, f"your beam_step differs from seqlab's on input {i}.{detail}", quiet)
    return verdict(True, "your beam_step agrees with seqlab's on 3 random inputs", quiet)
