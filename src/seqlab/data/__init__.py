"""Data for every chapter: synthetic sequence tasks and an offline text corpus.

Taught in chapter 1 (tasks and text) and chapter 4 (string pairs for encoder–decoders).
"""

from seqlab.data.batch import TaskBatch
from seqlab.data.pairs import (
    BOS,
    DATE_FORMATS,
    EOS,
    PAD,
    SPECIALS,
    PairBatch,
    PairTask,
    copy_task,
    date_task,
    format_date,
)
from seqlab.data.tasks import (
    TASKS,
    adding_problem,
    associative_recall,
    copy_memory,
    masked_accuracy,
    mirror_task,
    previous_token,
    reverse_task,
    sort_task,
    task_stream,
)
from seqlab.data.text import CORPUS_SOURCE, CharVocab, corpus_splits, load_corpus, text_batches

__all__ = [
    "BOS",
    "CORPUS_SOURCE",
    "DATE_FORMATS",
    "EOS",
    "PAD",
    "SPECIALS",
    "TASKS",
    "CharVocab",
    "PairBatch",
    "PairTask",
    "TaskBatch",
    "adding_problem",
    "associative_recall",
    "copy_memory",
    "copy_task",
    "corpus_splits",
    "date_task",
    "format_date",
    "load_corpus",
    "masked_accuracy",
    "mirror_task",
    "previous_token",
    "reverse_task",
    "sort_task",
    "task_stream",
    "text_batches",
]
