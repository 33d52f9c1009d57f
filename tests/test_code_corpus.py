"""seqlab.data.code: the standard library's source as a corpus. Left-out folders and
undecodable files stay out, each file goes whole to the split its path's hash names, the
fingerprint follows the text, a folder without enough source is refused; the fixed
vocabulary maps everything else to <unk>; CharVocab.encode's table lookup equals a plain
per-character lookup; the real corpus is large, in three splits, almost all in vocabulary.
"""

import hashlib
import random
import shutil
import string
from collections import Counter

import pytest
import torch

from seqlab.data.code import (
    CODE_CHARS,
    MIN_CHARS,
    SPLIT_SHARES,
    code_corpus,
    code_vocab,
    split_of,
)
from seqlab.data.text import UNK, CharVocab

LEFT_OUT_FOLDERS = ("test", "tests", "idle_test", "site-packages", "__pycache__")
SPLITS = ("train", "valid", "test")


def _names_hitting_every_split(count: int) -> list[str]:
    """``count`` relative paths (every other one in a sub-folder) that put at least one
    file in every split, chosen with :func:`split_of` itself."""
    candidates = [f"pkg{i % 3}/mod_{i}.py" if i % 2 else f"mod_{i}.py" for i in range(1000)]
    firsts = [next(n for n in candidates if split_of(n) == s) for s in SPLITS]
    return firsts + [n for n in candidates if n not in firsts][: count - len(firsts)]


def _file_text(name: str, lines: int) -> str:
    return f"# FILE {name}\n" + "".join(f"value_{k} = {k} * 2  # {name}\n" for k in range(lines))


def _build(root, lines: int = 3000):
    """A stand-in library under ``root``: about 1.2 million characters of ``.py`` files in
    all three splits, files in left-out folders, one non-UTF-8 file and a non-.py file.
    Returns ``{relative path: text}`` of the files that belong to the corpus."""
    files = {name: _file_text(name, lines) for name in _names_hitting_every_split(12)}
    assert sum(map(len, files.values())) >= MIN_CHARS
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in LEFT_OUT_FOLDERS:
        for where in (root / folder, root / "pkg0" / folder):
            where.mkdir(parents=True, exist_ok=True)
            (where / "left.py").write_text(f"# LEFTOUT {where.relative_to(root)}\n" * 50)
    (root / "pkg1" / "bad.py").write_bytes(b"# BADFILE\nx = '\xff\xfe'\n")
    (root / "notes.txt").write_text("# NOTPY\n" * 50)
    return files


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("stdlib")
    files = _build(root)
    return root, files, code_corpus(str(root))


# --- code_corpus on a folder built here -------------------------------------------------


def test_every_file_lands_whole_in_the_split_its_path_names(library):
    root, files, corpus = library
    expected = {s: sorted(n for n in files if split_of(n) == s) for s in SPLITS}
    assert all(expected.values())  # the fixture hits every split
    for s in SPLITS:
        assert corpus.splits[s] == "\n".join(files[n] for n in expected[s])
        assert corpus.files[s] == len(expected[s])
    for name in files:
        where = [s for s in SPLITS if f"# FILE {name}\n" in corpus.splits[s]]
        assert where == [split_of(name)]
    assert len(corpus) == sum(map(len, files.values())) + sum(len(v) - 1 for v in expected.values())
    assert corpus.root == str(root)


def test_left_out_folders_and_other_files_are_in_no_split(library):
    _, _, corpus = library
    text = "".join(corpus.splits.values())
    assert "LEFTOUT" not in text
    assert "NOTPY" not in text and "BADFILE" not in text


def test_a_file_that_is_not_utf8_is_skipped_by_its_relative_path(library):
    _, _, corpus = library
    assert corpus.skipped == ("pkg1/bad.py",)
    assert corpus.summary()["skipped_files"] == 1


