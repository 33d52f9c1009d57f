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


# The composite checks of the recurrent layers (chapters 1 and 3) ------------------------


def sequence(name: str, x, input_size: int, batch_first: bool, dtype: torch.dtype):
    """A recurrent layer's input: a non-empty sequence of ``input_size`` features of the
    weights' ``dtype``, returned as ``(batch, length, input_size)``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a tensor, got {type(x).__name__}")
    order = "(batch, length, input_size)" if batch_first else "(length, batch, input_size)"
    if x.dim() != 3 or x.shape[-1] != input_size:
        raise ValueError(
            f"{name} must have shape {order} with input_size={input_size}, got {tuple(x.shape)}"
        )
    features_dtype(name, x, dtype)
    if x.shape[1 if batch_first else 0] == 0:
        raise ValueError(f"{name} is an empty sequence (length 0); give at least one time step")
    return x if batch_first else x.transpose(0, 1)


def features_dtype(name: str, x: torch.Tensor, expected: torch.dtype) -> None:
    """Inputs are feature vectors of the weights' dtype; token ids (integers) need an
    embedding first."""
    if x.dtype == expected:
        return
    hint = (
        " (token ids? embed them first, e.g. with nn.Embedding, or use RNNLM)"
        if not x.is_floating_point()
        else f" (convert with {name}.to({expected}) or the module with .to({x.dtype}))"
    )
    raise TypeError(
        f"{name} must be a floating-point tensor of dtype {expected} (the weights' dtype), "
        f"got {x.dtype}{hint}"
    )


def initial_state(h0, names: tuple[str, ...], shape: tuple[int, int, int]) -> tuple:
    """A given initial state (``h0``, or the LSTM's pair ``(h0, c0)``) as a tuple of
    tensors of ``shape`` (num_layers, batch, hidden_size)."""
    if len(names) > 1 and not (isinstance(h0, tuple) and len(h0) == 2):
        raise TypeError("LSTM h0 must be a pair (h0, c0) of tensors, or None")
    given = h0 if len(names) > 1 else (h0,)
    for name, s in zip(names, given, strict=True):
        if not isinstance(s, torch.Tensor):
            raise TypeError(f"{name} must be a tensor of shape {shape}, got {type(s).__name__}")
        if tuple(s.shape) != shape:
            raise ValueError(
                f"{name} must have shape (num_layers, batch, hidden_size) = {shape}, "
                f"got {tuple(s.shape)}"
            )
    return tuple(given)


def step_input(x_t, input_size: int, num_layers: int, dtype: torch.dtype) -> None:
    """One step's input ``(batch, input_size)`` for a one-layer module's ``step``."""
    if num_layers != 1:
        raise ValueError(f"step needs a one-layer module, this one has {num_layers}")
    if not isinstance(x_t, torch.Tensor):
        raise TypeError(f"x_t must be a tensor, got {type(x_t).__name__}")
    if x_t.dim() != 2 or x_t.shape[1] != input_size:
        raise ValueError(f"x_t must have shape (batch, {input_size}), got {tuple(x_t.shape)}")
    features_dtype("x_t", x_t, dtype)


def step_mask(mask, shape) -> torch.Tensor:
    """A right-padding mask (B, L): bool, True on a non-empty prefix of each row."""
    bool_mask("mask", mask, "True on real steps")
    if tuple(mask.shape) != tuple(shape):
        raise ValueError(
            f"mask must have shape (batch, length) = {tuple(shape)}, got {tuple(mask.shape)}"
        )
    if not mask.any(dim=1).all():
        raise ValueError("mask has an empty sequence (a row with no True); lengths must be >= 1")
    if not mask[:, 0].all() or (mask[:, 1:] & ~mask[:, :-1]).any():
        raise ValueError("mask must be True on a prefix of each row (right padding)")
    return mask


# The composite checks of the attention modules (chapters 5 to 7) ------------------------


def softmax_mask(mask, scores) -> None:
    """``masked_softmax``'s mask: bool, broadcastable to the scores, no empty row."""
    bool_mask("mask", mask)
    try:
        torch.broadcast_shapes(mask.shape, scores.shape)
    except RuntimeError:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not fit scores of shape "
            f"{tuple(scores.shape)} (expected (batch, source length))"
        ) from None
    if not mask.any(-1).all():
        raise ValueError("mask has a row with no position to attend to (an empty source?)")


