"""String-pair tasks for encoder–decoders: dates that parse back, copies that copy, batches
padded and framed exactly as documented."""

import datetime
import re
import time

import pytest
import torch

from seqlab.data import (
    BOS,
    DATE_FORMATS,
    EOS,
    PAD,
    SPECIALS,
    CharVocab,
    PairBatch,
    copy_task,
    date_task,
    format_date,
)
from seqlab.data.pairs import FIRST_DATE, LAST_DATE


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------- parsing dates back

ORDINAL = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}  # else "th"


def strip_ordinal(text):
    """'3rd' -> '3', checking the suffix is the English one for that number."""

    def check(m):
        day, suffix = int(m.group(1)), m.group(2)
        assert suffix == ORDINAL.get(day, "th"), text
        return m.group(1)

    return re.sub(r"\b(\d{1,2})(st|nd|rd|th)\b", check, text)


def widen_year(text):
    """Replace a trailing two-digit year by four digits, in the source's 1970-2049 window."""
    yy = int(text[-2:])
    pivot = FIRST_DATE.year % 100  # 70: 70..99 -> 19xx, 00..69 -> 20xx
    century = FIRST_DATE.year // 100 * 100 + (0 if yy >= pivot else 100)
    return text[:-2] + str(century + yy)


MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
MON = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
CAP_MONTHS = "|".join(m.capitalize() for m in MONTHS.split("|"))
CAP_MON = "|".join(m.capitalize() for m in MON.split("|"))
CAP_DAY = "|".join(d[:3].capitalize() for d in DAYS.split("|"))

# style -> (the exact shape of the string, how to turn it into something strptime reads,
# the strptime format)
STYLES = {
    "spoken": (
        rf"({DAYS}) [1-9]\d?(st|nd|rd|th) of ({MONTHS}) \d{{4}}",
        strip_ordinal,
        "%A %d of %B %Y",
    ),
    "us short": (r"\d\d/\d\d/\d\d", widen_year, "%m/%d/%Y"),
    "us long": (rf"({CAP_MONTHS}) [1-9]\d?, \d{{4}}", str, "%B %d, %Y"),
    "us ordinal": (rf"({CAP_MONTHS}) [1-9]\d?(st|nd|rd|th), \d{{4}}", strip_ordinal, "%B %d, %Y"),
    "day month": (rf"[1-9]\d? ({MONTHS}) \d{{4}}", str, "%d %B %Y"),
    "day mon": (rf"[1-9]\d? ({MON}) \d{{4}}", str, "%d %b %Y"),
    "weekday": (rf"({CAP_DAY}), [1-9]\d? ({CAP_MON}) \d{{4}}", str, "%a, %d %b %Y"),
    "dots": (r"\d\d\.\d\d\.\d{4}", str, "%d.%m.%Y"),
    "year first": (r"\d{4}/\d\d/\d\d", str, "%Y/%m/%d"),
    "compact": (rf"\d\d({CAP_MON.upper()})\d\d", widen_year, "%d%b%Y"),
}
HAS_WEEKDAY = {"spoken", "weekday"}


def parse(text, style):
    """The date a source string names, checking its shape and (where given) its weekday."""
    pattern, prepare, fmt = STYLES[style]
    assert re.fullmatch(pattern, text), (style, text)
    parsed = time.strptime(prepare(text), fmt)
    date = datetime.date(*parsed[:3])
    if style in HAS_WEEKDAY:  # strptime keeps the weekday it read; it must be the right one
        assert parsed.tm_wday == date.weekday(), (style, text)
    return date


def sample_dates():
    step = datetime.timedelta(days=13)
    dates, d = [], FIRST_DATE
    while d <= LAST_DATE:
        dates.append(d)
        d += step
    edges = [
        FIRST_DATE,
        LAST_DATE,
        datetime.date(1999, 12, 31),
        datetime.date(2000, 1, 1),
        datetime.date(2000, 2, 29),
        datetime.date(2048, 2, 29),
        datetime.date(2001, 3, 3),
        *(datetime.date(2011, 1, day) for day in range(1, 32)),  # every ordinal suffix
    ]
    return dates + edges


def test_the_test_knows_every_style():
    assert set(STYLES) == set(DATE_FORMATS)


@pytest.mark.parametrize("style", sorted(DATE_FORMATS))
def test_every_style_parses_back_to_the_same_date(style):
    for date in sample_dates():
        text = format_date(date, style)
        assert parse(text, style) == date, (style, text)