def test_fingerprint_is_the_hash_of_the_three_texts(library):
    root, _, corpus = library
    digest = hashlib.sha256()
    for s in SPLITS:
        digest.update(corpus.splits[s].encode() + b"\0")
    assert corpus.sha256 == digest.hexdigest()
    again = code_corpus.__wrapped__(str(root))  # read again, not from the cache
    assert again is not corpus and again.sha256 == corpus.sha256
    assert again.splits == corpus.splits


def test_fingerprint_changes_when_one_file_changes(library, tmp_path):
    root, files, corpus = library
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    name = sorted(files)[0]
    (copy / name).write_text(files[name].replace("value_7 ", "value_8 ", 1), encoding="utf-8")
    changed = code_corpus(str(copy))
    assert changed.sha256 != corpus.sha256
    assert len(changed) == len(corpus)
    same = [s for s in SPLITS if changed.splits[s] == corpus.splits[s]]
    assert len(same) == 2 and split_of(name) not in same


def test_ids_and_summary_of_a_built_corpus(library):
    _, _, corpus = library
    summary = corpus.summary()
    assert summary["chars"] == {s: len(corpus.splits[s]) for s in SPLITS}
    assert summary["corpus_sha256"] == corpus.sha256 and summary["unknown_chars"] == 0
    ids = corpus.ids("valid")
    assert ids.dtype == torch.long and ids.shape == (len(corpus.splits["valid"]),)
    assert code_vocab().decode(ids[:200]) == corpus.splits["valid"][:200]
    with pytest.raises(ValueError, match="split must be one of"):
        corpus.ids("dev")


def test_a_folder_with_under_a_million_characters_is_refused(tmp_path):
    root = tmp_path / "small"
    root.mkdir()
    for name in _names_hitting_every_split(6):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_file_text(name, 100))
    with pytest.raises(FileNotFoundError) as err:
        code_corpus(str(root))
    assert str(root) in str(err.value) and "1,000,000" in str(err.value)


def test_a_folder_whose_source_fills_one_split_only_is_refused(tmp_path):
    root = tmp_path / "one"
    root.mkdir()
    (root / "big.py").write_text(_file_text("big.py", 40_000))
    assert len((root / "big.py").read_text()) >= MIN_CHARS
    with pytest.raises(FileNotFoundError, match="three non-empty splits"):
        code_corpus(str(root))


