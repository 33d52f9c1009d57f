"""An offline corpus for character-level language modelling, and its vocabulary.

The corpus is the help text of the Python language reference that ships with CPython
itself (``pydoc_data.topics``, under the PSF License): about 465,000 characters of
technical English with code, available wherever Python is, with no download.

Taught in chapter 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import torch

from seqlab import _checks
from seqlab.data.batch import TaskBatch

__all__ = ["CORPUS_SOURCE", "CharVocab", "corpus_splits", "load_corpus", "text_batches"]

CORPUS_SOURCE = (
    "the Python language reference help topics shipped with CPython "
    "(pydoc_data.topics), PSF License"
)
UNK = "\ufffd"  # how an unknown character decodes under unknown="unk"


def load_corpus() -> str:
    """The whole corpus: every help topic, in sorted topic order, separated by blank lines.

    Its exact content depends on the Python version (3.11 builds this book).
    """
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key].strip() for key in sorted(topics))


def corpus_splits(fractions: tuple[float, float, float] = (0.9, 0.05, 0.05)) -> dict[str, str]:
    """Contiguous train/validation/test splits of :func:`load_corpus`.

    Args:
        fractions: shares of the text for ``train``, ``valid`` and ``test``; positive,
            summing to 1.

    Returns:
        ``{"train": str, "valid": str, "test": str}``.
    """
    if len(fractions) != 3 or any(f <= 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must be three positive numbers summing to 1, got {fractions}")
    text = load_corpus()
    a = int(len(text) * fractions[0])
    b = a + int(len(text) * fractions[1])
    return {"train": text[:a], "valid": text[a:b], "test": text[b:]}


class CharVocab:
    """A character vocabulary: ``encode`` text to ids and ``decode`` ids to text.

    Args:
        chars: the characters, in id order (duplicates are an error).
        unknown: what ``encode`` does with a character outside the vocabulary:
            ``"error"`` raises a ``ValueError`` naming it; ``"unk"`` maps it to an
            extra id (the last one) that decodes to ``"\\ufffd"``.
        specials: names of special tokens (e.g. ``("<pad>", "<bos>", "<eos>")``) that
            take ids ``0 .. len(specials) - 1`` before the characters; ``encode`` never
            produces them and ``decode`` writes their names.

    Example:
        >>> v = CharVocab.from_text("hello")
        >>> v.decode(v.encode("hole"))
        'hole'

    Taught in chapter 1.
    """

    def __init__(self, chars: Iterable[str], unknown: str = "error", specials: Iterable[str] = ()):
        chars, specials = list(chars), tuple(specials)
        if unknown not in ("error", "unk"):
            raise ValueError(f"unknown must be 'error' or 'unk', got {unknown!r}")
        if not chars:
            raise ValueError("chars is empty: a vocabulary needs at least one character")
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                raise ValueError(f"every entry of chars must be one character, got {c!r}")
        if len(set(chars)) != len(chars):
            raise ValueError("chars has duplicates")
        if len(set(specials)) != len(specials) or not all(
            isinstance(t, str) and len(t) > 1 for t in specials
        ):
            raise ValueError(
                f"specials must be distinct names longer than one character, got {specials!r}"
            )
        self.chars, self.unknown, self.specials = chars, unknown, specials
        self.index = {c: i + len(specials) for i, c in enumerate(chars)}
        self.special_ids = {name: i for i, name in enumerate(specials)}

    @classmethod
    def from_text(cls, text: str, unknown: str = "error") -> CharVocab:
        """The sorted set of characters of ``text``."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        return cls(sorted(set(text)), unknown)

    def __len__(self) -> int:
        return len(self.specials) + len(self.chars) + (self.unknown == "unk")

    def __repr__(self) -> str:
        return f"CharVocab({len(self.chars)} characters, unknown={self.unknown!r})"

    def encode(self, text: str) -> torch.Tensor:
        """``text`` -> ids, a ``(len(text),)`` int64 tensor (a long text by a table lookup
        of its code points: millions of characters a second)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if len(text) < 4096:  # a dictionary lookup per character is faster for short text
            return torch.tensor(self._looked_up(text), dtype=torch.long)
        points = torch.frombuffer(
            bytearray(text.encode("utf-32-le", "surrogatepass")), dtype=torch.int32
        ).long()  # (len(text),) code points
        table = self._table()
        inside = points < len(table)
        ids = torch.where(inside, table[points.clamp(max=len(table) - 1)], -1)
        unknown = ids < 0
        if unknown.any():
            if self.unknown == "error":
                position = int(unknown.nonzero()[0, 0])
                raise self._unknown_error(text[position], position)
            ids[unknown] = len(self) - 1
        return ids

    def _looked_up(self, text: str) -> list[int]:
        """``text``'s ids, one dictionary lookup per character."""
        ids = []
        for position, c in enumerate(text):
            i = self.index.get(c)
            if i is None:
                if self.unknown == "error":
                    raise self._unknown_error(c, position)
                i = len(self) - 1
            ids.append(i)
        return ids

    def _unknown_error(self, c: str, position: int) -> ValueError:
        return ValueError(
            f"character {c!r} (U+{ord(c):04X}) at position {position} is not in the "
            "vocabulary; build it from text that contains it, or use unknown='unk'"
        )

    def _table(self) -> torch.Tensor:
        """Code point -> id, ``-1`` for characters outside the vocabulary (built once)."""
        if getattr(self, "_lookup", None) is None:
            table = torch.full((max(map(ord, self.chars)) + 1,), -1, dtype=torch.long)
            for c, i in self.index.items():
                table[ord(c)] = i
            self._lookup = table
        return self._lookup

    def decode(self, ids) -> str:
        """Ids (a sequence or a 1-D tensor) -> text."""
        if isinstance(ids, torch.Tensor):
            if ids.dim() != 1:
                raise ValueError(f"ids must be 1-D, got shape {tuple(ids.shape)}")
            ids = ids.tolist()
        out = []
        for i in ids:
            if not 0 <= i < len(self):
                raise ValueError(f"id {i} is outside the vocabulary [0, {len(self) - 1}]")
            k = i - len(self.specials)
            if k < 0:
                out.append(self.specials[i])
            else:
                out.append(self.chars[k] if k < len(self.chars) else UNK)
        return "".join(out)


