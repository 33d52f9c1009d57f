"""Argument checks: the one place where seqlab tests what it is given.

A public function makes one check call and then does its idea; the checks live here so
that the modules a reader studies show the mathematics first.

The rule for exceptions, used everywhere:

* ``TypeError`` when an argument has the wrong *type*: a list where a tensor is expected,
  a float where an int is, a float tensor where a boolean mask or token ids are.
* ``ValueError`` when the type is right but the *value* is not: a size below 1, a
  probability outside [0, 1), a tensor of the wrong rank or shape, an id outside the
  vocabulary, an empty sequence, a sequence longer than the model's maximum.

Every message names the argument, what was expected and what was received.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch

__all__: list[str] = []  # private to the package: modules import the functions they use


def describe(value) -> str:
    """What a value is, for an error message: a tensor's dtype and shape, else its type."""
    if isinstance(value, torch.Tensor):
        return f"{value.dtype} tensor of shape {tuple(value.shape)}"
    return type(value).__name__


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def integer(
    name: str, value, minimum: int = 1, maximum: int | None = None, expected: str | None = None
) -> int:
    """``value`` as an int ``>= minimum`` (a positive int by default) and, if ``maximum``
    is given, ``<= maximum``.

    A NumPy integer, or a 0-d integer tensor such as ``lengths.max()``, is accepted.
    ``expected`` replaces the wording of the requirement in the message.
    """
    if isinstance(value, torch.Tensor) and value.dim() == 0 and not value.is_floating_point():
        value = value.item()
    if expected is None and maximum is not None:
        expected = f"an int in [{minimum}, {maximum}]"
    elif expected is None:
        expected = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    if not _is_int(value):
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {expected}, got {value}")
    return int(value)


def sizes(**values) -> None:
    """Each keyword argument is a positive int: ``sizes(d_model=64, n_heads=4)``."""
    for name, value in values.items():
        integer(name, value)


def index(name: str, value, count: int) -> int:
    """``value`` as a position among ``count`` items: an int in ``[0, count)``."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {value!r:.60}")
    if not 0 <= value < count:
        raise ValueError(f"{name} must be in [0, {count - 1}], got {value}")
    return int(value)


def number(name: str, value, minimum: float | None = None) -> float:
    """``value`` as a finite float (``>= minimum`` if given)."""
    bound = "" if minimum is None else f" >= {minimum:g}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number{bound}, got {value!r:.60}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a number{bound} and finite, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be a number{bound}, got {value!r}")
    return value


def probability(name: str, value) -> float:
    """``value`` in [0, 1): a dropout rate."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r:.60}")
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