def test_a_missing_folder_is_refused(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(FileNotFoundError) as err:
        code_corpus(str(missing))
    assert str(missing) in str(err.value)


# --- split_of ---------------------------------------------------------------------------


def test_split_of_is_the_documented_hash_rule():
    for path in ("os.py", "json/decoder.py", "a/b/c.py", "é.py", ""):
        bucket = int(hashlib.sha256(path.encode()).hexdigest()[:8], 16) % 100
        want = "valid" if bucket < 3 else "test" if bucket < 6 else "train"
        assert split_of(path) == want == split_of(path)


def test_split_shares_are_near_the_rules_over_many_paths():
    paths = [f"pkg{i % 37}/module_{i}.py" for i in range(20_000)]
    counts = Counter(split_of(p) for p in paths)
    assert set(counts) == set(SPLITS)
    for s in ("valid", "test"):
        assert abs(counts[s] / len(paths) - SPLIT_SHARES[s] / 100) < 0.005
    assert [split_of(p) for p in paths[:500]] == [split_of(p) for p in paths[:500]]


# --- the fixed vocabulary ---------------------------------------------------------------


def test_the_code_vocabulary_is_printable_ascii_tab_newline_and_unk():
    vocab = code_vocab()
    assert len(vocab) == 98 and len(CODE_CHARS) == 97 == len(set(CODE_CHARS))
    assert set(CODE_CHARS) == set(string.printable) - {"\r", "\x0b", "\x0c"}
    assert "\t" in CODE_CHARS and "\n" in CODE_CHARS
    assert vocab.encode(CODE_CHARS).tolist() == list(range(97))
    assert vocab.decode(vocab.encode(CODE_CHARS)) == CODE_CHARS


@pytest.mark.parametrize("c", ["é", "’", "\r", "\x0b", "\x0c", "\x00", "\U0001f600", "\ud800"])
def test_a_character_outside_encodes_to_unk_and_decodes_to_the_replacement(c):
    vocab = code_vocab()
    ids = vocab.encode(f"a{c}b")
    assert ids.tolist() == [vocab.index["a"], 97, vocab.index["b"]]
    assert vocab.decode(ids) == f"a{UNK}b" and UNK == "\ufffd"


# --- CharVocab.encode against a plain lookup ---------------------------------------------

INSIDE = [*"abcxyz09 \n", "é", "中", "\U0001f600"]
OUTSIDE = ["Q", "\x00", "\r", "ÿ", "€", "\U0001f601", "\U0010ffff", "\ud800", "\udfff"]


def _reference(vocab: CharVocab, text: str) -> list[int]:
    unk = len(vocab) - 1
    return [vocab.index[c] if c in vocab.index else unk for c in text]


@pytest.mark.parametrize("specials", [(), ("<pad>", "<bos>")], ids=["plain", "specials"])
def test_table_lookup_equals_a_per_character_lookup(specials):
    vocab = CharVocab(INSIDE, unknown="unk", specials=specials)
    rng = random.Random(0)
    for length in [1, 2, 5, *range(10, 400, 37), 4095, 4096, 10_000]:  # both paths
        text = "".join(rng.choice(INSIDE + OUTSIDE) for _ in range(length))
        ids = vocab.encode(text)
        assert ids.dtype == torch.long and ids.shape == (len(text),)
        assert ids.tolist() == _reference(vocab, text)
    assert vocab.encode("ab").tolist() == [len(specials), len(specials) + 1]
    assert vocab.encode("Q").tolist() == [len(vocab) - 1] == [len(specials) + len(INSIDE)]


def test_error_mode_names_the_first_unknown_position_in_characters():
    vocab = CharVocab(INSIDE, unknown="error")
    cases = {
        "Qab": (0, "Q"),
        "a\U0001f600b\U0001f600Q\ud800": (4, "Q"),  # the emoji counts as one character
        "中é\ud800Q": (2, "\ud800"),
        "abc" * 50 + "\U0001f601": (150, "\U0001f601"),
        "abc" * 2000 + "\U0001f601Q": (6000, "\U0001f601"),  # the table's path
    }
    for text, (position, c) in cases.items():
        with pytest.raises(ValueError) as err:
            vocab.encode(text)
        message = str(err.value)
        assert f"at position {position} " in message
        assert repr(c) in message and f"U+{ord(c):04X}" in message
    assert vocab.encode("a\U0001f600b").tolist() == [0, 12, 1]


def test_an_empty_string_gives_an_empty_int64_tensor():
    for vocab in (CharVocab("ab"), CharVocab("ab", unknown="unk", specials=("<pad>",))):
        ids = vocab.encode("")
        assert ids.dtype == torch.int64 and ids.shape == (0,)
    with pytest.raises(TypeError):
        CharVocab("ab").encode(b"ab")


# --- the real standard library -------------------------------------------------------------


@pytest.fixture(scope="module")
def stdlib():
    return code_corpus()


def test_the_standard_library_corpus_is_large_and_in_three_splits(stdlib):
    summary = stdlib.summary()
    assert len(stdlib) >= 10_000_000
    assert summary["vocab"] == 98
    assert all(stdlib.splits[s] for s in SPLITS) and all(stdlib.files[s] > 0 for s in SPLITS)
    assert summary["corpus_sha256"] == stdlib.sha256
    assert sum(summary["chars"].values()) == len(stdlib)
    assert summary["unknown_chars"] < 0.001 * len(stdlib)
    assert summary["unknown_chars"] == stdlib.unknown()
