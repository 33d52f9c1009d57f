"""Data for every chapter: synthetic sequence tasks and an offline text corpus.

Taught in chapter 1.
"""

from seqlab.data.batch import TaskBatch
from seqlab.data.tasks import (
    TASKS,
    adding_problem,
    associative_recall,
    copy_memory,
    masked_accuracy,
    reverse_task,
    sort_task,
    task_stream,
)
from seqlab.data.text import CORPUS_SOURCE, CharVocab, corpus_splits, load_corpus, text_batches

__all__ = [
    "CORPUS_SOURCE",
    "TASKS",
    "CharVocab",
    "TaskBatch",
    "adding_problem",
    "associative_recall",
    "copy_memory",
    "corpus_splits",
    "load_corpus",
    "masked_accuracy",
    "reverse_task",
    "sort_task",
    "task_stream",
    "text_batches",
]