def flag(name: str, value) -> bool:
    """``value`` must be ``True`` or ``False`` (not 0, 1 or a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r:.60}")
    return value


def choice(name: str, value, options: Sequence, expected: str | None = None):
    """``value`` must be one of ``options`` (``expected`` words the message's list)."""
    if value not in options:
        expected = f"one of {tuple(options)}" if expected is None else expected
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return value


def divides(name: str, divisor: int, dividend_name: str, dividend: int) -> None:
    """``divisor`` must divide ``dividend`` (e.g. heads into the model width)."""
    if dividend % divisor:
        raise ValueError(f"{name}={divisor} must divide {dividend_name}={dividend}")


def tensor(
    name: str,
    x,
    shape: str,
    *,
    dims: int | tuple[int, ...] | None = None,
    last: int | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """``x`` must be a tensor of rank ``dims`` whose last axis is ``last``.

    Args:
        name: the argument's name in the caller.
        shape: how the expected shape reads in a message, e.g. ``"(batch, length, 16)"``.
        dims: the allowed rank (or ranks); ``None`` allows any.
        last: the required size of the last axis; ``None`` allows any.
        dtype: the required dtype; ``None`` allows any.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be {shape or 'a tensor'}, got {type(x).__name__}")
    allowed = (dims,) if isinstance(dims, int) else dims
    if (allowed is not None and x.dim() not in allowed) or (
        last is not None and (x.dim() == 0 or x.shape[-1] != last)
    ):
        raise ValueError(f"{name} must be {shape}, got {tuple(x.shape)}")
    if dtype is not None and x.dtype != dtype:
        raise TypeError(f"{name} must be a {dtype} tensor {shape}, got {x.dtype}")
    return x


def bool_mask(name: str, mask, meaning: str = "True = may attend") -> torch.Tensor:
    """``mask`` must be a boolean tensor."""
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError(f"{name} must be a bool tensor ({meaning}), got {describe(mask)}")
    return mask


def mask_fits(mask, shape, what: str, name: str = "mask") -> torch.Tensor | None:
    """``None``, or a boolean mask that broadcasts to ``shape`` without making it larger
    and leaves every row at least one True (every query has something to attend to)."""
    if mask is None:
        return None
    bool_mask(name, mask)
    try:
        fits = torch.broadcast_shapes(mask.shape, shape) == torch.Size(shape)
    except RuntimeError:
        fits = False
    if not fits:
        raise ValueError(
            f"{name} of shape {tuple(mask.shape)} does not broadcast to the scores' shape "
            f"{tuple(shape)} ({what})"
        )
    if not mask.any(-1).all():
        raise ValueError(f"{name} has a row with no position to attend to (an empty source?)")
    return mask


def mask_like(name: str, mask, shape, doc: str, meaning: str = "True on real tokens"):
    """``mask`` must be a boolean tensor of exactly ``shape`` (``doc`` names the axes)."""
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"{name} must be {doc} = {tuple(shape)}, got {type(mask).__name__}")
    bool_mask(name, mask, meaning)
    if tuple(mask.shape) != tuple(shape):
        raise ValueError(f"{name} must be {doc} = {tuple(shape)}, got {tuple(mask.shape)}")
    return mask


def token_ids(
    name: str,
    tokens,
    vocab_size: int,
    max_len: int | None = None,
    offset: int = 0,
) -> torch.Tensor:
    """``tokens`` must be int64 ``(batch, length)``, non-empty, ids in the vocabulary and
    (with ``max_len``) at most ``max_len`` positions after ``offset`` cached ones."""
    expected = f"{name} must be an int64 tensor (batch, length)"
    if not isinstance(tokens, torch.Tensor) or tokens.dtype != torch.long:
        got = (
            f"{tokens.dtype} {tuple(tokens.shape)}"
            if isinstance(tokens, torch.Tensor)
            else type(tokens).__name__
        )
        raise TypeError(f"{expected}, got {got}")
    if tokens.dim() != 2:
        raise ValueError(f"{expected}, got {tokens.dtype} {tuple(tokens.shape)}")
    if tokens.shape[1] == 0:
        raise ValueError(f"{name} is empty (length 0)")
    if max_len is not None and offset + tokens.shape[1] > max_len:
        cached = f" after {offset} cached positions" if offset else ""
        raise ValueError(
            f"{name} has length {tokens.shape[1]}{cached}, more than max_len={max_len} "
            "(learned positions exist only up to max_len); nothing is cut silently"
        )
    if tokens.numel() and (tokens.min() < 0 or tokens.max() >= vocab_size):
        what = "token" if name == "tokens" else name
        raise ValueError(
            f"{what} ids must be in [0, {vocab_size - 1}], got min {tokens.min().item()} "
            f"and max {tokens.max().item()}"
        )
    return tokens


def lengths(name: str, values) -> torch.Tensor:
    """A non-empty 1-D sequence of ints >= 1, as a tensor."""
    values = torch.as_tensor(values)
    if values.dim() != 1 or values.numel() == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of ints, got {values!r}")
    if values.is_floating_point() or values.dtype == torch.bool:
        raise TypeError(f"{name} must be a non-empty 1-D sequence of ints, got {values!r}")
    if (values < 1).any():
        raise ValueError(
            f"every {name[:-1] if name.endswith('s') else name} must be >= 1 (an empty "
            f"sequence has nothing to attend to), got {values.tolist()}"
        )
    return values
