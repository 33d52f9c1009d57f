"""seqlab.tokens: byte-pair encoding. Pieces join back to the text; decode(encode(t)) == t
exactly for trained, unseen (byte fallback) and whitespace-only text and the help-text
test split; unseen characters are their UTF-8 bytes and ASCII its byte ids; training
merges the most frequent pair (ties: smaller ids), never across a piece's edge, and stops
when no pair occurs twice, as a textbook BPE that recounts every pair does; 512 merges
compress the help text more than twofold; the state dict rebuilds the tokenizer; bad
arguments raise TypeError or ValueError.
"""

import random

import pytest
import torch

from seqlab.data.text import corpus_splits
from seqlab.tokens import BPE, pieces

N_BYTES = 256

PIECE_CASES = [
    "def f(x):  return x",
    "class A(B):\n    def __init__(self, *args, **kw) -> None:\n        self.x = [1, 2]\n",
    "if a<=b and c!=d:\n\tpass\t# tab\n",
    "    \n\n   \t\t  ",
    "a  b   c    d",
    "trailing spaces   ",
    "   leading spaces",
    "\n",
    " ",
    "café naïve Straße — «quotes» ½",
    "日本語のテキスト、句読点。",
    "emoji 🙂🚀 mixed👍🏽text",
    "line1\r\nline2\rline3\x0bline4\x0cline5\u2028line6\u00a0nbsp",
    "lone \ud800 surrogate",
    "x_1 = _y__ + 3.14e-10 ** __z",
    "!!!???...,,,;;;",
]


@pytest.fixture(scope="module")
def splits():
    return corpus_splits()


@pytest.fixture(scope="module")
def help_bpe(splits):
    """512 merges learned from the first 200,000 characters of the help-text train split."""
    return BPE.train(splits["train"][:200_000], 512)


@pytest.fixture(scope="module")
def ascii_bpe():
    return BPE.train("the cat sat on the mat; the dog sat on the log.\n" * 30, 40)


# --- pieces ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", PIECE_CASES)
def test_pieces_join_back_to_the_text(text):
    got = pieces(text)
    assert "".join(got) == text
    assert all(got)  # no empty piece


def test_pieces_join_back_on_random_strings():
    pool = "ab_Z09 \t\n\r.,;:()[]{}é日🙂\u0301\u00a0-+=*'\"\\"
    rng = random.Random(0)
    for _ in range(300):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(1, 40)))
        assert "".join(pieces(text)) == text


def test_pieces_cut_where_the_docstring_says():
    assert pieces("def f(x):  return x") == ["def", " f", "(", "x", "):", " ", " return", " x"]
    assert pieces("self.x = 1") == ["self", ".", "x", " =", " 1"]
    assert pieces("a\n\n  b") == ["a", "\n\n ", " b"]
    assert pieces("x   ") == ["x", "   "]


# --- round trips -----------------------------------------------------------------------


def test_round_trip_on_the_training_text(ascii_bpe):
    text = "the cat sat on the mat; the dog sat on the log.\n" * 3
    assert ascii_bpe.decode(ascii_bpe.encode(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "café déjà vu",
        "日本語のテキスト",
        "emoji 🙂🚀👍🏽",
        "lone \ud800 surrogate",
        "\ud800",
        "\udfff\ud800",
        "mixed: the cat 猫 sat 🐈 on the mat\n",
        "\x00\x01\x7f control bytes",
    ],
)
def test_round_trip_on_characters_never_seen_in_training(ascii_bpe, text):
    ids = ascii_bpe.encode(text)
    assert ascii_bpe.decode(ids) == text
    assert ascii_bpe.decode(ids.tolist()) == text


@pytest.mark.parametrize("text", [" ", "   ", "\n", "\n\n\t  \r\n", "\t", "\u00a0\u2028 "])
def test_round_trip_on_whitespace_only_text(ascii_bpe, text):
    assert ascii_bpe.decode(ascii_bpe.encode(text)) == text


@pytest.mark.parametrize("text", PIECE_CASES)
def test_round_trip_with_non_ascii_characters_learned(text):
    bpe = BPE.train("café naïve 日本語 🙂 café naïve 日本語 🙂\n" * 5, 30)
    assert bpe.chars  # non-ASCII characters got their own ids
    assert bpe.decode(bpe.encode(text)) == text


def test_round_trip_on_the_help_text_test_split(help_bpe, splits):
    test = splits["test"]
    assert len(test) > 10_000
    assert help_bpe.decode(help_bpe.encode(test)) == test


# --- byte fallback ---------------------------------------------------------------------


@pytest.mark.parametrize("char", ["é", "€", "日", "🙂", "\ud800"])
def test_an_unseen_character_encodes_to_its_utf8_bytes(ascii_bpe, char):
    assert ascii_bpe.encode(char).tolist() == list(char.encode("utf-8", "surrogatepass"))
    assert all(i < N_BYTES for i in ascii_bpe.encode(char).tolist())


def test_ascii_characters_are_their_byte_ids_before_merges():
    bpe = BPE()
    text = "Hello, World!\n\tx = 1"
    assert bpe.encode(text).tolist() == list(text.encode("ascii"))
    assert len(bpe) == N_BYTES


