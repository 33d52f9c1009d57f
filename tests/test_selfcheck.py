"""seqlab.selfcheck: every chapter's questions are well formed, their computed answers
are facts, every chapter shows them, and the course page lists every chapter."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from torch import nn

from seqlab.selfcheck import CHAPTERS, Choice, Number, Pick, chapter_questions, check_questions
from seqlab.utils import count_parameters
from seqlab.widgets import SelfCheck

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[01][0-9]_*.ipynb"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_three_to_five_checked_questions(chapter):
    title, questions = chapter_questions(chapter)
    assert title.startswith(f"{chapter}. ")
    assert 3 <= len(questions) <= 5
    widget = SelfCheck(chapter)
    assert widget.title == title and len(widget.questions) == len(questions)
    for q, state in zip(questions, widget.questions, strict=True):
        assert state["prompt"] == q.prompt and state["answer"] == q.answer
    picks = [q for q in questions if isinstance(q, Pick)]
    assert picks, "at least one multiple-choice question"
    assert len({q.answer for q in picks}) > 1 or len(picks) == 1, "the right answer never moves"


def test_every_chapter_page_shows_its_questions_under_its_title():
    assert len(NOTEBOOKS) == len(CHAPTERS)
    for path in NOTEBOOKS:
        chapter = int(path.name[:2])
        cells = json.loads(path.read_text())["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        assert f"SelfCheck({chapter})" in code, f"{path.name} does not show its self-check"
        heading = next(
            line[2:]
            for c in cells
            if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines()
            if line.startswith("# ")
        )
        assert heading == chapter_questions(chapter)[0], f"{path.name}: the title differs"


def test_the_course_page_lists_every_chapter_for_its_progress_table():
    course = (ROOT / "book" / "course.md").read_text()
    rows = re.findall(r'<tr data-chapter="(\d+)"><td><a href="([^"]+)">([^<]+)</a>', course)
    assert [int(n) for n, _, _ in rows] == list(CHAPTERS)
    for n, href, title in rows:
        assert title == chapter_questions(int(n))[0]
        assert (ROOT / "notebooks" / Path(href).with_suffix(".ipynb").name).is_file(), href
    assert "localStorage.getItem(STORE)" in course and 'STORE = "seqlab-selfcheck"' in course
    js = str(SelfCheck._esm)
    assert 'const STORE = "seqlab-selfcheck";' in js  # the same key on both sides


def facts() -> dict[tuple[int, int], float]:
    """Answers of Number questions recomputed from torch (chapter, question number)."""
    encoder = nn.TransformerEncoderLayer(32, 4, 64, batch_first=True)
    return {
        (1, 1): count_parameters(nn.RNN(32, 128)),
        (3, 1): count_parameters(nn.GRU(8, 28)),
        (7, 1): count_parameters(nn.MultiheadAttention(128, 8)),
        (9, 5): count_parameters(encoder),
        (0, 2): torch.softmax(torch.tensor([2.0, 1.0, 0.1]) / 0.5, 0)[0].item(),
    }


def test_computed_answers_are_what_torch_computes():
    for (chapter, k), value in facts().items():
        question = chapter_questions(chapter)[1][k - 1]
        assert isinstance(question, Number), (chapter, k)
        assert abs(question.answer - value) <= question.tolerance, (chapter, k, value)


GOOD = Pick("Which?", (Choice("a", "Because this is why."), Choice("b", "No, for that reason.")), 0)
NUMBER = Number("How many?", 3, 0.5, "Three, as counted here.", "Count them again, one by one.")


@pytest.mark.parametrize(
    ("questions", "match"),
    [
        ((GOOD, GOOD), "3 to 5"),
        ((GOOD, GOOD, Pick(GOOD.prompt, GOOD.choices, 2)), "not a choice"),
        ((GOOD, GOOD, Pick(GOOD.prompt, (Choice("a", "Wrong."), GOOD.choices[1]), 0)), "why"),
        ((GOOD, GOOD, Number("How many?", 3, 0, NUMBER.right, NUMBER.wrong)), "tolerance"),
        ((GOOD, GOOD, Number("How many?", 3, 1, "Right.", NUMBER.wrong)), "explanation"),
        ((GOOD, GOOD, Pick(" ", GOOD.choices, 0)), "empty"),
        (
            (
                GOOD,
                GOOD,
                Pick("Which?", (Choice("a", "Right: because of this."), GOOD.choices[1]), 0),
            ),
            "verdict",
        ),
    ],
)
def test_malformed_questions_are_refused(questions, match):
    assert check_questions(99, (GOOD, GOOD, NUMBER)) == (GOOD, GOOD, NUMBER)
    with pytest.raises(ValueError, match=match):
        check_questions(99, questions)


@pytest.mark.parametrize("chapter", [-1, 14, 1.0, True, "3"])
def test_unknown_chapters_are_refused(chapter):
    with pytest.raises(ValueError, match="chapter must be one of"):
        SelfCheck(chapter)
