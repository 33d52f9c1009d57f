r"""Generating text: one sampling loop for every language model in the book.

A language model here is a module with ``config.vocab_size`` and
``next_logits(tokens, state)``: it reads new tokens ``(B, T)`` after what ``state``
remembers (``None`` at the start) and returns the logits for the next token ``(B, V)``
and the new state. For :class:`~seqlab.rnn.RNNLM`
the state is the recurrent state; for :class:`~seqlab.transformer.TransformerLM` it is a
:class:`~seqlab.self_attention.KVCache`. Either way each new token costs one step.

Each step draws the next token from a distribution shaped by three knobs, in this
order: the **temperature** :math:`\tau` divides the logits,
:math:`p_i \propto e^{z_i / \tau}`; **top-k** keeps the ``k`` most likely tokens;
**nucleus** (top-p) sampling keeps the smallest set of most likely tokens whose
probability reaches ``p``. What is kept is renormalised to sum to 1.

Used by ``RNNLM.generate`` (chapter 1) and ``TransformerLM.generate`` (chapters 7 and 9).

Taught in chapter 1.
"""

from __future__ import annotations

import numbers

import torch

from seqlab import _checks
from seqlab.utils import evaluating

__all__ = ["NUCLEUS_TOLERANCE", "generate", "next_token_probs", "sample_next"]

NUCLEUS_TOLERANCE = 1e-6  # a mass within this of top_p counts as reaching it (rounding)


def next_token_probs(
    logits: torch.Tensor,
    temperature: float = 1.0,
    *,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """The distribution :func:`sample_next` draws from: ``softmax(logits / temperature)``,
    cut to the ``top_k`` most likely tokens, then to the nucleus of mass ``top_p``, and
    renormalised.

    The top-k set does not depend on the temperature (dividing by ``temperature > 0``
    keeps the order of the logits), so temperature and top-k commute. The nucleus is
    computed on the tempered (and top-k cut) distribution, so it does depend on the
    temperature. The most likely token is always kept, and a running sum within
    :data:`NUCLEUS_TOLERANCE` of ``top_p`` counts as reaching it, so that rounding in
    the softmax does not decide a tie with ``top_p``. ``temperature=0`` puts all the
    mass on the most likely token (the first one on ties).

    Args:
        logits: next-token scores ``(B, V)``.
        temperature: ``>= 0``.
        top_k: ``None`` (keep all) or an int in ``[1, V]``.
        top_p: ``None`` (keep all) or a number in ``(0, 1]``.

    Shape:
        logits ``(B, V)`` -> probabilities ``(B, V)``, zero outside the kept set.

    Example:
        >>> next_token_probs(torch.log(torch.tensor([[0.5, 0.3, 0.2]])), top_p=0.6)
        tensor([[0.6250, 0.3750, 0.0000]])
    """
    temperature, top_k, top_p = _check_sampling(logits, temperature, top_k, top_p)
    if temperature == 0:  # all the mass on the argmax
        best = logits.argmax(-1, keepdim=True)  # (B, 1)
        return torch.zeros_like(logits).scatter_(-1, best, 1.0)
    probs = torch.softmax(logits / temperature, dim=-1)  # (B, V)
    if top_k is not None:
        best = probs.topk(top_k, dim=-1).indices  # (B, k)
        keep = torch.zeros_like(probs, dtype=torch.bool).scatter_(-1, best, True)
        probs = torch.where(keep, probs, 0.0)  # exactly k kept, even on ties
        probs = probs / probs.sum(-1, keepdim=True)
    if top_p is not None and top_p < 1:
        sorted_probs, order = probs.sort(dim=-1, descending=True)  # (B, V)
        before = sorted_probs.cumsum(-1) - sorted_probs  # mass of the more likely ones
        keep_sorted = before < top_p - NUCLEUS_TOLERANCE  # p not reached before it
        keep_sorted[:, 0] = True  # the most likely token, however small top_p
        keep = torch.zeros_like(keep_sorted).scatter_(-1, order, keep_sorted)  # (B, V)
        probs = torch.where(keep, probs, 0.0)
        probs = probs / probs.sum(-1, keepdim=True)
    return probs


def sample_next(
    logits: torch.Tensor,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
    *,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """One token per row from :func:`next_token_probs`; ``temperature=0`` takes the
    most likely token.

    Shape:
        logits ``(B, V)`` -> tokens ``(B, 1)`` int64.

    Example:
        >>> sample_next(torch.tensor([[0.0, 3.0, 1.0]]), temperature=0)
        tensor([[1]])
    """
    if temperature == 0:
        _check_sampling(logits, temperature, top_k, top_p)
        return logits.argmax(-1, keepdim=True)
    probs = next_token_probs(logits, temperature, top_k=top_k, top_p=top_p)  # (B, V)
    if generator is not None and generator.device != probs.device:
        return torch.multinomial(probs.to(generator.device), 1, generator=generator).to(
            probs.device
        )
    return torch.multinomial(probs, 1, generator=generator)


def _check_sampling(logits, temperature, top_k, top_p):
    """``temperature``, ``top_k`` and ``top_p`` checked against ``logits`` ``(B, V)``."""
    _checks.tensor("logits", logits, "(batch, vocab) next-token scores", dims=2)
    temperature = _checks.number("temperature", temperature, minimum=0)
    if top_k is not None:
        top_k = _checks.integer("top_k", top_k, maximum=logits.shape[-1])
    if top_p is not None:
        if isinstance(top_p, bool) or not isinstance(top_p, numbers.Real):
            raise TypeError(f"top_p must be a number in (0, 1] or None, got {top_p!r:.60}")
        if not 0 < top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {top_p!r}")
        top_p = float(top_p)
    return temperature, top_k, top_p


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
    top_k: int | None = None,
    top_p: float | None = None,
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
        top_k: sample among the ``top_k`` most likely tokens only (``None``: all).
        top_p: sample from the nucleus of probability ``top_p`` only (``None``: all);
            see :func:`next_token_probs`.

    Returns:
        The prompt followed by its continuation, in the prompt's form: a string, ``(P + n,)``
        or ``(B, P + n)``.
    """
    tokens, n, temperature = _check_generate(model, prompt, n, temperature, vocab, max_len)
    _check_sampling(torch.empty(1, model.config.vocab_size), temperature, top_k, top_p)
    with evaluating(model):
        logits, state = model.next_logits(tokens, None)  # (B, V)
        out = [tokens]  # (B, P), then one (B, 1) per step
        for i in range(n):
            token = sample_next(logits, temperature, generator, top_k=top_k, top_p=top_p)
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
