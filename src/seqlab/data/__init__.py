"""Data for every chapter: synthetic sequence tasks and an offline text corpus.

Taught in chapter 1.
"""

from seqlab.data.batch import TaskBatch
from seqlab.data.text import CORPUS_SOURCE, CharVocab, corpus_splits, load_corpus, text_batches

__all__ = [
    "CORPUS_SOURCE",
    "CharVocab",
    "TaskBatch",
    "corpus_splits",
    "load_corpus",
    "text_batches",
]
