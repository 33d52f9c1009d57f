"""Checkers for chapter 10 (Why Transformers outperform RNNs — measured)."""

from __future__ import annotations

from seqlab.exercises import Feedback, check_number

__all__ = ["check_kv_cache_bytes", "check_train_flops"]


def check_kv_cache_bytes(
    answer, n_layers: int = 2, d_model: int = 64, context: int = 2048, *, quiet: bool = False
) -> Feedback:
    """Check the bytes a float32 key–value cache holds for one sequence of ``context``
    tokens in a Transformer of ``n_layers`` layers and width ``d_model`` (chapter 10)."""
    right = 2 * n_layers * context * d_model * 4
    mistakes = [
        (right // 2, "the cache keeps keys and values: two tensors per layer"),
        (right // 4, "that is a count of numbers; a float32 takes 4 bytes"),
        (right // n_layers, "every layer keeps its own keys and values"),
    ]
    return check_number(
        answer,
        right,
        mistakes,
        whole=True,
        unit=" of bytes",
        correct=f"{right:,} bytes = keys and values × {n_layers} layers × {context} tokens "
        f"× {d_model} numbers × 4 bytes",
        otherwise="{answer:,} is not it; count layers, tokens, width and bytes",
        quiet=quiet,
    )


def check_train_flops(
    answer,
    vocab_size: int = 103,
    d_embed: int = 32,
    hidden_size: int = 128,
    *,
    quiet: bool = False,
) -> Feedback:
    """Check the estimated training FLOPs per token of a one-layer LSTM language model
    (embedding ``d_embed``, ``hidden_size`` units, a linear head), counted as chapter 10
    does: 2 per multiply-add weight in the forward pass, and the backward pass twice
    that (chapter 10). An estimate: within 1 % of the count is right."""
    recurrent = 4 * hidden_size * (d_embed + hidden_size) + 8 * hidden_size
    head = hidden_size * vocab_size + vocab_size
    right = 6 * (recurrent + head)
    mistakes = [
        (right / 3, "that is the forward pass; backward costs about twice more"),
        (
            6 * (recurrent + head + vocab_size * d_embed),
            "the embedding is a table lookup, not a matrix product",
        ),
    ]
    return check_number(
        answer,
        right,
        mistakes,
        atol=right / 100,
        correct=f"about {right:,} FLOPs per token: 6 × {recurrent + head:,}",
        otherwise="{answer:,} is not it; 6 FLOPs per weight that multiplies",
        quiet=quiet,
    )
