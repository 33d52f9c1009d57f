"""Sequence-to-sequence tasks: pairs of strings, generated offline, and their padded batches.

Two tasks, both drawn fresh from a ``torch.Generator`` (the same seed gives the same pairs):

* :func:`date_task`: a date written the way people write it ("saturday 3rd of march
  2001", "03/03/01", "March 3, 2001", ...) -> the ISO date "2001-03-03".
* :func:`copy_task`: a random string of letters -> the same string (or reversed). Its
  length can be dialled up until one fixed-size vector can no longer hold it.

A :class:`PairBatch` pads sources and targets on the right with ``<pad>`` (id 0) and
carries the masks; targets are framed by ``<bos>`` (id 1) and ``<eos>`` (id 2).

Taught in chapters 4 and 5.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch

from seqlab import _checks
from seqlab.attention import padding_mask
from seqlab.data.text import CharVocab

__all__ = [
    "BOS",
    "DATE_FORMATS",
    "EOS",
    "PAD",
    "SPECIALS",
    "PairBatch",
    "PairTask",
    "copy_task",
    "date_task",
    "format_date",
]

SPECIALS = ("<pad>", "<bos>", "<eos>")
PAD, BOS, EOS = 0, 1, 2

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
FIRST_DATE, LAST_DATE = datetime.date(1970, 1, 1), datetime.date(2049, 12, 31)


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _names(d: datetime.date) -> tuple[str, str, str, str]:
    month, weekday = _MONTHS[d.month - 1], _WEEKDAYS[d.weekday()]
    return month, month[:3], weekday, weekday[:3]


def _fmt(template: Callable[[datetime.date, tuple[str, str, str, str]], str]):
    return lambda d: template(d, _names(d))


# Each format is unambiguous (two-digit years are 1970-2049; slashes with a two-digit
# year are month/day/year, dots are day.month.year), so every source has one answer.
DATE_FORMATS: dict[str, Callable[[datetime.date], str]] = {
    "spoken": _fmt(lambda d, n: f"{n[2].lower()} {_ordinal(d.day)} of {n[0].lower()} {d.year}"),
    "us short": _fmt(lambda d, n: f"{d.month:02}/{d.day:02}/{d.year % 100:02}"),
    "us long": _fmt(lambda d, n: f"{n[0]} {d.day}, {d.year}"),
    "us ordinal": _fmt(lambda d, n: f"{n[0]} {_ordinal(d.day)}, {d.year}"),
    "day month": _fmt(lambda d, n: f"{d.day} {n[0].lower()} {d.year}"),
    "day mon": _fmt(lambda d, n: f"{d.day} {n[1].lower()} {d.year}"),
    "weekday": _fmt(lambda d, n: f"{n[3]}, {d.day} {n[1]} {d.year}"),
    "dots": _fmt(lambda d, n: f"{d.day:02}.{d.month:02}.{d.year}"),
    "year first": _fmt(lambda d, n: f"{d.year}/{d.month:02}/{d.day:02}"),
    "compact": _fmt(lambda d, n: f"{d.day:02}{n[1].upper()}{d.year % 100:02}"),
}


def format_date(date: datetime.date, style: str) -> str:
    """``date`` written in one of :data:`DATE_FORMATS`.

    Example:
        >>> format_date(datetime.date(2001, 3, 3), "spoken")
        'saturday 3rd of march 2001'
    """
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise TypeError(f"date must be a datetime.date, got {type(date).__name__}")
    if style not in DATE_FORMATS:
        raise ValueError(f"unknown date style {style!r}; choose one of {sorted(DATE_FORMATS)}")
    if not FIRST_DATE <= date <= LAST_DATE:
        raise ValueError(f"date must be between {FIRST_DATE} and {LAST_DATE}, got {date}")
    return DATE_FORMATS[style](date)


@dataclass(frozen=True)
class PairBatch:
    """A padded batch of (source, target) pairs.

    Attributes:
        src: ``(B, S)`` int64 source ids, right-padded with ``PAD``.
        src_mask: ``(B, S)`` bool, True on real source tokens (where attention may look).
        tgt_in: ``(B, T)`` int64 decoder inputs: ``<bos>`` then the target (teacher forcing).
        y: ``(B, T)`` int64 what the decoder must predict: the target then ``<eos>``.
        mask: ``(B, T)`` bool, True where ``y`` is scored (the target and its ``<eos>``).
        sources, targets: the strings, for printing and exact-match scoring.
    """

    src: torch.Tensor
    src_mask: torch.Tensor
    tgt_in: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor
    sources: tuple[str, ...]
    targets: tuple[str, ...]


def _pad(rows: list[torch.Tensor]) -> torch.Tensor:
    return torch.nn.utils.rnn.pad_sequence(rows, batch_first=True, padding_value=PAD)


class PairTask:
    """A sequence-to-sequence task: a sampler of string pairs and the two vocabularies.

    Args:
        name: a short name for plots and cache keys.
        sample: draws one ``(source, target)`` pair from a ``torch.Generator``.
        src_chars, tgt_chars: the characters sources and targets may contain.

    Attributes:
        src_vocab, tgt_vocab: :class:`~seqlab.data.text.CharVocab` with the ids
            ``<pad>`` 0, ``<bos>`` 1, ``<eos>`` 2 before the characters; an unknown
            character raises a ``ValueError`` naming it.
    """

    def __init__(
        self,
        name: str,
        sample: Callable[[torch.Generator | None], tuple[str, str]],
        src_chars: str,
        tgt_chars: str,
    ):
        self.name, self._sample = name, sample
        self.src_vocab = CharVocab(src_chars, specials=SPECIALS)
        self.tgt_vocab = CharVocab(tgt_chars, specials=SPECIALS)

    def __repr__(self) -> str:
        return (
            f"PairTask({self.name!r}, {len(self.src_vocab)} source ids, "
            f"{len(self.tgt_vocab)} target ids)"
        )

    def pairs(self, n: int, generator: torch.Generator | None = None) -> list[tuple[str, str]]:
        """``n`` fresh (source, target) string pairs."""
        n = _checks.integer("n", n)
        return [self._sample(generator) for _ in range(n)]

    def check_vocab_sizes(self, src_vocab: int, tgt_vocab: int) -> None:
        """Raise ``ValueError`` unless a model's vocabulary sizes are this task's."""
        if (src_vocab, tgt_vocab) != (len(self.src_vocab), len(self.tgt_vocab)):
            raise ValueError(
                f"config vocab sizes ({src_vocab}, {tgt_vocab}) do not match the task's "
                f"({len(self.src_vocab)}, {len(self.tgt_vocab)})"
            )

    def encode_sources(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Strings -> ``(src (B, S), src_mask (B, S))``, right-padded.

        Raises ``ValueError`` for an empty string or a character outside the vocabulary.
        """
        if isinstance(texts, str) or len(texts) == 0:
            raise ValueError("texts must be a non-empty sequence of strings")
        rows = []
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text:
                raise ValueError(
                    f"source {i} is empty (or not a str): {text!r}; "
                    "a source needs at least one character"
                )
            try:
                rows.append(self.src_vocab.encode(text))
            except ValueError as error:
                if len(texts) == 1:
                    raise
                raise ValueError(f"source {i} ({text!r}): {error}") from None
        return _pad(rows), padding_mask([len(r) for r in rows])

    def batch(self, pairs: Sequence[tuple[str, str]]) -> PairBatch:
        """Pad and encode ``pairs`` into a :class:`PairBatch`."""
        sources, targets = zip(*pairs, strict=True) if pairs else ((), ())
        src, src_mask = self.encode_sources(sources)
        body = [self.tgt_vocab.encode(t) for t in targets]
        bos, eos = torch.tensor([BOS]), torch.tensor([EOS])
        y = _pad([torch.cat([b, eos]) for b in body])
        return PairBatch(
            src=src,
            src_mask=src_mask,
            tgt_in=_pad([torch.cat([bos, b]) for b in body]),
            y=y,
            mask=y != PAD,
            sources=tuple(sources),
            targets=tuple(targets),
        )

    def stream(
        self, batch_size: int, generator: torch.Generator | None = None
    ) -> Iterator[PairBatch]:
        """An endless stream of fresh batches, for :func:`seqlab.train.fit`."""
        self.pairs(1, torch.Generator().manual_seed(0))  # check the sampler once
        while True:
            yield self.batch(self.pairs(batch_size, generator))