def padding(sizes, length) -> tuple[torch.Tensor, int]:
    """``padding_mask``'s arguments: the lengths as a ``(B,)`` tensor, and the padded
    length (the longest by default)."""
    sizes = lengths("lengths", sizes)  # (B,)
    longest = int(sizes.max())
    if length is None:
        return sizes, longest
    expected = f"an int >= the longest length {longest}"
    return sizes, integer("length", length, minimum=longest, expected=expected)


def attention_inputs(query, keys, values, mask, score=None, weights=None):
    """Check the inputs (and, for a ``score`` of ``"additive"``, ``"dot"`` or
    ``"general"``, its ``weights``); return the query as ``(B, T, Dq)`` and whether it
    came without a ``T`` axis."""
    for name, t in (("query", query), ("keys", keys), ("values", values)):
        tensor(name, t, "")
    if keys.dim() != 3 or values.dim() != 3 or keys.shape[:2] != values.shape[:2]:
        raise ValueError(
            "keys and values must be (batch, source length, features) with the same batch "
            f"and length, got {tuple(keys.shape)} and {tuple(values.shape)}"
        )
    if query.dim() not in (2, 3) or query.shape[0] != keys.shape[0]:
        raise ValueError(
            f"query must be (batch, features) or (batch, steps, features) with batch "
            f"{keys.shape[0]}, got {tuple(query.shape)}"
        )
    if mask is not None:
        mask_like("mask", mask, keys.shape[:2], "(batch, source length)", "True = may attend")
    dq, dk = query.shape[-1], keys.shape[-1]
    if score == "additive":
        w_query, w_key, v = weights
        a = w_query.shape[0]
        if w_query.shape != (a, dq) or w_key.shape != (a, dk) or v.shape != (a,):
            raise ValueError(
                f"expected w_query (A, {dq}), w_key (A, {dk}) and v (A,), got "
                f"{tuple(w_query.shape)}, {tuple(w_key.shape)} and {tuple(v.shape)}"
            )
    elif score == "dot" and dq != dk:
        raise ValueError(
            f"dot attention needs query and keys of the same size, got {dq} and {dk}; pass "
            "weight for 'general' attention"
        )
    elif score == "general" and tuple(weights.shape) != (dq, dk):
        raise ValueError(f"weight must be (Dq, Dk) = {(dq, dk)}, got {tuple(weights.shape)}")
    single = query.dim() == 2
    return (query[:, None] if single else query), single


def attention_sizes(d_model, n_heads, dropout) -> None:
    """Multi-head attention's sizes: heads that divide the width, a dropout rate."""
    integer("d_model", d_model)
    integer("n_heads", n_heads)
    divides("n_heads", n_heads, "d_model", d_model)
    probability("dropout", dropout)


def sdpa_inputs(q, k, v, mask) -> None:
    """Scaled dot-product attention's q, k, v ``(..., length, features)`` with matching
    sizes, and a mask that fits the scores ``(..., L, S)``."""
    for name, t in (("q", q), ("k", k), ("v", v)):
        tensor(name, t, "(..., length, features)")
        if t.dim() < 2:
            raise ValueError(
                f"{name} must be a tensor (..., length, features), got {tuple(t.shape)}"
            )
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(
            "q and k need the same feature size and k and v the same length: got q "
            f"{tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)}"
        )
    try:
        queries = torch.broadcast_shapes(q.shape[:-1], (*k.shape[:-2], 1))  # (..., L)
        scores = (*queries, k.shape[-2])  # (..., L, S)
    except RuntimeError:
        raise ValueError(
            f"the leading axes of q {tuple(q.shape)} and k {tuple(k.shape)} do not broadcast"
        ) from None
    mask_fits(mask, scores, "(..., query length, key length)")


def mha_inputs(query, key, value, mask, d_model: int, cached: int) -> None:
    """Multi-head attention's inputs: three ``(batch, length, d_model)`` tensors and a
    mask that fits the scores ``(batch, query length, cached + key length)``."""
    expected = f"(batch, length, {d_model})"
    for name, t in (("query", query), ("key", key), ("value", value)):
        tensor(name, t, expected, dims=3, last=d_model)
    if key.shape[:2] != value.shape[:2] or query.shape[0] != key.shape[0]:
        raise ValueError(
            f"query, key and value need the same batch and key/value the same length, "
            f"got {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
        )
    scores = (query.shape[0], query.shape[1], cached + key.shape[1])
    mask_fits(mask, scores, "(batch, query length, key length)")


