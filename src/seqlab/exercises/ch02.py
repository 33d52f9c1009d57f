"""Checkers for chapter 2 (Vanishing and exploding gradients)."""

from __future__ import annotations

from seqlab.exercises import Feedback, check_number

__all__ = ["check_clipped_component", "check_gradient_factor"]


def check_gradient_factor(
    answer, rho: float = 0.9, k: int = 20, *, quiet: bool = False
) -> Feedback:
    """Check the factor by which a gradient shrinks over ``k`` steps of a linear RNN whose
    recurrent matrix is ``rho`` times an orthogonal matrix (chapter 2)."""
    mistakes = [(rho * k, "the factors multiply, they do not add: rho to the power k")]
    return check_number(answer, rho**k, mistakes, rtol=1e-3, quiet=quiet)


def check_clipped_component(
    answer, norm: float = 50.0, max_norm: float = 5.0, part: float = 1e-6, *, quiet: bool = False
) -> Feedback:
    """Check the size, after clipping the whole gradient (norm ``norm``) to ``max_norm``,
    of a component that was ``part`` (chapter 2)."""
    right = part * min(1.0, max_norm / norm)
    mistakes = [(part, "clipping rescales the whole vector, this part too")]
    return check_number(answer, right, mistakes, rtol=1e-6, quiet=quiet)