def test_two_digit_years_use_the_1970_to_2049_window():
    assert (FIRST_DATE, LAST_DATE) == (datetime.date(1970, 1, 1), datetime.date(2049, 12, 31))
    assert format_date(datetime.date(1970, 1, 1), "us short") == "01/01/70"
    assert format_date(datetime.date(2049, 12, 31), "us short") == "12/31/49"
    assert format_date(datetime.date(2000, 7, 4), "compact") == "04JUL00"
    assert widen_year("01/01/70") == "01/01/1970" and widen_year("12/31/69") == "12/31/2069"


def test_known_examples_and_ordinals():
    d = datetime.date(2001, 3, 3)  # a Saturday
    assert format_date(d, "spoken") == "saturday 3rd of march 2001"
    assert format_date(d, "weekday") == "Sat, 3 Mar 2001"
    assert format_date(d, "dots") == "03.03.2001"
    for day, suffix in [(1, "st"), (2, "nd"), (3, "rd"), (4, "th"), (11, "th"), (12, "th")]:
        assert (
            format_date(datetime.date(2001, 1, day), "us ordinal") == f"January {day}{suffix}, 2001"
        )
    for day, suffix in [(13, "th"), (21, "st"), (22, "nd"), (23, "rd"), (30, "th"), (31, "st")]:
        assert (
            format_date(datetime.date(2001, 1, day), "us ordinal") == f"January {day}{suffix}, 2001"
        )


def test_every_source_string_has_one_answer():
    """Over every date in range and every style, no string names two different dates."""
    answers = {}
    d = FIRST_DATE
    while d <= LAST_DATE:
        for fmt in DATE_FORMATS.values():
            text = fmt(d)
            assert answers.setdefault(text, d) == d, text
        d += datetime.timedelta(days=1)


def test_format_date_errors():
    with pytest.raises(ValueError, match="unknown date style 'iso'"):
        format_date(datetime.date(2001, 3, 3), "iso")
    with pytest.raises(ValueError, match="date must be between 1970-01-01 and 2049-12-31"):
        format_date(datetime.date(1969, 12, 31), "dots")
    with pytest.raises(ValueError, match="got 2050-01-01"):
        format_date(datetime.date(2050, 1, 1), "dots")


# ---------------------------------------------------------------- date_task


@pytest.mark.parametrize("style", sorted(DATE_FORMATS))
def test_date_task_target_is_the_iso_form_of_the_source(style):
    task = date_task([style])
    for source, target in task.pairs(40, gen(1)):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", target)
        date = datetime.date.fromisoformat(target)
        assert FIRST_DATE <= date <= LAST_DATE
        assert parse(source, style) == date
        assert target == date.strftime("%Y-%m-%d")


def test_date_task_mixes_all_styles_and_every_source_parses():
    task = date_task()
    pairs = task.pairs(300, gen(2))
    used = set()
    for source, target in pairs:
        matches = {s for s, (pattern, _, _) in STYLES.items() if re.fullmatch(pattern, source)}
        assert matches, source
        for s in matches:
            assert parse(source, s) == datetime.date.fromisoformat(target)
        used |= matches
    assert used == set(DATE_FORMATS)
    task.batch(pairs)  # every source and target character is in the vocabularies


def test_date_task_is_deterministic_for_a_seeded_generator():
    task = date_task()
    assert task.pairs(20, gen(5)) == task.pairs(20, gen(5))
    assert task.pairs(20, gen(5)) != task.pairs(20, gen(6))
    assert date_task().pairs(20, gen(5)) == task.pairs(20, gen(5))  # a fresh task too


def test_date_task_vocabularies_and_errors():
    task = date_task()
    assert task.tgt_vocab.chars == list("0123456789-")
    assert len(task.tgt_vocab) == len(SPECIALS) + 11
    assert repr(task) == f"PairTask('dates', {len(task.src_vocab)} source ids, 14 target ids)"
    with pytest.raises(ValueError, match="unknown date style 'roman'"):
        date_task(["dots", "roman"])
    with pytest.raises(ValueError, match="styles is empty"):
        date_task([])


# ---------------------------------------------------------------- copy_task