def text_batches(
    ids: torch.Tensor,
    batch_size: int,
    seq_len: int,
    *,
    vocab_size: int,
    generator: torch.Generator | None = None,
    shuffle: bool = True,
) -> Iterator[TaskBatch]:
    """Batches of next-character prediction from a 1-D tensor of ids.

    With ``shuffle`` (training) it yields random windows forever; without it (evaluation)
    it yields consecutive non-overlapping windows once, covering the text.

    Yields:
        :class:`~seqlab.data.tasks.TaskBatch` with ``x`` ``(B, seq_len)``, ``y`` the same
        windows shifted by one character, ``mask`` all True.
    """
    _checks.tensor("ids", ids, "(length,) of character ids", dims=1)
    batch_size = _checks.integer("batch_size", batch_size)
    seq_len = _checks.integer("seq_len", seq_len)
    if len(ids) < seq_len + 1:
        raise ValueError(f"the text has {len(ids)} ids, fewer than seq_len + 1 = {seq_len + 1}")

    def batch(starts: torch.Tensor) -> TaskBatch:
        offsets = starts[:, None] + torch.arange(seq_len + 1)  # (B, seq_len + 1)
        window = ids[offsets]
        x, y = window[:, :-1], window[:, 1:]
        return TaskBatch(x, y, torch.ones_like(x, dtype=torch.bool), vocab_size, vocab_size)

    if shuffle:
        while True:
            yield batch(torch.randint(0, len(ids) - seq_len, (batch_size,), generator=generator))
    else:
        starts = torch.arange(0, len(ids) - seq_len, seq_len)
        for chunk in starts.split(batch_size):
            yield batch(chunk)
