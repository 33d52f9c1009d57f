"""Questions a reader answers in the page itself, with feedback that explains.

Each chapter has three to five questions (``seqlab.selfcheck.ch05`` holds chapter 5's)
on its mechanisms and measurements. :class:`~seqlab.widgets.SelfCheck` shows them: it
runs in the static site without a kernel, remembers the answers in the browser, and
the course page lists which chapters a reader has checked. (The chapters import the
widget, not this module.)
"""

from __future__ import annotations

import importlib
import math
import re
from dataclasses import dataclass

__all__ = ["CHAPTERS", "Choice", "Number", "Pick", "chapter_questions", "check_questions"]

CHAPTERS = tuple(range(14))  # chapters 0 … 13 each have a module chNN


@dataclass(frozen=True)
class Choice:
    """One option of a :class:`Pick`; ``why`` says why it is right or wrong."""

    text: str
    why: str


@dataclass(frozen=True)
class Pick:
    """A multiple-choice question: ``choices[answer]`` is the right one."""

    prompt: str
    choices: tuple[Choice, ...]
    answer: int

    def as_state(self) -> dict:
        return {
            "kind": "pick",
            "prompt": self.prompt,
            "choices": [{"text": c.text, "why": c.why} for c in self.choices],
            "answer": self.answer,
        }


@dataclass(frozen=True)
class Number:
    """A question whose answer is a number, right within ``tolerance`` (absolute).

    ``right`` is shown for a right answer, ``wrong`` (the working, or the usual
    mistake) for a wrong one.
    """

    prompt: str
    answer: float
    tolerance: float
    right: str
    wrong: str
    unit: str = ""

    def as_state(self) -> dict:
        return {
            "kind": "number",
            "prompt": self.prompt,
            "answer": self.answer,
            "tolerance": self.tolerance,
            "right": self.right,
            "wrong": self.wrong,
            "unit": self.unit,
        }


def chapter_questions(chapter: int) -> tuple[str, tuple[Pick | Number, ...]]:
    """Chapter ``chapter``'s title and questions, checked.

    Raises:
        ValueError: no chapter ``chapter``, or a malformed question (an answer out of
            range, an option without an explanation, a tolerance that is not positive).
    """
    if isinstance(chapter, bool) or not isinstance(chapter, int) or chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {CHAPTERS[0]} … {CHAPTERS[-1]}, got {chapter!r}")
    module = importlib.import_module(f"seqlab.selfcheck.ch{chapter:02d}")
    return module.TITLE, check_questions(chapter, module.QUESTIONS)


def check_questions(chapter: int, questions) -> tuple[Pick | Number, ...]:
    """``questions`` as a tuple, or a ``ValueError`` naming the first malformed one."""
    questions = tuple(questions)
    verdict = re.compile(r"(Right|Correct|Wrong|Incorrect|Not quite)\b[.:!,]")  # the widget's
    if not 3 <= len(questions) <= 5:
        raise ValueError(f"chapter {chapter} has {len(questions)} questions; 3 to 5 expected")
    for k, q in enumerate(questions, 1):
        where = f"chapter {chapter}, question {k}"
        if not q.prompt.strip():
            raise ValueError(f"{where}: the prompt is empty")
        if isinstance(q, Pick):
            if not 2 <= len(q.choices) <= 5:
                raise ValueError(f"{where}: {len(q.choices)} choices; 2 to 5 expected")
            if not 0 <= q.answer < len(q.choices):
                raise ValueError(f"{where}: answer {q.answer} is not a choice's index")
            if any(not c.text.strip() or len(c.why.split()) < 4 for c in q.choices):
                raise ValueError(f"{where}: every choice needs text and a why of 4+ words")
            if any(verdict.match(c.why) for c in q.choices):
                raise ValueError(f"{where}: a why starts with a verdict; the widget says it")
        elif isinstance(q, Number):
            if not (math.isfinite(q.answer) and q.tolerance > 0):
                raise ValueError(f"{where}: the answer must be finite, the tolerance > 0")
            if len(q.right.split()) < 4 or len(q.wrong.split()) < 4:
                raise ValueError(f"{where}: right and wrong each need an explanation")
        else:
            raise TypeError(f"{where}: a Pick or a Number expected, got {type(q).__name__}")
    return questions
