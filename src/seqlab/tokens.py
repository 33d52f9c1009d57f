"""Byte-pair encoding (BPE), written from scratch: subword tokens learned from a corpus.

A tokenizer turns text into ids. A character vocabulary (:class:`~seqlab.data.text.
CharVocab`) gives one id per character: a small vocabulary and long sequences. BPE
(Sennrich et al., 2016) starts from the characters and repeatedly *merges* the most
frequent adjacent pair of tokens into a new token, so that frequent words and pieces of
words ("def", " self", "tion") become single tokens: a larger vocabulary and shorter
sequences.

Here the base tokens are the 256 byte values plus every non-ASCII character seen in
training; a character never seen in training is encoded as its UTF-8 bytes (the *byte
fallback* of SentencePiece), so every string encodes, and ``decode(encode(text)) ==
text`` exactly, for any text.

Before merging, text is cut into *pieces* (a run of word characters with the space before
it, a run of other symbols with the space before it, or a run of whitespace) and merges
never cross a piece's edge, as in GPT-2: " self" can become one token, "self." cannot.

Taught in chapter 12.

Example:
    >>> bpe = BPE.train("low lower lowest " * 20, merges=4)
    >>> bpe.decode(bpe.encode("lowest flow")) == "lowest flow"
    True
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import pairwise

import torch
from torch import nn

from seqlab import _checks
from seqlab.data.text import text_batches

__all__ = ["BPE", "PIECE", "bits_per_character", "merge_pair", "pieces"]

# A word with the one space before it, a run of other symbols with the space before it,
# whitespace not followed by a word, or the last whitespace: every character of a text
# falls in exactly one piece, so joining the pieces gives the text back.
PIECE = re.compile(r" ?\w+| ?[^\s\w]+|\s+(?!\S)|\s+")
N_BYTES = 256


def pieces(text: str) -> list[str]:
    """``text`` cut at the edges merges never cross (see :data:`PIECE`).

    Example:
        >>> pieces("def f(x):  return x")
        ['def', ' f', '(', 'x', '):', ' ', ' return', ' x']
    """
    return PIECE.findall(text)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # any Python str, lone surrogates too


class BPE:
    """A trained byte-pair encoding: ``encode`` text to ids, ``decode`` ids to text.

    Ids ``0 … 255`` are the bytes, then the non-ASCII characters seen in training, then
    one id per merge in the order they were learned. Build one with :meth:`train`.

    Args:
        chars: the non-ASCII characters that have their own id (in id order).
        merges: the learned merges, each a pair of ids ``(a, b)``; merge ``k`` creates id
            ``256 + len(chars) + k``, the token ``a`` followed by ``b``.

    Attributes:
        tokens: each id's bytes (``len(tokens) == len(self)``).
    """

    def __init__(self, chars: Sequence[str] = (), merges: Sequence[tuple[int, int]] = ()):
        chars, merges = _checks.bpe_parts(chars, merges, N_BYTES)
        self.chars, self.merges = chars, merges
        self.tokens: list[bytes] = [bytes([b]) for b in range(N_BYTES)]
        self.tokens += [_utf8(c) for c in chars]
        for a, b in merges:  # a merge may use the token of an earlier merge
            self.tokens.append(self.tokens[a] + self.tokens[b])
        self._char_id = {c: N_BYTES + i for i, c in enumerate(chars)}
        self._rank = {pair: k for k, pair in enumerate(merges)}  # lower merges first
        self._cache: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return (
            f"BPE({len(self)} ids: 256 bytes, {len(self.chars)} chars, {len(self.merges)} merges)"
        )

    @classmethod
    def train(cls, text: str, merges: int) -> BPE:
        """Learn up to ``merges`` merges from ``text``: count every adjacent pair of
        tokens inside the pieces, merge the most frequent (ties: the pair of smaller
        ids), update the counts, repeat. Stops early when no pair occurs twice.

        Args:
            text: the training corpus (a non-empty str).
            merges: how many merges to learn (an int >= 0).
        """
        _checks.text("text", text)
        n_merges = _checks.integer("merges", merges, minimum=0)
        chars = sorted({c for c in text if ord(c) > 127})
        bpe = cls(chars)
        words = Counter(pieces(text))  # piece -> how often it occurs
        seqs = [bpe._base_ids(w) for w in words]  # each distinct piece as a list of ids
        counts = list(words.values())
        pairs: Counter = Counter()
        where = defaultdict(set)  # pair -> indices of the pieces that contain it
        for i, seq in enumerate(seqs):
            for pair in pairwise(seq):
                pairs[pair] += counts[i]
                where[pair].add(i)
        learned = []
        for _ in range(n_merges):
            if not pairs:
                break
            best = min(pairs, key=lambda p: (-pairs[p], p))
            if pairs[best] < 2:
                break
            new = N_BYTES + len(chars) + len(learned)
            learned.append(best)
            for i in list(where[best]):
                old = seqs[i]
                for pair in pairwise(old):  # forget this piece's pairs ...
                    pairs[pair] -= counts[i]
                    if pairs[pair] == 0:
                        del pairs[pair]
                seqs[i] = merge_pair(old, best, new)
                for pair in pairwise(seqs[i]):  # ... and count its new ones
                    pairs[pair] += counts[i]
                    where[pair].add(i)
            del where[best]
        return cls(chars, learned)

    def _base_ids(self, piece: str) -> list[int]:
        """``piece`` before any merge: each character's id, or its UTF-8 bytes when it
        has none (ASCII characters are their byte)."""
        ids = []
        for c in piece:
            i = self._char_id.get(c)
            ids += [i] if i is not None else list(_utf8(c))
        return ids

    def _encode_piece(self, piece: str) -> list[int]:
        """One piece's ids: apply the learned merges in the order they were learned."""
        ids = self._cache.get(piece)
        if ids is not None:
            return ids
        ids = self._base_ids(piece)
        while len(ids) > 1:
            pair = min(pairwise(ids), key=lambda p: self._rank.get(p, len(self._rank)))
            rank = self._rank.get(pair)
            if rank is None:
                break
            ids = merge_pair(ids, pair, N_BYTES + len(self.chars) + rank)
        if len(self._cache) < 100_000:
            self._cache[piece] = ids
        return ids

    def encode(self, text: str) -> torch.Tensor:
        """``text`` -> ids, a ``(n_tokens,)`` int64 tensor (any str; a character never
        seen in training becomes its UTF-8 bytes)."""
        _checks.text("text", text)
        ids = [i for piece in pieces(text) for i in self._encode_piece(piece)]
        return torch.tensor(ids, dtype=torch.long)

    def decode(self, ids) -> str:
        """Ids (a sequence of ints or a 1-D int tensor) -> text. Bytes that do not form
        valid UTF-8 (ids a model generated, cut mid-character) decode as U+FFFD."""
        ids = _checks.id_list("ids", ids, len(self))
        data = b"".join(self.tokens[i] for i in ids)
        try:
            return data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return data.decode("utf-8", "replace")

    def token_text(self, i: int) -> str:
        """Id ``i`` as text, for display (a lone byte as ``<0xAB>``)."""
        i = _checks.index("i", i, len(self))
        try:
            return self.tokens[i].decode("utf-8")
        except UnicodeDecodeError:
            return f"<0x{self.tokens[i].hex().upper()}>"

    def state_dict(self) -> dict:
        """What rebuilds this tokenizer: ``BPE(**bpe.state_dict())``."""
        return {"chars": list(self.chars), "merges": [list(p) for p in self.merges]}


