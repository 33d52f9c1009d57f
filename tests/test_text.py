"""The offline corpus, the character vocabulary and the language-model batches."""

import pytest
import torch

from seqlab.data import CharVocab, corpus_splits, load_corpus, text_batches


def test_corpus_is_offline_large_and_split_without_overlap():
    text = load_corpus()
    assert len(text) > 300_000
    splits = corpus_splits()
    assert "".join(splits[k] for k in ("train", "valid", "test")) == text
    assert len(splits["valid"]) == pytest.approx(0.05 * len(text), abs=2)
    with pytest.raises(ValueError, match="fractions"):
        corpus_splits((0.5, 0.5, 0.5))


def test_vocab_round_trip_and_unknown_policies():
    vocab = CharVocab.from_text("hello world")
    assert vocab.decode(vocab.encode("low hold")) == "low hold"
    assert len(vocab) == len(set("hello world"))
    with pytest.raises(ValueError, match=r"'z' \(U\+007A\) at position 2"):
        vocab.encode("hoz")
    lenient = CharVocab.from_text("hello world", unknown="unk")
    ids = lenient.encode("hoz")
    assert ids[-1] == len(lenient) - 1 and lenient.decode(ids) == "ho\ufffd"
    with pytest.raises(ValueError, match="outside the vocabulary"):
        vocab.decode([len(vocab)])
    with pytest.raises(ValueError, match="unknown must be"):
        CharVocab("ab", unknown="skip")
    with pytest.raises(ValueError, match="duplicates"):
        CharVocab("aba")
    with pytest.raises(TypeError, match="text must be a str"):
        vocab.encode(["h"])


def test_training_batches_are_shifted_windows_of_the_text():
    ids = torch.arange(100)
    gen = torch.Generator().manual_seed(0)
    batch = next(text_batches(ids, 4, 10, vocab_size=100, generator=gen))
    assert batch.x.shape == batch.y.shape == batch.mask.shape == (4, 10)
    torch.testing.assert_close(batch.y, batch.x + 1)  # the next id of this text
    assert batch.mask.all() and batch.n_classes == 100


def test_evaluation_batches_cover_the_text_once():
    ids = torch.arange(95)
    batches = list(text_batches(ids, 3, 10, vocab_size=95, shuffle=False))
    xs = torch.cat([b.x for b in batches]).flatten()
    torch.testing.assert_close(xs, torch.arange(90))  # 9 windows of 10, in order
    with pytest.raises(ValueError, match="fewer than seq_len"):
        next(text_batches(torch.arange(5), 2, 10, vocab_size=5))
    with pytest.raises(ValueError, match="batch_size"):
        next(text_batches(ids, 0, 10, vocab_size=95))