@pytest.mark.parametrize("reverse", [False, True])
def test_copy_task_copies_or_reverses_within_the_length_range(reverse):
    task = copy_task(2, 5, n_symbols=4, reverse=reverse)
    pairs = task.pairs(200, gen(3))
    lengths = {len(s) for s, _ in pairs}
    assert lengths == {2, 3, 4, 5}  # every length in [min, max], none outside
    for source, target in pairs:
        assert set(source) <= set("abcd")
        assert target == (source[::-1] if reverse else source)
    assert any(s != s[::-1] for s, _ in pairs)  # so reversing is actually tested
    assert task.name == ("reverse 2-5" if reverse else "copy 2-5")


def test_copy_task_is_deterministic_and_fixed_length_by_default():
    task = copy_task(6)
    assert task.pairs(10, gen(0)) == task.pairs(10, gen(0))
    assert task.pairs(10, gen(0)) != task.pairs(10, gen(1))
    assert all(len(s) == 6 for s, _ in task.pairs(20, gen(0)))
    assert copy_task(2, 3).src_vocab.chars == copy_task(7, 9).tgt_vocab.chars == list("abcdefghij")


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((0,), {}, ValueError, "min_length must be a positive int, got 0"),
        ((True,), {}, TypeError, "min_length must be a positive int, got True"),
        ((2, 0), {}, ValueError, "max_length must be a positive int, got 0"),
        ((5, 3), {}, ValueError, r"max_length \(3\) must be >= min_length \(5\)"),
        ((3,), {"n_symbols": 1}, ValueError, r"n_symbols must be an int in \[2, 26\], got 1"),
        ((3,), {"n_symbols": 27}, ValueError, r"n_symbols must be an int in \[2, 26\], got 27"),
    ],
)
def test_copy_task_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        copy_task(*args, **kwargs)


def test_pairs_needs_a_positive_int():
    task = copy_task(3)
    for n, error in ((0, ValueError), (-1, ValueError), (True, TypeError), (2.0, TypeError)):
        with pytest.raises(error, match="n must be a positive int"):
            task.pairs(n, gen())


# ---------------------------------------------------------------- batches


def test_batch_by_hand():
    task = copy_task(1, 5, n_symbols=3)  # ids: <pad> 0, <bos> 1, <eos> 2, a 3, b 4, c 5
    batch = task.batch([("abc", "cba"), ("a", "a"), ("ba", "ab")])
    assert isinstance(batch, PairBatch)
    assert (PAD, BOS, EOS) == (0, 1, 2)
    assert batch.src.tolist() == [[3, 4, 5], [3, 0, 0], [4, 3, 0]]
    assert batch.src_mask.tolist() == [
        [True, True, True],
        [True, False, False],
        [True, True, False],
    ]
    assert batch.tgt_in.tolist() == [[1, 5, 4, 3], [1, 3, 0, 0], [1, 3, 4, 0]]
    assert batch.y.tolist() == [[5, 4, 3, 2], [3, 2, 0, 0], [3, 4, 2, 0]]
    assert batch.mask.tolist() == [
        [True, True, True, True],
        [True, True, False, False],
        [True, True, True, False],
    ]
    assert batch.sources == ("abc", "a", "ba") and batch.targets == ("cba", "a", "ab")
    for t in (batch.src, batch.tgt_in, batch.y):
        assert t.dtype == torch.int64
    assert batch.src_mask.dtype == batch.mask.dtype == torch.bool


def test_batch_structure_on_random_dates():
    task = date_task()
    pairs = task.pairs(16, gen(4))
    batch = task.batch(pairs)
    src_len = torch.tensor([len(s) for s, _ in pairs])
    tgt_len = torch.tensor([len(t) for _, t in pairs])
    assert batch.src.shape == (16, int(src_len.max()))
    assert torch.equal(batch.src_mask.sum(1), src_len)
    assert (batch.src[~batch.src_mask] == PAD).all()
    assert (batch.src[batch.src_mask] >= len(SPECIALS)).all()  # real tokens are characters
    assert batch.tgt_in.shape == batch.y.shape == batch.mask.shape == (16, int(tgt_len.max()) + 1)
    assert (batch.tgt_in[:, 0] == BOS).all()
    assert torch.equal(batch.mask.sum(1), tgt_len + 1)  # the target and its <eos>
    for b, (source, target) in enumerate(pairs):
        n = len(target)
        assert batch.y[b, n] == EOS and (batch.y[b, n + 1 :] == PAD).all()
        assert torch.equal(batch.tgt_in[b, 1 : n + 1], batch.y[b, :n])  # shifted by one
        assert task.tgt_vocab.decode(batch.y[b, :n]) == target
        assert task.src_vocab.decode(batch.src[b, : len(source)]) == source
        assert batch.mask[b].tolist() == [t <= n for t in range(batch.y.shape[1])]