def merge_pair(ids: list[int], pair: tuple[int, int], new: int) -> list[int]:
    """``ids`` with every occurrence of ``pair`` (left to right) replaced by ``new``: one
    BPE merge applied to a list of ids.

    Example:
        >>> merge_pair([5, 5, 5, 1, 5, 5], (5, 5), 9)
        [9, 5, 1, 9]
    """
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def bits_per_character(model, ids: torch.Tensor, decode, seq_len: int, batch: int = 64) -> float:
    """Bits per character of a language model on ``ids``, read in consecutive windows of
    ``seq_len`` tokens: the summed cross-entropy of every predicted token, divided by
    the number of characters those tokens decode to, over ``ln 2``. It compares models
    whose tokens differ (characters, subwords): each pays for the same text.

    Args:
        model: ``model(x)`` gives logits ``(B, L, V)`` (or a tuple whose first item is).
        ids: ``(n,)`` the held-out text's ids.
        decode: ids -> text (``vocab.decode`` or ``bpe.decode``).
    """
    _checks.tensor("ids", ids, "(n,) of token ids", dims=1)
    nats, chars = 0.0, 0
    with torch.no_grad():
        for b in text_batches(ids, batch, seq_len, vocab_size=0, shuffle=False):
            out = model(b.x)
            logits = out[0] if isinstance(out, tuple) else out  # (B, L, V)
            nats += nn.functional.cross_entropy(logits.transpose(1, 2), b.y, reduction="sum").item()
            chars += len(decode(b.y.flatten()))
    return nats / chars / math.log(2)
