"""A chapter's self-check questions, answered in the page, remembered in the browser."""

from __future__ import annotations

import anywidget
import traitlets

from seqlab.selfcheck import chapter_questions
from seqlab.widgets._validate import front_end


class SelfCheck(anywidget.AnyWidget):
    """Chapter ``chapter``'s three to five questions, with feedback that explains.

    A multiple-choice question is answered with the radio buttons, a number in a text
    box; "Check" (or Enter) shows why the answer is right or wrong. Answers are kept in
    the browser's local storage (key ``seqlab-selfcheck``), so they are there on the next
    visit and the course page lists the chapters a reader has checked. Everything runs
    in JavaScript: it works in the static site, in JupyterLab and on Colab.

    Args:
        chapter: 0 … 13; the questions are ``seqlab.selfcheck.chNN``'s.

    Example:
        >>> SelfCheck(5)  # doctest: +SKIP

    Used in every chapter.
    """

    _esm, _css = front_end("self_check")

    chapter = traitlets.Int(0).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    questions = traitlets.List(traitlets.Dict()).tag(sync=True)

    def __init__(self, chapter: int):
        title, questions = chapter_questions(chapter)
        super().__init__(chapter=chapter, title=title, questions=[q.as_state() for q in questions])