def test_a_character_seen_in_training_has_its_own_id():
    bpe = BPE.train("é 日 é", 0)
    assert bpe.chars == ("é", "日")
    assert bpe.encode("é").tolist() == [N_BYTES]
    assert bpe.encode("日").tolist() == [N_BYTES + 1]
    assert bpe.encode("€").tolist() == list("€".encode())  # not seen: bytes
    assert bpe.decode([N_BYTES, N_BYTES + 1]) == "é日"


# --- merges ------------------------------------------------------------------------------


def test_the_first_merge_is_the_most_frequent_pair():
    bpe = BPE.train("aaab aaab aaab", 1)
    # (a, a) occurs 6 times, (a, b) 3, (" ", a) 2
    assert bpe.merges == ((ord("a"), ord("a")),)
    # (z, z) occurs 4 times, (" ", z) twice, (a, b) once: frequency beats smaller ids
    bpe = BPE.train("ab zzz zzz", 1)
    assert bpe.merges == ((ord("z"), ord("z")),)


def test_a_tie_goes_to_the_pair_of_smaller_ids():
    # (c, d), (d, a) and (a, b) each occur twice; (a, b) has the smallest ids even though
    # it comes last in the text
    bpe = BPE.train("cdab cdab", 1)
    assert bpe.merges == ((ord("a"), ord("b")),)
    bpe = BPE.train("cdab cdab", 3)
    assert bpe.merges[0] == (ord("a"), ord("b"))
    assert bpe.merges[1] == (ord("c"), ord("d"))  # next tie: (c, d) before (d, ab)


def test_merges_follow_counts_on_a_hand_made_corpus():
    bpe = BPE.train("aaab aaab aaab", 10)
    aa = N_BYTES
    assert bpe.merges[0] == (97, 97)
    # after (a, a): "aaab" -> [aa, a, b]; (aa, a) 3 times, (a, b) 3 times, (" ", aa) twice
    assert bpe.merges[1] == (97, 98)  # tie of 3: (97, 98) < (256, 97)
    assert bpe.merges[2] == (aa, aa + 1)  # "aa" + "ab"
    assert bpe.tokens[aa + 2] == b"aaab"
    assert bpe.encode("aaab").tolist() == [aa + 2]


def test_a_merge_token_is_its_two_parts_joined(help_bpe):
    first = N_BYTES + len(help_bpe.chars)
    assert len(help_bpe.merges) == 512
    for k, (a, b) in enumerate(help_bpe.merges):
        assert a < first + k and b < first + k  # built from ids that already existed
        assert help_bpe.tokens[first + k] == help_bpe.tokens[a] + help_bpe.tokens[b]


def test_vocabulary_size_is_bytes_plus_chars_plus_merges(help_bpe, splits):
    chars = sorted({c for c in splits["train"][:200_000] if ord(c) > 127})
    assert list(help_bpe.chars) == chars
    assert len(help_bpe) == N_BYTES + len(chars) + len(help_bpe.merges)
    assert len(help_bpe.tokens) == len(help_bpe)


def test_merges_never_cross_a_piece_edge():
    text = "self.x = self.y\nself.z(self.x).w\n" * 50
    bpe = BPE.train(text, 200)
    # "f" + "." is among the most frequent adjacent pairs of the text, but never merged
    assert 4 <= len(bpe.merges) < 200  # stops once every piece is one token
    assert any(t == b" self" for t in bpe.tokens)  # a word with its space is one token
    for i in range(N_BYTES, len(bpe)):
        token = bpe.tokens[i].decode("utf-8")
        has_word = any(c.isalnum() or c == "_" for c in token)
        assert not (has_word and any(c in ".()=" for c in token)), token
        assert len(pieces(token)) == 1, token  # lies inside one piece


def test_no_help_text_token_spans_two_pieces(help_bpe):
    for i in range(N_BYTES + len(help_bpe.chars), len(help_bpe)):
        data = help_bpe.tokens[i]
        try:
            token = data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # part of a multi-byte character
        assert len(pieces(token)) == 1, token


def _naive_merges(text: str, n_merges: int) -> list[tuple[int, int]]:
    """Textbook BPE: recount every pair inside every piece before each merge."""
    chars = sorted({c for c in text if ord(c) > 127})
    char_id = {c: N_BYTES + i for i, c in enumerate(chars)}
    seqs = [
        [i for c in piece for i in ([char_id[c]] if c in char_id else list(c.encode()))]
        for piece in pieces(text)
    ]
    merges = []
    for _ in range(n_merges):
        counts = {}
        for seq in seqs:
            for i in range(len(seq) - 1):
                pair = (seq[i], seq[i + 1])
                counts[pair] = counts.get(pair, 0) + 1
        if not counts or max(counts.values()) < 2:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        new = N_BYTES + len(chars) + len(merges)
        merges.append(best)
        for k, seq in enumerate(seqs):
            out, i = [], 0
            while i < len(seq):
                if seq[i : i + 2] == list(best):
                    out.append(new)
                    i += 2
                else:
                    out.append(seq[i])
                    i += 1
            seqs[k] = out
    return merges