def _choice(seq: Sequence, generator) -> object:
    return seq[int(torch.randint(len(seq), (1,), generator=generator))]


def date_task(styles: Sequence[str] | None = None) -> PairTask:
    """Normalise human-written dates to ISO ``YYYY-MM-DD`` (dates 1970-01-01 to 2049-12-31).

    Args:
        styles: the formats to draw from (names in :data:`DATE_FORMATS`; default all,
            equally likely).

    Example:
        >>> task = date_task()
        >>> task.pairs(1, torch.Generator().manual_seed(0))  # doctest: +SKIP
        [('Oct 3rd, 1987', '1987-10-03')]
    """
    styles = list(DATE_FORMATS) if styles is None else list(styles)
    for style in styles:
        if style not in DATE_FORMATS:
            raise ValueError(f"unknown date style {style!r}; choose from {sorted(DATE_FORMATS)}")
    if not styles:
        raise ValueError("styles is empty")
    n_days = (LAST_DATE - FIRST_DATE).days + 1

    def sample(generator):
        date = FIRST_DATE + datetime.timedelta(
            int(torch.randint(n_days, (1,), generator=generator))
        )
        return format_date(date, _choice(styles, generator)), date.isoformat()

    words = " ".join(_MONTHS + _WEEKDAYS)
    src_chars = sorted(set(words + words.lower() + words.upper() + "0123456789 ,./"))
    return PairTask("dates", sample, "".join(src_chars), "0123456789-")


def copy_task(
    min_length: int, max_length: int | None = None, *, n_symbols: int = 10, reverse: bool = False
) -> PairTask:
    """Copy (or reverse) a random string of ``n_symbols`` letters ``a``, ``b``, ....

    The length is uniform in ``[min_length, max_length]`` (``max_length`` defaults to
    ``min_length``). Tasks with the same ``n_symbols`` share their vocabularies, so a
    model trained on one range of lengths can be scored on another.

    Scores: perfect exact match 1.0; chance ``n_symbols ** -length``.
    """
    min_length = _checks.integer("min_length", min_length)
    max_length = min_length if max_length is None else _checks.integer("max_length", max_length)
    if max_length < min_length:
        raise ValueError(f"max_length ({max_length}) must be >= min_length ({min_length})")
    n_symbols = _checks.integer("n_symbols", n_symbols, 2, 26)
    letters = "abcdefghijklmnopqrstuvwxyz"[:n_symbols]

    def sample(generator):
        n = int(torch.randint(min_length, max_length + 1, (1,), generator=generator))
        ids = torch.randint(n_symbols, (n,), generator=generator).tolist()
        text = "".join(letters[i] for i in ids)
        return text, text[::-1] if reverse else text

    name = f"{'reverse' if reverse else 'copy'} {min_length}-{max_length}"
    return PairTask(name, sample, letters, letters)
