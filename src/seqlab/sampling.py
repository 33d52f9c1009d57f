"""Generating text: one sampling loop for every language model in the book.

A language model here is a module with ``config.vocab_size`` and
``next_logits(tokens, state)``: it reads new tokens ``(B, T)`` after what ``state``
remembers (``None`` at the start) and returns the logits for the next token ``(B, V)``
and the new state. For :class:`~seqlab.rnn.RNNLM`
the state is the recurrent state; for :class:`~seqlab.transformer.TransformerLM` it is a
:class:`~seqlab.self_attention.KVCache`. Either way each new token costs one step.

Used by ``RNNLM.generate`` (chapter 1) and ``TransformerLM.generate`` (chapters 7 and 9).
"""

from __future__ import annotations

import torch

from seqlab import _checks
from seqlab.utils import evaluating

__all__ = ["generate", "sample_next"]


def sample_next(
    logits: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """One token per row from ``softmax(logits / temperature)``; ``temperature=0`` takes
    the most likely token.

    Shape:
        logits ``(B, V)`` -> tokens ``(B, 1)`` int64.

    Example:
        >>> sample_next(torch.tensor([[0.0, 3.0, 1.0]]), temperature=0)
        tensor([[1]])
    """
    if temperature == 0:
        return logits.argmax(-1, keepdim=True)
    probs = torch.softmax(logits / temperature, dim=-1)  # (B, V)
    if generator is not None and generator.device != probs.device:
        return torch.multinomial(probs.to(generator.device), 1, generator=generator).to(
            probs.device
        )
    return torch.multinomial(probs, 1, generator=generator)


@torch.no_grad()
def generate(
    model: torch.nn.Module,
    prompt,
    n: int,
    temperature: float = 1.0,
    *,
    vocab=None,
    generator: torch.Generator | None = None,
    max_len: int | None = None,
):
    """Continue ``prompt`` by ``n`` sampled tokens, one step at a time.

    Args:
        model: a language model with ``next_logits`` (see the module's docstring).
        prompt: a non-empty string (with ``vocab``), ids ``(P,)`` or a batch ``(B, P)``.
        n: number of tokens to add.
        temperature: > 0 divides the logits before sampling; 0 picks the argmax.
        vocab: a :class:`~seqlab.data.text.CharVocab` for string prompts.
        generator: a ``torch.Generator`` for reproducible samples.
        max_len: the longest sequence the model can read (prompt and continuation).

    Returns:
        The prompt followed by its continuation, in the prompt's form: a string, ``(P + n,)``
        or ``(B, P + n)``.
    """
    tokens, n, temperature = _check_generate(model, prompt, n, temperature, vocab, max_len)
    with evaluating(model):
        logits, state = model.next_logits(tokens, None)  # (B, V)
        out = [tokens]  # (B, P), then one (B, 1) per step
        for i in range(n):
            token = sample_next(logits, temperature, generator)  # (B, 1)
            out.append(token)
            if i + 1 < n:  # the last token needs no prediction after it
                logits, state = model.next_logits(token, state)
    ids = torch.cat(out, dim=1)  # (B, P + n)
    if isinstance(prompt, str):
        return vocab.decode(ids[0])
    return ids[0] if prompt.dim() == 1 else ids


def _check_generate(model, prompt, n, temperature, vocab, max_len):
    """The prompt as ids ``(B, P)`` on the model's device, ``n`` and ``temperature``."""
    if isinstance(prompt, str):
        if vocab is None:
            raise ValueError("a string prompt needs vocab= to encode it")
        tokens = vocab.encode(prompt)[None]
    elif isinstance(prompt, torch.Tensor) and prompt.dim() in (1, 2):
        tokens = prompt[None] if prompt.dim() == 1 else prompt
    else:
        raise TypeError(
            "prompt must be a str or a tensor of token ids (length,) or (batch, length), "
            f"got {_checks.describe(prompt)}"
        )
    if tokens.shape[-1] == 0:
        raise ValueError("prompt is empty: give at least one token to condition on")
    _checks.token_ids("prompt", tokens, model.config.vocab_size)
    n = _checks.integer("n", n, minimum=0)
    temperature = _checks.number("temperature", temperature, minimum=0)
    if max_len is not None and tokens.shape[1] + n > max_len:
        raise ValueError(
            f"prompt ({tokens.shape[1]}) + n ({n}) exceeds max_len={max_len} "
            "of the learned positions"
        )
    device = next(model.parameters()).device
    return tokens.to(device), n, temperature