def test_an_empty_target_is_just_eos():
    batch = copy_task(2).batch([("ab", "")])
    assert batch.tgt_in.tolist() == [[BOS]] and batch.y.tolist() == [[EOS]]
    assert batch.mask.tolist() == [[True]]


def test_encode_sources_matches_batch_and_rejects_bad_text():
    task = date_task()
    texts = ["March 3, 2001", "03.03.2001", "1 jan 1970"]
    src, src_mask = task.encode_sources(texts)
    batch = task.batch([(t, "2001-03-03") for t in texts])
    assert torch.equal(src, batch.src) and torch.equal(src_mask, batch.src_mask)
    with pytest.raises(ValueError, match=r"character 'Z' \(U\+005A\) at position 0"):
        task.encode_sources(["March 3, 2001", "Zulu 3, 2001"])
    with pytest.raises(ValueError, match="source 1 is empty"):
        task.encode_sources(["March 3, 2001", ""])
    with pytest.raises(ValueError, match="texts must be a non-empty sequence of strings"):
        task.encode_sources([])
    with pytest.raises(ValueError, match="texts must be a non-empty sequence of strings"):
        task.encode_sources("March 3, 2001")
    with pytest.raises(ValueError, match="source 0 is empty"):
        task.batch([("", "2001-03-03")])
    with pytest.raises(ValueError, match=r"character 'x' \(U\+0078\) at position 1"):
        task.batch([("March 3, 2001", "2x01-03-03")])  # unknown target character
    with pytest.raises(ValueError, match="texts must be a non-empty sequence"):
        task.batch([])


def test_stream_yields_fresh_batches_from_the_generator():
    task = copy_task(2, 4)
    stream = task.stream(5, gen(7))
    first, second = next(stream), next(stream)
    g = gen(7)
    expected_first, expected_second = task.pairs(5, g), task.pairs(5, g)
    assert list(zip(first.sources, first.targets, strict=True)) == expected_first
    assert list(zip(second.sources, second.targets, strict=True)) == expected_second
    assert first.src.shape[0] == 5


# ---------------------------------------------------------------- vocabulary with specials


def test_char_vocab_specials_come_first_and_decode_to_their_names():
    vocab = CharVocab("xyz", specials=SPECIALS)
    assert SPECIALS == ("<pad>", "<bos>", "<eos>")
    assert len(vocab) == 6
    assert vocab.special_ids == {"<pad>": 0, "<bos>": 1, "<eos>": 2}
    assert vocab.encode("zyx").tolist() == [5, 4, 3]  # characters after the specials
    assert vocab.decode([1, 3, 4, 5, 2, 0]) == "<bos>xyz<eos><pad>"
    assert vocab.decode(torch.tensor([3, 3])) == "xx"
    with pytest.raises(ValueError, match=r"id 6 is outside the vocabulary \[0, 5\]"):
        vocab.decode([6])
    with pytest.raises(ValueError, match="character '<'"):
        vocab.encode("<pad>")  # a special's name is not text
    with pytest.raises(ValueError, match="specials must be distinct names longer than one"):
        CharVocab("xyz", specials=("<pad>", "<pad>"))
    with pytest.raises(ValueError, match="specials must be distinct names longer than one"):
        CharVocab("xyz", specials=("p",))


def test_char_vocab_unknown_id_comes_after_specials_and_chars():
    vocab = CharVocab("ab", unknown="unk", specials=SPECIALS)
    assert len(vocab) == 6
    assert vocab.encode("a?b").tolist() == [3, 5, 4]
    assert vocab.decode([0, 3, 5]) == "<pad>a\ufffd"


def test_bad_input_errors_say_which_source_and_what_was_expected():
    task = date_task()
    with pytest.raises(ValueError, match=r"source 1 \('Zulu'\): character 'Z'"):
        task.encode_sources(["March 3, 2001", "Zulu"])
    with pytest.raises(TypeError, match=r"date must be a datetime\.date, got datetime"):
        format_date(datetime.datetime(2001, 3, 3, 12, 0), "spoken")