# The composite checks of the Transformer (chapter 9) ------------------------------------


def transformer_config(config, positionals: tuple[str, ...]) -> None:
    """Every field of a ``TransformerConfig``."""
    for name in ("vocab_size", "d_model", "n_heads", "n_layers", "d_ff", "max_len"):
        integer(name, getattr(config, name))
    divides("n_heads", config.n_heads, "d_model", config.d_model)
    choice("positional", config.positional, positionals)
    if config.positional == "rope" and (config.d_model // config.n_heads) % 2:
        raise ValueError("rope needs an even head size (d_model // n_heads)")
    probability("dropout", config.dropout)
    integer("tgt_vocab_size", config.tgt_vocab_size)
    flag("norm_first", config.norm_first)


def source_mask(src, src_mask, tgt_in=None) -> None:
    """An encoder–decoder's source mask: bool, shaped like ``src``; and ``tgt_in`` of the
    same batch."""
    if isinstance(tgt_in, torch.Tensor) and isinstance(src, torch.Tensor):
        if tgt_in.shape[0] != src.shape[0]:
            raise ValueError(
                "src and tgt_in must have the same batch size, got "
                f"{src.shape[0]} and {tgt_in.shape[0]}"
            )
    expected = "src_mask must be a bool tensor shaped like src (batch, source length), True"
    if not isinstance(src_mask, torch.Tensor) or src_mask.dtype != torch.bool:
        raise TypeError(f"{expected} on real tokens; got {describe(src_mask)}")
    if isinstance(src, torch.Tensor) and src_mask.shape != src.shape:
        raise ValueError(f"{expected} on real tokens; got {src_mask.dtype} {tuple(src_mask.shape)}")


def padding_mask(mask, shape) -> None:
    """A Transformer's padding mask: bool ``(batch, length)``, True on real tokens."""
    expected = f"padding_mask must be bool (batch, length) = {tuple(shape)}"
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError(f"{expected}, got {describe(mask)}")
    if mask.shape != shape:
        raise ValueError(f"{expected}, got {tuple(mask.shape)}")


def text(name: str, value) -> str:
    """``value`` must be a non-empty str."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {describe(value)}")
    if not value:
        raise ValueError(f"{name} is empty: there is nothing to tokenize")
    return value


def id_list(name: str, ids, count: int) -> list[int]:
    """``ids`` (a sequence of ints or a 1-D integer tensor) as a list of ints in
    ``[0, count)``."""
    if isinstance(ids, torch.Tensor):
        if ids.dim() != 1 or ids.is_floating_point() or ids.dtype == torch.bool:
            raise TypeError(f"{name} must be a 1-D integer tensor, got {describe(ids)}")
        ids = ids.tolist()
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Sequence):
        raise TypeError(f"{name} must be a sequence of ints or a 1-D tensor, got {describe(ids)}")
    for position, i in enumerate(ids):
        if not _is_int(i):
            raise TypeError(f"{name}[{position}] must be an int, got {i!r:.60}")
        if not 0 <= i < count:
            raise ValueError(f"{name}[{position}] = {i} is outside the vocabulary [0, {count - 1}]")
    return [int(i) for i in ids]


def bpe_parts(chars, merges, n_bytes: int) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """A BPE's characters (distinct, single, non-ASCII) and merges (pairs of earlier ids)."""
    chars = tuple(chars)
    bad = [c for c in chars if not isinstance(c, str) or len(c) != 1 or ord(c) < 128]
    if bad or len(set(chars)) != len(chars):
        raise ValueError(
            "chars must be distinct single non-ASCII characters (ASCII ones are bytes), "
            f"got {bad[:3] if bad else 'duplicates'}"
        )
    pairs = []
    for k, pair in enumerate(merges):
        known = n_bytes + len(chars) + k  # ids that exist before merge k
        if len(pair) != 2 or not all(_is_int(i) and 0 <= i < known for i in pair):
            raise ValueError(f"merge {k} must be two ids in [0, {known - 1}], got {pair!r}")
        pairs.append((int(pair[0]), int(pair[1])))
    return chars, tuple(pairs)