@pytest.mark.parametrize("start", [0, 50_000])
def test_training_matches_a_textbook_bpe(splits, start):
    text = splits["train"][start : start + 4000] + " café café 日本 日本 aaaa aaaa"
    assert list(BPE.train(text, 80).merges) == _naive_merges(text, 80)


def test_training_stops_when_no_pair_occurs_twice():
    assert BPE.train("abcdef", 10).merges == ()
    bpe = BPE.train("abab", 10)  # (a, b) twice; then [ab, ab] once: stop
    assert bpe.merges == ((97, 98),)
    assert len(bpe) == N_BYTES + 1
    assert BPE.train("aaab aaab aaab", 0).merges == ()


def test_encode_applies_the_learned_merges(ascii_bpe):
    text = "the cat sat on the mat"
    ids = ascii_bpe.encode(text)
    assert len(ids) < len(text)
    assert all(0 <= i < len(ascii_bpe) for i in ids.tolist())


# --- compression and state -----------------------------------------------------------


def test_512_merges_compress_the_help_text_more_than_twofold(help_bpe, splits):
    test = splits["test"]
    n_tokens = len(help_bpe.encode(test))
    assert n_tokens < len(test)
    assert len(test) / n_tokens > 2


def test_state_dict_rebuilds_an_identical_tokenizer(help_bpe, splits):
    again = BPE(**help_bpe.state_dict())
    assert len(again) == len(help_bpe)
    assert again.tokens == help_bpe.tokens
    sample = splits["test"][:5000] + " café 日本 🙂"
    assert torch.equal(again.encode(sample), help_bpe.encode(sample))


def test_token_text():
    bpe = BPE.train("aaab aaab aaab", 3)
    assert bpe.token_text(ord("a")) == "a"
    assert bpe.token_text(0xE9) == "<0xE9>"  # a lone byte that is not UTF-8
    assert bpe.token_text(N_BYTES + 2) == "aaab"
    with pytest.raises(ValueError):
        bpe.token_text(len(bpe))


# --- decode of cut characters and output type --------------------------------------------


def test_decode_of_a_cut_multibyte_character_gives_replacement(ascii_bpe):
    ids = ascii_bpe.encode("a€").tolist()
    assert len(ids) == 4  # "a" and three bytes
    cut = ascii_bpe.decode(ids[:-1])
    assert cut.startswith("a")
    assert "\ufffd" in cut
    assert ascii_bpe.decode([0xE2]) == "\ufffd"
    assert ascii_bpe.decode([0xFF, ord("x")]) == "\ufffdx"


def test_encode_returns_a_1d_int64_tensor(ascii_bpe):
    for text in ("the cat", " ", "🙂"):
        ids = ascii_bpe.encode(text)
        assert isinstance(ids, torch.Tensor)
        assert ids.dtype == torch.int64
        assert ids.dim() == 1
        assert len(ids) >= 1


# --- bad input ---------------------------------------------------------------------------


def test_encode_rejects_bad_input(ascii_bpe):
    with pytest.raises(ValueError):
        ascii_bpe.encode("")
    for bad in (123, b"x", None, ["a"]):
        with pytest.raises(TypeError, match="text"):
            ascii_bpe.encode(bad)


def test_decode_rejects_bad_ids(ascii_bpe):
    with pytest.raises(ValueError):
        ascii_bpe.decode([len(ascii_bpe)])
    with pytest.raises(ValueError):
        ascii_bpe.decode([-1])
    with pytest.raises(TypeError):
        ascii_bpe.decode([1.5])
    with pytest.raises(TypeError):
        ascii_bpe.decode([True])
    with pytest.raises(TypeError):
        ascii_bpe.decode(torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(TypeError):
        ascii_bpe.decode(torch.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        ascii_bpe.decode("abc")
    assert ascii_bpe.decode([]) == ""


def test_train_rejects_bad_arguments():
    with pytest.raises(ValueError):
        BPE.train("", 3)
    with pytest.raises(ValueError):
        BPE.train("abc", -1)
    with pytest.raises(TypeError):
        BPE.train("abc", 1.5)
    with pytest.raises(TypeError):
        BPE.train(b"abc", 3)


def test_constructor_rejects_bad_parts():
    with pytest.raises(ValueError):
        BPE(chars=["a"])  # ASCII characters are bytes
    with pytest.raises(ValueError):
        BPE(chars=["é", "é"])  # duplicates
    with pytest.raises(ValueError):
        BPE(chars=["éé"])  # not a single character
    with pytest.raises(ValueError):
        BPE(merges=[(0, 999)])
    with pytest.raises(ValueError):
        BPE(merges=[(0, N_BYTES)])  # id 256 does not exist before merge 0
    with pytest.raises(ValueError):
        BPE(merges=[(0, 1, 2)])
    bpe = BPE(merges=[(97, 97), (N_BYTES, N_BYTES)])  # a merge may use an earlier one
    assert bpe.tokens[-1] == b"aaaa"
    assert bpe.encode("aaaa").tolist() == [N_BYTES + 1]
